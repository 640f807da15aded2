// The Hub's HTTP endpoints and their JSON, the Hub's error protocol
// (status + X-Error-Code) mapped to hubdeps errors that say what to do, and
// the one retry-and-redirect loop every request to the Hub goes through.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "env.hpp"
#include "http.hpp"
#include "repo.hpp"

namespace hubdeps {

// What a request was about, so an error can name it.
struct HubContext {
  RepoType type = RepoType::model;
  std::optional<RepoId> repo;  // none for a call about no repo (whoami)
  std::string revision;
  std::string path;            // a file in the repo, when the request was about one
  bool sent_token = false;
};

// How requests follow redirects: metadata calls follow only relative ones
// (a renamed repo on the same Hub); downloads also follow the absolute
// redirect to a CDN. Either way at most 10 in a row.
enum class Redirects { relative_only, any };

// What an attempt came to, as an AttemptHandler judges it.
struct Verdict {
  bool final = true;    // the answer goes to the caller
  std::string problem;  // otherwise: why another attempt is needed ("" keeps the transport's reason)

  static Verdict done() { return {}; }
  static Verdict again(std::string problem) { return {false, std::move(problem)}; }
};

// The caller's part in the retry loop, when an answer's body is streamed
// rather than kept (a download): the request each attempt sends, where the
// body goes, and whether an answer completed the transfer. The base class
// is a plain API call: the whole answer in memory, every answer final.
class AttemptHandler {
 public:
  virtual ~AttemptHandler() = default;
  // Before each attempt (a resumed download asks for the bytes it lacks).
  virtual void prepare(HttpRequest& request) { (void)request; }
  // Where a 2xx answer's body goes; nullptr keeps it in HttpResponse::body.
  virtual BodyWriter* body() { return nullptr; }
  // After each attempt, with its answer (nullptr when the transport failed
  // in a way another attempt may fix). May throw to end the loop. The
  // verdict does not count for an answer with a retryable status (408, 429,
  // 5xx): that one is always tried again, or at the last attempt returned.
  virtual Verdict settle(const HttpResponse* answer) {
    return answer ? Verdict::done() : Verdict::again({});
  }
  // For messages: "cannot <action> <what>", and what to do when every attempt failed.
  virtual std::string action() const { return "reach the Hub for"; }
  virtual std::string advice(const HttpSettings& settings) const {
    return "check the network and HF_ENDPOINT (" + settings.endpoint + ")";
  }
};

// Performs `request` with the retry policy of huggingface_hub: transport
// errors and 408/429/5xx are retried with backoff (Retry-After honoured),
// up to HttpSettings::max_attempts attempts. Returns the final answer,
// whatever its status (the caller decides what a 404 means). Throws
// Error(network) when every attempt failed, or on too many redirects.
// The one retry-and-redirect loop of HubDeps: API calls use the first form,
// downloads the second.
HttpResponse send_with_retries(HttpTransport& connection, HttpRequest request,
                               Redirects redirects, const HubContext& context);
HttpResponse send_with_retries(HttpTransport& connection, HttpRequest request,
                               Redirects redirects, const HubContext& context, AttemptHandler& handler);

// Throws the hubdeps::Error that an unsuccessful Hub answer means.
[[noreturn]] void throw_hub_error(const HttpResponse& response, const HubContext& context,
                                  const std::string& endpoint);

// The server's own words about a failure, read as huggingface_hub's
// hf_raise_for_status reads them: X-Error-Message, then the body's JSON
// ("error" as a string or a list, with "error_description" as "e: d";
// "error_description" alone; "errors": [{"message"}]), or a plain-text body.
// Each once, in that order, each on one line; nothing of an HTML, binary
// or compressed body. A proxy or mirror that drops X-Error-Message leaves
// the message in the body, so it still reaches the user.
std::vector<std::string> server_messages(const HttpResponse& response);
// The same, joined with "; " ("" when the server said nothing readable).
std::string server_message(const HttpResponse& response);
// Whether one of the server's messages is exactly `message` (what the Hub
// says for a bad token or a disabled repo).
bool server_says(const HttpResponse& response, std::string_view message);

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
