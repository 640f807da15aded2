// hubdeps: the command line. Parses arguments, calls the engine, prints,
// and maps errors to the documented exit codes. Nothing else.
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "error.hpp"
#include "http.hpp"
#include "os/environment.hpp"

namespace {

constexpr const char* kExitCodes =
    "Exit codes:\n"
    "  0  success\n"
    "  2  usage error or invalid input\n"
    "  3  not found (repo, revision or file)\n"
    "  4  access denied (private without token, gated repo, bad token)\n"
    "  5  network or server failure after retries\n"
    "  6  integrity failure (size or hash mismatch)\n"
    "  7  lockfile out of date (--locked) or contradicted by the Hub\n"
    "  8  offline and not in the cache\n"
    "  9  local I/O failure (permissions, disk full)\n"
    " 10  push: the commit's answer was lost and the Hub does not show it; running the push\n"
    "     again is safe\n";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hubdeps: Hugging Face Hub models, tokenizers and datasets as build dependencies"};
  app.footer(kExitCodes);
  app.set_version_flag("--version", std::string("hubdeps ") + HUBDEPS_VERSION);
  app.require_subcommand(1);
  // On Windows CLI11 reads "/name" as an option; an argument that starts
  // with '/' is a path here (subcommands inherit this).
  app.allow_windows_style_options(false);

  hubdeps::cli::add_fetch_command(app);
  hubdeps::cli::add_lock_command(app);
  hubdeps::cli::add_verify_command(app);
  hubdeps::cli::add_header_command(app);
  hubdeps::cli::add_model_header_command(app);
  hubdeps::cli::add_push_command(app);
  hubdeps::cli::add_cache_command(app);

  // UTF-8 on every platform (on Windows from the wide command line; main's
  // argv there is in the ANSI code page). Not CLI11's ensure_utf8: Debian 12
  // has CLI11 2.1.2, and that arrived in 2.3.
  std::vector<std::string> arguments = hubdeps::os::command_line_arguments(argc, argv);
  std::vector<char*> utf8_argv;
  for (auto& argument : arguments) utf8_argv.push_back(argument.data());

  try {
    app.parse(static_cast<int>(utf8_argv.size()), utf8_argv.data());
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : static_cast<int>(hubdeps::ExitCode::usage);
  } catch (const hubdeps::Error& e) {
    std::cerr << "hubdeps: error: " << e.what() << "\n";
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::cerr << "hubdeps: internal error: " << e.what() << "\n";
    return 1;
  } catch (const hubdeps::TransportError& e) {
    // A transport that could not even be made (libcurl could not start).
    std::cerr << "hubdeps: error: " << e.message << "\n";
    return static_cast<int>(hubdeps::ExitCode::network);
  }
  return 0;
}
