// hubdeps cache ls [--json] [--lock FILE]...
// hubdeps cache prune --keep-lock FILE... [--keep-refs] [--dry-run] [--json]
// hubdeps cache key [--lock FILE]...
// (each with [--cache-dir DIR] where it reads the cache)
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cache_needs.hpp"
#include "cache_prune.hpp"
#include "cache_scan.hpp"
#include "commands.hpp"
#include "env.hpp"
#include "error.hpp"
#include "os/utf8_path.hpp"
#include "progress.hpp"

namespace hubdeps::cli {

namespace {

using Json = nlohmann::ordered_json;

struct CacheOptions {
  std::string cache_dir;
  std::vector<std::string> locks;
  bool json = false;
  bool keep_refs = false;
  bool dry_run = false;
};

std::filesystem::path cache_root(const CacheOptions& options) {
  if (!options.cache_dir.empty()) return os::utf8_path(options.cache_dir);
  return Environment::from_process().hub_cache;
}

std::string bytes_text(std::uint64_t bytes) {
  return format_bytes(static_cast<double>(bytes)) + " (" + std::to_string(bytes) + " bytes)";
}

Json served_json(const std::vector<ServedEntry>& served) {
  Json list = Json::array();
  for (const auto& s : served) {
    list.push_back({{"lockfile", s.lockfile}, {"entry", s.entry}, {"files", s.files}, {"cached", s.cached}});
  }
  return list;
}

Json inventory_json(const CacheInventory& inventory, const LockCoverage& coverage) {
  Json repos = Json::array();
  for (const auto& repo : inventory.repos) {
    Json revisions = Json::array();
    for (const auto& revision : repo.revisions) {
      const auto served = coverage.served.find({repo.folder, revision.commit});
      revisions.push_back({{"commit", revision.commit},
                           {"refs", revision.refs},
                           {"files", revision.present_files()},
                           {"size", revision.size},
                           {"serves", served_json(served == coverage.served.end() ? std::vector<ServedEntry>{}
                                                                                  : served->second)}});
    }
    repos.push_back({{"repo_id", repo.repo_id},
                     {"repo_type", to_string(repo.type)},
                     {"folder", repo.folder},
                     {"size", repo.size},
                     {"blobs", repo.blobs.size()},
                     {"unreferenced_size", repo.unreferenced_size},
                     {"incomplete_size", repo.incomplete_size},
                     {"refs", repo.refs},
                     {"revisions", std::move(revisions)},
                     {"problems", repo.problems}});
  }
  Json not_cached = Json::array();
  for (const auto& e : coverage.not_cached) {
    not_cached.push_back({{"lockfile", e.lockfile},
                          {"entry", e.entry},
                          {"repo_type", to_string(e.type)},
                          {"repo_id", e.repo_id},
                          {"commit", e.commit},
                          {"why", e.why}});
  }
  return {{"cache_dir", inventory.root.string()},
          {"size", inventory.size()},
          {"repos", std::move(repos)},
          {"not_cached", std::move(not_cached)},
          {"skipped", inventory.skipped}};
}

void print_inventory(const CacheInventory& inventory, const LockCoverage& coverage) {
  std::cout << inventory.root.string() << ": " << inventory.repos.size() << " repo(s), "
            << bytes_text(inventory.size()) << "\n";
  for (const auto& repo : inventory.repos) {
    std::cout << "\n" << to_string(repo.type) << " " << repo.repo_id << "  " << format_bytes(repo.size) << ", "
              << repo.blobs.size() << " blob(s)";
    if (repo.unreferenced_size) std::cout << ", " << format_bytes(repo.unreferenced_size) << " in no snapshot";
    if (repo.incomplete_size) std::cout << ", " << format_bytes(repo.incomplete_size) << " of interrupted downloads";
    std::cout << "\n";
    for (const auto& revision : repo.revisions) {
      std::cout << "  " << revision.commit;
      for (std::size_t i = 0; i < revision.refs.size(); ++i) std::cout << (i ? ", " : "  ") << revision.refs[i];
      std::cout << "  " << revision.present_files() << " file(s), " << format_bytes(revision.size);
      const auto served = coverage.served.find({repo.folder, revision.commit});
      if (served != coverage.served.end()) {
        for (const auto& s : served->second) {
          std::cout << "\n    serves " << s.lockfile << ": " << s.entry << " (" << s.cached << " of " << s.files
                    << " locked file(s) cached)";
        }
      }
      std::cout << "\n";
    }
    for (const auto& problem : repo.problems) std::cout << "  problem: " << problem << "\n";
  }
  if (!coverage.not_cached.empty()) std::cout << "\nnot cached:\n";
  for (const auto& e : coverage.not_cached) {
    std::cout << "  " << e.lockfile << ": " << e.entry << " (" << to_string(e.type) << " " << e.repo_id << " at "
              << e.commit << "): " << e.why << "\n";
  }
  for (const auto& skipped : inventory.skipped) std::cout << "not a repo: " << skipped << "\n";
}

void run_ls(const CacheOptions& options) {
  const auto locks = read_lockfiles_for_cache(options.locks, false);
  const CacheInventory inventory = scan_cache(cache_root(options));
  const LockCoverage coverage = coverage_of(inventory, locks);
  if (options.json) {
    std::cout << inventory_json(inventory, coverage).dump(2) << "\n";
  } else {
    print_inventory(inventory, coverage);
  }
}

void print_prune(const PruneReport& report, const CacheOptions& options) {
  const char* verb = options.dry_run ? "would remove " : "removed ";
  for (const auto& action : report.removed) {
    std::cout << verb << action.folder << (action.path.empty() ? "" : "/") << action.path;
    if (action.kind == PruneAction::Kind::ref) std::cout << " (" << action.commit << ")";
    if (action.kind == PruneAction::Kind::snapshot) std::cout << " (" << action.files << " file(s))";
    if (action.bytes) std::cout << "  " << format_bytes(static_cast<double>(action.bytes));
    std::cout << "\n";
  }
  for (const auto& skip : report.skipped) {
    std::cout << "kept " << skip.folder << ": " << skip.what << ": " << skip.why << "\n";
  }
  std::cout << (options.dry_run ? "would free " : "freed ") << bytes_text(report.freed) << ", "
            << report.removed.size() << " item(s) " << (options.dry_run ? "to remove" : "removed") << "\n";
}

void print_prune_json(const PruneReport& report, const CacheOptions& options) {
  Json removed = Json::array();
  for (const auto& a : report.removed) {
    Json item = {{"kind", to_string(a.kind)}, {"folder", a.folder}, {"path", a.path}, {"bytes", a.bytes}};
    if (a.kind == PruneAction::Kind::snapshot) item["files"] = a.files;
    if (a.kind == PruneAction::Kind::ref) item["commit"] = a.commit;
    removed.push_back(std::move(item));
  }
  Json skipped = Json::array();
  for (const auto& s : report.skipped) skipped.push_back({{"folder", s.folder}, {"what", s.what}, {"why", s.why}});
  std::cout << Json{{"dry_run", options.dry_run}, {"freed", report.freed}, {"removed", std::move(removed)},
                    {"skipped", std::move(skipped)}, {"failures", report.failures}}
                   .dump(2)
            << "\n";
}

void run_prune(const CacheOptions& options) {
  const auto locks = read_lockfiles_for_cache(options.locks, true);
  const PruneReport report = prune_cache(cache_root(options), locks, {options.keep_refs, options.dry_run});
  if (options.json) {
    print_prune_json(report, options);
  } else {
    print_prune(report, options);
  }
  if (report.failures) {
    throw Error(ExitCode::io, std::to_string(report.failures) +
                                  " path(s) in the cache could not be removed (named above); check the "
                                  "permissions of the cache folder, then prune again");
  }
}

void run_key(const CacheOptions& options) {
  std::vector<std::string> paths = options.locks;
  if (paths.empty()) paths.push_back("hubdeps.lock");
  std::cout << cache_key(read_lockfiles_for_cache(paths, true)) << "\n";
}

void add_cache_dir_option(CLI::App* cmd, CacheOptions& options) {
  cmd->add_option("--cache-dir", options.cache_dir,
                  "The Hugging Face cache (default: HF_HUB_CACHE, else $HF_HOME/hub)");
}

}  // namespace

void add_cache_command(CLI::App& app) {
  auto* cache = app.add_subcommand("cache", "See the shared cache, prune it to what lockfiles need, key it for CI");
  cache->require_subcommand(1);

  auto ls_options = std::make_shared<CacheOptions>();
  auto* ls = cache->add_subcommand("ls", "List every cached repo and revision with sizes, and the lock entries "
                                         "each serves");
  add_cache_dir_option(ls, *ls_options);
  ls->add_option("--lock", ls_options->locks, "A lockfile whose entries to match (repeatable)");
  ls->add_flag("--json", ls_options->json, "Print JSON");
  ls->callback([ls_options] { run_ls(*ls_options); });

  auto prune_options = std::make_shared<CacheOptions>();
  auto* prune = cache->add_subcommand("prune", "Remove every snapshot, blob, ref and listing none of the given "
                                               "lockfiles needs");
  add_cache_dir_option(prune, *prune_options);
  prune->add_option("--keep-lock", prune_options->locks, "A lockfile whose pins to keep (repeatable)")->required();
  prune->add_flag("--keep-refs", prune_options->keep_refs, "Also keep what the cached refs point to");
  prune->add_flag("--dry-run", prune_options->dry_run, "Only print what would be removed");
  prune->add_flag("--json", prune_options->json, "Print JSON");
  prune->callback([prune_options] { run_prune(*prune_options); });

  auto key_options = std::make_shared<CacheOptions>();
  auto* key = cache->add_subcommand("key", "Print a short key derived from what the lockfiles pin, for CI caches");
  key->add_option("--lock", key_options->locks, "The lockfile (repeatable; default hubdeps.lock)");
  key->callback([key_options] { run_key(*key_options); });
}

}  // namespace hubdeps::cli
