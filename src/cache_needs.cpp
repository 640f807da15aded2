#include "cache_needs.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <system_error>

#include "cache.hpp"
#include "error.hpp"
#include "hash.hpp"
#include "os/utf8_path.hpp"

namespace hubdeps {

namespace {

std::string folder_of(const LockEntry& entry) {
  return RepoCache::folder_name(entry.declared.repo_type, entry.declared.repo_id);
}

// How many of the entry's files the snapshot holds, linked to the blob the
// lock names (or stored as a copy, which the scan cannot name).
std::size_t cached_files(const LockEntry& entry, const CachedRevision& revision) {
  std::size_t cached = 0;
  for (const LockedFile& file : entry.files) {
    const auto found = std::lower_bound(
        revision.entries.begin(), revision.entries.end(), file.path,
        [](const SnapshotEntry& e, const std::string& path) { return e.path < path; });
    if (found == revision.entries.end() || found->path != file.path || !found->present) continue;
    if (!found->is_link || found->blob == file.etag()) ++cached;
  }
  return cached;
}

}  // namespace

std::vector<NamedLockfile> read_lockfiles_for_cache(const std::vector<std::string>& paths,
                                                    bool require_entries) {
  std::vector<NamedLockfile> locks;
  for (const std::string& path : paths) {
    const std::filesystem::path file = os::utf8_path(path);
    std::error_code error;
    if (!std::filesystem::is_regular_file(file, error)) {
      throw Error(ExitCode::usage,
                  "lockfile '" + path + "' does not exist" +
                      (std::filesystem::exists(file, error) ? " as a file" : "") +
                      "; pass the project's hubdeps.lock (written by 'hubdeps fetch --lock' or the "
                      "CMake module)");
    }
    NamedLockfile named{path, read_lockfile(file)};
    if (require_entries && named.lock.entries.empty()) {
      throw Error(ExitCode::usage, "lockfile '" + path +
                                       "' pins nothing (no entries); fetch with it first, or pass "
                                       "the lockfile that pins what the cache must keep");
    }
    locks.push_back(std::move(named));
  }
  return locks;
}

std::map<std::string, RepoNeeds> needs_of(const std::vector<NamedLockfile>& locks) {
  std::map<std::string, RepoNeeds> needs;
  for (const auto& named : locks) {
    for (const auto& [name, entry] : named.lock.entries) {
      RepoNeeds& repo = needs[folder_of(entry)];
      auto& files = repo.files[entry.commit];
      for (const LockedFile& file : entry.files) {
        files[file.path] = file.etag();
        repo.blobs.insert(file.etag());
      }
      repo.refs.emplace(entry.declared.revision, entry.commit);
    }
  }
  return needs;
}

LockCoverage coverage_of(const CacheInventory& inventory, const std::vector<NamedLockfile>& locks) {
  LockCoverage coverage;
  for (const auto& named : locks) {
    for (const auto& [name, entry] : named.lock.entries) {
      const std::string folder = folder_of(entry);
      const auto repo = std::find_if(inventory.repos.begin(), inventory.repos.end(),
                                     [&](const CachedRepo& r) { return r.folder == folder; });
      const CachedRevision* revision = nullptr;
      if (repo != inventory.repos.end()) {
        for (const auto& candidate : repo->revisions) {
          if (candidate.commit == entry.commit) revision = &candidate;
        }
      }
      if (revision) {
        coverage.served[{folder, entry.commit}].push_back(
            {named.name, name, entry.files.size(), cached_files(entry, *revision)});
        continue;
      }
      coverage.not_cached.push_back(
          {named.name, name, entry.declared.repo_type, entry.declared.repo_id.str(), entry.commit,
           repo == inventory.repos.end() ? "the repo is not in the cache"
                                         : "its commit is not in the cache"});
    }
  }
  return coverage;
}

std::string cache_key(const std::vector<NamedLockfile>& locks) {
  std::vector<std::string> lines;
  for (const auto& named : locks) {
    for (const auto& [name, entry] : named.lock.entries) {
      const std::string type(to_string(entry.declared.repo_type));
      const std::string& repo = entry.declared.repo_id.str();
      lines.push_back(nlohmann::json::array({type, repo, entry.commit}).dump());
      for (const LockedFile& file : entry.files) {
        lines.push_back(nlohmann::json::array({type, repo, entry.commit, file.path, file.etag()}).dump());
      }
    }
  }
  std::sort(lines.begin(), lines.end());
  lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
  std::string text = "hubdeps cache key v1\n";
  for (const auto& line : lines) text += line + "\n";
  return sha256_hex(text).substr(0, 16);
}

}  // namespace hubdeps
