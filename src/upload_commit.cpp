#include "upload_commit.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "hash.hpp"
#include "tree_listing.hpp"
#include "upload_api.hpp"

namespace hubdeps {

namespace {

using nlohmann::json;

// After a lost answer the Hub may still be writing the commit: the target is
// read this many times, this far apart, before the outcome is called unknown.
constexpr int kLooks = 3;
constexpr std::chrono::seconds kLookPause{2};
// A lost answer to a pull request is looked for among the newest ones.
constexpr std::size_t kPullRequestsSearched = 5;

// The Hub's ways of saying it did nothing and the client should come back.
bool is_busy(long status) { return status == 429 || status == 503; }

std::string string_field(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

struct HistoryEntry {
  std::string id;
  std::string title;
};

// GET /api/{type}s/{repo}/commits/{revision}: the newest commits first. One
// page is plenty: the commit looked for comes right after the push's parent.
std::vector<HistoryEntry> read_history(HttpConnection& connection, const HubContext& context,
                                       const RepoId& repo, const std::string& revision) {
  const std::string& endpoint = connection.settings().endpoint;
  const HubContext about{context.type, context.repo, revision, "", true};
  HttpRequest request;
  request.url =
      api_repo_url(endpoint, context.type, repo) + "/commits/" + url_encode(revision, false);
  request.headers.push_back("Accept: application/json");
  const HttpResponse response =
      send_with_retries(connection, request, Redirects::relative_only, about);
  if (response.status != 200) throw_hub_error(response, about, endpoint);
  const json answer = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (!answer.is_array()) throw invalid_answer("the commit history", about, "not a list");
  std::vector<HistoryEntry> history;
  for (const auto& entry : answer) {
    HistoryEntry item{entry.is_object() ? string_field(entry, "id") : "",
                      entry.is_object() ? string_field(entry, "title") : ""};
    if (!is_commit_hash(item.id)) {
      throw invalid_answer("the commit history", about, "an entry without a commit id");
    }
    history.push_back(std::move(item));
  }
  return history;
}

// Whether `commit` holds every file of the payload, with its content.
bool holds_files(HttpConnection& connection, const HubContext& context, const RepoId& repo,
                 const std::string& commit, const CommitPayload& payload) {
  // Complete: a large repo's siblings may be cut short, which would hide our files.
  const RevisionListing listing = fetch_complete_listing(connection, context.type, repo, commit);
  std::map<std::string, const RepoFile*> by_path;
  for (const auto& file : listing.files) by_path[file.path] = &file;
  return std::all_of(payload.files().begin(), payload.files().end(),
                     [&](const CommittedFile& file) {
                       const auto it = by_path.find(file.path);
                       if (it == by_path.end()) return false;
                       const RepoFile& listed = *it->second;
                       return file.lfs ? listed.sha256 == file.oid
                                       : !listed.is_lfs() && listed.git_sha1 == file.oid;
                     });
}

// What one look at a branch (or a pull request's ref) shows.
struct Sighting {
  enum class Kind { ours, other, not_there } kind = Kind::not_there;
  std::string commit;  // the commit on top of the push's parent
  std::string seen;    // for kind not_there: what the ref shows instead
};

Sighting look_at(HttpConnection& connection, const HubContext& context, const RepoId& repo,
                 const std::string& revision, const CommitPayload& payload) {
  const auto& parent = payload.parent_commit();
  if (!parent) return {Sighting::Kind::not_there, "", "the push named no parent commit"};
  const auto history = read_history(connection, context, repo, revision);
  const auto at = std::find_if(history.begin(), history.end(),
                               [&](const HistoryEntry& entry) { return entry.id == *parent; });
  if (at == history.end()) {
    return {Sighting::Kind::not_there, "",
            "the latest commits of '" + revision + "' no longer include " + *parent +
                ", where the push started"};
  }
  if (at == history.begin()) {
    return {Sighting::Kind::not_there, "",
            "'" + revision + "' still points at " + *parent + ", where the push started"};
  }
  const HistoryEntry& child = *std::prev(at);
  const bool ours = child.title == payload.summary() &&
                    holds_files(connection, context, repo, child.id, payload);
  return {ours ? Sighting::Kind::ours : Sighting::Kind::other, child.id, ""};
}

// The newest pull requests' numbers (GET .../refs?include_prs=1).
std::vector<long> newest_pull_requests(HttpConnection& connection, const HubContext& context,
                                       const RepoId& repo) {
  const std::string& endpoint = connection.settings().endpoint;
  HttpRequest request;
  request.url = api_repo_url(endpoint, context.type, repo) + "/refs?include_prs=1";
  request.headers.push_back("Accept: application/json");
  const HttpResponse response =
      send_with_retries(connection, request, Redirects::relative_only, context);
  if (response.status != 200) throw_hub_error(response, context, endpoint);
  const json answer = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  std::vector<long> numbers;
  const json pulls = answer.is_object() ? answer.value("pullRequests", json()) : json();
  for (const auto& pull : pulls.is_array() ? pulls : json::array()) {
    const std::string name = pull.is_object() ? string_field(pull, "name") : "";
    constexpr std::string_view prefix = "refs/pr/";
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.empty() || digits.size() > 9 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    numbers.push_back(std::stol(digits));
  }
  std::sort(numbers.rbegin(), numbers.rend());
  if (numbers.size() > kPullRequestsSearched) numbers.resize(kPullRequestsSearched);
  return numbers;
}

// One look for the commit a lost answer was about: on the branch, or among
// the newest pull requests. `outcome` is filled when it is ours.
Sighting search(HttpConnection& connection, const HubContext& context, const RepoId& repo,
                bool create_pr, const CommitPayload& payload, CommitOutcome& outcome) {
  const std::string& endpoint = connection.settings().endpoint;
  if (!create_pr) {
    Sighting sighting = look_at(connection, context, repo, context.revision, payload);
    if (sighting.kind == Sighting::Kind::ours) {
      outcome = {sighting.commit, commit_web_url(endpoint, context.type, repo, sighting.commit), {}};
    }
    return sighting;
  }
  for (const long number : newest_pull_requests(connection, context, repo)) {
    const std::string ref = "refs/pr/" + std::to_string(number);
    const Sighting sighting = look_at(connection, context, repo, ref, payload);
    if (sighting.kind == Sighting::Kind::ours) {
      outcome = {sighting.commit, commit_web_url(endpoint, context.type, repo, sighting.commit),
                 repo_web_url(endpoint, context.type, repo) + "/discussions/" +
                     std::to_string(number)};
      return sighting;
    }
  }
  return {Sighting::Kind::not_there, "", "no pull request of the repo holds it"};
}

[[noreturn]] void throw_moved(const HubContext& context, const RepoId& repo,
                              const CommitPayload& payload, const std::string& other,
                              const std::string& how) {
  throw Error(ExitCode::network,
              "the branch '" + context.revision + "' of " + std::string(to_string(context.type)) +
                  " '" + repo.str() + "' moved while pushing: it was at commit " +
                  payload.parent_commit().value_or("?") +
                  " when the push started, and someone else committed since" +
                  (other.empty() ? "" : " (commit " + other + ")") + " " + how +
                  ". Nothing was committed, so their work is not overwritten; run the push again to "
                  "commit on top of the new head (LFS files already uploaded are not sent again)");
}

// The request went out and what came back does not say whether the commit
// was made (`happened`: the connection broke, or a server error): the Hub is
// asked, since it may have made it.
CommitOutcome settle_unanswered(HttpConnection& connection, const HubContext& context,
                                const RepoId& repo, bool create_pr, const CommitPayload& payload,
                                const std::string& happened, const CommitNotify& notify) {
  notify(happened + "; looking at " + (create_pr ? "the pull requests" : "the branch") +
         " to see whether the commit was made");
  std::string seen;
  for (int look = 1; look <= kLooks; ++look) {
    if (look > 1) std::this_thread::sleep_for(kLookPause);
    CommitOutcome outcome;
    Sighting sighting;
    try {
      sighting = search(connection, context, repo, create_pr, payload, outcome);
    } catch (const Error& e) {
      seen = std::string("the Hub could not be read either (") + e.what() + ")";
      continue;
    }
    if (sighting.kind == Sighting::Kind::ours) {
      notify("the commit was made: " + outcome.pull_request_url.value_or(outcome.url));
      return outcome;
    }
    if (sighting.kind == Sighting::Kind::other) {
      throw_moved(context, repo, payload, sighting.commit,
                  "(" + happened + ", and the branch shows their commit instead)");
    }
    seen = sighting.seen;
  }
  const std::string what = describe_request(context);
  if (create_pr) {
    throw Error(ExitCode::outcome_unknown,
                "opening a pull request on " + what + ": " + happened + "; " + seen +
                    ", so whether the pull request was opened is unknown. Look at " +
                    repo_web_url(connection.settings().endpoint, context.type, repo) +
                    "/discussions before pushing again: a new run opens another pull request");
  }
  throw Error(ExitCode::outcome_unknown,
              "committing to " + what + ": " + happened + "; " + seen +
                  ", so whether the commit was made is unknown. Running the push again is safe: "
                  "if this commit was made after all, the new run finds every file unchanged and "
                  "makes no commit; if not, it commits them (never over someone else's commit)");
}

// A 412: the branch is not at the push's parent. Normally someone else
// committed; the branch says who, and whether it was an earlier attempt of
// this very push whose success was hidden behind a busy answer.
CommitOutcome settle_refused(HttpConnection& connection, const HubContext& context,
                             const RepoId& repo, const CommitPayload& payload,
                             const CommitNotify& notify) {
  std::string other;
  try {
    CommitOutcome outcome;
    const Sighting sighting = search(connection, context, repo, false, payload, outcome);
    if (sighting.kind == Sighting::Kind::ours) {
      notify("the Hub refused the commit because the branch moved (HTTP 412), and what moved it "
             "is this push's own commit, made by an earlier attempt: " + outcome.url);
      return outcome;
    }
    if (sighting.kind == Sighting::Kind::other) other = sighting.commit;
  } catch (const Error&) {
    // The 412 alone says enough.
  }
  throw_moved(context, repo, payload, other, "(HTTP 412)");
}

// Posts the commit until an answer that is not "busy", or the last attempt.
// Returns nullopt when the request went out and the connection broke
// (`lost` says how): the commit may have been made.
std::optional<HttpResponse> post_commit(HttpConnection& connection, const HttpRequest& request,
                                        const HubContext& context, const CommitNotify& notify,
                                        std::string& lost) {
  const HttpSettings& settings = connection.settings();
  for (int attempt = 1;; ++attempt) {
    const bool last = attempt >= settings.max_attempts;
    HttpResponse response;
    try {
      response = connection.perform(request);
    } catch (const TransportError& e) {
      if (!e.retryable) {
        lost = e.message;
        return std::nullopt;
      }
      if (last) {
        throw Error(ExitCode::network, "could not connect to the Hub to commit to " +
                                           describe_request(context) + " (" + e.message +
                                           "): nothing was committed; check the network and "
                                           "HF_ENDPOINT (" + settings.endpoint +
                                           "), then run the push again");
      }
      std::this_thread::sleep_for(retry_delay(settings, attempt, nullptr));
      continue;
    }
    if (!is_busy(response.status) || last) return response;
    const auto delay = retry_delay(settings, attempt, &response);
    const std::string said = server_message(response);
    notify("the Hub is busy (HTTP " + std::to_string(response.status) +
           (said.empty() ? "" : ": " + said) + ") and made no commit; trying again in " +
           std::to_string((delay.count() + 999) / 1000) + " s (attempt " +
           std::to_string(attempt + 1) + " of " + std::to_string(settings.max_attempts) + ")");
    std::this_thread::sleep_for(delay);
  }
}

}  // namespace

CommitPayload::CommitPayload(std::string summary, const std::string& description,
                             std::optional<std::string> parent_commit)
    : summary_(std::move(summary)), parent_(std::move(parent_commit)) {
  json header{{"summary", summary_}, {"description", description}};
  if (parent_) header["parentCommit"] = *parent_;
  ndjson_ = json{{"key", "header"}, {"value", std::move(header)}}.dump() + "\n";
}

void CommitPayload::add_regular_file(const std::string& path, const std::string& content) {
  ndjson_ +=
      json{{"key", "file"},
           {"value", {{"path", path}, {"content", base64_encode(content)}, {"encoding", "base64"}}}}
          .dump() +
      "\n";
  files_.push_back({path, false, git_blob_sha1_hex(content)});
}

void CommitPayload::add_lfs_file(const std::string& path, const std::string& sha256,
                                 std::uint64_t size) {
  ndjson_ += json{{"key", "lfsFile"},
                  {"value", {{"path", path}, {"algo", "sha256"}, {"oid", sha256}, {"size", size}}}}
                 .dump() +
             "\n";
  files_.push_back({path, true, sha256});
}

CommitOutcome parse_commit_answer(const std::string& body, const HubContext& context) {
  const json answer = json::parse(body, nullptr, /*allow_exceptions=*/false);
  const std::string oid = answer.is_object() ? string_field(answer, "commitOid") : "";
  if (!is_commit_hash(oid)) {
    throw invalid_answer("the commit", context, "no commit hash in 'commitOid'");
  }
  CommitOutcome outcome;
  outcome.oid = oid;
  outcome.url = string_field(answer, "commitUrl");
  if (const auto pr = answer.find("pullRequestUrl"); pr != answer.end() && pr->is_string()) {
    outcome.pull_request_url = pr->get<std::string>();
  }
  return outcome;
}

CommitOutcome send_commit(HttpConnection& connection, const HubContext& context, const RepoId& repo,
                          bool create_pr, const CommitPayload& payload, const CommitNotify& notify) {
  const std::string& endpoint = connection.settings().endpoint;
  HttpRequest request;
  request.method = "POST";
  request.url = api_repo_url(endpoint, context.type, repo) + "/commit/" +
                url_encode(context.revision, false) + (create_pr ? "?create_pr=1" : "");
  request.headers = {"Content-Type: application/x-ndjson", "Accept: application/json"};
  request.body = payload.ndjson();
  request.send_once = true;

  std::string lost;
  const std::optional<HttpResponse> response =
      post_commit(connection, request, context, notify, lost);
  if (!response) {
    return settle_unanswered(connection, context, repo, create_pr, payload,
                             "the connection broke before the Hub answered (" + lost + ")",
                             notify);
  }
  if (is_busy(response->status)) {
    const std::string said = server_message(*response);
    throw Error(ExitCode::network,
                "the Hub was busy and turned the commit to " + describe_request(context) +
                    " away " + std::to_string(connection.settings().max_attempts) +
                    " times (the last answer: HTTP " + std::to_string(response->status) +
                    (said.empty() ? "" : ": " + said) +
                    "), each time before making it: nothing was committed. Run the push again "
                    "later (LFS files already uploaded are not sent again)");
  }
  if (response->status == 412 && !create_pr) {
    return settle_refused(connection, context, repo, payload, notify);
  }
  if (response->status >= 500) {
    // A gateway may answer 502 or 504 while the Hub behind it goes on to
    // commit: an error from the server side proves nothing either way.
    const std::string said = server_message(*response);
    return settle_unanswered(connection, context, repo, create_pr, payload,
                             "the Hub answered HTTP " + std::to_string(response->status) +
                                 (said.empty() ? "" : " (" + said + ")") +
                                 ", which does not say whether it made the commit",
                             notify);
  }
  if (response->status < 200 || response->status >= 300) {
    throw_write_error(*response, context, endpoint, "commit");
  }
  CommitOutcome outcome = parse_commit_answer(response->body, context);
  if (outcome.url.empty()) outcome.url = commit_web_url(endpoint, context.type, repo, outcome.oid);
  return outcome;
}

std::string commit_web_url(const std::string& endpoint, RepoType type, const RepoId& repo,
                           const std::string& commit) {
  return repo_web_url(endpoint, type, repo) + "/commit/" + commit;
}

}  // namespace hubdeps
