// What the shared Hugging Face cache holds, read without changing anything:
// the inventory `hubdeps cache ls` prints and `hubdeps cache prune` plans
// from. It reads the layout the way huggingface_hub's scan_cache_dir does
// (every `<type>s--<id>` folder is a repo, every folder under snapshots/ a
// revision, every non-folder below it a file), so the two tools agree on what
// is there, and it also sees what scan_cache_dir ignores: blobs no snapshot
// links, interrupted downloads, trees/ listings and .no_exist/ markers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "repo.hpp"

namespace hubdeps {

// One file of a snapshot: snapshots/<commit>/<path>.
struct SnapshotEntry {
  std::string path;                 // relative to the snapshot folder, '/'-separated
  std::optional<std::string> blob;  // the blob name, when it links into this repo's blobs/ or is one (hard linked)
  bool is_link = false;             // a symbolic link (to a blob or elsewhere)
  bool present = false;             // it leads to an existing file
  std::uint64_t size = 0;           // of that file; 0 when not present
};

struct CachedRevision {
  std::string commit;                  // the snapshot folder's name
  std::vector<SnapshotEntry> entries;  // sorted by path
  std::vector<std::string> refs;       // refs/ names that hold this commit, sorted
  // Its blobs, each counted once however many entries link to it, plus
  // files stored in the snapshot itself (copies, where links were impossible).
  std::uint64_t size = 0;
  std::size_t present_files() const;
};

// An interrupted or running download: blobs/<etag>.incomplete (hubdeps, and
// older Python) or blobs/<etag>.<random>.incomplete (recent Python). Where
// the file system has no extended attributes, hubdeps keeps its resume state
// in sidecar files beside it, "<name>.hubdeps.segments" (and its ".tmp"
// while it is replaced; os::File::set_attribute): they belong to it. A
// sidecar whose download is gone is an entry of its own (`name` is the
// sidecar's), a leftover.
struct IncompleteFile {
  std::string name;  // the file name in blobs/
  std::string etag;  // the blob it will become
  std::uint64_t size = 0;              // with its sidecars
  std::vector<std::string> sidecars;   // file names in blobs/
};

struct CachedRepo {
  std::string folder;  // "models--org--name"
  RepoType type = RepoType::model;
  std::string repo_id;  // "org/name", as the folder spells it
  std::filesystem::path dir;
  bool has_snapshots_dir = false;
  std::vector<CachedRevision> revisions;            // sorted by commit
  std::map<std::string, std::string> refs;          // ref name ("main", "refs/pr/1") -> its content, trimmed
  std::map<std::string, std::uint64_t> blobs;       // complete blobs: name -> size
  std::vector<IncompleteFile> incomplete;           // sorted by name
  std::map<std::string, std::uint64_t> listings;    // commits with trees/<commit>.json -> file size
  std::vector<std::string> no_exist;                // commits with a .no_exist/<commit>/ folder
  // On disk: every blob once, shared by snapshots or not, plus files stored
  // in snapshots. Interrupted downloads are counted apart.
  std::uint64_t size = 0;
  std::uint64_t unreferenced_size = 0;  // blobs no snapshot entry links to
  std::uint64_t incomplete_size = 0;
  // Damage scan_cache_dir would report for this repo (a ref to a missing
  // snapshot, a broken link, no snapshots/ folder), one readable line each.
  std::vector<std::string> problems;
};

struct CacheInventory {
  std::filesystem::path root;
  std::vector<CachedRepo> repos;      // sorted by folder name
  std::vector<std::string> skipped;   // top-level entries that are not repos, with why
  std::uint64_t size() const;
};

// Throws Error(usage) when `root` does not exist or is not a folder.
CacheInventory scan_cache(const std::filesystem::path& root);

// Reads one repo folder; nullopt when `dir` is not a repo folder by name.
std::optional<CachedRepo> scan_repo(const std::filesystem::path& dir);

// The blob a snapshot entry at `entry_path` links to when its link `target`
// leads to `<repo_dir>/blobs/<name>`: the name, else nullopt.
std::optional<std::string> linked_blob_name(const std::filesystem::path& repo_dir,
                                            const std::filesystem::path& entry_path,
                                            const std::filesystem::path& target);

// A blob's file name: a lowercase hex git SHA-1 (40) or SHA-256 (64).
bool looks_like_blob_name(std::string_view name);

}  // namespace hubdeps
