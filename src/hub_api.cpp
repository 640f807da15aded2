#include "hub_api.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "listing.hpp"

namespace hubdeps {

namespace {

using nlohmann::json;

constexpr int kMaxRedirects = 10;

// What a server's message may be at most, in a hubdeps error: a proxy's
// whole text page is not a message.
constexpr std::size_t kMaxMessage = 300;

// `text` as one line: runs of white space become one space. Nothing when
// it holds other control bytes (a binary or compressed body).
std::optional<std::string> one_line(std::string_view text) {
  std::string line;
  bool space = false;
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !line.empty();
      continue;
    }
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
    if (space) line += ' ';
    space = false;
    line += c;
  }
  if (line.size() > kMaxMessage) {
    // Cut before a character, not inside one: the line stays UTF-8.
    std::size_t cut = kMaxMessage;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    line = line.substr(0, cut) + "...";
  }
  return line;
}

void add_message(std::vector<std::string>& messages, std::string_view text) {
  const auto line = one_line(text);
  if (line && !line->empty() && std::find(messages.begin(), messages.end(), *line) == messages.end()) {
    messages.push_back(*line);
  }
}

// The body's messages, in the shapes huggingface_hub's _format reads:
// {"error": "..."}, {"error": ["...", ...]}, {"error": e, "error_description": d}
// (OAuth: "e: d"), {"error_description": d}, {"errors": [{"message": ...}]}; a
// body that is not JSON counts when it is plain text.
void add_body_messages(std::vector<std::string>& messages, const HttpResponse& response) {
  const json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    const auto* type = response.header("content-type");
    std::string lower = type ? *type : "";
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower.rfind("text/plain", 0) == 0) add_message(messages, response.body);
    return;
  }
  if (!body.is_object()) return;
  const auto text = [&](const char* key) -> std::optional<std::string> {
    const auto found = body.find(key);
    if (found == body.end() || !found->is_string()) return std::nullopt;
    return found->get<std::string>();
  };
  const auto description = text("error_description");
  if (const auto error = body.find("error"); error != body.end() && error->is_array()) {
    for (const auto& item : *error) {
      if (item.is_string()) add_message(messages, item.get<std::string>());
    }
  } else if (const auto said = text("error")) {
    add_message(messages, description ? *said + ": " + *description : *said);
  } else if (description) {
    add_message(messages, *description);
  }
  if (const auto errors = body.find("errors"); errors != body.end() && errors->is_array()) {
    for (const auto& item : *errors) {
      if (item.is_object() && item.contains("message") && item["message"].is_string()) {
        add_message(messages, item["message"].get<std::string>());
      }
    }
  }
}

}  // namespace

namespace {

std::string repo_id_of(const HubContext& context) { return context.repo ? context.repo->str() : ""; }

}  // namespace

std::string describe_request(const HubContext& context) {
  std::string what = std::string(to_string(context.type)) + " '" + repo_id_of(context) + "'";
  if (!context.revision.empty()) what += " at revision '" + context.revision + "'";
  if (!context.path.empty()) what = "file '" + context.path + "' of " + what;
  return what;
}

namespace {

// Follows redirects as the policy allows; one attempt, no retries.
HttpResponse follow_redirects(HttpTransport& connection, HttpRequest request, Redirects redirects,
                              const HubContext& context, BodyWriter* body) {
  for (int redirect = 0;; ++redirect) {
    HttpResponse response = connection.perform(request, body);
    const auto* location = response.header("location");
    if (response.status < 300 || response.status >= 400 || !location) return response;
    const bool relative = location->find("://") == std::string::npos;
    if (redirects == Redirects::relative_only && !relative) return response;
    if (redirect >= kMaxRedirects) {
      throw Error(ExitCode::network, "too many redirects while fetching " + describe_request(context) +
                                         " (last: " + request.url + "); the server or mirror at " +
                                         connection.settings().endpoint + " is misconfigured");
    }
    request.url = resolve_location(request.url, *location);
    if (response.status != 307 && response.status != 308 && request.method == "POST") {
      request.method = "GET";
      request.body.clear();
      request.body_file.reset();
    }
  }
}

// One attempt: the answer, or nothing when the transport failed in a way
// another attempt may fix (`problem` says how).
std::optional<HttpResponse> attempt(HttpTransport& connection, const HttpRequest& request,
                                    Redirects redirects, const HubContext& context, AttemptHandler& handler,
                                    std::string& problem) {
  try {
    return follow_redirects(connection, request, redirects, context, handler.body());
  } catch (const TransportError& e) {
    if (!e.retryable) {
      throw Error(ExitCode::network,
                  "cannot " + handler.action() + " " + describe_request(context) + ": " + e.message);
    }
    problem = e.message;
    return std::nullopt;
  }
}

// Waits before the next attempt, and says so first: which request, why,
// and for how long (the server's Retry-After, or the back-off).
void pause_before_retry(const HttpSettings& settings, int attempt_number, const HttpResponse* answer,
                        const std::string& what, const std::string& why) {
  const auto delay = retry_delay(settings, attempt_number, answer);
  if (settings.on_retry) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1f", static_cast<double>(delay.count()) / 1000.0);
    settings.on_retry("retrying to " + what + " in " + seconds + " s (attempt " +
                      std::to_string(attempt_number + 1) + " of " + std::to_string(settings.max_attempts) +
                      "): " + (why.empty() ? "the transfer failed" : why));
  }
  std::this_thread::sleep_for(delay);
}

}  // namespace

HttpResponse send_with_retries(HttpTransport& connection, HttpRequest request, Redirects redirects,
                               const HubContext& context) {
  AttemptHandler whole_answer;
  return send_with_retries(connection, std::move(request), redirects, context, whole_answer);
}

HttpResponse send_with_retries(HttpTransport& connection, HttpRequest request, Redirects redirects,
                               const HubContext& context, AttemptHandler& handler) {
  const auto& settings = connection.settings();
  std::string problem;
  for (int attempt_number = 1;; ++attempt_number) {
    const bool last_attempt = attempt_number >= settings.max_attempts;
    handler.prepare(request);
    std::optional<HttpResponse> answer = attempt(connection, request, redirects, context, handler, problem);
    Verdict verdict = handler.settle(answer ? &*answer : nullptr);
    if (answer && is_retryable_status(answer->status)) {
      // The final answer of the last attempt goes to the caller, which
      // turns it into an error that names the status.
      if (last_attempt) return std::move(*answer);
      pause_before_retry(settings, attempt_number, &*answer, handler.action() + " " + describe_request(context),
                         "HTTP " + std::to_string(answer->status));
      continue;
    }
    if (verdict.final && answer) return std::move(*answer);
    if (!verdict.problem.empty()) problem = std::move(verdict.problem);
    if (last_attempt) break;
    pause_before_retry(settings, attempt_number, nullptr, handler.action() + " " + describe_request(context),
                       problem);
  }
  throw Error(ExitCode::network, "could not " + handler.action() + " " + describe_request(context) +
                                     " after " + std::to_string(settings.max_attempts) +
                                     " attempts: " + problem + "; " + handler.advice(settings));
}

std::vector<std::string> server_messages(const HttpResponse& response) {
  std::vector<std::string> messages;
  if (const auto* header = response.header("x-error-message")) add_message(messages, *header);
  add_body_messages(messages, response);
  return messages;
}

std::string server_message(const HttpResponse& response) {
  std::string joined;
  for (const auto& message : server_messages(response)) joined += (joined.empty() ? "" : "; ") + message;
  return joined;
}

bool server_says(const HttpResponse& response, std::string_view message) {
  const auto messages = server_messages(response);
  return std::find(messages.begin(), messages.end(), message) != messages.end();
}

// Decided by the status, X-Error-Code and the server's message, as
// hf_raise_for_status decides; the message, unlike there, also when only
// the body carries it.
void throw_hub_error(const HttpResponse& response, const HubContext& context,
                     const std::string& endpoint) {
  const std::string code = response.header("x-error-code") ? *response.header("x-error-code") : "";
  const std::string message = server_message(response);
  const std::string what = describe_request(context);
  const std::string page = context.repo ? repo_web_url(endpoint, context.type, *context.repo) : endpoint;
  const std::string status = " (HTTP " + std::to_string(response.status) + ")";

  if (server_says(response, "Invalid credentials in Authorization header")) {
    throw Error(ExitCode::access_denied,
                "the Hub rejected the token while fetching " + what + status +
                    ": the token in HF_TOKEN or the token file is invalid or expired; "
                    "create a new one in your Hub settings");
  }
  if (code == "GatedRepo") {
    throw Error(ExitCode::access_denied,
                what + " is gated" + status + ": accept its conditions on " + page +
                    (context.sent_token ? " with the account of your token"
                                        : ", then set HF_TOKEN to a token of that account"));
  }
  if (server_says(response, "Access to this resource is disabled.")) {
    throw Error(ExitCode::access_denied, what + " has been disabled on the Hub" + status);
  }
  if (code == "RevisionNotFound") {
    throw RevisionNotFound("revision '" + context.revision + "' of " +
                                         std::string(to_string(context.type)) + " '" +
                                         repo_id_of(context) + "' does not exist" + status +
                                         ": check the branch, tag or commit on " + page);
  }
  if (code == "EntryNotFound") {
    throw Error(ExitCode::not_found, what + " does not exist" + status);
  }
  if (code == "RepoNotFound" || response.status == 401 || response.status == 404) {
    const auto exit = response.status == 401 ? ExitCode::access_denied : ExitCode::not_found;
    const std::string hint =
        context.sent_token
            ? ": check the repo id and that your token can read it"
            : ": check the repo id; if the repo is private or gated, set HF_TOKEN to a token "
              "that can read it";
    throw Error(exit, std::string(to_string(context.type)) + " '" + repo_id_of(context) +
                          "' was not found at " + endpoint + status + hint);
  }
  if (response.status == 403) {
    throw Error(ExitCode::access_denied,
                "access to " + what + " was refused" + status +
                    (message.empty() ? "" : ": " + message) +
                    "; check that your token has the needed permission");
  }
  throw Error(ExitCode::network, "the Hub answered HTTP " + std::to_string(response.status) +
                                     " for " + what +
                                     (message.empty() ? "" : ": " + message));
}

HttpSettings hub_http_settings(const Environment& env) {
  HttpSettings settings;
  settings.endpoint = env.endpoint;
  settings.token = env.token;
  settings.connect_timeout_seconds = env.etag_timeout_seconds;
  settings.read_timeout_seconds = env.download_timeout_seconds;
  settings.ca_bundle = env.ca_bundle.string();
  return settings;
}

std::string revision_api_url(const std::string& endpoint, RepoType type, const RepoId& repo,
                             const std::string& revision) {
  return endpoint + "/api/" + std::string(api_plural(type)) + "/" + repo.str() + "/revision/" +
         url_encode(revision, false);
}

std::string resolve_url(const std::string& endpoint, RepoType type, const RepoId& repo,
                        const std::string& revision, const std::string& path) {
  return endpoint + "/" + std::string(resolve_url_prefix(type)) + repo.str() + "/resolve/" +
         url_encode(revision, false) + "/" + url_encode(path, true);
}

std::string repo_web_url(const std::string& endpoint, RepoType type, const RepoId& repo) {
  return endpoint + "/" + std::string(resolve_url_prefix(type)) + repo.str();
}

RevisionListing fetch_revision_listing(HttpConnection& connection, RepoType type,
                                       const RepoId& repo, const std::string& revision) {
  const HubContext context{type, repo, revision, "",
                           connection.settings().token.has_value()};
  HttpRequest request;
  request.url = revision_api_url(connection.settings().endpoint, type, repo, revision) + "?blobs=true";
  request.headers.push_back("Accept: application/json");
  const HttpResponse response = send_with_retries(connection, request, Redirects::relative_only, context);
  if (response.status != 200) throw_hub_error(response, context, connection.settings().endpoint);
  return parse_revision_listing(response.body, describe_request(context));
}

}  // namespace hubdeps
