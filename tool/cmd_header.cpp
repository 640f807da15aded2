// `hubdeps header`: JSON config files -> a C++ header of compile-time
// constants (the mapping: docs/header-mapping.md).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "codegen.hpp"
#include "commands.hpp"
#include "error.hpp"

namespace hubdeps::cli {

namespace {

struct HeaderOptions {
  std::vector<std::string> files;
  std::string cpp_namespace;
  std::string out;
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

void run_header(const HeaderOptions& options) {
  std::vector<ConfigInput> inputs;
  inputs.reserve(options.files.size());
  for (const std::string& file : options.files) inputs.push_back(load_config_input(file));
  std::vector<HeaderStringConstant> constants;
  for (const std::string& assignment : options.constants) {
    constants.push_back(parse_constant(assignment));
  }
  // Generate everything before touching the output, so bad input leaves the
  // previous header (or no header) in place.
  const std::string header = generate_header(inputs, options.cpp_namespace, constants);
  if (options.out.empty()) {
    std::cout << header << std::flush;
    if (!std::cout) throw Error(ExitCode::usage, "cannot write the header to standard output");
    return;
  }
  write_if_changed(options.out, header);
}

}  // namespace

void add_header_command(CLI::App& app) {
  auto options = std::make_shared<HeaderOptions>();
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
