// How a pinned listing (a lockfile entry) is proven before the cache trusts
// it. The lockfile is hostile input: a hand edit or a bad merge can name a
// commit, a hash or a size the Hub never had. So a snapshot entry is only
// created after the Hub's own listing of the commit agrees with the pin
// (online), or after hashing the blob it would link to (offline).
#pragma once

#include <string>
#include <vector>

#include "cache.hpp"
#include "fetch.hpp"
#include "repo.hpp"

namespace hubdeps {

// Compares the pinned files with the Hub's listing of the same commit,
// selected by the same patterns: every pinned file must be there with the
// same size and hash, and no selected file may be missing from the pin.
// Throws PinDisagreement listing the differences ("the lock says ..., the
// Hub's commit ... has ...").
void require_hub_agrees(const RevisionListing& pinned, const std::vector<RepoFile>& hub_selected);

// Offline: hashes each file's blob (blobs/<etag>) and checks its size.
// Throws Error(integrity) naming the file when the cache disagrees with the
// pin (another blob linked, a damaged blob). Files whose blob is absent are
// left for the caller (an offline miss).
void prove_blobs_offline(const RepoCache& cache, const std::string& commit,
                         const std::vector<RepoFile>& files);

}  // namespace hubdeps
