#include "snapshot_proof.hpp"

#include <filesystem>
#include <system_error>

#include "error.hpp"
#include "hash.hpp"
#include "os/link.hpp"

namespace hubdeps {

namespace fs = std::filesystem;

namespace {

std::string hash_name(const RepoFile& file) { return file.is_lfs() ? "sha256" : "git blob sha1"; }

// blobs/<etag> becomes the verified file itself (a hard link), so the next
// check compares two inodes instead of hashing. Under the blob's lock, as a
// download publishes and a prune removes blobs. Best effort: a file system
// without hard links, or a cache this user may not write, keeps what it has
// and the file is hashed again next time.
void link_blob_to(const RepoCache& cache, const RepoFile& file, const fs::path& verified) {
  try {
    FileLock lock(cache.lock_path(file.etag()));
    std::error_code error;
    const fs::path blob = cache.blob_path(file.etag());
    if (os::same_file(blob, verified, error)) return;
    fs::create_directories(blob.parent_path(), error);  // a cache of copies may have no blobs/
    os::replace_with_hard_link(blob, verified, error);
  } catch (const Error&) {
  }
}

}  // namespace

bool adopt_snapshot_file(const RepoCache& cache, const std::string& commit, const RepoFile& file, bool offline) {
  const fs::path entry = cache.snapshot_path(commit, file.path);
  std::error_code error;
  const auto size = fs::file_size(entry, error);
  std::string found = error ? "cannot be read" : std::to_string(size) + " bytes";
  if (!error && size == file.size) {
    try {
      const std::string actual = file.is_lfs() ? sha256_file(entry) : git_blob_sha1_file(entry);
      if (actual == file.etag()) {
        link_blob_to(cache, file, entry);
        return true;
      }
      found = hash_name(file) + " " + actual;
    } catch (const Error&) {
      found = "cannot be read";  // replaced like a wrong file
    }
  }
  if (!offline) return false;  // the fetch replaces it
  const auto blob_size = fs::file_size(cache.blob_path(file.etag()), error);
  if (!error && blob_size == file.size) return false;  // linked again from the blob
  throw Error(ExitCode::integrity,
              "offline: the cache's snapshot file '" + entry.string() + "' is not the one listed (it has " + found +
                  ", the listing names " + hash_name(file) + " " + file.etag() + ", " + std::to_string(file.size) +
                  " bytes) and its blob is not in the cache; run once online to download it again");
}

}  // namespace hubdeps
