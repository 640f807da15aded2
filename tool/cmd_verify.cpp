// hubdeps verify [--lock FILE] [--repair] [--json]
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "env.hpp"
#include "error.hpp"
#include "os/interrupt.hpp"
#include "os/terminal.hpp"
#include "pin.hpp"
#include "os/utf8_path.hpp"

namespace hubdeps::cli {

namespace {

struct VerifyOptions {
  std::string lock = "hubdeps.lock";
  bool repair = false;
  bool quiet = false;
  bool json = false;
};

void tell(const VerifyOptions& options, const VerifyReport& report) {
  for (const auto& problem : report.problems) {
    std::cerr << "hubdeps: " << problem.entry << ": " << problem.path << " is corrupt in the cache"
              << (problem.blob.empty() ? "" : " (" + problem.blob + ")") << ": " << problem.problem << "\n";
  }
  for (const auto& [entry, path] : report.not_cached) {
    std::cerr << "hubdeps: " << entry << ": " << path << " is not in the cache"
              << (options.repair ? "" : " (--repair fetches it)") << "\n";
  }
  if (!options.json) {
    std::cout << report.checked << " cached file(s) checked, " << report.problems.size() << " corrupt, "
              << report.not_cached.size() << " not cached\n";
  }
}

// --json: what was found, and whether a repair ran; printed before any
// error exit, so a CI step can read it either way.
void print_json(const VerifyReport& report, bool repaired) {
  auto corrupt = nlohmann::json::array();
  for (const auto& problem : report.problems) {
    corrupt.push_back({{"entry", problem.entry}, {"path", problem.path}, {"blob", problem.blob},
                       {"problem", problem.problem}});
  }
  auto missing = nlohmann::json::array();
  for (const auto& [entry, path] : report.not_cached) missing.push_back({{"entry", entry}, {"path", path}});
  const nlohmann::json out{{"checked", report.checked}, {"corrupt", corrupt}, {"not_cached", missing},
                           {"repaired", repaired}};
  std::cout << out.dump(2) << "\n";
}

void run_verify(const VerifyOptions& options) {
  const Environment env = Environment::from_process();
  const VerifyReport report = verify_lockfile(env, os::utf8_path(options.lock));
  tell(options, report);
  const bool needs_repair = !report.problems.empty() || (!report.not_cached.empty() && options.repair);
  if (!needs_repair || !options.repair) {
    if (options.json) print_json(report, false);
    if (report.problems.empty()) return;
    throw Error(ExitCode::integrity, std::to_string(report.problems.size()) +
                                         " cached file(s) do not match " + options.lock +
                                         "; run 'hubdeps verify --repair' to download them again");
  }
  os::say_on_interrupt(
      "\nhubdeps: interrupted: what was downloaded is kept in the cache; run the same command again to "
      "resume\n");
  Progress progress(Progress::mode_for(options.quiet, os::stderr_descriptor()), std::cerr);
  repair_lockfile(env, os::utf8_path(options.lock), report, progress);
  const VerifyReport after = verify_lockfile(env, os::utf8_path(options.lock));
  if (options.json) print_json(after, true);
  if (!after.problems.empty() || !after.not_cached.empty()) {
    throw Error(ExitCode::integrity, "repair failed: " + std::to_string(after.problems.size()) +
                                         " file(s) still do not match " + options.lock + " and " +
                                         std::to_string(after.not_cached.size()) + " are not cached");
  }
  if (!options.json) {
    std::cout << "repaired " << report.problems.size() << " file(s), fetched " << report.not_cached.size()
              << " missing file(s)\n";
  }
}

}  // namespace

void add_verify_command(CLI::App& app) {
  auto options = std::make_shared<VerifyOptions>();
  auto* cmd = app.add_subcommand("verify", "Check every file a lockfile names against the cache, re-hashing each blob");
  cmd->add_option("--lock", options->lock, "The lockfile")->capture_default_str();
  cmd->add_flag("--repair", options->repair, "Download corrupt and missing files again (the Hub confirms the pins first)");
  cmd->add_flag("--json", options->json,
                "Print {checked, corrupt: [{entry, path, blob, problem}], not_cached: [{entry, path}], repaired}");
  cmd->add_flag("--quiet", options->quiet, "No progress output");
  cmd->callback([options] { run_verify(*options); });
}

}  // namespace hubdeps::cli
