// `hubdeps cache prune`: shrink the shared cache to what lockfiles need.
//
// Kept: for each locked entry, the snapshot entries of its locked files, the
// blobs they link to and every blob the lock names, trees/<commit>.json and
// .no_exist/<commit>/ of the locked commit, and refs/<declared revision> while
// it holds the locked commit. With keep_refs, also every ref whose snapshot
// exists, with that whole snapshot. Everything else of a repo folder is
// removed: other snapshots and snapshot entries, blobs nothing kept links to,
// refs, listings, markers, and interrupted downloads of removed blobs; a repo
// folder left empty goes too. Lock files under .locks/ stay (see FileLock).
//
// It is safe beside downloads, of hubdeps or huggingface_hub, because it
// takes their lock: a repo in which any blob lock is held (a download is
// running) is left alone, and a blob, its interrupted download and the
// snapshot links to it are removed only under the blob's lock, taken without
// waiting. Refs go before the snapshots they name and links before their
// blobs, so no state in between has a ref to a missing snapshot or a broken
// link, and the result scans without warnings in huggingface_hub. Damage
// such a scan reports (a broken link, a ref to a missing snapshot, no
// snapshots/ folder) is repaired on the way.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "cache_needs.hpp"

namespace hubdeps {

struct PruneOptions {
  bool keep_refs = false;
  bool dry_run = false;  // plan and report only; nothing on disk changes
};

struct PruneAction {
  enum class Kind { repo, ref, snapshot, file, blob, incomplete, listing, no_exist };
  Kind kind;
  std::string folder;  // the repo folder
  std::string path;    // inside it: "refs/main", "snapshots/<commit>", "blobs/<etag>", ...; "" for the folder
  std::uint64_t bytes = 0;
  std::size_t files = 0;  // for a snapshot: the entries it held
  std::string commit;     // for a ref: the commit it held
};

// Something prune would have removed but left, and why.
struct PruneSkip {
  std::string folder;
  std::string what;
  std::string why;
};

struct PruneReport {
  std::vector<PruneAction> removed;  // with dry_run: what would be removed
  std::vector<PruneSkip> skipped;
  std::uint64_t freed = 0;           // bytes of the files removed
  std::size_t failures = 0;          // paths that could not be removed (in `skipped`, with why)
};

std::string_view to_string(PruneAction::Kind kind);

// Throws Error(usage) when `root` is not a cache folder (see scan_cache).
PruneReport prune_cache(const std::filesystem::path& root, const std::vector<NamedLockfile>& keep,
                        const PruneOptions& options);

}  // namespace hubdeps
