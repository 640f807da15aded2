#include "fetch_json.hpp"

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "repo.hpp"

namespace hubdeps {

namespace {

using Json = nlohmann::json;

Json files_json(const std::vector<RepoFile>& files) {
  auto list = Json::array();
  for (const auto& file : files) {
    Json entry{{"path", file.path}, {"size", file.size}, {"lfs", file.is_lfs()}};
    if (file.is_lfs()) {
      entry["sha256"] = *file.sha256;
    } else {
      entry["git_sha1"] = file.git_sha1;
    }
    list.push_back(std::move(entry));
  }
  return list;
}

[[noreturn]] void fail(const std::string& source_name, const std::string& what) {
  throw Error(ExitCode::usage, source_name + ": " + what +
                                   "; pass the output of `hubdeps fetch --json` unchanged");
}

const Json& member(const Json& object, const char* key, const std::string& source_name) {
  const auto it = object.find(key);
  if (it == object.end()) fail(source_name, std::string("missing '") + key + "'");
  return *it;
}

std::string string_member(const Json& object, const char* key, const std::string& source_name) {
  const Json& value = member(object, key, source_name);
  if (!value.is_string()) fail(source_name, std::string("'") + key + "' is not a string");
  return value.get<std::string>();
}

std::string snapshot_dir_member(const Json& document, const std::string& source_name) {
  std::string dir = string_member(document, "snapshot_dir", source_name);
  if (dir.empty() || dir.front() != '/') fail(source_name, "'snapshot_dir' is not an absolute path");
  // The file names end up inside C++ string literals and in paths: the
  // folder must not end with '/', and no byte may be NUL.
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (dir.find('\0') != std::string::npos) fail(source_name, "'snapshot_dir' contains a NUL byte");
  return dir;
}

std::vector<FetchedFile> files_member(const Json& document, const std::string& source_name) {
  const Json& files = member(document, "files", source_name);
  if (!files.is_array()) fail(source_name, "'files' is not an array");
  std::vector<FetchedFile> out;
  for (const Json& entry : files) {
    if (!entry.is_object()) fail(source_name, "an entry of 'files' is not an object");
    FetchedFile file;
    file.path = string_member(entry, "path", source_name);
    if (!is_safe_repo_path(file.path)) {
      fail(source_name, "file path '" + file.path + "' is not a safe repo-relative path");
    }
    const Json& size = member(entry, "size", source_name);
    if (!size.is_number_unsigned()) {
      fail(source_name, "the size of '" + file.path + "' is not a non-negative integer");
    }
    file.size = size.get<std::uint64_t>();
    out.push_back(std::move(file));
  }
  std::sort(out.begin(), out.end(), [](const FetchedFile& a, const FetchedFile& b) { return a.path < b.path; });
  const auto duplicate = std::adjacent_find(
      out.begin(), out.end(), [](const FetchedFile& a, const FetchedFile& b) { return a.path == b.path; });
  if (duplicate != out.end()) fail(source_name, "'" + duplicate->path + "' is listed twice");
  return out;
}

}  // namespace

std::string fetch_json(const Environment& env, const FetchRequest& request, const FetchResult& result) {
  const Json out{{"repo_id", request.repo.str()},
                 {"repo_type", std::string(to_string(request.type))},
                 {"revision", request.revision},
                 {"commit", result.commit},
                 {"endpoint", env.endpoint},
                 {"cache_dir", env.hub_cache.string()},
                 {"snapshot_dir", result.snapshot_dir.string()},
                 {"files", files_json(result.files)}};
  return out.dump(2) + "\n";
}

FetchedSnapshot fetched_snapshot(const FetchRequest& request, const FetchResult& result) {
  FetchedSnapshot snapshot;
  snapshot.repo_id = request.repo.str();
  snapshot.repo_type = std::string(to_string(request.type));
  snapshot.revision = request.revision;
  snapshot.commit = result.commit;
  snapshot.snapshot_dir = result.snapshot_dir.string();
  for (const auto& file : result.files) snapshot.files.push_back({file.path, file.size});
  return snapshot;
}

FetchedSnapshot parse_fetch_json(std::string_view text, const std::string& source_name) {
  Json document;
  try {
    document = Json::parse(text);
  } catch (const Json::parse_error& e) {
    fail(source_name, std::string("not valid JSON (") + e.what() + ")");
  }
  if (!document.is_object()) fail(source_name, "the top level is not an object");

  FetchedSnapshot snapshot;
  snapshot.repo_id = RepoId::parse(string_member(document, "repo_id", source_name)).str();
  snapshot.repo_type =
      std::string(to_string(parse_repo_type(string_member(document, "repo_type", source_name))));
  snapshot.revision = validate_revision(string_member(document, "revision", source_name));
  snapshot.commit = string_member(document, "commit", source_name);
  if (!is_commit_hash(snapshot.commit)) fail(source_name, "'commit' is not a 40-hex commit id");
  snapshot.snapshot_dir = snapshot_dir_member(document, source_name);
  snapshot.files = files_member(document, source_name);
  return snapshot;
}

}  // namespace hubdeps
