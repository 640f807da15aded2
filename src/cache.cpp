#include "cache.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <system_error>

#include "error.hpp"
#include "os/atomic_write.hpp"
#include "os/file.hpp"
#include "os/link.hpp"
#include "os/permissions.hpp"
#include "os/random.hpp"
#include "os/utf8_path.hpp"

namespace hubdeps {

namespace fs = std::filesystem;

namespace {

// huggingface_hub writes this exact text (Cache Directory Tagging Standard),
// so backup tools skip the cache whichever client created it.
constexpr std::string_view kCachedirTagContent =
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by huggingface_hub.\n"
    "# For information about cache directory tags, see:\n"
    "#\thttps://bford.info/cachedir/\n";

constexpr int kTreeFormatVersion = 1;

bool is_lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// A blob's name: a git SHA-1 (regular file) or a SHA-256 (LFS file).
bool is_blob_name(std::string_view etag) {
  return (etag.size() == 40 || etag.size() == 64) && is_lower_hex(etag);
}

// Every name below comes from a server answer, a lockfile or the user and is
// joined to a cache path: check it first so nothing lands outside the cache.
std::string_view checked_etag(std::string_view etag) {
  if (!is_blob_name(etag)) {
    throw Error(ExitCode::integrity,
                "refusing to use '" + std::string(etag) +
                    "' as a blob name in the cache: a file's ETag must be a lowercase hex SHA-1 "
                    "(40 digits) or SHA-256 (64 digits); the server's answer cannot be trusted");
  }
  return etag;
}

std::string_view checked_commit(std::string_view commit) {
  if (!is_commit_hash(commit)) {
    throw Error(ExitCode::integrity,
                "refusing to use '" + std::string(commit) +
                    "' as a commit in the cache: a commit must be 40 lowercase hex digits");
  }
  return commit;
}

std::string_view checked_repo_path(std::string_view repo_path) {
  if (!is_safe_repo_path(repo_path)) {
    throw Error(ExitCode::integrity,
                "refusing to use '" + std::string(repo_path) +
                    "' as a file path in the cache: a repo file path must be relative, "
                    "'/'-separated and free of '.', '..' and empty segments");
  }
  return repo_path;
}

constexpr const char* kCacheHint =
    "check the permissions and free space of the cache folder (or point HF_HUB_CACHE elsewhere)";
// write_file_atomic also writes files outside the cache (the lockfile).
constexpr const char* kFileHint = "check that its folder is writable and the disk is not full";

Error io_error(const std::string& action, const fs::path& path, const std::error_code& error,
               const char* hint = kCacheHint) {
  return Error(ExitCode::io,
               "cannot " + action + " '" + path.string() + "': " + error.message() + "; " + hint);
}

void create_parent_folders(const fs::path& path, const char* hint = kCacheHint) {
  // A bare file name ("hubdeps.lock") lives in the current folder.
  if (path.parent_path().empty()) return;
  std::error_code error;
  fs::create_directories(path.parent_path(), error);
  if (error) throw io_error("create the folder", path.parent_path(), error, hint);
}

enum class ReadResult { ok, missing };

// Reads a small cache file (a ref, a tree listing). A missing file, or a
// folder in its place, is "missing": the cache simply does not have it.
ReadResult read_small_file(const fs::path& path, std::string& content) {
  std::error_code error;
  const os::File file = os::File::open(path, os::File::Mode::read, error);
  if (!error) content = os::read_all(file, error);
  if (error == std::errc::no_such_file_or_directory || error == std::errc::not_a_directory ||
      error == std::errc::is_a_directory) {
    return ReadResult::missing;
  }
  if (error) throw io_error("read", path, error);
  return ReadResult::ok;
}

std::string_view trim(std::string_view text) {
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::string relative_blob_target(std::string_view repo_path, std::string_view etag) {
  // snapshots/<commit>/<path>: two levels up reach the repo folder, plus one
  // per folder in <path>. Relative, so the cache can be moved or mounted
  // elsewhere, exactly like huggingface_hub's os.path.relpath.
  const auto depth = static_cast<std::size_t>(std::count(repo_path.begin(), repo_path.end(), '/'));
  std::string target;
  for (std::size_t i = 0; i < depth + 2; ++i) target += "../";
  target += "blobs/";
  target += etag;
  return target;
}

}  // namespace

FileLock::FileLock(const fs::path& path) {
  create_parent_folders(path);
  std::error_code error;
  lock_ = os::FileLock::acquire(path, os::FileLock::Open::create, os::FileLock::Wait::until_free, error);
  // In a cache shared between users the lock file may belong to someone
  // else and not be writable; the lock itself does not need write access.
  if (error == std::errc::permission_denied || error == std::errc::read_only_file_system) {
    lock_ = os::FileLock::acquire(path, os::FileLock::Open::read_only, os::FileLock::Wait::until_free, error);
  }
  if (error) throw io_error("lock", path, error);
}

TryFileLock::TryFileLock(const fs::path& path, bool create) {
  if (create) create_parent_folders(path);
  const auto open = create ? os::FileLock::Open::create : os::FileLock::Open::existing;
  std::error_code error;
  lock_ = os::FileLock::acquire(path, open, os::FileLock::Wait::no, error);
  if (error == std::errc::permission_denied || error == std::errc::read_only_file_system) {
    lock_ = os::FileLock::acquire(path, os::FileLock::Open::read_only, os::FileLock::Wait::no, error);
  }
  // No lock file: no process has ever locked it, so none holds it now.
  if (!create && (error == std::errc::no_such_file_or_directory || error == std::errc::not_a_directory)) {
    acquired_ = true;
    return;
  }
  if (error) throw io_error("lock", path, error);
  acquired_ = lock_.held();
}

void write_file_atomic(const fs::path& path, std::string_view content) {
  create_parent_folders(path, kFileHint);
  std::error_code error;
  os::write_file_atomic(path, content, error);
  if (error) throw io_error("write", path, error, kFileHint);
}

void ensure_cachedir_tag(const fs::path& cache_root) {
  const fs::path tag = cache_root / "CACHEDIR.TAG";
  std::error_code error;
  if (fs::exists(tag, error)) return;
  // Best effort, like huggingface_hub: the tag only helps backup tools, and
  // a read-only cache root must not stop a build that needs nothing new.
  try {
    write_file_atomic(tag, kCachedirTagContent);
  } catch (const Error&) {
  }
}

RepoCache::RepoCache(fs::path cache_root, RepoType type, const RepoId& repo, bool symlinks)
    : root_(std::move(cache_root)),
      folder_(folder_name(type, repo)),
      repo_dir_(root_ / folder_),
      symlinks_(symlinks) {}

std::string RepoCache::folder_name(RepoType type, const RepoId& repo) {
  // huggingface_hub's repo_folder_name: "<type>s" and the id's parts joined by "--".
  std::string name(api_plural(type));
  name += "--";
  for (char c : repo.str()) {
    if (c == '/') {
      name += "--";
    } else {
      name += c;
    }
  }
  return name;
}

fs::path RepoCache::blob_path(std::string_view etag) const {
  return repo_dir_ / "blobs" / checked_etag(etag);
}

fs::path RepoCache::incomplete_path(std::string_view etag) const {
  return repo_dir_ / "blobs" / (std::string(checked_etag(etag)) + ".incomplete");
}

fs::path RepoCache::lock_path(std::string_view etag) const {
  return root_ / ".locks" / folder_ / (std::string(checked_etag(etag)) + ".lock");
}

fs::path RepoCache::snapshot_dir(std::string_view commit) const {
  return repo_dir_ / "snapshots" / checked_commit(commit);
}

fs::path RepoCache::snapshot_path(std::string_view commit, std::string_view repo_path) const {
  return snapshot_dir(commit) / os::utf8_path(checked_repo_path(repo_path));
}

bool RepoCache::has_blob(std::string_view etag) const {
  std::error_code error;
  return fs::is_regular_file(blob_path(etag), error);
}

std::optional<std::string> RepoCache::read_ref(std::string_view revision) const {
  const fs::path path = repo_dir_ / "refs" / validate_revision(revision);
  std::string content;
  if (read_small_file(path, content) == ReadResult::missing) return std::nullopt;
  const auto commit = trim(content);
  // A ref that does not hold a commit is damage, not data: treat it as
  // absent so the revision is resolved again (and the ref rewritten).
  if (!is_commit_hash(commit)) return std::nullopt;
  return std::string(commit);
}

void RepoCache::write_ref(std::string_view revision, std::string_view commit) const {
  const fs::path path = repo_dir_ / "refs" / validate_revision(revision);
  checked_commit(commit);
  // A commit is its own ref; huggingface_hub writes none for it either.
  if (revision == commit) return;
  // Rewriting an identical ref would fail for no reason on a read-only cache.
  if (read_ref(revision) == commit) return;
  write_file_atomic(path, commit);
}

void RepoCache::link_snapshot(std::string_view commit, std::string_view repo_path,
                              std::string_view etag) const {
  const fs::path link = snapshot_path(commit, repo_path);
  const std::string target = relative_blob_target(repo_path, checked_etag(etag));
  create_parent_folders(link);

  // Replaced in one step, so readers never see a gap.
  std::error_code error;
  if (symlinks_) os::replace_with_symlink(link, target, error);
  if (!symlinks_ || error == std::errc::operation_not_permitted || error == std::errc::operation_not_supported) {
    // No symbolic links here (Windows without Developer Mode or the
    // privilege, a FAT disk, Wine) or HF_HUB_DISABLE_SYMLINKS: the blob
    // itself under a second name (a hard link: a plain file to every reader,
    // no space or time spent), else a copy of it, huggingface_hub's fallback
    // (file_download.py, _create_symlink). The blob stays, so what proves
    // and repairs the cache still finds it.
    os::replace_with_hard_link(link, blob_path(etag), error);
    if (error) {
      const fs::path copy = os::unique_sibling(link, error);
      if (!error) fs::copy_file(blob_path(etag), copy, error);
      if (!error) fs::rename(copy, link, error);
      std::error_code ignored;
      if (error) fs::remove(copy, ignored);
    }
  }
  if (error) throw io_error("create the snapshot link", link, error);
}

bool RepoCache::snapshot_file_present(std::string_view commit, std::string_view repo_path) const {
  std::error_code error;
  return fs::is_regular_file(snapshot_path(commit, repo_path), error);
}

std::optional<std::string> RepoCache::snapshot_link_blob(std::string_view commit,
                                                        std::string_view repo_path) const {
  std::error_code error;
  const fs::path target = os::read_symlink(snapshot_path(commit, repo_path), error);
  if (error) return std::nullopt;
  return target.filename().string();
}

RepoCache::Entry RepoCache::check_snapshot_entry(std::string_view commit, std::string_view repo_path,
                                                 std::string_view etag, std::uint64_t size) const {
  const fs::path entry = snapshot_path(commit, repo_path);
  std::error_code error;
  if (!os::is_symlink(entry)) {
    // Not a link, so following it changes nothing (os::is_symlink: MinGW's
    // symlink_status follows links on Windows).
    const auto status = fs::status(entry, error);
    if (error || !fs::is_regular_file(status)) return Entry::missing;
    // The fallback's hard link is the blob itself: as cheap a proof as a link.
    if (!os::same_file(entry, blob_path(etag), error)) return Entry::not_a_link;
    const auto actual = fs::file_size(entry, error);
    if (error) return Entry::missing;
    return actual == size ? Entry::proven : Entry::wrong_size;
  }
  if (snapshot_link_blob(commit, repo_path) != etag) return Entry::other_blob;
  const auto actual = fs::file_size(blob_path(etag), error);  // follows nothing: blobs are files
  if (error) return Entry::missing;
  return actual == size ? Entry::proven : Entry::wrong_size;
}

bool RepoCache::link_snapshot_if_blob(std::string_view commit, std::string_view repo_path,
                                      std::string_view etag, std::uint64_t size) const {
  FileLock lock(lock_path(etag));
  std::error_code error;
  if (fs::file_size(blob_path(etag), error) != size || error) return false;
  link_snapshot(commit, repo_path, etag);
  return true;
}

void RepoCache::discard_blob(std::string_view etag) const {
  FileLock lock(lock_path(etag));
  std::error_code error;
  fs::remove(blob_path(etag), error);
  if (error) throw io_error("remove the damaged blob", blob_path(etag), error);
}

void RepoCache::publish_blob(const fs::path& verified_file, std::string_view etag) const {
  const fs::path blob = blob_path(etag);
  create_parent_folders(blob);
  os::give_new_file_permissions(verified_file);
  std::error_code error;
  fs::rename(verified_file, blob, error);
  if (error) {
    if (error == std::errc::cross_device_link) {
      throw Error(ExitCode::io, "cannot move '" + verified_file.string() + "' to '" +
                                       blob.string() +
                                       "': it is on another filesystem; download into the "
                                       "cache's blobs folder so publishing is a rename");
    }
    throw io_error("publish the blob", blob, error);
  }
}

void RepoCache::mark_no_exist(std::string_view commit, std::string_view repo_path) const {
  const fs::path marker = repo_dir_ / ".no_exist" / checked_commit(commit) /
                          os::utf8_path(checked_repo_path(repo_path));
  if (is_marked_no_exist(commit, repo_path)) return;
  create_parent_folders(marker);
  // Empty: readers only ask whether it exists.
  std::error_code error;
  os::write_file_atomic(marker, "", error);
  if (error) throw io_error("create the absence marker", marker, error);
}

bool RepoCache::is_marked_no_exist(std::string_view commit, std::string_view repo_path) const {
  const fs::path marker = repo_dir_ / ".no_exist" / checked_commit(commit) /
                          os::utf8_path(checked_repo_path(repo_path));
  std::error_code error;
  return fs::exists(marker, error);
}

void RepoCache::write_tree_listing(const RevisionListing& listing) const {
  const fs::path path =
      repo_dir_ / "trees" / (std::string(checked_commit(listing.commit)) + ".json");

  std::vector<const RepoFile*> files;
  files.reserve(listing.files.size());
  for (const RepoFile& file : listing.files) {
    checked_repo_path(file.path);
    if (file.git_sha1.size() != 40 || !is_lower_hex(file.git_sha1) ||
        (file.sha256 && (file.sha256->size() != 64 || !is_lower_hex(*file.sha256)))) {
      throw Error(ExitCode::integrity, "the listing of commit " + listing.commit +
                                           " gives '" + file.path +
                                           "' a malformed blob id or SHA-256; refusing to cache it");
    }
    files.push_back(&file);
  }
  // Python writes the paths sorted (code point order, which is UTF-8 byte
  // order) with the keys in this order; ordered_json keeps ours byte-equal.
  std::sort(files.begin(), files.end(),
            [](const RepoFile* a, const RepoFile* b) { return a->path < b->path; });

  nlohmann::ordered_json entries = nlohmann::ordered_json::object();
  for (const RepoFile* file : files) {
    nlohmann::ordered_json entry;
    entry["size"] = file->size;
    entry["blob_id"] = file->git_sha1;
    if (file->sha256) {
      entry["lfs_sha256"] = *file->sha256;
      entry["lfs_size"] = file->size;
    }
    entries[file->path] = std::move(entry);
  }
  nlohmann::ordered_json document;
  document["format_version"] = kTreeFormatVersion;
  document["files"] = std::move(entries);
  // indent=1 and ASCII escapes: what Python's json.dump(data, f, indent=1) emits.
  const std::string content = document.dump(1, ' ', true);
  // A commit's listing never changes: rewriting the same bytes would only
  // fail on a read-only or foreign cache.
  std::string existing;
  try {
    if (read_small_file(path, existing) == ReadResult::ok && existing == content) return;
  } catch (const Error&) {
  }
  write_file_atomic(path, content);
}

std::optional<RevisionListing> RepoCache::read_tree_listing(std::string_view commit) const {
  const fs::path path = repo_dir_ / "trees" / (std::string(checked_commit(commit)) + ".json");
  std::string text;
  try {
    if (read_small_file(path, text) == ReadResult::missing) return std::nullopt;
  } catch (const Error&) {
    return std::nullopt;  // an unreadable listing only costs one API call
  }

  // Anything unexpected means the file is damaged or from a newer format:
  // ignore it and list the revision again, as huggingface_hub does.
  const auto document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.is_object()) return std::nullopt;
  const auto version = document.find("format_version");
  if (version == document.end() || !version->is_number_integer() || *version != kTreeFormatVersion) {
    return std::nullopt;
  }
  const auto files = document.find("files");
  if (files == document.end() || !files->is_object()) return std::nullopt;

  RevisionListing listing;
  listing.commit = std::string(commit);
  for (const auto& [file_path, info] : files->items()) {
    if (!is_safe_repo_path(file_path) || !info.is_object()) return std::nullopt;
    const auto size = info.find("size");
    const auto blob_id = info.find("blob_id");
    if (size == info.end() || !size->is_number_unsigned() || blob_id == info.end() ||
        !blob_id->is_string()) {
      return std::nullopt;
    }
    RepoFile file;
    file.path = file_path;
    file.size = size->get<std::uint64_t>();
    file.git_sha1 = blob_id->get<std::string>();
    if (file.git_sha1.size() != 40 || !is_lower_hex(file.git_sha1)) return std::nullopt;
    const auto lfs_sha256 = info.find("lfs_sha256");
    if (lfs_sha256 != info.end() && !lfs_sha256->is_null()) {
      if (!lfs_sha256->is_string()) return std::nullopt;
      file.sha256 = lfs_sha256->get<std::string>();
      if (file.sha256->size() != 64 || !is_lower_hex(*file.sha256)) return std::nullopt;
      // The LFS size is the size of the blob the SHA-256 names.
      const auto lfs_size = info.find("lfs_size");
      if (lfs_size != info.end() && !lfs_size->is_null()) {
        if (!lfs_size->is_number_unsigned()) return std::nullopt;
        file.size = lfs_size->get<std::uint64_t>();
      }
    }
    listing.files.push_back(std::move(file));
  }
  sort_by_path(listing.files);
  return listing;
}

fs::path RepoCache::locks_dir() const { return root_ / ".locks" / folder_; }

}  // namespace hubdeps
