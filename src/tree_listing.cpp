#include "tree_listing.hpp"

#include <map>
#include <set>

#include "error.hpp"
#include "hub_api.hpp"
#include "listing.hpp"

namespace hubdeps {

namespace {

// No Hub repo comes near this; a server that keeps sending pages beyond it is
// not listing a repo, and must not exhaust memory.
constexpr std::size_t kMaxTreeFiles = 10'000'000;

std::string tree_api_url(const std::string& endpoint, RepoType type, const RepoId& repo,
                         const std::string& commit) {
  return endpoint + "/api/" + std::string(api_plural(type)) + "/" + repo.str() + "/tree/" +
         url_encode(commit, false) + "?recursive=true";
}

bool has_rel_next(std::string_view params) {
  // rel="next", rel=next, or rel="next prev": one of the space-separated values.
  for (std::size_t at = params.find("rel="); at != std::string_view::npos; at = params.find("rel=", at + 4)) {
    std::string_view value = params.substr(at + 4);
    value = value.substr(0, value.find_first_of(";,"));
    if (!value.empty() && value.front() == '"') value = value.substr(1, value.find('"', 1) - 1);
    for (std::size_t start = 0; start <= value.size();) {
      const auto end = std::min(value.find(' ', start), value.size());
      if (value.substr(start, end - start) == "next") return true;
      start = end + 1;
    }
  }
  return false;
}

// Every file the revision answer named must be in the tree as it named it:
// two answers of one Hub about one commit that disagree mean something is
// wrong with the Hub or the way to it, and nothing of either is trusted.
void require_tree_covers_siblings(const RevisionListing& siblings, const RevisionListing& tree,
                                  const std::string& what) {
  std::map<std::string_view, const RepoFile*> by_path;
  for (const auto& file : tree.files) by_path.emplace(file.path, &file);
  for (const auto& sibling : siblings.files) {
    const auto it = by_path.find(sibling.path);
    const bool same = it != by_path.end() && it->second->size == sibling.size &&
                      it->second->git_sha1 == sibling.git_sha1 && it->second->sha256 == sibling.sha256;
    if (same) continue;
    throw Error(ExitCode::network,
                "the Hub's two listings of " + what + " (commit " + tree.commit + ") disagree about '" +
                    sibling.path + "'" + (it == by_path.end() ? ": the tree listing does not have it" : "") +
                    "; nothing was downloaded. Try again later; if it persists, the Hub or a proxy or mirror "
                    "in between serves stale answers");
  }
}

}  // namespace

bool siblings_are_trustworthy(const RevisionListing& listing) {
  return !listing.files.empty() && listing.files.size() < kTrustedSiblingsLimit;
}

std::string next_page_url(const std::string& link_header, const std::string& page_url) {
  std::string_view rest = link_header;
  while (true) {
    const auto open = rest.find('<');
    if (open == std::string_view::npos) return {};
    const auto close = rest.find('>', open);
    if (close == std::string_view::npos) return {};
    const std::string_view url = rest.substr(open + 1, close - open - 1);
    rest = rest.substr(close + 1);
    const std::string_view params = rest.substr(0, rest.find('<'));
    if (has_rel_next(params)) return resolve_location(page_url, std::string(url));
  }
}

RevisionListing fetch_tree_listing(HttpConnection& connection, RepoType type, const RepoId& repo,
                                   const std::string& revision, const std::string& commit) {
  const std::string& endpoint = connection.settings().endpoint;
  const HubContext context{type, repo, revision, "", connection.settings().token.has_value()};
  const std::string what = describe_request(context) + " (tree of commit " + commit + ")";
  TreePages pages(what);
  std::set<std::string> asked;
  for (std::string url = tree_api_url(endpoint, type, repo, commit); !url.empty();) {
    if (!asked.insert(url).second || pages.file_count() > kMaxTreeFiles) {
      throw Error(ExitCode::network, "the Hub's tree listing of " + what +
                                         " does not end (its pages link back to " + url +
                                         "); is HF_ENDPOINT a Hugging Face Hub?");
    }
    HttpRequest request;
    request.url = url;
    request.headers.push_back("Accept: application/json");
    const HttpResponse page = send_with_retries(connection, request, Redirects::relative_only, context);
    if (page.status == 404 && !page.header("x-error-code")) {
      throw Error(ExitCode::network,
                  "the revision answer of " + describe_request(context) +
                      " may list only some of its files (the Hub cuts that list short for large repos), and "
                      "the complete listing, " + url + ", is not served (HTTP 404): the Hub or mirror at " +
                      endpoint + " must serve /api/{type}s/{repo}/tree/{revision}; nothing was downloaded");
    }
    if (page.status != 200) throw_hub_error(page, context, endpoint);
    pages.add(page.body);
    const auto* link = page.header("link");
    url = link ? next_page_url(*link, page.url) : std::string();
  }
  return RevisionListing{commit, pages.take_files()};
}

RevisionListing fetch_complete_listing(HttpConnection& connection, RepoType type, const RepoId& repo,
                                       const std::string& revision) {
  RevisionListing listing = fetch_revision_listing(connection, type, repo, revision);
  if (siblings_are_trustworthy(listing)) return listing;
  // By commit, not by revision: a branch that moves between the two calls
  // must not mix two commits into one listing.
  RevisionListing tree = fetch_tree_listing(connection, type, repo, revision, listing.commit);
  const HubContext context{type, repo, revision, "", false};
  require_tree_covers_siblings(listing, tree, describe_request(context));
  return tree;
}

}  // namespace hubdeps
