// The Hub's HTTP endpoints and their JSON, and the Hub's error protocol
// (status + X-Error-Code) mapped to hubdeps errors that say what to do.
#pragma once

#include <optional>
#include <string>

#include "env.hpp"
#include "http.hpp"
#include "repo.hpp"

namespace hubdeps {

// What a request was about, so an error can name it.
struct HubContext {
  RepoType type = RepoType::model;
  std::string repo_id;
  std::string revision;
  std::string path;          // a file in the repo, when the request was about one
  bool sent_token = false;
};

// How requests follow redirects: metadata calls follow only relative ones
// (a renamed repo on the same Hub); downloads also follow the absolute
// redirect to a CDN.
enum class Redirects { relative_only, any };

// Performs `request` with the retry policy of huggingface_hub: transport
// errors and 408/429/5xx are retried with backoff (Retry-After honoured).
// Returns the final answer, whatever its status (the caller decides what a
// 404 means). Throws Error(network) when every attempt failed.
HttpResponse send_with_retries(HttpConnection& connection, HttpRequest request,
                               Redirects redirects, const HubContext& context);

// Throws the hubdeps::Error that an unsuccessful Hub answer means.
[[noreturn]] void throw_hub_error(const HttpResponse& response, const HubContext& context,
                                  const std::string& endpoint);

// The transport settings for talking to the Hub of `env`: endpoint, token,
// timeouts and trusted CAs.
HttpSettings hub_http_settings(const Environment& env);

// "file 'x' of model 'org/name' at revision 'main'", for messages.
std::string describe_request(const HubContext& context);

// URLs, built in one place. `endpoint` may carry a path prefix (a mirror).
std::string revision_api_url(const std::string& endpoint, RepoType type, const RepoId& repo,
                             const std::string& revision);
std::string resolve_url(const std::string& endpoint, RepoType type, const RepoId& repo,
                        const std::string& revision, const std::string& path);
std::string repo_web_url(const std::string& endpoint, RepoType type, const RepoId& repo);

// GET /api/{type}s/{repo}/revision/{rev}?blobs=true: the commit and every
// file with its size and hashes, in one call.
RevisionListing fetch_revision_listing(HttpConnection& connection, RepoType type,
                                       const RepoId& repo, const std::string& revision);


}  // namespace hubdeps
