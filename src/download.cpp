#include "download.hpp"

#include <memory>
#include <system_error>

#include "blob_range.hpp"
#include "download_pieces.hpp"
#include "error.hpp"
#include "hash.hpp"
#include "ranged_download.hpp"

namespace hubdeps {

namespace fs = std::filesystem;

namespace {

Error cannot_write(const fs::path& path, const std::error_code& error) {
  return Error(ExitCode::io, "cannot write " + path.string() + ": " + error.message() +
                                 "; check that the cache folder is writable (HF_HUB_CACHE)");
}

// blobs/<etag>.incomplete, created if missing and never truncated here:
// what an interrupted run left is resumed.
PartFile open_part_file(const fs::path& path) {
  fs::create_directories(path.parent_path());
  std::error_code error;
  PartFile part{os::File::open(path, os::File::Mode::read_write, error), path};
  if (error) throw cannot_write(path, error);
  return part;
}

std::uint64_t part_size(const PartFile& part) {
  std::error_code error;
  const auto status = part.file.status(error);
  if (error) throw cannot_write(part.path, error);
  return status.size;
}

// How many bytes at the start of the part-file one stream can keep: `have`,
// or the first run a ranged download recorded (its later pieces may leave
// holes), whose record then goes.
std::uint64_t valid_prefix(const PartFile& part, const RepoFile& file, std::uint64_t have) {
  const auto record = part.file.attribute(kPiecesAttribute);
  const auto runs = record ? parse_segments(*record, file.size) : std::nullopt;
  if (!runs) return have;
  part.file.remove_attribute(kPiecesAttribute);
  return runs->front().done;
}

// Downloads the rest of the blob in one stream, hashing as bytes arrive.
// Its first `have` bytes are already in the part-file.
std::string download_linear(HttpTransport& connection, const std::string& url, const RepoFile& file,
                            const HubContext& file_context, Progress& progress,
                            const std::atomic<bool>& cancelled, const PartFile& part, std::uint64_t have) {
  // A ranged attempt may have written pieces past the valid prefix.
  if (part_size(part) != have) truncate_part(part, have);
  Digest digest = new_digest(file);
  hash_file_range(part, 0, have, digest);
  progress.file_started(file.path, file.size, have);

  ReportProgress reported(progress, file.path);
  HashBytes hash(digest, file, &reported);
  WriteToFile write(part, &hash);
  if (have < file.size || file.size == 0) {
    BlobRange rest(file, file_context, BlobRange::Kind::rest, have, file.size, write, cancelled);
    fetch_blob_range(connection, url, rest, file_context);
  }
  reported.flush();
  return digest.hex_final();
}

// Fetches the blob into its part-file, which holds `left` bytes from an
// interrupted run, and returns the blob's hash: a large file as parallel
// ranges, other files (and any file from a server that ignores Range) in
// one stream.
std::string fetch_blob(HttpTransport& connection, const std::string& url, const RepoFile& file,
                       const HubContext& file_context, Progress& progress, const std::atomic<bool>& cancelled,
                       const PartFile& part, std::uint64_t left, const DownloadTuning& tuning) {
  const std::uint64_t have = left > file.size ? 0 : left;
  const bool ranged = tuning.streams > 1 && file.size >= tuning.ranged_threshold;
  if (ranged) {
    const auto connect = [&settings = connection.settings()]() -> std::unique_ptr<HttpTransport> {
      return std::make_unique<HttpConnection>(settings);
    };
    RangedDownload download(part, file, file_context, url, connect, progress, cancelled, tuning.streams);
    RangedOutcome outcome = download.run(have);
    if (!outcome.ranges_ignored) return std::move(outcome.digest);
  }
  // An empty part-file is a fresh start: no record to read.
  const bool may_have_record = left > 0 || ranged;
  return download_linear(connection, url, file, file_context, progress, cancelled, part,
                         may_have_record ? valid_prefix(part, file, have) : have);
}

// Throws (and discards the part-file) unless it is exactly the blob.
void verify(const PartFile& part, const RepoFile& file, const HubContext& file_context, const std::string& actual) {
  std::error_code error;
  const auto status = part.file.status(error);
  const std::uint64_t size = error ? 0 : status.size;
  if (!error && size == file.size && actual == file.etag()) return;
  std::error_code ignored;
  fs::remove(part.path, ignored);
  throw Error(ExitCode::integrity,
              "integrity check failed for " + describe_request(file_context) + ": expected " +
                  (file.is_lfs() ? "sha256 " : "git blob sha1 ") + file.etag() + " (" +
                  std::to_string(file.size) + " bytes), got " + actual + " (" + std::to_string(size) +
                  " bytes); the corrupt download was discarded, nothing was cached; run again, and "
                  "report it if it persists");
}

}  // namespace

bool download_blob(HttpTransport& connection, const RepoCache& cache, const RepoFile& file,
                   const std::string& url, const HubContext& context, Progress& progress,
                   const std::atomic<bool>& cancelled, const DownloadTuning& tuning) {
  const std::string etag = file.etag();
  // The same lock file huggingface_hub takes, so the two never download the
  // same blob at once; it also serializes our own parallel processes.
  FileLock lock(cache.lock_path(etag));
  if (cache.has_blob(etag)) return false;

  HubContext file_context = context;
  file_context.path = file.path;
  const PartFile part = open_part_file(cache.incomplete_path(etag));
  const std::string actual =
      fetch_blob(connection, url, file, file_context, progress, cancelled, part, part_size(part), tuning);
  verify(part, file, file_context, actual);
  progress.file_done(file.path);
  cache.publish_blob(part.path, etag);
  return true;
}

}  // namespace hubdeps
