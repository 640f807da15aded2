// The complete file list of a revision, however large the repo. The Hub's
// revision answer lists a repo's files as `siblings`, but for large repos that
// list may be cut short, silently (a server-side cache; huggingface_hub#3119),
// so it is trusted only when it is small and not empty; otherwise the files
// come from the paginated tree listing of the resolved commit, which is always
// complete. A fetch then pins every file or fails: never a subset.
#pragma once

#include <string>

#include "http.hpp"
#include "repo.hpp"

namespace hubdeps {

// huggingface_hub's rule (its PRs #3122, #3241, #3565): siblings are not
// trusted when there are none or at least this many. At exactly 1,000 the
// list may well be a cut at a round number, so that count is not trusted
// either (huggingface_hub trusts up to 1,000 inclusive; newer versions always
// ask the tree).
inline constexpr std::size_t kTrustedSiblingsLimit = 1000;
bool siblings_are_trustworthy(const RevisionListing& listing);

// The next page's URL from a `Link` header (`<url>; rel="next"`, possibly
// among other links), resolved against the URL that answered; empty when
// there is no next page.
std::string next_page_url(const std::string& link_header, const std::string& page_url);

// GET /api/{type}s/{repo}/tree/{commit}?recursive=true, following every
// `Link: <...>; rel="next"` (the Hub sends 1,000 entries a page). `revision`
// names the request in messages. Throws Error(network) for an invalid page, a
// page that links back to an earlier one, or a failed request; the Hub's
// errors as throw_hub_error maps them.
RevisionListing fetch_tree_listing(HttpConnection& connection, RepoType type, const RepoId& repo,
                                   const std::string& revision, const std::string& commit);

// The revision's listing (one call), completed from the tree listing when its
// siblings cannot be trusted. Every file the revision answer named must be in
// the tree with the same size and hashes, or the two listings contradict each
// other and the fetch fails (Error(network)).
RevisionListing fetch_complete_listing(HttpConnection& connection, RepoType type, const RepoId& repo,
                                       const std::string& revision);

}  // namespace hubdeps
