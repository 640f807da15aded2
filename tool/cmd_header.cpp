// `hubdeps header`: JSON config files -> a C++ header of compile-time
// constants, and with --out-source the data source of its large values (the
// mapping: docs/header-mapping.md).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "codegen.hpp"
#include "commands.hpp"
#include "error.hpp"
#include "os/utf8_path.hpp"

namespace hubdeps::cli {

namespace {

struct HeaderCommandOptions {
  std::vector<std::string> files;
  std::string cpp_namespace;
  std::string out;
  std::string out_source;
  std::vector<std::string> constants;  // NAME=VALUE
};

HeaderStringConstant parse_constant(const std::string& assignment) {
  const std::size_t equals = assignment.find('=');
  if (equals == std::string::npos || equals == 0) {
    throw Error(ExitCode::usage, "--constant '" + assignment +
                                     "' is not NAME=VALUE; write it like --constant repo_id=gpt2");
  }
  return {assignment.substr(0, equals), assignment.substr(equals + 1)};
}

void run_header(const HeaderCommandOptions& options) {
  if (!options.out_source.empty() && options.out.empty()) {
    throw Error(ExitCode::usage, "--out-source needs --out: the data source includes the header by its path");
  }
  std::vector<ConfigInput> inputs;
  inputs.reserve(options.files.size());
  for (const std::string& file : options.files) inputs.push_back(load_config_input(file));
  HeaderOptions header_options;
  for (const std::string& assignment : options.constants) {
    header_options.extra_constants.push_back(parse_constant(assignment));
  }
  if (!options.out_source.empty()) {
    header_options.header_include = header_include_path(os::utf8_path(options.out_source), os::utf8_path(options.out));
  }
  // Generate everything before touching the output, so bad input leaves the
  // previous header (or no header) in place.
  const GeneratedHeader generated =
      generate_header_and_source(inputs, options.cpp_namespace, header_options);
  if (generated.has_data() && options.out_source.empty()) {
    throw Error(ExitCode::usage, large_values_need_a_source(generated, "--out-source"));
  }
  if (options.out.empty()) {
    std::cout << generated.header << std::flush;
    if (!std::cout) throw Error(ExitCode::usage, "cannot write the header to standard output");
    return;
  }
  // The source first: a header never declares values no source defines.
  if (!options.out_source.empty()) write_if_changed(os::utf8_path(options.out_source), generated.data_source);
  write_if_changed(os::utf8_path(options.out), generated.header);
}

}  // namespace

void add_header_command(CLI::App& app) {
  auto options = std::make_shared<HeaderCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "header",
      "Generate a C++ header of compile-time constants from JSON config files: each FILE.json "
      "becomes namespace NS::<file stem>, e.g. hf::bert::config::hidden_size. The mapping of names "
      "and types is specified in docs/header-mapping.md");
  command->add_option("files", options->files, "JSON config files (config.json, ...)")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--namespace", options->cpp_namespace, "C++ namespace, e.g. hf::bert")
      ->required();
  command->add_option("--out", options->out,
                      "Write the header to this file, only if its content changed "
                      "(default: standard output)");
  command->add_option("--out-source", options->out_source,
                      "Write the data source here: the .cpp that defines the configs' large values "
                      "(docs/header-mapping.md, \"Large values\"), to compile once into the "
                      "program; needed when there are any (only written if its content changed)");
  command
      ->add_option("--constant", options->constants,
                   "NAME=VALUE: also define `inline constexpr std::string_view NAME` at the top "
                   "of the namespace (repeatable), e.g. repo_id=gpt2")
      ->expected(1)
      ->allow_extra_args(false)  // one value per --constant: files may follow it
      ->take_all();
  command->callback([options] { run_header(*options); });
}

}  // namespace hubdeps::cli
