// A snapshot entry that is a file, not a symbolic link: what the cache holds
// where links cannot be made (huggingface_hub's fallback moves a new blob
// there, or copies an old one; hubdeps makes a hard link or a copy). A hard
// link to the blob is proven like a link (RepoCache::check_snapshot_entry);
// any other file is proven by its content, here.
#pragma once

#include <string>

#include "cache.hpp"
#include "repo.hpp"

namespace hubdeps {

// Hashes snapshots/<commit>/<file.path> (a file that is not blobs/<etag>
// itself) against `file`. When it has those bytes it is "adopted": true,
// and blobs/<etag>, if missing or not that file, becomes a hard link to it
// under the blob's lock (best effort: nothing where hard links cannot be
// made), so the next check is cheap. False when its bytes differ; then,
// `offline` and with no blob of the listed size to repair it from, throws
// Error(integrity) naming the file.
bool adopt_snapshot_file(const RepoCache& cache, const std::string& commit, const RepoFile& file,
                         bool offline);

}  // namespace hubdeps
