#include "lockfile.hpp"

#include <algorithm>
#include <cstddef>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "lockfile_io.hpp"
#include "lockfile_rules.hpp"
#include "source_text.hpp"

namespace hubdeps {

namespace lockfile_rules {

namespace {

bool has_control_character(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace

bool is_lower_hex(std::string_view text, std::size_t length) {
  return text.size() == length && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool is_valid_pattern(std::string_view pattern) {
  return !pattern.empty() && pattern.size() <= 1024 && !has_control_character(pattern);
}

std::string shown(std::string_view text) { return "'" + printable(text, 100, NonAscii::keep) + "'"; }

std::vector<std::string> as_set(std::vector<std::string> patterns) {
  std::sort(patterns.begin(), patterns.end());
  patterns.erase(std::unique(patterns.begin(), patterns.end()), patterns.end());
  return patterns;
}

void normalize(LockEntry& entry) {
  entry.declared.include = as_set(std::move(entry.declared.include));
  entry.declared.exclude = as_set(std::move(entry.declared.exclude));
  std::sort(entry.files.begin(), entry.files.end(),
            [](const LockedFile& a, const LockedFile& b) { return a.path < b.path; });
}

}  // namespace lockfile_rules

using namespace lockfile_rules;

namespace {

using json = nlohmann::json;

bool by_path(const LockedFile& a, const LockedFile& b) { return a.path < b.path; }

void normalize(Lockfile& lockfile) {
  for (auto& [name, entry] : lockfile.entries) lockfile_rules::normalize(entry);
}

std::string shown_list(const std::vector<std::string>& items, std::string_view when_empty) {
  if (items.empty()) return std::string(when_empty);
  std::string out = "[";
  for (const auto& item : items) out += (out.size() > 1 ? ", " : "") + shown(item);
  return out + "]";
}

// ---------------------------------------------------------------------------
// Writing: the same rules as reading, so hubdeps never writes a file it would
// refuse to read back.

void check_writable(const std::string& name, const LockEntry& entry) {
  const auto fail = [&](const std::string& what) {
    throw Error(ExitCode::usage, "cannot write lockfile entry " + shown(name) + ": " + what +
                                     "; this is a bug in hubdeps or a bad answer from the Hub");
  };
  if (!is_valid_entry_name(name)) {
    fail("the name is not valid: use 1 to 128 letters, digits, '_', '-', '.' or '+'");
  }
  validate_revision(entry.declared.revision);
  if (!is_commit_hash(entry.commit))
    fail("commit " + shown(entry.commit) + " is not 40 lowercase hex digits");
  if (is_commit_hash(entry.declared.revision) && entry.declared.revision != entry.commit) {
    fail("the declared revision is the commit " + entry.declared.revision + " but it resolved to " +
         entry.commit);
  }
  for (const auto* list : {&entry.declared.include, &entry.declared.exclude}) {
    for (const auto& pattern : *list) {
      if (!is_valid_pattern(pattern))
        fail("pattern " + shown(pattern) + " is empty, too long or has control characters");
    }
  }
  std::set<std::string_view> seen;
  for (const auto& file : entry.files) {
    if (!is_safe_repo_path(file.path))
      fail("file path " + shown(file.path) + " is not a safe repo-relative path");
    if (!seen.insert(file.path).second) fail("file " + shown(file.path) + " is listed twice");
    const bool valid_hash = file.is_lfs() ? is_lower_hex(file.sha256, 64) && file.git_sha1.empty()
                                          : is_lower_hex(file.git_sha1, 40);
    if (!valid_hash) {
      fail("file " + shown(file.path) +
           " needs exactly one hash: 'sha256' (64 lowercase hex, LFS) or 'git_sha1' (40 lowercase hex)");
    }
  }
}

json to_json(const LockEntry& entry) {
  json files = json::array();
  for (const auto& file : entry.files) {
    json object = json::object();
    object["path"] = file.path;
    object["size"] = file.size;
    if (file.is_lfs()) {
      object["sha256"] = file.sha256;
    } else {
      object["git_sha1"] = file.git_sha1;
    }
    files.push_back(std::move(object));
  }
  json object = json::object();
  object["repo_id"] = entry.declared.repo_id.str();
  object["repo_type"] = std::string(to_string(entry.declared.repo_type));
  object["revision"] = entry.declared.revision;
  object["include"] = entry.declared.include;
  object["exclude"] = entry.declared.exclude;
  object["commit"] = entry.commit;
  object["files"] = std::move(files);
  return object;
}

Lockfile parse_file_text(const std::string& text, const std::filesystem::path& path) {
  return text.empty() ? Lockfile{} : Lockfile::parse(text, path.string());
}

}  // namespace

// ---------------------------------------------------------------------------

LockedFile LockedFile::from(const RepoFile& file) {
  LockedFile locked{file.path, file.size, {}, {}};
  if (file.is_lfs()) {
    locked.sha256 = *file.sha256;
  } else {
    locked.git_sha1 = file.git_sha1;
  }
  return locked;
}

LockEntry LockEntry::make(Declaration declared, std::string commit, const std::vector<RepoFile>& selected) {
  LockEntry entry{std::move(declared), std::move(commit), {}};
  for (const auto& file : selected) entry.files.push_back(LockedFile::from(file));
  normalize(entry);
  return entry;
}

bool is_valid_entry_name(std::string_view name) {
  const auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == '+';
  };
  return !name.empty() && name.size() <= 128 && std::all_of(name.begin(), name.end(), allowed) &&
         name.front() != '-' && name.front() != '.' && name.front() != '+';
}

std::string Lockfile::serialize() const {
  json entries_json = json::object();
  for (const auto& [name, entry] : entries) {
    LockEntry canonical = entry;
    normalize(canonical);
    check_writable(name, canonical);
    entries_json[name] = to_json(canonical);
  }
  json root = json::object();
  root["version"] = lockfile_version;
  root["entries"] = std::move(entries_json);
  try {
    return root.dump(2) + "\n";
  } catch (const json::type_error& e) {
    throw Error(ExitCode::usage,
                std::string("cannot write the lockfile: a pattern or file path is not valid UTF-8 (") +
                    e.what() + ")");
  }
}

const LockEntry* Lockfile::find(std::string_view name) const {
  const auto found = entries.find(name);
  return found == entries.end() ? nullptr : &found->second;
}

std::vector<std::string> compare(const Declaration& declared, const LockEntry& locked) {
  const Declaration& pinned = locked.declared;
  std::vector<std::string> differences;
  if (declared.repo_id != pinned.repo_id) {
    differences.push_back("repo_id: declared " + shown(declared.repo_id.str()) + ", locked " +
                          shown(pinned.repo_id.str()));
  }
  if (declared.repo_type != pinned.repo_type) {
    differences.push_back("repo_type: declared " + std::string(to_string(declared.repo_type)) + ", locked " +
                          std::string(to_string(pinned.repo_type)));
  }
  if (declared.revision != pinned.revision) {
    differences.push_back("revision: declared " + shown(declared.revision) + ", locked " +
                          shown(pinned.revision));
  }
  const auto compare_patterns = [&](std::string_view what, const std::vector<std::string>& mine,
                                    const std::vector<std::string>& theirs, std::string_view when_empty) {
    const auto declared_set = as_set(mine);
    const auto locked_set = as_set(theirs);
    if (declared_set != locked_set) {
      differences.push_back(std::string(what) + ": declared " + shown_list(declared_set, when_empty) +
                            ", locked " + shown_list(locked_set, when_empty));
    }
  };
  compare_patterns("include", declared.include, pinned.include, "none (all files)");
  compare_patterns("exclude", declared.exclude, pinned.exclude, "none");
  return differences;
}

const LockEntry& require_matching_entry(const Lockfile& lockfile, const std::string& lockfile_name,
                                        std::string_view name, const Declaration& declared) {
  const LockEntry* entry = lockfile.find(name);
  if (entry == nullptr) {
    throw Error(ExitCode::lock_outdated,
                lockfile_name + " has no entry " + shown(name) +
                    " and --locked forbids adding one; run once without --locked to pin it, then commit " +
                    lockfile_name);
  }
  const auto differences = compare(declared, *entry);
  if (!differences.empty()) {
    std::string listed;
    for (const auto& difference : differences) listed += (listed.empty() ? "" : "; ") + difference;
    throw Error(
        ExitCode::lock_outdated,
        lockfile_name + ": entry " + shown(name) + " does not match its declaration (" + listed +
            ") and --locked forbids changing it; run once without --locked to re-pin it, then commit " +
            lockfile_name);
  }
  return *entry;
}

EntryChange diff_entries(const LockEntry& before, const LockEntry& after) {
  EntryChange change{before.commit, after.commit, {}, {}, {}};
  auto old_files = before.files;
  auto new_files = after.files;
  std::sort(old_files.begin(), old_files.end(), by_path);
  std::sort(new_files.begin(), new_files.end(), by_path);
  auto old_it = old_files.begin();
  auto new_it = new_files.begin();
  while (old_it != old_files.end() || new_it != new_files.end()) {
    if (new_it == new_files.end() || (old_it != old_files.end() && old_it->path < new_it->path)) {
      change.removed.push_back(*old_it++);
    } else if (old_it == old_files.end() || new_it->path < old_it->path) {
      change.added.push_back(*new_it++);
    } else {
      if (!(*old_it == *new_it)) change.changed.push_back(FileChange{*old_it, *new_it});
      ++old_it;
      ++new_it;
    }
  }
  return change;
}

Lockfile read_lockfile(const std::filesystem::path& path) {
  return parse_file_text(read_lockfile_text(path).value_or(""), path);
}

bool update_lockfile(const std::filesystem::path& path, const std::function<void(Lockfile&)>& mutate) {
  const LockfileWriteLock lock(path);
  const Lockfile before = parse_file_text(lock.read(), path);
  Lockfile after = before;
  mutate(after);
  normalize(after);
  // Compared as content, not bytes: a no-op leaves even a hand-formatted file
  // alone, and equal content always serializes to the same bytes anyway.
  if (after == before) return false;
  lock.replace(after.serialize());
  return true;
}

}  // namespace hubdeps
