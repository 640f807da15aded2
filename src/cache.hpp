// The shared Hugging Face cache layout, written here and nowhere else:
//   <root>/<type>s--<org>--<name>/{blobs,snapshots,refs,.no_exist,trees}
//   <root>/.locks/<repo folder>/<etag>.lock
// byte-compatible with Python huggingface_hub and @huggingface/hub.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "os/file_lock.hpp"
#include "repo.hpp"

namespace hubdeps {

// The cache's blob lock (.locks/<folder>/<etag>.lock): os::FileLock, the
// lock huggingface_hub's filelock takes too, on a file created (with its
// folders) if missing. Held until destroyed; Error(io) when it cannot be had.
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& path);

 private:
  os::FileLock lock_;
};

// The same lock as FileLock, without waiting: acquired() is false while
// another process (a download) holds it. With `create` false a missing lock
// file is free and nothing is created, so a dry run writes nothing.
class TryFileLock {
 public:
  TryFileLock(const std::filesystem::path& path, bool create);
  bool acquired() const { return acquired_; }

 private:
  os::FileLock lock_;
  bool acquired_ = false;
};

// os::write_file_atomic, creating the folders first: readers see the old or
// the new file, never a part. Error(io) naming the file when it fails.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// Writes CACHEDIR.TAG at the cache root if it is not there yet.
void ensure_cachedir_tag(const std::filesystem::path& cache_root);

class RepoCache {
 public:
  // `symlinks` false (HF_HUB_DISABLE_SYMLINKS): snapshot entries are made
  // straight away as the fallback makes them, never as symbolic links.
  RepoCache(std::filesystem::path cache_root, RepoType type, const RepoId& repo, bool symlinks = true);

  // "models--org--name"
  static std::string folder_name(RepoType type, const RepoId& repo);

  const std::filesystem::path& root() const { return root_; }
  const std::filesystem::path& repo_dir() const { return repo_dir_; }
  std::filesystem::path blob_path(std::string_view etag) const;
  std::filesystem::path incomplete_path(std::string_view etag) const;  // blobs/<etag>.incomplete
  std::filesystem::path lock_path(std::string_view etag) const;        // .locks/<folder>/<etag>.lock
  std::filesystem::path locks_dir() const;                             // .locks/<folder>
  std::filesystem::path snapshot_dir(std::string_view commit) const;
  std::filesystem::path snapshot_path(std::string_view commit, std::string_view repo_path) const;

  bool has_blob(std::string_view etag) const;

  // refs/<revision> holds the commit, no trailing newline; nested for refs/pr/N.
  std::optional<std::string> read_ref(std::string_view revision) const;
  void write_ref(std::string_view revision, std::string_view commit) const;

  // Points snapshots/<commit>/<path> at ../../blobs/<etag> (one more ../ per
  // folder level), replacing whatever was there, atomically. Where symbolic
  // links cannot be made the entry is the blob under a second name (a hard
  // link), else a copy of it (huggingface_hub's fallback).
  void link_snapshot(std::string_view commit, std::string_view repo_path,
                     std::string_view etag) const;
  // True when snapshots/<commit>/<path> resolves to an existing blob.
  bool snapshot_file_present(std::string_view commit, std::string_view repo_path) const;

  // What snapshots/<commit>/<path> holds, judged without reading a byte: a
  // blob is published under its hash only after it was verified, so a link to
  // blobs/<etag> (or blobs/<etag> itself, hard linked) whose blob has the
  // expected size is proof of the content.
  enum class Entry {
    proven,         // a link to blobs/<etag>, or that file itself, of `size` bytes
    missing,        // no entry, or a link to a blob that is not there
    other_blob,     // a link to another blob than blobs/<etag>
    wrong_size,     // a link to blobs/<etag>, or that file itself, of another size
    not_a_link,     // a regular file that is not blobs/<etag> (a copy, huggingface_hub's
                    // moved blob, placed by hand): proven by its content (snapshot_proof.hpp)
  };
  Entry check_snapshot_entry(std::string_view commit, std::string_view repo_path,
                             std::string_view etag, std::uint64_t size) const;
  // The blob name snapshots/<commit>/<path> links to, if it is a link.
  std::optional<std::string> snapshot_link_blob(std::string_view commit,
                                                std::string_view repo_path) const;

  // Links snapshots/<commit>/<path> to blobs/<etag> if that blob exists,
  // under the blob's lock, so a prune (which removes blobs under the same
  // lock) can never leave the new link dangling. False when it is missing.
  bool link_snapshot_if_blob(std::string_view commit, std::string_view repo_path,
                             std::string_view etag, std::uint64_t size) const;

  // Removes a blob found damaged, under its lock, so a download running in
  // another process is never cut short. Missing is fine.
  void discard_blob(std::string_view etag) const;

  // Publishes a verified download: renames `verified_file` to blobs/<etag>.
  void publish_blob(const std::filesystem::path& verified_file, std::string_view etag) const;

  void mark_no_exist(std::string_view commit, std::string_view repo_path) const;
  bool is_marked_no_exist(std::string_view commit, std::string_view repo_path) const;

  // trees/<commit>.json, the listing cache recent huggingface_hub writes:
  // {"format_version": 1, "files": {"<path>": {"size", "blob_id", "lfs_sha256"?, "lfs_size"?}}}
  // Python trusts it as the commit's complete file list, so write only full
  // listings, never a filtered one. Reading ignores a damaged file (nullopt).
  void write_tree_listing(const RevisionListing& listing) const;
  std::optional<RevisionListing> read_tree_listing(std::string_view commit) const;

 private:
  std::filesystem::path root_;
  std::string folder_;
  std::filesystem::path repo_dir_;
  bool symlinks_ = true;
};

}  // namespace hubdeps
