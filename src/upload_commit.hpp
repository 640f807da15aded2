// The commit call of a push: its NDJSON payload, the request that makes the
// commit, and what to believe when that request's answer never arrives.
//
// A commit must never be made twice, and its outcome must be told truthfully:
// - the request goes out once per attempt, on a fresh connection (libcurl
//   would otherwise repeat it silently on a reused connection found closed);
// - it is attempted again only after an answer that says the Hub did nothing
//   (429 and 503: busy) or when no connection could be made at all;
// - when the connection breaks after the request went out, or the answer
//   is a server error (5xx) that does not say whether the commit was made,
//   the target is read: the commit made on top of the push's parent, if it
//   has this push's title and files, is this push's commit (success);
//   another commit there means this one was not made and no longer can be;
//   otherwise the outcome is unknown, and says so (ExitCode::outcome_unknown).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "http.hpp"
#include "hub_api.hpp"
#include "repo.hpp"

namespace hubdeps {

// A file as the commit puts it on the Hub, to recognise the commit there.
struct CommittedFile {
  std::string path;
  bool lfs = false;
  std::string oid;  // SHA-256 for LFS files, the git blob SHA-1 for others
};

// The NDJSON body of a commit: one header line, then one line per file.
class CommitPayload {
 public:
  CommitPayload(std::string summary, const std::string& description,
                std::optional<std::string> parent_commit);
  void add_regular_file(const std::string& path, const std::string& content);
  void add_lfs_file(const std::string& path, const std::string& sha256, std::uint64_t size);

  const std::string& ndjson() const { return ndjson_; }
  std::size_t file_count() const { return files_.size(); }
  const std::string& summary() const { return summary_; }
  const std::optional<std::string>& parent_commit() const { return parent_; }
  const std::vector<CommittedFile>& files() const { return files_; }

 private:
  std::string summary_;
  std::optional<std::string> parent_;
  std::string ndjson_;
  std::vector<CommittedFile> files_;
};

struct CommitOutcome {
  std::string oid;
  std::string url;
  std::optional<std::string> pull_request_url;
};

CommitOutcome parse_commit_answer(const std::string& body, const HubContext& context);

// Receives one-line notes for the user: a busy Hub waited for, a lost answer
// being looked into, a commit found on the Hub instead of in an answer.
using CommitNotify = std::function<void(const std::string& note)>;

// POST /api/{type}s/{repo}/commit/{revision}, as described at the top. The
// payload's parent guards a branch: a branch that moved past it (412) is
// reported as such, naming the commit that moved it when it can be read.
CommitOutcome send_commit(HttpConnection& connection, const HubContext& context, const RepoId& repo,
                          bool create_pr, const CommitPayload& payload, const CommitNotify& notify);

// The web page of a commit, as the Hub links it.
std::string commit_web_url(const std::string& endpoint, RepoType type, const RepoId& repo,
                           const std::string& commit);

}  // namespace hubdeps
