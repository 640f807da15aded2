#include "cache_prune.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <system_error>

#include "cache.hpp"
#include "error.hpp"
#include "os/link.hpp"

namespace hubdeps {

namespace fs = std::filesystem;

namespace {

// A snapshot entry to remove. `repair_only`: the entry is wanted but was a
// broken link; it goes only if it is still broken once its lock is held.
struct EntryToDrop {
  const CachedRevision* revision;
  const SnapshotEntry* entry;
  bool whole_snapshot;
  bool repair_only;
};

struct RepoPlan {
  std::set<std::string> kept_commits;
  std::vector<std::string> drop_refs;
  std::vector<const CachedRevision*> drop_snapshots;
  std::vector<EntryToDrop> drop_entries;  // of dropped and of kept snapshots
  std::set<std::string> drop_blobs;
  std::vector<const IncompleteFile*> drop_incomplete;
  std::vector<std::string> drop_listings;
  std::vector<std::string> drop_no_exist;
  bool keeps_nothing = false;
};

RepoPlan plan_repo(const CachedRepo& repo, const RepoNeeds& needs, bool keep_refs) {
  RepoPlan plan;
  std::set<std::string> whole;  // commits kept with every entry (--keep-refs)
  if (keep_refs) {
    for (const auto& [ref, commit] : repo.refs) whole.insert(commit);
  }
  std::set<std::string> keep_blobs = needs.blobs;
  for (const auto& revision : repo.revisions) {
    const auto locked = needs.files.find(revision.commit);
    const bool keep_whole = whole.count(revision.commit) > 0;
    const bool dropped = !keep_whole && locked == needs.files.end();
    if (dropped) {
      plan.drop_snapshots.push_back(&revision);
    } else {
      plan.kept_commits.insert(revision.commit);
    }
    for (const auto& entry : revision.entries) {
      const bool wanted = !dropped && (keep_whole || locked->second.count(entry.path) > 0);
      if (wanted && entry.present) {
        if (entry.blob) keep_blobs.insert(*entry.blob);
        continue;
      }
      plan.drop_entries.push_back({&revision, &entry, dropped, wanted});
    }
  }
  bool keeps_blob = false;
  for (const auto& [blob, size] : repo.blobs) {
    if (keep_blobs.count(blob)) {
      keeps_blob = true;
    } else {
      plan.drop_blobs.insert(blob);
    }
  }
  bool keeps_incomplete = false;
  for (const auto& file : repo.incomplete) {
    // hubdeps resumes <etag>.incomplete; Python's randomly named ones are
    // never resumed, so once unlocked they are only leftovers.
    if (keep_blobs.count(file.etag) && file.name == file.etag + ".incomplete") {
      keeps_incomplete = true;
    } else {
      plan.drop_incomplete.push_back(&file);
    }
  }
  bool keeps_ref = false;
  for (const auto& [ref, commit] : repo.refs) {
    if (plan.kept_commits.count(commit) && (keep_refs || needs.refs.count({ref, commit}))) {
      keeps_ref = true;
    } else {
      plan.drop_refs.push_back(ref);
    }
  }
  const auto kept_commit = [&](const std::string& commit) {
    return needs.files.count(commit) > 0 || whole.count(commit) > 0;
  };
  bool keeps_side = false;
  for (const auto& [commit, size] : repo.listings) {
    if (kept_commit(commit)) {
      keeps_side = true;
    } else {
      plan.drop_listings.push_back(commit);
    }
  }
  for (const auto& commit : repo.no_exist) {
    if (kept_commit(commit)) {
      keeps_side = true;
    } else {
      plan.drop_no_exist.push_back(commit);
    }
  }
  plan.keeps_nothing =
      plan.kept_commits.empty() && !keeps_blob && !keeps_incomplete && !keeps_ref && !keeps_side;
  return plan;
}

std::string trimmed_content(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  std::string text = content.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

// Like rmdir(2): removes `dir` only if it is an empty folder (never a file
// or a link in its place). True when it is gone, or was never there.
bool remove_if_empty_folder(const fs::path& dir) {
  if (os::is_symlink(dir)) return false;
  std::error_code error;
  const fs::file_status status = fs::status(dir, error);  // not a link: nothing to follow
  if (status.type() == fs::file_type::not_found) return true;
  if (status.type() != fs::file_type::directory) return false;
  return fs::remove(dir, error) && !error;
}

// Removes the empty folders below `dir`, deepest first, and `dir` itself
// when `including_dir`. A folder that is not empty stays. True when `dir`
// (if asked) is gone.
bool remove_empty_folders(const fs::path& dir, bool including_dir) {
  std::vector<fs::path> folders;
  std::error_code error;
  for (fs::recursive_directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    if (os::is_symlink(it->path())) {
      // Never into a linked folder (MinGW's iterator follows links on Windows).
      it.disable_recursion_pending();
      continue;
    }
    std::error_code status_error;
    if (it->is_directory(status_error)) folders.push_back(it->path());
  }
  std::sort(folders.begin(), folders.end(), [](const fs::path& a, const fs::path& b) {
    return a.native().size() > b.native().size();
  });
  for (const auto& folder : folders) remove_if_empty_folder(folder);
  if (!including_dir) return false;
  return remove_if_empty_folder(dir);
}

// Prunes one repo folder by its plan, in the order that keeps every
// intermediate state valid: refs, then links and blobs (under blob locks),
// then emptied snapshot folders, then listings and markers, then the folder.
class RepoPruner {
 public:
  RepoPruner(const CachedRepo& repo, const RepoCache& cache, const RepoPlan& plan,
             const PruneOptions& options, PruneReport& report)
      : repo_(repo), cache_(cache), plan_(plan), options_(options), report_(report) {}

  void run() {
    if (const auto held = held_lock()) {
      skip("the whole repo", "a download is running (the lock of blob " + *held +
                                 " is held); run prune again when it is done");
      return;
    }
    remove_refs();
    remove_linked();
    remove_snapshot_folders();
    remove_side_files();
    if (plan_.keeps_nothing) remove_repo_folder();
    ensure_snapshots_folder();
  }

 private:
  // A blob lock of this repo some other process holds, if any.
  std::optional<std::string> held_lock() const {
    std::error_code error;
    for (fs::directory_iterator it(cache_.locks_dir(), error), end; !error && it != end; it.increment(error)) {
      const fs::path& path = it->path();
      if (path.extension() != ".lock" || !looks_like_blob_name(path.stem().string())) continue;
      if (!TryFileLock(path, false).acquired()) return path.stem().string();
    }
    return std::nullopt;
  }

  void record(PruneAction::Kind kind, std::string path, std::uint64_t bytes, std::size_t files = 0,
              std::string commit = "") {
    report_.freed += bytes;
    report_.removed.push_back({kind, repo_.folder, std::move(path), bytes, files, std::move(commit)});
  }

  void skip(std::string what, std::string why) {
    skipped_any_ = true;
    report_.skipped.push_back({repo_.folder, std::move(what), std::move(why)});
  }

  // Unlinks a file (not on a dry run). A file already gone counts as removed.
  bool remove_file(const fs::path& path) {
    if (options_.dry_run) return true;
    std::error_code error;
    fs::remove(path, error);  // a missing file is no error
    if (!error) return true;
    skip(path.string(), "cannot remove it: " + error.message());
    ++report_.failures;
    return false;
  }

  void remove_refs() {
    const fs::path refs = repo_.dir / "refs";
    for (const std::string& ref : plan_.drop_refs) {
      const fs::path path = refs / ref;
      const std::string planned = repo_.refs.at(ref);
      std::error_code error;
      const auto bytes = fs::file_size(path, error);
      // Another client may have moved the ref since the scan: then it
      // names a snapshot this plan did not look at, and stays.
      if (!options_.dry_run && trimmed_content(path) != planned) {
        skip("ref " + ref, "it changed while pruning");
        continue;
      }
      if (remove_file(path)) record(PruneAction::Kind::ref, "refs/" + ref, error ? 0 : bytes, 0, planned);
    }
    if (!options_.dry_run) remove_empty_folders(refs, false);
  }

  // Snapshot entries, blobs and interrupted downloads, grouped by the blob
  // they concern, each group under that blob's lock.
  void remove_linked() {
    struct Group {
      std::vector<const EntryToDrop*> entries;
      bool blob = false;
      std::vector<const IncompleteFile*> incomplete;
    };
    std::map<std::string, Group> groups;
    for (const auto& drop : plan_.drop_entries) {
      if (drop.entry->blob) {
        groups[*drop.entry->blob].entries.push_back(&drop);
      } else {
        remove_entry(drop);  // a copy or a link elsewhere: no blob, no lock
      }
    }
    for (const auto& blob : plan_.drop_blobs) groups[blob].blob = true;
    for (const auto* file : plan_.drop_incomplete) groups[file->etag].incomplete.push_back(file);

    for (const auto& [etag, group] : groups) {
      const TryFileLock lock(cache_.lock_path(etag), !options_.dry_run);
      if (!lock.acquired()) {
        skip("blob " + etag, "its lock is held (a download is running); it and the " +
                                 std::to_string(group.entries.size()) + " link(s) to it stay");
        for (const auto* drop : group.entries) left_in_snapshot_.insert(drop->revision->commit);
        continue;
      }
      for (const auto* drop : group.entries) remove_entry(*drop);
      if (group.blob && remove_file(cache_.blob_path(etag))) {
        record(PruneAction::Kind::blob, "blobs/" + etag, repo_.blobs.at(etag));
      }
      for (const auto* file : group.incomplete) {
        if (!remove_file(repo_.dir / "blobs" / file->name)) continue;
        // Its resume state goes with it (a sidecar left alone would be a leftover).
        for (const auto& sidecar : file->sidecars) remove_file(repo_.dir / "blobs" / sidecar);
        record(PruneAction::Kind::incomplete, "blobs/" + file->name, file->size);
      }
    }
  }

  void remove_entry(const EntryToDrop& drop) {
    const fs::path path = repo_.dir / "snapshots" / drop.revision->commit / drop.entry->path;
    std::error_code error;
    if (drop.repair_only && !options_.dry_run && fs::is_regular_file(path, error)) return;  // healed
    // A copy holds bytes; a link, or a blob's second name, none of its own.
    const std::uint64_t bytes = drop.entry->is_link || drop.entry->blob ? 0 : drop.entry->size;
    if (!remove_file(path)) {
      left_in_snapshot_.insert(drop.revision->commit);
      return;
    }
    if (drop.whole_snapshot) {
      dropped_files_[drop.revision->commit] += 1;
      dropped_bytes_[drop.revision->commit] += bytes;
    } else {
      record(PruneAction::Kind::file, "snapshots/" + drop.revision->commit + "/" + drop.entry->path, bytes);
    }
  }

  void remove_snapshot_folders() {
    for (const auto* revision : plan_.drop_snapshots) {
      const std::string& commit = revision->commit;
      if (left_in_snapshot_.count(commit)) {
        skip("snapshot " + commit, "some of its links stay (see above)");
        continue;
      }
      if (!options_.dry_run) {
        // A download that started since the first check may be about to
        // link into this folder (huggingface_hub creates it first).
        if (held_lock()) {
          skip("snapshot folder " + commit, "a download started while pruning; the folder stays");
          continue;
        }
        if (!remove_empty_folders(repo_.dir / "snapshots" / commit, true)) {
          skip("snapshot " + commit, "files appeared in it while pruning; they stay");
          continue;
        }
      }
      record(PruneAction::Kind::snapshot, "snapshots/" + commit, dropped_bytes_[commit], dropped_files_[commit]);
    }
  }

  void remove_side_files() {
    for (const auto& commit : plan_.drop_listings) {
      if (remove_file(repo_.dir / "trees" / (commit + ".json"))) {
        record(PruneAction::Kind::listing, "trees/" + commit + ".json", repo_.listings.at(commit));
      }
    }
    for (const auto& commit : plan_.drop_no_exist) {
      std::error_code error;
      if (!options_.dry_run) fs::remove_all(repo_.dir / ".no_exist" / commit, error);
      if (!error) record(PruneAction::Kind::no_exist, ".no_exist/" + commit, 0);
    }
  }

  // The folder goes only if nothing is left in it; `snapshots/` goes last
  // and comes back if the folder cannot go, because huggingface_hub reports a
  // repo folder without it as corrupted.
  void remove_repo_folder() {
    if (skipped_any_) return;
    if (!options_.dry_run) {
      for (const char* sub : {"refs", "blobs", "trees", ".no_exist"}) {
        remove_empty_folders(repo_.dir / sub, true);
      }
      const fs::path snapshots = repo_.dir / "snapshots";
      remove_empty_folders(snapshots, true);
      if (!remove_if_empty_folder(repo_.dir)) {
        std::error_code error;
        fs::create_directory(snapshots, error);
        return;
      }
    }
    record(PruneAction::Kind::repo, "", 0);
  }

  void ensure_snapshots_folder() {
    if (options_.dry_run) return;
    std::error_code error;
    if (fs::is_directory(repo_.dir, error) && !fs::exists(repo_.dir / "snapshots", error)) {
      fs::create_directory(repo_.dir / "snapshots", error);
    }
  }

  const CachedRepo& repo_;
  const RepoCache& cache_;
  const RepoPlan& plan_;
  const PruneOptions& options_;
  PruneReport& report_;
  bool skipped_any_ = false;
  std::set<std::string> left_in_snapshot_;  // dropped snapshots that keep some entries
  std::map<std::string, std::size_t> dropped_files_;
  std::map<std::string, std::uint64_t> dropped_bytes_;
};

}  // namespace

std::string_view to_string(PruneAction::Kind kind) {
  switch (kind) {
    case PruneAction::Kind::repo: return "repo";
    case PruneAction::Kind::ref: return "ref";
    case PruneAction::Kind::snapshot: return "snapshot";
    case PruneAction::Kind::file: return "file";
    case PruneAction::Kind::blob: return "blob";
    case PruneAction::Kind::incomplete: return "incomplete";
    case PruneAction::Kind::listing: return "listing";
    case PruneAction::Kind::no_exist: return "no_exist";
  }
  return "";
}

PruneReport prune_cache(const fs::path& root, const std::vector<NamedLockfile>& keep,
                        const PruneOptions& options) {
  const CacheInventory inventory = scan_cache(root);
  const auto needs = needs_of(keep);
  const RepoNeeds nothing;
  PruneReport report;
  for (const auto& repo : inventory.repos) {
    std::optional<RepoCache> cache;
    try {
      cache.emplace(inventory.root, repo.type, RepoId::parse(repo.repo_id));
    } catch (const Error&) {
    }
    // Only folders hubdeps itself would name this way are touched.
    if (!cache || cache->repo_dir() != repo.dir) {
      report.skipped.push_back({repo.folder, "the whole repo", "'" + repo.repo_id + "' is not a valid repo id"});
      continue;
    }
    const auto found = needs.find(repo.folder);
    const RepoPlan plan = plan_repo(repo, found == needs.end() ? nothing : found->second, options.keep_refs);
    RepoPruner(repo, *cache, plan, options, report).run();
  }
  return report;
}

}  // namespace hubdeps
