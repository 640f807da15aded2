#include "upload_api.hpp"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "error.hpp"

namespace hubdeps {

namespace {

using nlohmann::json;

HttpRequest json_request(const std::string& method, const std::string& url, const json& body) {
  HttpRequest request;
  request.method = method;
  request.url = url;
  request.headers = {"Content-Type: application/json", "Accept: application/json"};
  request.body = body.dump();
  return request;
}

json parse_object(const std::string& body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  return parsed.is_object() ? parsed : json();
}

}  // namespace

std::string api_repo_url(const std::string& endpoint, RepoType type, const RepoId& repo) {
  return endpoint + "/api/" + std::string(api_plural(type)) + "/" + repo.str();
}

Error invalid_answer(const std::string& call, const HubContext& context, const std::string& why) {
  return Error(ExitCode::network, "the Hub sent an invalid answer to " + call + " for " +
                                      describe_request(context) + ": " + why +
                                      "; is HF_ENDPOINT a Hugging Face Hub?");
}

std::string base64_encode(std::string_view data) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  for (std::size_t at = 0; at < data.size(); at += 3) {
    const std::size_t left = data.size() - at;
    const auto byte = [&](std::size_t i) { return i < left ? static_cast<unsigned char>(data[at + i]) : 0u; };
    const unsigned bits = (byte(0) << 16) | (byte(1) << 8) | byte(2);
    out += kAlphabet[(bits >> 18) & 63];
    out += kAlphabet[(bits >> 12) & 63];
    out += left > 1 ? kAlphabet[(bits >> 6) & 63] : '=';
    out += left > 2 ? kAlphabet[bits & 63] : '=';
  }
  return out;
}

void throw_write_error(const HttpResponse& response, const HubContext& context,
                       const std::string& endpoint, const std::string& action) {
  const std::string message = server_message(response);
  const std::string status = " (HTTP " + std::to_string(response.status) + ")";
  const std::string said = message.empty() ? "" : ": " + message;
  const std::string what = describe_request(context);
  if (server_says(response, "Invalid credentials in Authorization header")) {
    throw Error(ExitCode::access_denied,
                "the Hub rejected the token while trying to " + action + " for " + what + status +
                    ": the token in HF_TOKEN or the token file is invalid or expired; create a "
                    "write token in your Hub settings and export it as HF_TOKEN");
  }
  if (response.status == 401 || response.status == 403) {
    const std::string id = context.repo ? context.repo->str() : "";
    const std::string ns = id.substr(0, id.find('/'));
    throw Error(ExitCode::access_denied,
                "the Hub refused to " + action + " for " + what + status + said +
                    "; the token needs write access to '" + ns +
                    "' (a write token of that user, or of a member of that organization)");
  }
  if (response.status == 400 || response.status == 413 || response.status == 422) {
    throw Error(ExitCode::usage,
                "the Hub rejected the request to " + action + " for " + what + status + said);
  }
  throw_hub_error(response, context, endpoint);
}

Identity parse_identity(const std::string& body) {
  const json answer = parse_object(body);
  if (!answer.is_object() || !answer.contains("name") || !answer["name"].is_string()) {
    throw Error(ExitCode::network,
                "the Hub sent an invalid answer to /api/whoami-v2 (no user name); is HF_ENDPOINT a "
                "Hugging Face Hub?");
  }
  Identity identity;
  identity.name = answer["name"].get<std::string>();
  if (const auto orgs = answer.find("orgs"); orgs != answer.end() && orgs->is_array()) {
    for (const auto& org : *orgs) {
      if (org.is_object() && org.contains("name") && org["name"].is_string()) {
        identity.orgs.push_back(org["name"].get<std::string>());
      }
    }
  }
  const json role = answer.value(json::json_pointer("/auth/accessToken/role"), json());
  if (role.is_string()) identity.token_role = role.get<std::string>();
  return identity;
}

Identity fetch_identity(HttpConnection& connection) {
  const auto& settings = connection.settings();
  HttpRequest request;
  request.url = settings.endpoint + "/api/whoami-v2";
  request.headers.push_back("Accept: application/json");
  const HubContext context{RepoType::model, std::nullopt, "", "", settings.token.has_value()};
  // The context names no repo: errors here are about the token alone.
  const HttpResponse response =
      send_with_retries(connection, request, Redirects::relative_only, context);
  if (response.status == 401) {
    throw Error(ExitCode::access_denied,
                "the Hub at " + settings.endpoint +
                    " rejected the token from HF_TOKEN or the token file (HTTP 401): it is invalid "
                    "or expired; create a write token in your Hub settings and export it as "
                    "HF_TOKEN");
  }
  if (response.status != 200) {
    const std::string message = server_message(response);
    throw Error(ExitCode::network, "the Hub at " + settings.endpoint +
                                       " could not say who the token belongs to (HTTP " +
                                       std::to_string(response.status) + ")" +
                                       (message.empty() ? "" : ": " + message));
  }
  return parse_identity(response.body);
}

bool create_repo(HttpConnection& connection, RepoType type, const RepoId& repo, bool private_repo) {
  const std::string& id = repo.str();
  const auto slash = id.find('/');
  json body{{"name", slash == std::string::npos ? id : id.substr(slash + 1)},
            {"organization", slash == std::string::npos ? json() : json(id.substr(0, slash))},
            {"type", std::string(to_string(type))},
            {"visibility", private_repo ? "private" : "public"}};
  const HubContext context{type, repo, "", "", true};
  const HttpRequest request =
      json_request("POST", connection.settings().endpoint + "/api/repos/create", body);
  const HttpResponse response =
      send_with_retries(connection, request, Redirects::relative_only, context);
  if (response.status == 409) return false;  // it exists: someone was faster, fine
  if (response.status < 200 || response.status >= 300) {
    throw_write_error(response, context, connection.settings().endpoint, "create the repo");
  }
  return true;
}

bool create_branch(HttpConnection& connection, RepoType type, const RepoId& repo,
                   const std::string& branch) {
  const HubContext context{type, repo, branch, "", true};
  const std::string url = api_repo_url(connection.settings().endpoint, type, repo) + "/branch/" +
                          url_encode(branch, false);
  const HttpResponse response = send_with_retries(
      connection, json_request("POST", url, json::object()), Redirects::relative_only, context);
  if (response.status == 409) return false;
  if (response.status < 200 || response.status >= 300) {
    throw_write_error(response, context, connection.settings().endpoint, "create the branch");
  }
  return true;
}

std::string preupload_payload(const std::vector<PreuploadFile>& files) {
  json list = json::array();
  for (const auto& file : files) {
    list.push_back(
        {{"path", file.path}, {"size", file.size}, {"sample", base64_encode(file.sample)}});
  }
  return json{{"files", std::move(list)}}.dump();
}

std::vector<PreuploadDecision> parse_preupload_answer(const std::string& body,
                                                      const std::vector<PreuploadFile>& files,
                                                      const HubContext& context) {
  const json answer = parse_object(body);
  const std::string call = "the preupload call";
  if (!answer.is_object() || !answer.contains("files") || !answer["files"].is_array()) {
    throw invalid_answer(call, context, "no 'files' list");
  }
  std::map<std::string, PreuploadDecision> by_path;
  for (const auto& entry : answer["files"]) {
    if (!entry.is_object() || !entry.contains("path") || !entry["path"].is_string()) {
      throw invalid_answer(call, context, "an entry has no 'path'");
    }
    PreuploadDecision decision;
    decision.path = entry["path"].get<std::string>();
    const json mode = entry.value("uploadMode", json());
    if (mode != "lfs" && mode != "regular") {
      throw invalid_answer(call, context,
                           "file '" + decision.path + "' has upload mode " + mode.dump() +
                               " (expected \"lfs\" or \"regular\")");
    }
    decision.lfs = mode == "lfs";
    decision.should_ignore = entry.value("shouldIgnore", json(false)) == true;
    if (const auto oid = entry.find("oid"); oid != entry.end() && oid->is_string()) {
      decision.remote_oid = oid->get<std::string>();
    }
    by_path[decision.path] = std::move(decision);
  }
  std::vector<PreuploadDecision> decisions;
  decisions.reserve(files.size());
  for (const auto& file : files) {
    const auto it = by_path.find(file.path);
    if (it == by_path.end()) {
      throw invalid_answer(call, context, "no decision for file '" + file.path + "'");
    }
    decisions.push_back(it->second);
  }
  return decisions;
}

std::vector<PreuploadDecision> preupload(HttpConnection& connection, const HubContext& context,
                                         const RepoId& repo, bool create_pr,
                                         const std::vector<PreuploadFile>& files) {
  std::string url = api_repo_url(connection.settings().endpoint, context.type, repo) +
                    "/preupload/" + url_encode(context.revision, false);
  if (create_pr) url += "?create_pr=1";
  std::vector<PreuploadDecision> decisions;
  decisions.reserve(files.size());
  for (std::size_t at = 0; at < files.size(); at += kPreuploadChunk) {
    const std::vector<PreuploadFile> chunk(
        files.begin() + static_cast<std::ptrdiff_t>(at),
        files.begin() + static_cast<std::ptrdiff_t>(std::min(files.size(), at + kPreuploadChunk)));
    HttpRequest request;
    request.method = "POST";
    request.url = url;
    request.headers = {"Content-Type: application/json", "Accept: application/json"};
    request.body = preupload_payload(chunk);
    const HttpResponse response =
        send_with_retries(connection, std::move(request), Redirects::relative_only, context);
    if (response.status != 200) {
      throw_write_error(response, context, connection.settings().endpoint,
                        "decide how to upload the files (preupload)");
    }
    auto answered = parse_preupload_answer(response.body, chunk, context);
    std::move(answered.begin(), answered.end(), std::back_inserter(decisions));
  }
  return decisions;
}

std::vector<std::string> validate_model_card(HttpConnection& connection, RepoType type,
                                             const std::string& readme, const std::string& source) {
  const json body{{"content", readme}, {"repoType", std::string(to_string(type))}};
  const HubContext context{type, std::nullopt, "", "README.md", connection.settings().token.has_value()};
  const HttpResponse response = send_with_retries(
      connection, json_request("POST", connection.settings().endpoint + "/api/validate-yaml", body),
      Redirects::relative_only, context);
  const json answer = parse_object(response.body);
  const auto messages = [&](const char* key) {
    std::vector<std::string> found;
    if (answer.is_object() && answer.contains(key) && answer[key].is_array()) {
      for (const auto& item : answer[key]) {
        if (item.is_object() && item.contains("message") && item["message"].is_string()) {
          found.push_back(item["message"].get<std::string>());
        }
      }
    }
    return found;
  };
  if (response.status >= 400 && response.status < 500) {
    std::vector<std::string> errors = messages("errors");
    if (errors.empty()) errors.push_back(server_message(response));
    std::string list;
    for (const auto& error : errors) list += "\n  - " + error;
    throw Error(ExitCode::usage, "the model card " + source +
                                     " has invalid metadata (its YAML header between '---' lines), "
                                     "so nothing was uploaded; the Hub says:" +
                                     list);
  }
  if (response.status != 200) {
    throw Error(ExitCode::network, "the Hub could not check the model card " + source + " (HTTP " +
                                       std::to_string(response.status) + ")");
  }
  return messages("warnings");
}

}  // namespace hubdeps
