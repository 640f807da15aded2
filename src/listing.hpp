// The revision listing a Hub (or a mirror, or an attacker posing as one)
// sends, parsed and validated: the commit, and each file's path, size and
// hashes. Anything that could escape the cache or confuse verification is
// rejected here, so the rest of the engine can trust a RevisionListing.
#pragma once

#include <string>
#include <string_view>

#include "repo.hpp"

namespace hubdeps {

// Parses GET /api/{type}s/{repo}/revision/{rev}?blobs=true. `what` names the
// request in errors ("model 'org/name' at revision 'main'"). Throws
// Error(network) for malformed JSON, a missing or bad commit, unsafe or
// duplicate paths, and missing or malformed sizes and hashes.
RevisionListing parse_revision_listing(std::string_view body, const std::string& what);

}  // namespace hubdeps
