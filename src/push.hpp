// Pushing local files to a Hub repo as ONE commit: the one-way flow
// declaration -> plan (which local files, where; what the Hub already has)
// -> transfer (LFS objects) -> commit (with the parent seen at the start, so
// a concurrent push is detected, never overwritten).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "env.hpp"
#include "model_card.hpp"
#include "progress.hpp"
#include "push_files.hpp"
#include "repo.hpp"

namespace hubdeps {

struct PushRequest {
  explicit PushRequest(RepoId repo_id) : repo(std::move(repo_id)) {}

  RepoId repo;
  RepoType type = RepoType::model;
  std::string revision = "main";             // the branch committed to (the base of a PR)
  std::vector<std::filesystem::path> paths;  // files and folders
  std::string path_in_repo;                  // where they go; empty: the repo root
  // Select files found in folders (relative to that folder), with fetch's
  // glob rules. Files named directly are always pushed.
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  // Push what a link in a folder points to even when that is outside the
  // folder (refused by default: see ExternalLinks).
  bool follow_external_links = false;
  bool create_branch = false;  // create `revision` when missing
  bool create_pr = false;      // open a pull request instead of committing to `revision`
  bool private_repo = false;   // when the push creates the repo
  std::string message;         // empty: "Upload N file(s) with hubdeps"
  std::string description;
  std::optional<std::filesystem::path> model_card;  // pushed as the repo's README.md
  // For a model repo, a README.md is generated from this when none is pushed
  // and the target has none; nullopt: never generate one.
  std::optional<ModelCardInfo> card_info;
  int jobs = 8;
};

enum class PushedAs { committed, unchanged, ignored };

struct PushedFile {
  std::string path;
  std::uint64_t size = 0;
  bool lfs = false;
  PushedAs outcome = PushedAs::committed;
};

struct PushResult {
  bool committed = false;  // false: nothing changed, no commit was made
  std::string commit_oid;  // the new commit, or the revision's head when nothing changed
  std::string commit_url;
  std::optional<std::string> pr_url;
  bool repo_created = false;
  bool branch_created = false;
  bool model_card_generated = false;
  std::size_t lfs_uploaded = 0;        // objects sent to the storage
  std::size_t lfs_already_stored = 0;  // changed LFS files whose content the storage had
  std::vector<PushedFile> files;       // sorted by path
};

// Receives one-line notes for the user (created the repo, nothing changed).
using PushNotify = std::function<void(const std::string& note)>;

PushResult push(const Environment& env, const PushRequest& request, Progress& progress,
                const PushNotify& notify);

}  // namespace hubdeps
