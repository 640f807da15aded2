#include "pin.hpp"

#include <algorithm>
#include <set>

#include "cache.hpp"
#include "error.hpp"
#include "hash.hpp"

namespace hubdeps {

namespace fs = std::filesystem;

namespace {

RevisionListing listing_of(const LockEntry& entry) {
  RevisionListing listing;
  listing.commit = entry.commit;
  for (const auto& locked : entry.files) {
    RepoFile file;
    file.path = locked.path;
    file.size = locked.size;
    file.git_sha1 = locked.git_sha1;
    if (locked.is_lfs()) file.sha256 = locked.sha256;
    listing.files.push_back(std::move(file));
  }
  return listing;
}

FetchRequest request_of(const Declaration& declared) {
  FetchRequest request(declared.repo_id);
  request.type = declared.repo_type;
  request.revision = declared.revision;
  request.include = declared.include;
  request.exclude = declared.exclude;
  return request;
}

// Fetches the entry's pinned commit and files. A pin the Hub contradicts is
// the lockfile's fault, so the message names it and the way out.
FetchResult fetch_by_pin(const Environment& env, FetchRequest request, const LockEntry& entry,
                         const fs::path& lockfile, const std::string& name, Progress& progress) {
  request.pinned = listing_of(entry);
  try {
    return fetch(env, request, progress);
  } catch (const PinDisagreement& e) {
    throw Error(ExitCode::lock_outdated,
                lockfile.string() + ": entry '" + name + "' " + e.what() +
                    ". Was the lock edited or badly merged? Run `hubdeps lock --update " + name + " --lock " +
                    lockfile.string() +
                    "` (CMake: configure with -DHUBDEPS_UPDATE=ON) to pin what the Hub has, or fix the lock");
  }
}

}  // namespace

Declaration declaration_of(const FetchRequest& request) {
  return Declaration{request.repo, request.type, request.revision, request.include,
                     request.exclude};
}

FetchRequest request_from_lock(const std::filesystem::path& lockfile, const std::string& name) {
  require_lockfile(lockfile);
  const Lockfile lock = read_lockfile(lockfile);
  const LockEntry* entry = lock.find(name);
  if (!entry) {
    std::string names;
    for (const auto& [entry_name, unused] : lock.entries) names += (names.empty() ? "" : ", ") + entry_name;
    throw Error(ExitCode::usage, "no entry '" + name + "' in " + lockfile.string() + " (its entries: " +
                                     (names.empty() ? "none" : names) + "); give the name the project declares");
  }
  return request_of(entry->declared);
}

PinnedFetch fetch_pinned(const Environment& env, FetchRequest request, const PinOptions& options,
                         Progress& progress) {
  if (!is_valid_entry_name(options.name)) {
    throw Error(ExitCode::usage, "invalid lock entry name '" + options.name +
                                     "': use letters, digits, '_', '-', '.' or '+'");
  }
  if (options.locked && options.update) {
    throw Error(ExitCode::usage, "--locked and --update contradict each other: --locked keeps "
                                 "every pin, --update moves it; choose one");
  }
  const Declaration declared = declaration_of(request);
  const Lockfile lockfile = read_lockfile(options.lockfile);
  const LockEntry* entry = lockfile.find(options.name);

  PinnedFetch pinned;
  if (entry && compare(declared, *entry).empty() && !options.update) {
    pinned.result = fetch_by_pin(env, request, *entry, options.lockfile, options.name, progress);
    return pinned;
  }
  if (options.locked) {
    require_matching_entry(lockfile, options.lockfile.string(), options.name, declared);
  }
  pinned.result = fetch(env, request, progress);
  pinned.to_record = LockEntry::make(declared, pinned.result.commit, pinned.result.files);
  return pinned;
}

RecordedPin record_pin(const PinOptions& options, const PinnedFetch& pinned) {
  RecordedPin recorded;
  if (!pinned.to_record) return recorded;
  update_lockfile(options.lockfile, [&](Lockfile& current) {
    // Re-read under the lock: another configure may have written meanwhile.
    if (const auto* now = current.find(options.name)) {
      recorded.change = diff_entries(*now, *pinned.to_record);
    } else {
      recorded.created = true;
    }
    current.entries.insert_or_assign(options.name, *pinned.to_record);
  });
  return recorded;
}

void require_lockfile(const std::filesystem::path& path) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) {
    throw Error(ExitCode::usage, "no lockfile at " + path.string() +
                                     ": name an existing one with --lock FILE (entries are created "
                                     "by `hubdeps fetch --lock FILE --name NAME` or CMake's "
                                     "hf_fetch_model)");
  }
}

void prune_locks(const std::filesystem::path& path, const std::vector<std::string>& names) {
  require_lockfile(path);
  if (names.empty()) {
    throw Error(ExitCode::usage, "--prune needs the names of the entries to remove, e.g. "
                                 "`hubdeps lock --prune old_model`");
  }
  update_lockfile(path, [&](Lockfile& current) {
    for (const auto& name : names) {
      if (!current.find(name)) {
        throw Error(ExitCode::usage, "no entry '" + name + "' in " + path.string() + "; nothing was removed");
      }
    }
    for (const auto& name : names) current.entries.erase(name);
  });
}

std::vector<std::pair<std::string, EntryChange>> update_locks(const Environment& env,
                                                              const std::filesystem::path& path,
                                                              const std::vector<std::string>& names) {
  require_lockfile(path);
  const Lockfile before = read_lockfile(path);
  for (const auto& name : names) {
    if (!before.find(name)) {
      throw Error(ExitCode::usage, "no entry '" + name + "' in " + path.string() +
                                       "; entries are created by fetching with --lock and --name");
    }
  }
  std::map<std::string, LockEntry> fresh;
  for (const auto& [name, entry] : before.entries) {
    if (!names.empty() && std::find(names.begin(), names.end(), name) == names.end()) continue;
    const FetchRequest request = request_of(entry.declared);
    const RevisionListing listing = resolve_revision(env, request);
    fresh.insert_or_assign(name, LockEntry::make(entry.declared, listing.commit,
                                                 select_files(listing, request)));
  }
  std::vector<std::pair<std::string, EntryChange>> changes;
  update_lockfile(path, [&](Lockfile& current) {
    for (auto& [name, entry] : fresh) {
      if (const auto* now = current.find(name)) changes.emplace_back(name, diff_entries(*now, entry));
      current.entries.insert_or_assign(name, std::move(entry));
    }
  });
  return changes;
}

namespace {

// Checks one file the build reads, the blob or a snapshot entry that is a
// file of its own (a copy: the fallback where links cannot be made, or a
// file put there by hand), against the lock: a problem, or nothing.
std::optional<VerifyProblem> check_file_content(const std::string& entry_name, const LockedFile& file,
                                                const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  const std::string actual = file.is_lfs() ? sha256_file(path) : git_blob_sha1_file(path);
  if (!ec && size == file.size && actual == file.etag()) return std::nullopt;
  return VerifyProblem{entry_name, file.path, path.string(),
                       std::string(file.is_lfs() ? "sha256 " : "git blob sha1 ") + actual + " (" +
                           std::to_string(size) + " bytes), the lock expects " + file.etag() + " (" +
                           std::to_string(file.size) + " bytes)"};
}

}  // namespace

VerifyReport verify_lockfile(const Environment& env, const std::filesystem::path& path) {
  require_lockfile(path);
  const Lockfile lockfile = read_lockfile(path);
  VerifyReport report;
  for (const auto& [name, entry] : lockfile.entries) {
    const RepoCache cache(env.hub_cache, entry.declared.repo_type, entry.declared.repo_id);
    for (const auto& file : entry.files) {
      const auto kind = cache.check_snapshot_entry(entry.commit, file.path, file.etag(), file.size);
      if (kind == RepoCache::Entry::other_blob) {
        report.problems.push_back({name, file.path, "",
                                   "the snapshot of commit " + entry.commit + " links it to blob " +
                                       cache.snapshot_link_blob(entry.commit, file.path).value_or("?") +
                                       ", the lock names " + file.etag()});
        continue;
      }
      // A snapshot entry that is not a link is what the build reads: its own
      // bytes must be the pinned ones. Its blob, if there is one, is checked
      // too: the next snapshot to need the file is made from it.
      const bool copy = kind == RepoCache::Entry::not_a_link;
      if (copy) {
        const fs::path entry_path = cache.snapshot_path(entry.commit, file.path);
        if (auto problem = check_file_content(name, file, entry_path)) report.problems.push_back(std::move(*problem));
      }
      const auto blob = cache.blob_path(file.etag());
      std::error_code ec;
      const bool have_blob = fs::exists(blob, ec);
      if (!have_blob && !copy) report.not_cached.emplace_back(name, file.path);
      if (have_blob || copy) ++report.checked;
      if (!have_blob) continue;
      if (auto problem = check_file_content(name, file, blob)) report.problems.push_back(std::move(*problem));
    }
  }
  return report;
}

void repair_lockfile(const Environment& env, const std::filesystem::path& path,
                     const VerifyReport& report, Progress& progress) {
  const Lockfile lockfile = read_lockfile(path);
  std::set<std::string> entries;
  for (const auto& problem : report.problems) {
    const LockEntry* entry = lockfile.find(problem.entry);
    if (entry && !problem.blob.empty()) {
      const RepoCache cache(env.hub_cache, entry->declared.repo_type, entry->declared.repo_id);
      const auto file = std::find_if(entry->files.begin(), entry->files.end(),
                                     [&](const LockedFile& f) { return f.path == problem.path; });
      // A bad copy in the snapshot is replaced by the fetch below; its blob
      // is discarded only if that is what was found bad.
      if (file != entry->files.end() && cache.blob_path(file->etag()).string() == problem.blob) {
        cache.discard_blob(file->etag());
      }
    }
    entries.insert(problem.entry);
  }
  for (const auto& [name, file] : report.not_cached) entries.insert(name);
  for (const auto& name : entries) {
    const LockEntry* entry = lockfile.find(name);
    if (!entry) continue;
    fetch_by_pin(env, request_of(entry->declared), *entry, path, name, progress);
  }
}

std::string describe_change(const std::string& name, const EntryChange& change) {
  if (change.empty()) return name + ": unchanged (" + change.new_commit + ")\n";
  std::string text = name + ": " + change.old_commit + " -> " + change.new_commit + "\n";
  for (const auto& file : change.added) text += "  added    " + file.path + "\n";
  for (const auto& file : change.removed) text += "  removed  " + file.path + "\n";
  for (const auto& file : change.changed) {
    text += "  changed  " + file.after.path + " (" + std::to_string(file.before.size) + " -> " +
            std::to_string(file.after.size) + " bytes)\n";
  }
  return text;
}

}  // namespace hubdeps
