// The listings a Hub (or a mirror, or an attacker posing as one) sends, of a
// revision or page by page of a commit's tree, parsed and validated: the
// commit, and each file's path, size and hashes. Anything that could escape
// the cache or confuse verification is rejected here, so the rest of the
// engine can trust a RevisionListing.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "repo.hpp"

namespace hubdeps {

// Parses GET /api/{type}s/{repo}/revision/{rev}?blobs=true. `what` names the
// request in errors ("model 'org/name' at revision 'main'"). Throws
// Error(network) for malformed JSON, a missing or bad commit, unsafe or
// duplicate paths, and missing or malformed sizes and hashes.
RevisionListing parse_revision_listing(std::string_view body, const std::string& what);

// The pages of one GET /api/{type}s/{repo}/tree/{commit}?recursive=true,
// each a JSON array of {"type", "path", "oid", "size", "lfs": {"oid",
// "size"}}, parsed with the checks of parse_revision_listing: unsafe paths, a
// path listed twice (on any page), bad sizes or hashes throw Error(network).
// Folders are skipped.
class TreePages {
 public:
  explicit TreePages(std::string what) : what_(std::move(what)) {}
  void add(std::string_view body);
  std::size_t file_count() const { return files_.size(); }
  // Every file of every page, sorted by path.
  std::vector<RepoFile> take_files();

 private:
  std::string what_;
  std::set<std::string> seen_;
  std::vector<RepoFile> files_;
};

}  // namespace hubdeps
