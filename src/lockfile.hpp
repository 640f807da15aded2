// hubdeps.lock: what each declared dependency resolved to, pinned so that every
// machine and every CI run fetches the same bytes.
//
// The file is JSON written deterministically (sorted keys, two-space indent,
// files sorted by path, final newline) so two machines write identical bytes
// and a diff shows exactly which pin moved. Abridged (the real file puts every
// key of a file on its own line):
//
//   {
//     "entries": {
//       "bert": {
//         "commit": "<40 hex>",
//         "exclude": [],
//         "files": [
//           {"git_sha1": "<40 hex>", "path": "config.json", "size": 570},
//           {"path": "model.safetensors", "sha256": "<64 hex>", "size": 440449768}
//         ],
//         "include": ["*.json", "*.safetensors"],
//         "repo_id": "google-bert/bert-base-uncased",
//         "repo_type": "model",
//         "revision": "main"
//       }
//     },
//     "version": 1
//   }
//
// It never holds a token, an absolute path or a time stamp. Everything read
// from it is validated as hostile input; a damaged file is an error naming its
// line and is never rewritten behind the user's back.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "repo.hpp"

namespace hubdeps {

// The format this hubdeps reads and writes. A file with another version is
// rejected rather than guessed at.
inline constexpr int lockfile_version = 1;

// One selected file of a locked commit. Exactly one hash is stored: the one
// the Hub reports as the file's ETag and the cache names the blob by (SHA-256
// for LFS files, the git blob SHA-1 of the content otherwise). That is the
// hash a download can be verified against; an LFS file's git SHA-1 only names
// its pointer, so storing it would pin something nobody checks.
struct LockedFile {
  std::string path;  // repo-relative, '/'-separated
  std::uint64_t size = 0;
  std::string sha256;    // LFS files; empty otherwise
  std::string git_sha1;  // all other files; empty for LFS files

  static LockedFile from(const RepoFile& file);
  bool is_lfs() const { return !sha256.empty(); }
  const std::string& etag() const { return is_lfs() ? sha256 : git_sha1; }
  bool operator==(const LockedFile&) const = default;
};

// A dependency as the project declares it (CMake or command line), with
// defaults already applied (revision "main", type model).
struct Declaration {
  RepoId repo_id;
  RepoType repo_type = RepoType::model;
  std::string revision = "main";
  // fnmatch patterns. They are a set: a file is selected when it matches any
  // include (or include is empty) and no exclude, so order and repeats do not
  // change the selection. They are stored sorted and compared as sets.
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  bool operator==(const Declaration&) const = default;
};

struct LockEntry {
  Declaration declared;
  std::string commit;             // what `declared.revision` resolved to
  std::vector<LockedFile> files;  // the selection, sorted by path

  // An entry from a resolved listing; `selected` is already filtered by the
  // declaration's patterns. Sorted, so the result is canonical.
  static LockEntry make(Declaration declared, std::string commit, const std::vector<RepoFile>& selected);
  bool operator==(const LockEntry&) const = default;
};

// Entry names are the names the project declares: 1 to 128 letters, digits,
// '_', '-', '.' or '+', starting with a letter, digit or '_'.
bool is_valid_entry_name(std::string_view name);

struct Lockfile {
  std::map<std::string, LockEntry, std::less<>> entries;

  // Throws Error(usage) "<file>:<line>:<col>: <what>; <what to do>" for bad
  // JSON, duplicate keys, unknown or missing fields, another version, and any
  // value that fails validation (repo id, revision, commit, path, hash, size).
  static Lockfile parse(std::string_view text, const std::string& file_name_for_errors);
  // Canonical bytes. Throws Error(usage) naming the entry if it holds
  // something parse() would reject, so hubdeps never writes a file it cannot
  // read back.
  std::string serialize() const;

  const LockEntry* find(std::string_view name) const;
  bool operator==(const Lockfile&) const = default;
};

// How a declaration differs from what is locked, one readable line per
// difference ("revision: declared 'v2', locked 'main'"); empty when the entry
// can be used as is.
std::vector<std::string> compare(const Declaration& declared, const LockEntry& locked);

// For --locked: the entry `name` if it exists and matches `declared`, else
// Error(lock_outdated) naming the lockfile, the entry and what differs.
const LockEntry& require_matching_entry(const Lockfile& lockfile, const std::string& lockfile_name,
                                        std::string_view name, const Declaration& declared);

struct FileChange {
  LockedFile before;
  LockedFile after;
};

// What `lock --update` moved for one entry. Each list is sorted by path.
struct EntryChange {
  std::string old_commit;
  std::string new_commit;
  std::vector<LockedFile> added;
  std::vector<LockedFile> removed;
  std::vector<FileChange> changed;  // same path, other size or hash
  bool empty() const {
    return old_commit == new_commit && added.empty() && removed.empty() && changed.empty();
  }
};

EntryChange diff_entries(const LockEntry& before, const LockEntry& after);

// A missing file reads as an empty lockfile (the first configure creates it),
// and so does an empty file (what a process killed while taking the write
// lock leaves). Throws Error(usage) if the file cannot be read or is damaged.
Lockfile read_lockfile(const std::filesystem::path& path);

// Read-modify-write under an exclusive lock, so parallel configures of several
// build folders sharing one source tree never lose each other's entries:
// locks the lockfile, re-reads it, applies `mutate` (called exactly once), and
// replaces the file atomically only if the content changed, so a no-op leaves
// the file, its inode and its mtime alone. Returns whether it wrote.
// A read-only lockfile or folder is fine as long as nothing needs writing.
bool update_lockfile(const std::filesystem::path& path, const std::function<void(Lockfile&)>& mutate);

}  // namespace hubdeps
