// The Hub's write endpoints and their JSON: identity, repo and branch
// creation, preupload and README metadata validation (the commit itself is
// in upload_commit.hpp).
// Each call either returns what the Hub said or throws a hubdeps::Error
// that names the repo and says what to do. No file I/O, no transfers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "error.hpp"
#include "http.hpp"
#include "hub_api.hpp"
#include "repo.hpp"

namespace hubdeps {

// Who the token belongs to (GET /api/whoami-v2).
struct Identity {
  std::string name;
  std::vector<std::string> orgs;
  std::string token_role;  // "read", "write", "fineGrained", or empty when not said
};

Identity fetch_identity(HttpConnection& connection);
Identity parse_identity(const std::string& body);  // throws Error(network) on nonsense

// POST /api/repos/create. Returns false when the repo already existed.
bool create_repo(HttpConnection& connection, RepoType type, const RepoId& repo, bool private_repo);

// POST /api/{type}s/{repo}/branch/{branch}, starting from the default
// branch. Returns false when the branch already existed.
bool create_branch(HttpConnection& connection, RepoType type, const RepoId& repo,
                   const std::string& branch);

// What the Hub is told about a file before deciding how it travels.
struct PreuploadFile {
  std::string path;  // in the repo
  std::uint64_t size = 0;
  std::string sample;  // the first 512 bytes (raw; sent as base64)
};

// The Hub's decision for one file.
struct PreuploadDecision {
  std::string path;
  bool lfs = false;
  bool should_ignore = false;             // matched by the repo's .gitignore
  std::optional<std::string> remote_oid;  // the file's id on the revision, if it is there
};

// The Hub accepts this many files per preupload request (huggingface_hub's chunk).
inline constexpr std::size_t kPreuploadChunk = 256;

std::string preupload_payload(const std::vector<PreuploadFile>& files);
// Checks that every asked path got exactly one decision; returns them in
// the order of `files`.
std::vector<PreuploadDecision> parse_preupload_answer(const std::string& body,
                                                      const std::vector<PreuploadFile>& files,
                                                      const HubContext& context);
// POST /api/{type}s/{repo}/preupload/{revision}, in chunks.
std::vector<PreuploadDecision> preupload(HttpConnection& connection, const HubContext& context,
                                         const RepoId& repo, bool create_pr,
                                         const std::vector<PreuploadFile>& files);

// POST /api/validate-yaml: the Hub checks a README's metadata header.
// Throws Error(usage) with the Hub's list of errors when it is invalid;
// returns its warnings.
std::vector<std::string> validate_model_card(HttpConnection& connection, RepoType type,
                                             const std::string& readme, const std::string& source);

// Throws the Error for an unsuccessful answer to a write call (`action`
// says what was attempted: "create the repo", "commit", ...).
[[noreturn]] void throw_write_error(const HttpResponse& response, const HubContext& context,
                                    const std::string& endpoint, const std::string& action);

std::string base64_encode(std::string_view data);

// {endpoint}/api/{type}s/{repo}: where a repo's API calls start.
std::string api_repo_url(const std::string& endpoint, RepoType type, const RepoId& repo);

// The error for an answer that is not what the Hub sends (`call` names the
// request, `why` what is wrong with it).
Error invalid_answer(const std::string& call, const HubContext& context, const std::string& why);

}  // namespace hubdeps
