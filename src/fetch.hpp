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
  int jobs = 8;
  bool offline = false;  // in addition to HF_HUB_OFFLINE
  // A commit and file list known in advance (a lockfile entry): used as
  // is, without asking the Hub what the revision points to.
  std::optional<RevisionListing> pinned;
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

// resolve_revision + select_files + download what the cache lacks.
FetchResult fetch(const Environment& env, const FetchRequest& request, Progress& progress);

// Selects the files of a listing by include/exclude patterns. Literal
// include patterns (no wildcard) that name no file are an error.
std::vector<RepoFile> select_files(const RevisionListing& listing, const FetchRequest& request);

}  // namespace hubdeps
