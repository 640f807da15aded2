// hubdeps lock --update [NAME...] [--lock FILE] [--json]
// hubdeps lock --prune NAME... [--lock FILE] [--json]
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "env.hpp"
#include "error.hpp"
#include "pin.hpp"
#include "os/utf8_path.hpp"

namespace hubdeps::cli {

namespace {

struct LockOptions {
  std::string lock = "hubdeps.lock";
  std::vector<std::string> names;
  bool update = false;
  bool prune = false;
  bool json = false;
};

nlohmann::json paths_json(const std::vector<LockedFile>& files) {
  auto list = nlohmann::json::array();
  for (const auto& file : files) list.push_back(file.path);
  return list;
}

// --json of --update: per entry, the commits and the files added, removed
// and changed (same path, other size or hash).
nlohmann::json changes_json(const std::vector<std::pair<std::string, EntryChange>>& changes) {
  auto entries = nlohmann::json::object();
  for (const auto& [name, change] : changes) {
    auto changed = nlohmann::json::array();
    for (const auto& file : change.changed) changed.push_back(file.after.path);
    entries[name] = {{"old_commit", change.old_commit}, {"new_commit", change.new_commit},
                     {"added", paths_json(change.added)}, {"removed", paths_json(change.removed)},
                     {"changed", changed}};
  }
  return {{"updated", entries}};
}

void run_lock(const LockOptions& options) {
  if (options.prune) {
    prune_locks(os::utf8_path(options.lock), options.names);
    if (options.json) {
      std::cout << nlohmann::json{{"removed", options.names}}.dump(2) << "\n";
      return;
    }
    for (const auto& name : options.names) std::cout << name << ": removed from " << options.lock << "\n";
    return;
  }
  if (!options.update) {
    throw Error(ExitCode::usage, "nothing to do: 'hubdeps lock --update [NAME...]' moves lock "
                                 "entries to the newest commit of their revision, 'hubdeps lock "
                                 "--prune NAME...' removes entries");
  }
  const auto changes = update_locks(Environment::from_process(), os::utf8_path(options.lock), options.names);
  if (options.json) {
    std::cout << changes_json(changes).dump(2) << "\n";
    return;
  }
  for (const auto& [name, change] : changes) std::cout << describe_change(name, change);
}

}  // namespace

void add_lock_command(CLI::App& app) {
  auto options = std::make_shared<LockOptions>();
  auto* cmd = app.add_subcommand("lock", "Move lockfile pins to the newest commit of their revision, or remove entries");
  cmd->add_option("names", options->names, "Entries to update (default: all) or to remove");
  cmd->add_option("--lock", options->lock, "The lockfile")->capture_default_str();
  auto* update = cmd->add_flag("--update", options->update, "Re-resolve the entries and record the new commits");
  cmd->add_flag("--prune", options->prune, "Remove the named entries (declarations that are gone)")
      ->excludes(update);
  cmd->add_flag("--json", options->json,
                "Print {updated: {NAME: {old_commit, new_commit, added, removed, changed}}} or {removed: [NAME]}");
  cmd->callback([options] { run_lock(*options); });
}

}  // namespace hubdeps::cli
