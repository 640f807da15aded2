// hubdeps lock --update [NAME...] [--lock FILE]
// hubdeps lock --prune NAME... [--lock FILE]
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "env.hpp"
#include "error.hpp"
#include "pin.hpp"

namespace hubdeps::cli {

namespace {

struct LockOptions {
  std::string lock = "hubdeps.lock";
  std::vector<std::string> names;
  bool update = false;
  bool prune = false;
};

void run_lock(const LockOptions& options) {
  if (options.prune) {
    prune_locks(options.lock, options.names);
    for (const auto& name : options.names) std::cout << name << ": removed from " << options.lock << "\n";
    return;
  }
  if (!options.update) {
    throw Error(ExitCode::usage, "nothing to do: 'hubdeps lock --update [NAME...]' moves lock "
                                 "entries to the newest commit of their revision, 'hubdeps lock "
                                 "--prune NAME...' removes entries");
  }
  const auto changes = update_locks(Environment::from_process(), options.lock, options.names);
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
  cmd->callback([options] { run_lock(*options); });
}

}  // namespace hubdeps::cli
