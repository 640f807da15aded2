// What lockfiles need from the shared cache: the snapshot entries, blobs and
// refs `hubdeps cache prune` keeps, which cached revisions serve which
// locked entries (`hubdeps cache ls --lock`), and the CI cache key
// (`hubdeps cache key`), derived from exactly what the locks pin.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cache_scan.hpp"
#include "lockfile.hpp"

namespace hubdeps {

// A lockfile a cache command was given, and the name it was given by.
struct NamedLockfile {
  std::string name;  // the path as the user wrote it
  Lockfile lock;
};

// Reads each lockfile. Unlike a fetch, which creates a missing lockfile, a
// cache command given one that does not exist fails (Error(usage)) rather
// than treat it as pinning nothing; so does an empty one when
// `require_entries` (a prune or a key of nothing is a mistake).
std::vector<NamedLockfile> read_lockfiles_for_cache(const std::vector<std::string>& paths,
                                                    bool require_entries);

// What the locks pin in one repo folder.
struct RepoNeeds {
  std::map<std::string, std::map<std::string, std::string>> files;  // commit -> path -> blob name
  std::set<std::string> blobs;                                      // every locked blob
  std::set<std::pair<std::string, std::string>> refs;               // (declared revision, locked commit)
};

// By repo folder name ("models--org--name").
std::map<std::string, RepoNeeds> needs_of(const std::vector<NamedLockfile>& locks);

// A locked entry a cached revision serves: the revision is the entry's
// commit, and `cached` of its `files` are in the snapshot.
struct ServedEntry {
  std::string lockfile;
  std::string entry;
  std::size_t files = 0;
  std::size_t cached = 0;
};

// A locked entry the cache does not serve at all.
struct UncachedEntry {
  std::string lockfile;
  std::string entry;
  RepoType type = RepoType::model;
  std::string repo_id;
  std::string commit;
  std::string why;  // "the repo is not in the cache" / "its commit is not in the cache"
};

struct LockCoverage {
  std::map<std::pair<std::string, std::string>, std::vector<ServedEntry>> served;  // (folder, commit)
  std::vector<UncachedEntry> not_cached;
};

LockCoverage coverage_of(const CacheInventory& inventory, const std::vector<NamedLockfile>& locks);

// 16 lowercase hex digits: the first 64 bits of the SHA-256 of one line per
// pinned file, `["<type>","<repo id>","<commit>","<path>","<blob>"]` as JSON,
// plus one `["<type>","<repo id>","<commit>"]` per entry, deduplicated, sorted
// bytewise, each ending in "\n", after the line "hubdeps cache key v1\n".
// Entry names, declared revisions and patterns, sizes, key order and
// whitespace do not change it; a moved pin or a changed file does.
std::string cache_key(const std::vector<NamedLockfile>& locks);

}  // namespace hubdeps
