// Fetching a repo revision into the shared cache: resolve the revision to a
// commit and its file list (or take them from a pin), select files, download
// what is missing in parallel, and link the snapshot. The one-way flow:
// declaration -> plan -> transfer -> verify -> publish.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "env.hpp"
#include "error.hpp"
#include "progress.hpp"
#include "repo.hpp"

namespace hubdeps {

struct FetchRequest {
  explicit FetchRequest(RepoId repo_id) : repo(std::move(repo_id)) {}

  RepoId repo;
  RepoType type = RepoType::model;
  std::string revision = "main";
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  // Files downloaded at once. A small file costs a round trip more than it
  // costs bytes: at 20 ms each, 8 workers fetch at most 400 files a second.
  int jobs = 16;
  bool offline = false;  // in addition to HF_HUB_OFFLINE
  bool force = false;    // download every selected file again, even if cached
  // Repo paths that must be among the selected files (the configs a header
  // is generated from): checked right after the listing, before downloading.
  std::vector<std::string> required_files;
  // Download only `required_files`: every selected file is still listed in
  // the result (and so pinned), the others are left for a later fetch of the
  // same declaration (CMake's hf_fetch_model DEFER downloads them at build
  // time). They are neither proven against the cache nor downloaded here.
  bool defer = false;
  // A commit and file list known in advance (a lockfile entry). A cache that
  // holds exactly these files is used without a request; anything else is
  // first confirmed by the Hub (online) or by hashing (offline), since a
  // lockfile's word alone never creates a snapshot.
  std::optional<RevisionListing> pinned;
};

// A pinned listing the Hub contradicts: the commit does not exist, or a
// file's size or hash, or the file list, differ. The lockfile is wrong (a
// hand edit, a bad merge), not the download: the fix is to re-resolve.
class PinDisagreement : public Error {
 public:
  explicit PinDisagreement(const std::string& message) : Error(ExitCode::lock_outdated, message) {}
};

struct FetchResult {
  std::string commit;
  std::filesystem::path snapshot_dir;
  std::vector<RepoFile> files;  // the selected files, sorted by path
  std::size_t downloaded = 0;   // blobs transferred by this run
};

// The plan: the commit the revision points to and every file in it, from
// the pin, the cache (offline, or a commit whose listing is cached), or one
// listing call to the Hub.
RevisionListing resolve_revision(const Environment& env, const FetchRequest& request);

// resolve_revision + select_files + download what the cache lacks. Throws
// PinDisagreement when the Hub contradicts `request.pinned`.
FetchResult fetch(const Environment& env, const FetchRequest& request, Progress& progress);

// Selects the files of a listing by include/exclude patterns. Literal
// include patterns (no wildcard) that name no file are an error.
std::vector<RepoFile> select_files(const RevisionListing& listing, const FetchRequest& request);

}  // namespace hubdeps
