#include "listing.hpp"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "error.hpp"

namespace hubdeps {

namespace {

bool is_hex(const std::string& text, std::size_t length) {
  return text.size() == length && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Error invalid_listing(const std::string& what, const std::string& why) {
  return Error(ExitCode::network, "the Hub sent an invalid listing for " + what + ": " + why +
                                      "; is HF_ENDPOINT a Hugging Face Hub?");
}

}  // namespace

RevisionListing parse_revision_listing(std::string_view body, const std::string& what) {
  const auto invalid = [&](const std::string& why) { return invalid_listing(what, why); };
  const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) throw invalid("not a JSON object");
  const auto sha = json.find("sha");
  if (sha == json.end() || !sha->is_string() || !is_commit_hash(sha->get<std::string>())) {
    throw invalid("no commit hash in 'sha'");
  }
  const auto siblings = json.find("siblings");
  if (siblings == json.end() || !siblings->is_array()) throw invalid("no 'siblings' list");

  RevisionListing listing;
  listing.commit = sha->get<std::string>();
  std::set<std::string> seen;
  for (const auto& sibling : *siblings) {
    if (!sibling.is_object()) throw invalid("a sibling is not an object");
    const auto name = sibling.find("rfilename");
    if (name == sibling.end() || !name->is_string()) throw invalid("a sibling has no 'rfilename'");
    RepoFile file;
    file.path = name->get<std::string>();
    if (!is_safe_repo_path(file.path)) {
      throw invalid("unsafe file path '" + file.path + "' (absolute, '..' or backslash)");
    }
    if (!seen.insert(file.path).second) throw invalid("file '" + file.path + "' is listed twice");
    const auto size = sibling.find("size");
    const auto blob_id = sibling.find("blobId");
    if (size == sibling.end() || !size->is_number_unsigned() || blob_id == sibling.end() ||
        !blob_id->is_string() || !is_hex(blob_id->get<std::string>(), 40)) {
      throw invalid("file '" + file.path + "' has no valid 'size' and 'blobId' (blobs=true)");
    }
    file.size = size->get<std::uint64_t>();
    file.git_sha1 = blob_id->get<std::string>();
    if (const auto lfs = sibling.find("lfs"); lfs != sibling.end() && lfs->is_object()) {
      const auto sha256 = lfs->find("sha256");
      const auto lfs_size = lfs->find("size");
      if (sha256 == lfs->end() || !sha256->is_string() || !is_hex(sha256->get<std::string>(), 64) ||
          lfs_size == lfs->end() || !lfs_size->is_number_unsigned()) {
        throw invalid("LFS file '" + file.path + "' has no valid sha256 and size");
      }
      file.sha256 = sha256->get<std::string>();
      file.size = lfs_size->get<std::uint64_t>();
    }
    listing.files.push_back(std::move(file));
  }
  sort_by_path(listing.files);
  return listing;
}

void TreePages::add(std::string_view body) {
  const auto invalid = [&](const std::string& why) { return invalid_listing(what_, why); };
  const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_array()) throw invalid("a tree page is not a JSON array");
  for (const auto& entry : json) {
    if (!entry.is_object()) throw invalid("a tree entry is not an object");
    const auto type = entry.find("type");
    const auto path = entry.find("path");
    if (type == entry.end() || !type->is_string() || path == entry.end() || !path->is_string()) {
      throw invalid("a tree entry has no 'type' and 'path'");
    }
    // Folders, and whatever else a tree may hold one day, have no bytes to fetch
    // (huggingface_hub keeps only the "file" entries too).
    if (type->get<std::string>() != "file") continue;
    RepoFile file;
    file.path = path->get<std::string>();
    if (!is_safe_repo_path(file.path)) {
      throw invalid("unsafe file path '" + file.path + "' (absolute, '..' or backslash)");
    }
    if (!seen_.insert(file.path).second) throw invalid("file '" + file.path + "' is listed twice");
    const auto size = entry.find("size");
    const auto oid = entry.find("oid");
    if (size == entry.end() || !size->is_number_unsigned() || oid == entry.end() || !oid->is_string() ||
        !is_hex(oid->get<std::string>(), 40)) {
      throw invalid("file '" + file.path + "' has no valid 'size' and 'oid'");
    }
    file.size = size->get<std::uint64_t>();
    file.git_sha1 = oid->get<std::string>();
    if (const auto lfs = entry.find("lfs"); lfs != entry.end() && !lfs->is_null()) {
      const auto sha256 = lfs->is_object() ? lfs->find("oid") : entry.end();
      const auto lfs_size = lfs->is_object() ? lfs->find("size") : entry.end();
      if (!lfs->is_object() || sha256 == lfs->end() || !sha256->is_string() ||
          !is_hex(sha256->get<std::string>(), 64) || lfs_size == lfs->end() ||
          !lfs_size->is_number_unsigned()) {
        throw invalid("LFS file '" + file.path + "' has no valid 'oid' (SHA-256) and 'size'");
      }
      file.sha256 = sha256->get<std::string>();
      file.size = lfs_size->get<std::uint64_t>();
    }
    files_.push_back(std::move(file));
  }
}

std::vector<RepoFile> TreePages::take_files() {
  sort_by_path(files_);
  seen_.clear();
  return std::move(files_);
}

}  // namespace hubdeps
