#include "upload_lfs.hpp"

#include <algorithm>
#include <atomic>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "upload_api.hpp"
#include "upload_workers.hpp"

namespace hubdeps {

namespace {

using nlohmann::json;

constexpr const char* kLfsAccept = "Accept: application/vnd.git-lfs+json";
constexpr const char* kLfsContentType = "Content-Type: application/vnd.git-lfs+json";
// Marks a task that sends a whole object in one PUT.
constexpr std::size_t kWholeObject = static_cast<std::size_t>(-1);

Error invalid_batch_answer(const HubContext& context, const std::string& why) {
  return Error(ExitCode::network, "the Hub sent an invalid answer to the LFS batch call for " +
                                      describe_request(context) + ": " + why +
                                      "; is HF_ENDPOINT a Hugging Face Hub?");
}

bool is_sha256(const std::string& text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool all_digits(const std::string& text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::string> string_member(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// One object being sent: its parts finish in any order, on any worker; the
// worker that finishes the last one completes and verifies the object.
struct ObjectUpload {
  const LfsObject* object = nullptr;
  LfsAction action;
  std::optional<MultipartPlan> plan;
  std::vector<std::string> etags;  // by part index; each written by one worker
  std::atomic<std::size_t> parts_left{0};
  std::atomic<bool> started{false};
};

struct Task {
  ObjectUpload* transfer;
  std::size_t part;  // kWholeObject for a basic upload
};

std::string origin_of(const std::string& url) {
  const std::string origin = url_origin(url);
  return origin.empty() ? url : origin;
}

void require_success(const HttpResponse& response, const std::string& what,
                     const std::string& url) {
  if (response.status >= 200 && response.status < 300) return;
  const std::string message = server_message(response);
  throw Error(ExitCode::network,
              what + " failed at " + origin_of(url) + " (HTTP " + std::to_string(response.status) +
                  ")" + (message.empty() ? "" : ": " + message) +
                  "; run the push again (objects already stored are not sent again)");
}

HttpRequest lfs_json_request(const std::string& url, std::string body) {
  HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.headers = {kLfsAccept, kLfsContentType};
  request.body = std::move(body);
  return request;
}

class Uploader {
 public:
  Uploader(const HubContext& context, Progress& progress)
      : context_(context), progress_(progress) {}

  void run(HttpConnection& connection, const Task& task) {
    ObjectUpload& transfer = *task.transfer;
    const LfsObject& object = *transfer.object;
    if (!transfer.started.exchange(true)) progress_.file_started(object.path, object.size, 0);

    HubContext context = context_;
    context.path = object.path;
    std::string what = "uploading '" + object.path + "'";
    HttpRequest request;
    request.method = "PUT";
    FileBody body;
    body.path = object.local;
    if (task.part == kWholeObject) {
      request.url = transfer.action.href;
      body.length = object.size;
    } else {
      const MultipartPlan& plan = *transfer.plan;
      request.url = plan.part_urls[task.part];
      body.offset = plan.chunk_size * task.part;
      body.length = std::min(plan.chunk_size, object.size - body.offset);
      what += " (part " + std::to_string(task.part + 1) + " of " +
              std::to_string(plan.part_urls.size()) + ")";
    }
    // Counts each byte once, even when a retry sends the part again.
    std::uint64_t reported = 0;
    body.on_progress = [&](std::uint64_t sent) {
      if (sent <= reported) return;
      progress_.bytes(object.path, sent - reported);
      reported = sent;
    };
    request.body_file = std::move(body);
    const HttpResponse response =
        send_with_retries(connection, std::move(request), Redirects::relative_only, context);
    require_success(response, what, response.url);

    if (task.part != kWholeObject) {
      const std::string* etag = response.header("etag");
      if (!etag || etag->empty()) {
        throw Error(ExitCode::network, what + ": the storage at " + origin_of(response.url) +
                                           " sent no ETag for the part, so the upload cannot be "
                                           "completed; is HF_ENDPOINT a Hugging Face Hub?");
      }
      transfer.etags[task.part] = *etag;
      // The last part to finish completes the object (acq_rel: its worker
      // sees every other part's ETag).
      if (transfer.parts_left.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
      const HttpResponse completed = send_with_retries(
          connection,
          lfs_json_request(transfer.action.href,
                           multipart_completion_payload(object.sha256, transfer.etags)),
          Redirects::relative_only, context);
      require_success(completed, "completing the upload of '" + object.path + "'",
                      transfer.action.href);
    }
    if (transfer.action.verify_href) {
      const HttpResponse verified = send_with_retries(
          connection,
          lfs_json_request(*transfer.action.verify_href,
                           json{{"oid", object.sha256}, {"size", object.size}}.dump()),
          Redirects::relative_only, context);
      require_success(verified, "verifying the upload of '" + object.path + "'",
                      *transfer.action.verify_href);
    }
    progress_.file_done(object.path);
  }

 private:
  HubContext context_;
  Progress& progress_;
};

std::vector<std::optional<LfsAction>> request_batch(HttpConnection& connection,
                                                    const HubContext& context, const RepoId& repo,
                                                    const std::vector<LfsObject>& objects) {
  HttpRequest request;
  request.method = "POST";
  request.url = lfs_batch_url(connection.settings().endpoint, context.type, repo);
  request.headers = {kLfsAccept, kLfsContentType};
  request.body = lfs_batch_payload(objects, context.revision);
  const HttpResponse response =
      send_with_retries(connection, std::move(request), Redirects::relative_only, context);
  if (response.status != 200) {
    throw_write_error(response, context, connection.settings().endpoint, "start the LFS upload");
  }
  return parse_lfs_batch_answer(response.body, objects, context);
}

}  // namespace

std::string lfs_batch_url(const std::string& endpoint, RepoType type, const RepoId& repo) {
  return endpoint + "/" + std::string(resolve_url_prefix(type)) + repo.str() +
         ".git/info/lfs/objects/batch";
}

std::string lfs_batch_payload(const std::vector<LfsObject>& objects, const std::string& revision) {
  json list = json::array();
  for (const auto& object : objects) {
    list.push_back({{"oid", object.sha256}, {"size", object.size}});
  }
  return json{{"operation", "upload"},
              {"transfers", {"basic", "multipart"}},
              {"objects", std::move(list)},
              {"hash_algo", "sha256"},
              {"ref", {{"name", revision}}}}
      .dump();
}

std::vector<std::optional<LfsAction>> parse_lfs_batch_answer(const std::string& body,
                                                             const std::vector<LfsObject>& objects,
                                                             const HubContext& context) {
  const json answer = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!answer.is_object() || !answer.contains("objects") || !answer["objects"].is_array()) {
    throw invalid_batch_answer(context, "no 'objects' list");
  }
  std::map<std::string, const json*> by_oid;
  for (const auto& entry : answer["objects"]) {
    const auto oid = string_member(entry, "oid");
    if (!oid) throw invalid_batch_answer(context, "an object has no 'oid'");
    by_oid[*oid] = &entry;
  }
  std::vector<std::optional<LfsAction>> actions;
  for (const auto& object : objects) {
    const auto it = by_oid.find(object.sha256);
    if (it == by_oid.end()) {
      throw invalid_batch_answer(
          context, "nothing said about '" + object.path + "' (" + object.sha256 + ")");
    }
    const json& entry = *it->second;
    if (const auto error = entry.find("error"); error != entry.end() && error->is_object()) {
      const int code = error->value("code", 0);
      const std::string message = string_member(*error, "message").value_or("no message");
      const ExitCode exit = code == 401 || code == 403 ? ExitCode::access_denied
                            : code == 404              ? ExitCode::not_found
                                                       : ExitCode::network;
      throw Error(exit, "the Hub's LFS storage refused '" + object.path + "' of " +
                            describe_request(context) + " (code " + std::to_string(code) + "): " + message);
    }
    const auto actions_member = entry.find("actions");
    if (actions_member == entry.end() || !actions_member->is_object() ||
        !actions_member->contains("upload")) {
      actions.emplace_back(std::nullopt);  // already stored
      continue;
    }
    const json& upload = (*actions_member)["upload"];
    LfsAction action;
    const auto href = string_member(upload, "href");
    if (!href || href->rfind("http", 0) != 0) {
      throw invalid_batch_answer(context, "no upload URL for '" + object.path + "'");
    }
    action.href = *href;
    if (const auto header = upload.find("header"); header != upload.end() && header->is_object()) {
      for (const auto& [key, value] : header->items()) {
        if (value.is_string()) action.header[key] = value.get<std::string>();
      }
    }
    if (const auto verify = actions_member->find("verify"); verify != actions_member->end()) {
      const auto verify_href = string_member(*verify, "href");
      if (!verify_href) {
        throw invalid_batch_answer(context,
                                   "a verify action without URL for '" + object.path + "'");
      }
      action.verify_href = *verify_href;
    }
    actions.emplace_back(std::move(action));
  }
  return actions;
}

std::optional<MultipartPlan> multipart_plan(const LfsAction& action, const LfsObject& object,
                                            const HubContext& context) {
  const auto chunk = action.header.find("chunk_size");
  if (chunk == action.header.end()) return std::nullopt;
  if (!all_digits(chunk->second) || chunk->second.size() > 15 || std::stoull(chunk->second) == 0) {
    throw invalid_batch_answer(context, "chunk size '" + chunk->second + "' for '" + object.path +
                                            "' is not a positive whole number");
  }
  MultipartPlan plan;
  plan.chunk_size = std::stoull(chunk->second);
  std::map<std::uint64_t, std::string> parts;
  for (const auto& [key, url] : action.header) {
    if (!all_digits(key) || key.size() > 15) continue;
    parts[std::stoull(key)] = url;
  }
  const std::uint64_t expected = (object.size + plan.chunk_size - 1) / plan.chunk_size;
  if (parts.size() != expected ||
      (expected > 0 && (parts.begin()->first != 1 || parts.rbegin()->first != expected))) {
    throw invalid_batch_answer(
        context, std::to_string(parts.size()) + " part URLs for '" + object.path + "', but " +
                     std::to_string(object.size) + " bytes in parts of " +
                     std::to_string(plan.chunk_size) + " need " + std::to_string(expected));
  }
  for (auto& [number, url] : parts) {
    if (url.rfind("http", 0) != 0) {
      throw invalid_batch_answer(
          context, "part " + std::to_string(number) + " of '" + object.path + "' has no URL");
    }
    plan.part_urls.push_back(std::move(url));
  }
  return plan;
}

std::string multipart_completion_payload(const std::string& sha256,
                                         const std::vector<std::string>& etags) {
  json parts = json::array();
  for (std::size_t i = 0; i < etags.size(); ++i) {
    parts.push_back({{"partNumber", i + 1}, {"etag", etags[i]}});
  }
  return json{{"oid", sha256}, {"parts", std::move(parts)}}.dump();
}

LfsUploadReport upload_lfs_objects(const HttpSettings& settings, const HubContext& context,
                                   const RepoId& repo, const std::vector<LfsObject>& objects,
                                   int jobs, Progress& progress) {
  // Two paths with the same content are one object.
  std::vector<LfsObject> unique;
  std::set<std::string> seen;
  for (const auto& object : objects) {
    if (!is_sha256(object.sha256)) {
      throw std::logic_error("LFS object without SHA-256: " + object.path);
    }
    if (seen.insert(object.sha256).second) unique.push_back(object);
  }

  LfsUploadReport report;
  std::vector<std::unique_ptr<ObjectUpload>> transfers;
  {
    HttpConnection connection(settings);
    for (std::size_t at = 0; at < unique.size(); at += kLfsBatchChunk) {
      const std::vector<LfsObject> chunk(unique.begin() + static_cast<std::ptrdiff_t>(at),
                                         unique.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                              unique.size(), at + kLfsBatchChunk)));
      const auto actions = request_batch(connection, context, repo, chunk);
      for (std::size_t i = 0; i < chunk.size(); ++i) {
        if (!actions[i]) {
          ++report.already_stored;
          continue;
        }
        auto transfer = std::make_unique<ObjectUpload>();
        transfer->object = &unique[at + i];
        transfer->action = *actions[i];
        transfer->plan = multipart_plan(transfer->action, *transfer->object, context);
        transfers.push_back(std::move(transfer));
      }
    }
  }
  if (transfers.empty()) return report;

  // Largest first, so a big object does not start last and finish alone;
  // its parts are tasks of their own, so they run side by side.
  std::sort(transfers.begin(), transfers.end(),
            [](const auto& a, const auto& b) { return a->object->size > b->object->size; });
  std::vector<Task> tasks;
  for (auto& transfer : transfers) {
    if (!transfer->plan) {
      tasks.push_back({transfer.get(), kWholeObject});
      continue;
    }
    const std::size_t parts = transfer->plan->part_urls.size();
    if (parts == 0) {
      throw invalid_batch_answer(
          context, "multipart upload of '" + transfer->object->path + "' has no parts");
    }
    transfer->etags.resize(parts);
    transfer->parts_left = parts;
    for (std::size_t part = 0; part < parts; ++part) tasks.push_back({transfer.get(), part});
  }

  Uploader uploader(context, progress);
  run_tasks(
      tasks.size(), jobs, [&] { return std::make_unique<HttpConnection>(settings); },
      [&](std::unique_ptr<HttpConnection>& connection, std::size_t i) {
        uploader.run(*connection, tasks[i]);
      });
  report.uploaded = transfers.size();
  return report;
}

}  // namespace hubdeps
