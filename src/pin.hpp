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
  // Set when the entry was created or moved by this run.
  std::optional<EntryChange> change;
  bool created = false;
};

Declaration declaration_of(const FetchRequest& request);

PinnedFetch fetch_pinned(const Environment& env, FetchRequest request, const PinOptions& options,
                         Progress& progress);

// `hubdeps lock --update`: re-resolves each named entry (all when `names` is
// empty) from its declaration and records the new commit and files. Nothing
// is downloaded. Returns the changes by entry name.
std::vector<std::pair<std::string, EntryChange>> update_locks(const Environment& env,
                                                              const std::filesystem::path& lockfile,
                                                              const std::vector<std::string>& names);

// `hubdeps verify`: re-hashes every cached blob the lockfile names.
struct VerifyProblem {
  std::string entry;
  std::string path;
  std::string blob;     // the cache path of the bad blob
  std::string problem;  // "sha256 ... expected ..."
};
struct VerifyReport {
  std::size_t checked = 0;
  std::size_t not_cached = 0;
  std::vector<VerifyProblem> problems;
};
VerifyReport verify_lockfile(const Environment& env, const std::filesystem::path& lockfile);

// Removes each bad blob and fetches the entries again by their pins.
void repair_lockfile(const Environment& env, const std::filesystem::path& lockfile,
                     const VerifyReport& report, Progress& progress);

std::string describe_change(const std::string& name, const EntryChange& change);

}  // namespace hubdeps
