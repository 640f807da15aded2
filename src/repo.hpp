// What a Hub repository and its files are: ids, types, revisions, listings.
// Parsed and validated here, at the edge; trusted everywhere after.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hubdeps {

enum class RepoType { model, dataset, space };

RepoType parse_repo_type(std::string_view text);      // throws Error(usage)
std::string_view to_string(RepoType type);            // "model"
std::string_view api_plural(RepoType type);           // "models"
std::string_view resolve_url_prefix(RepoType type);   // "" / "datasets/" / "spaces/"

// `namespace/name` or a bare legacy `name`, validated like the Hub does.
class RepoId {
 public:
  static RepoId parse(std::string_view text);  // throws Error(usage)
  const std::string& str() const { return value_; }
  bool operator==(const RepoId&) const = default;

 private:
  explicit RepoId(std::string value) : value_(std::move(value)) {}
  std::string value_;
};

// A branch, tag, full commit or refs/pr/N. Rejects anything that could escape
// a cache folder when used as a path (`..`, absolute, backslash, NUL).
std::string validate_revision(std::string_view text);  // throws Error(usage)

bool is_commit_hash(std::string_view text);  // 40 lowercase hex digits

// A repo-relative file path from a server listing or a user. Rejects
// absolute paths, `..` and `.` segments, backslashes, NUL and empty segments.
bool is_safe_repo_path(std::string_view path);

// One file of a revision, as the listing APIs describe it.
struct RepoFile {
  std::string path;                   // repo-relative, '/'-separated
  std::uint64_t size = 0;
  std::string git_sha1;               // the git blob id
  std::optional<std::string> sha256;  // set for LFS files

  bool is_lfs() const { return sha256.has_value(); }
  // The blob's name in the cache: the ETag the Hub would send.
  const std::string& etag() const { return sha256 ? *sha256 : git_sha1; }
};

// Listings are kept in path order, so output and lockfiles are deterministic.
void sort_by_path(std::vector<RepoFile>& files);

// A revision resolved to a commit, with every file in it.
struct RevisionListing {
  std::string commit;
  std::vector<RepoFile> files;
};

}  // namespace hubdeps
