#include "cache_scan.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>

#include "error.hpp"
#include "os/link.hpp"

namespace hubdeps {

namespace fs = std::filesystem;

namespace {

// Files an operating system drops into folders; huggingface_hub ignores them.
bool is_os_litter(const std::string& name) {
  static constexpr std::array<std::string_view, 3> kLitter = {".DS_Store", "Thumbs.db", "desktop.ini"};
  return std::find(kLitter.begin(), kLitter.end(), name) != kLitter.end();
}

std::string trimmed_file_content(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  std::string text = content.str();
  const auto is_space = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!text.empty() && is_space(static_cast<unsigned char>(text.back()))) text.pop_back();
  std::size_t start = 0;
  while (start < text.size() && is_space(static_cast<unsigned char>(text[start]))) ++start;
  return text.substr(start);
}

// Every non-folder below `dir`, as '/'-separated paths relative to it.
// Links to folders count as folders, as they do for huggingface_hub.
std::vector<fs::path> files_below(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code error;
  for (fs::recursive_directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    std::error_code status_error;
    if (!it->is_directory(status_error)) files.push_back(it->path());
  }
  return files;
}

void scan_refs(CachedRepo& repo) {
  const fs::path refs_dir = repo.dir / "refs";
  for (const fs::path& path : files_below(refs_dir)) {
    if (is_os_litter(path.filename().string())) continue;
    repo.refs[path.lexically_relative(refs_dir).generic_string()] = trimmed_file_content(path);
  }
}

SnapshotEntry scan_entry(const CachedRepo& repo, const fs::path& snapshot, const fs::path& path) {
  SnapshotEntry entry;
  entry.path = path.lexically_relative(snapshot).generic_string();
  std::error_code error;
  entry.is_link = os::is_symlink(path);
  if (entry.is_link) {
    const fs::path target = os::read_symlink(path, error);
    if (!error) entry.blob = linked_blob_name(repo.dir, path, target);
  }
  const auto status = fs::status(path, error);
  if (!error && fs::is_regular_file(status)) {
    entry.size = fs::file_size(path, error);
    entry.present = !error;
    if (error) entry.size = 0;
  }
  // Where links cannot be made the entry may be a blob under a second name
  // (a hard link): that blob is in use, and its bytes are counted once.
  if (entry.present && !entry.is_link) {
    for (const auto& [name, size] : repo.blobs) {
      if (size == entry.size && os::same_file(path, repo.dir / "blobs" / name, error)) {
        entry.blob = name;
        break;
      }
    }
  }
  return entry;
}

CachedRevision scan_revision(CachedRepo& repo, const fs::path& snapshot) {
  CachedRevision revision;
  revision.commit = snapshot.filename().string();
  std::set<std::string> counted_blobs;
  for (const fs::path& path : files_below(snapshot)) {
    SnapshotEntry entry = scan_entry(repo, snapshot, path);
    if (!entry.present) {
      repo.problems.push_back("snapshot " + revision.commit + ": '" + entry.path +
                              "' is a broken link (its blob is missing)");
    } else if (!entry.blob || counted_blobs.insert(*entry.blob).second) {
      revision.size += entry.size;
    }
    revision.entries.push_back(std::move(entry));
  }
  std::sort(revision.entries.begin(), revision.entries.end(),
            [](const SnapshotEntry& a, const SnapshotEntry& b) { return a.path < b.path; });
  return revision;
}

void scan_snapshots(CachedRepo& repo) {
  const fs::path snapshots = repo.dir / "snapshots";
  std::error_code error;
  repo.has_snapshots_dir = fs::is_directory(snapshots, error);
  if (!repo.has_snapshots_dir) {
    repo.problems.push_back("no snapshots/ folder");
    return;
  }
  for (fs::directory_iterator it(snapshots, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (is_os_litter(name)) continue;
    std::error_code status_error;
    if (!it->is_directory(status_error)) {
      repo.problems.push_back("snapshots/" + name + " is a file, not a snapshot folder");
      continue;
    }
    repo.revisions.push_back(scan_revision(repo, it->path()));
  }
  std::sort(repo.revisions.begin(), repo.revisions.end(),
            [](const CachedRevision& a, const CachedRevision& b) { return a.commit < b.commit; });
}

// The part-file a resume sidecar belongs to ("<etag>.incomplete" for
// "<etag>.incomplete.hubdeps.segments[.tmp]"), if `name` is one.
std::optional<std::string> sidecar_owner(const std::string& name) {
  constexpr std::string_view kPart = ".incomplete";
  const auto at = name.find(std::string(kPart) + ".hubdeps.");
  if (at == std::string::npos) return std::nullopt;
  return name.substr(0, at + kPart.size());
}

// Each sidecar joins its download; one whose download is gone is listed
// as a leftover of its own.
void attach_sidecars(CachedRepo& repo, std::map<std::string, std::vector<IncompleteFile>> sidecars) {
  for (auto& file : repo.incomplete) {
    const auto found = sidecars.find(file.name);
    if (found == sidecars.end()) continue;
    for (const auto& sidecar : found->second) {
      file.sidecars.push_back(sidecar.name);
      file.size += sidecar.size;
    }
    std::sort(file.sidecars.begin(), file.sidecars.end());
    sidecars.erase(found);
  }
  for (auto& [owner, orphans] : sidecars) {
    for (auto& orphan : orphans) repo.incomplete.push_back(std::move(orphan));
  }
}

void scan_blobs(CachedRepo& repo) {
  std::error_code error;
  std::map<std::string, std::vector<IncompleteFile>> sidecars;  // by the part-file they belong to
  for (fs::directory_iterator it(repo.dir / "blobs", error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    std::error_code status_error;
    if (!it->is_regular_file(status_error)) continue;
    const auto size = it->file_size(status_error);
    if (status_error) continue;
    const std::string etag = name.substr(0, name.find('.'));
    if (looks_like_blob_name(name)) {
      repo.blobs[name] = size;
    } else if (const auto owner = sidecar_owner(name); owner && looks_like_blob_name(etag)) {
      sidecars[*owner].push_back({name, etag, size, {}});
    } else if (name.size() > 11 && name.ends_with(".incomplete")) {
      if (looks_like_blob_name(etag)) repo.incomplete.push_back({name, etag, size, {}});
    }
  }
  attach_sidecars(repo, std::move(sidecars));
  std::sort(repo.incomplete.begin(), repo.incomplete.end(),
            [](const IncompleteFile& a, const IncompleteFile& b) { return a.name < b.name; });
}

void scan_side_folders(CachedRepo& repo) {
  std::error_code error;
  for (fs::directory_iterator it(repo.dir / "trees", error), end; !error && it != end; it.increment(error)) {
    const fs::path& path = it->path();
    std::error_code size_error;
    const auto size = fs::file_size(path, size_error);
    if (path.extension() == ".json" && is_commit_hash(path.stem().string()) && !size_error) {
      repo.listings[path.stem().string()] = size;
    }
  }
  for (fs::directory_iterator it(repo.dir / ".no_exist", error), end; !error && it != end;
       it.increment(error)) {
    std::error_code status_error;
    if (it->is_directory(status_error)) repo.no_exist.push_back(it->path().filename().string());
  }
  std::sort(repo.no_exist.begin(), repo.no_exist.end());
}

// Sizes, and which refs name which revision, once everything is read.
void summarize(CachedRepo& repo) {
  std::set<std::string> linked;
  for (auto& revision : repo.revisions) {
    for (const auto& entry : revision.entries) {
      if (entry.blob && entry.present) linked.insert(*entry.blob);
      if (entry.present && !entry.is_link && !entry.blob) repo.size += entry.size;
    }
  }
  for (const auto& [name, size] : repo.blobs) {
    repo.size += size;
    if (!linked.count(name)) repo.unreferenced_size += size;
  }
  for (const auto& file : repo.incomplete) repo.incomplete_size += file.size;
  for (const auto& [ref, commit] : repo.refs) {
    const auto revision = std::find_if(repo.revisions.begin(), repo.revisions.end(),
                                       [&](const CachedRevision& r) { return r.commit == commit; });
    if (revision == repo.revisions.end()) {
      repo.problems.push_back("refs/" + ref + " names commit '" + commit + "', which has no snapshot");
    } else {
      revision->refs.push_back(ref);
    }
  }
}

}  // namespace

bool looks_like_blob_name(std::string_view name) {
  return (name.size() == 40 || name.size() == 64) &&
         std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::optional<std::string> linked_blob_name(const fs::path& repo_dir, const fs::path& entry_path,
                                            const fs::path& target) {
  const fs::path resolved =
      (target.is_absolute() ? target : entry_path.parent_path() / target).lexically_normal();
  const std::string name = resolved.filename().string();
  if (resolved.parent_path() != (repo_dir / "blobs").lexically_normal() || !looks_like_blob_name(name)) {
    return std::nullopt;
  }
  return name;
}

std::size_t CachedRevision::present_files() const {
  return static_cast<std::size_t>(
      std::count_if(entries.begin(), entries.end(), [](const SnapshotEntry& e) { return e.present; }));
}

std::uint64_t CacheInventory::size() const {
  std::uint64_t total = 0;
  for (const auto& repo : repos) total += repo.size;
  return total;
}

std::optional<CachedRepo> scan_repo(const fs::path& dir) {
  // huggingface_hub's repo_folder_name read backwards: "<type>s--<id>",
  // with each '/' of the id written as "--".
  const std::string name = dir.filename().string();
  const auto separator = name.find("--");
  if (separator == std::string::npos) return std::nullopt;
  const std::string plural = name.substr(0, separator);
  CachedRepo repo;
  if (plural == "models") {
    repo.type = RepoType::model;
  } else if (plural == "datasets") {
    repo.type = RepoType::dataset;
  } else if (plural == "spaces") {
    repo.type = RepoType::space;
  } else {
    return std::nullopt;
  }
  std::string id = name.substr(separator + 2);
  for (std::size_t at; (at = id.find("--")) != std::string::npos;) id.replace(at, 2, "/");
  repo.folder = name;
  repo.repo_id = id;
  repo.dir = dir;
  scan_refs(repo);
  scan_blobs(repo);  // first: a snapshot entry may be one of them, hard linked
  scan_snapshots(repo);
  scan_side_folders(repo);
  summarize(repo);
  return repo;
}

CacheInventory scan_cache(const fs::path& root) {
  std::error_code error;
  const fs::path absolute = fs::absolute(root, error).lexically_normal();
  const auto status = fs::status(absolute, error);
  if (!fs::exists(status)) {
    throw Error(ExitCode::usage, "the cache folder '" + absolute.string() +
                                     "' does not exist: nothing was downloaded there yet; check "
                                     "--cache-dir, HF_HUB_CACHE or HF_HOME");
  }
  if (!fs::is_directory(status)) {
    throw Error(ExitCode::usage, "the cache folder '" + absolute.string() +
                                     "' is not a folder; check --cache-dir, HF_HUB_CACHE or HF_HOME");
  }
  CacheInventory inventory;
  inventory.root = absolute;
  for (fs::directory_iterator it(absolute, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name == ".locks" || name == "CACHEDIR.TAG" || is_os_litter(name)) continue;
    std::error_code status_error;
    if (!it->is_directory(status_error)) {
      inventory.skipped.push_back(name + ": a file, not a repo folder");
    } else if (auto repo = scan_repo(it->path())) {
      inventory.repos.push_back(std::move(*repo));
    } else {
      inventory.skipped.push_back(name + ": not a '<type>s--<id>' repo folder");
    }
  }
  if (error) {
    throw Error(ExitCode::usage, "cannot read the cache folder '" + absolute.string() + "': " +
                                     error.message() + "; check its permissions");
  }
  std::sort(inventory.repos.begin(), inventory.repos.end(),
            [](const CachedRepo& a, const CachedRepo& b) { return a.folder < b.folder; });
  std::sort(inventory.skipped.begin(), inventory.skipped.end());
  return inventory;
}

}  // namespace hubdeps
