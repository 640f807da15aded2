// hubdeps verify [--lock FILE] [--repair]
#include <unistd.h>

#include <iostream>
#include <memory>

#include "commands.hpp"
#include "env.hpp"
#include "error.hpp"
#include "pin.hpp"

namespace hubdeps::cli {

namespace {

struct VerifyOptions {
  std::string lock = "hubdeps.lock";
  bool repair = false;
  bool quiet = false;
};

void run_verify(const VerifyOptions& options) {
  const Environment env = Environment::from_process();
  const VerifyReport report = verify_lockfile(env, options.lock);
  for (const auto& problem : report.problems) {
    std::cerr << "hubdeps: " << problem.entry << ": " << problem.path << " is corrupt in the cache ("
              << problem.blob << "): " << problem.problem << "\n";
  }
  for (const auto& [entry, path] : report.not_cached) {
    std::cerr << "hubdeps: " << entry << ": " << path << " is not in the cache"
              << (options.repair ? "" : " (--repair fetches it)") << "\n";
  }
  std::cout << report.checked << " cached file(s) checked, " << report.problems.size()
            << " corrupt, " << report.not_cached.size() << " not cached\n";
  if (report.problems.empty() && (report.not_cached.empty() || !options.repair)) return;
  if (!options.repair) {
    throw Error(ExitCode::integrity, std::to_string(report.problems.size()) +
                                         " cached file(s) do not match " + options.lock +
                                         "; run 'hubdeps verify --repair' to download them again");
  }
  Progress progress(Progress::mode_for(options.quiet, STDERR_FILENO), std::cerr);
  repair_lockfile(env, options.lock, report, progress);
  const VerifyReport after = verify_lockfile(env, options.lock);
  if (!after.problems.empty() || !after.not_cached.empty()) {
    throw Error(ExitCode::integrity, "repair failed: " + std::to_string(after.problems.size()) +
                                         " file(s) still do not match " + options.lock + " and " +
                                         std::to_string(after.not_cached.size()) + " are not cached");
  }
  std::cout << "repaired " << report.problems.size() << " file(s), fetched " << report.not_cached.size()
            << " missing file(s)\n";
}

}  // namespace

void add_verify_command(CLI::App& app) {
  auto options = std::make_shared<VerifyOptions>();
  auto* cmd = app.add_subcommand("verify", "Check every file a lockfile names against the cache, re-hashing each blob");
  cmd->add_option("--lock", options->lock, "The lockfile")->capture_default_str();
  cmd->add_flag("--repair", options->repair, "Download corrupt and missing files again (the Hub confirms the pins first)");
  cmd->add_flag("--quiet", options->quiet, "No progress output");
  cmd->callback([options] { run_verify(*options); });
}

}  // namespace hubdeps::cli
