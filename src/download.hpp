// Downloads one blob into the cache: under the blob's lock, into
// blobs/<etag>.incomplete (resumed with Range when a previous run left one),
// hashed while it streams, verified, then renamed into place. A blob is
// never visible under its final name unless its size and hash are right.
// Large files go as parallel ranges (ranged_download.hpp); every byte takes
// the path blob_range.hpp describes.
#pragma once

#include <atomic>
#include <string>

#include "cache.hpp"
#include "hub_api.hpp"
#include "progress.hpp"
#include "repo.hpp"

namespace hubdeps {

// Thrown when another worker failed and this one stopped early.
struct DownloadCancelled {};

// Large files are fetched as parallel byte ranges: on real networks one
// TCP stream rarely fills the link.
struct DownloadTuning {
  std::size_t streams = 16;                   // at most this many parallel ranges per large file
  std::uint64_t ranged_threshold = 64u << 20;  // files from this size on
};

// Returns true when it transferred bytes, false when the blob was already
// in the cache (another process may have fetched it while we waited for the
// lock). `url` is the resolve URL by commit; redirects to a CDN are followed.
bool download_blob(HttpTransport& connection, const RepoCache& cache, const RepoFile& file,
                   const std::string& url, const HubContext& context, Progress& progress,
                   const std::atomic<bool>& cancelled, const DownloadTuning& tuning = {});

}  // namespace hubdeps
