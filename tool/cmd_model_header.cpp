// hubdeps model-header --fetch-json FILE --namespace NS [--config FILE.json]... --out FILE.hpp
//   [--out-source FILE.cpp]
// The header CMake's hf_fetch_model() gives a project (src/model_header.hpp).
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "codegen.hpp"
#include "commands.hpp"
#include "error.hpp"
#include "model_header.hpp"
#include "os/utf8_path.hpp"

namespace hubdeps::cli {

namespace {

struct ModelHeaderOptions {
  std::string fetch_json;
  std::string cpp_namespace;
  std::vector<std::string> configs;
  std::string out;
  std::string out_source;
};

std::string read_text_file(const std::string& file) {
  std::ifstream stream(os::utf8_path(file), std::ios::binary);
  if (!stream) {
    throw Error(ExitCode::usage, "cannot read " + file + "; write it with `hubdeps fetch --json`");
  }
  return std::string(std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>());
}

void run_model_header(const ModelHeaderOptions& options) {
  const FetchedSnapshot snapshot =
      parse_fetch_json(read_text_file(options.fetch_json), options.fetch_json);
  std::vector<ConfigInput> configs;
  for (const std::string& file : options.configs) configs.push_back(load_config_input(os::utf8_path(file)));
  // Everything is generated before the output is touched, so bad input
  // leaves the previous header in place; an unchanged header keeps its
  // timestamp, so a re-configure rebuilds nothing.
  const GeneratedHeader generated = generate_model_header_files(
      snapshot, options.cpp_namespace, configs, options.out, options.out_source, "--out-source");
  write_model_header_files(generated, options.out, options.out_source, false);
}

}  // namespace

void add_model_header_command(CLI::App& app) {
  auto options = std::make_shared<ModelHeaderOptions>();
  CLI::App* command = app.add_subcommand(
      "model-header",
      "Generate the header of one fetched snapshot (repo id, commit, file paths and the "
      "accessors of chosen configs) from saved `fetch --json` output; `fetch --header` "
      "writes the same header in the fetching process");
  command->add_option("--fetch-json", options->fetch_json, "What `hubdeps fetch --json` printed")
      ->required();
  command->add_option("--namespace", options->cpp_namespace, "C++ namespace, e.g. hf::bert")
      ->required();
  command->add_option("--config", options->configs,
                      "A JSON config of the snapshot whose accessors to add, e.g. the snapshot's "
                      "config.json (repeatable)");
  command->add_option("--out", options->out, "The header to write, only if its content changed")
      ->required();
  command->add_option("--out-source", options->out_source,
                      "The data source to write: the .cpp that defines the configs' large values "
                      "(docs/header-mapping.md, \"Large values\"); needed when there are any");
  command->callback([options] { run_model_header(*options); });
}

}  // namespace hubdeps::cli
