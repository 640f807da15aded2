// Fetching through the lockfile: a matching entry pins the commit and the
// files (no resolution, no request when all is cached); a missing or changed
// entry is resolved and recorded, unless the build demands a current lock.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fetch.hpp"
#include "lockfile.hpp"

namespace hubdeps {

struct PinOptions {
  std::filesystem::path lockfile;  // hubdeps.lock
  std::string name;                // the entry
  bool locked = false;  // CI: a missing or stale entry is an error (exit 7)
  bool update = false;  // move the entry to the newest commit of its revision
};

struct PinnedFetch {
  FetchResult result;
  // The entry to record when it was missing or moved; written by
  // record_pin(), after everything else the caller does has succeeded.
  std::optional<LockEntry> to_record;
};

Declaration declaration_of(const FetchRequest& request);

// `hubdeps fetch --lock FILE --name NAME` without a repo: the request the
// entry was recorded from (repo, type, revision, patterns), so an installed
// app fetches exactly what the lock it ships with pins. Throws Error(usage)
// when the lockfile does not exist or has no entry NAME, listing the ones it has.
FetchRequest request_from_lock(const std::filesystem::path& lockfile, const std::string& name);

// Fetches by the entry when it matches the declaration (the cache is proven
// against it; the Hub confirms it before anything is created from it), else
// resolves the declaration. Writes nothing to the lockfile. A pin the Hub
// contradicts fails with Error(lock_outdated) naming the lockfile, the entry
// and the way out (`hubdeps lock --update NAME`).
PinnedFetch fetch_pinned(const Environment& env, FetchRequest request, const PinOptions& options,
                         Progress& progress);

// What recording changed in the lockfile, for the user.
struct RecordedPin {
  std::optional<EntryChange> change;  // the entry existed and moved
  bool created = false;
};
RecordedPin record_pin(const PinOptions& options, const PinnedFetch& pinned);

// A lockfile a command works on must exist: a typo in CI must not check
// nothing and pass. Throws Error(usage) naming it.
void require_lockfile(const std::filesystem::path& lockfile);

// `hubdeps lock --prune NAME...`: removes the named entries. Throws
// Error(usage) when none is named or one is not in the lockfile, changing
// nothing.
void prune_locks(const std::filesystem::path& lockfile, const std::vector<std::string>& names);

// `hubdeps lock --update`: re-resolves each named entry (all when `names` is
// empty) from its declaration and records the new commit and files. Nothing
// is downloaded. Returns the changes by entry name.
std::vector<std::pair<std::string, EntryChange>> update_locks(const Environment& env,
                                                              const std::filesystem::path& lockfile,
                                                              const std::vector<std::string>& names);

// `hubdeps verify`: checks each file the lockfile names against the cache:
// the snapshot entry must link to the blob the lock names, and that blob's
// size and hash must be the lock's; a snapshot entry that is a file, not a
// link (the copy made where links cannot be), must itself have them.
struct VerifyProblem {
  std::string entry;
  std::string path;
  std::string blob;     // the cache path of the bad blob or copy (empty: the link is wrong)
  std::string problem;  // "sha256 ... expected ..."
};
struct VerifyReport {
  std::size_t checked = 0;
  std::vector<std::pair<std::string, std::string>> not_cached;  // entry, path
  std::vector<VerifyProblem> problems;
};
VerifyReport verify_lockfile(const Environment& env, const std::filesystem::path& lockfile);

// Removes each bad blob and fetches the entries with problems or missing
// files again by their pins (which the Hub confirms first).
void repair_lockfile(const Environment& env, const std::filesystem::path& lockfile,
                     const VerifyReport& report, Progress& progress);

std::string describe_change(const std::string& name, const EntryChange& change);

}  // namespace hubdeps
