// Reading hubdeps.lock: every value is checked as hostile input, and every
// complaint names the line and column of the value (or key) it is about
// (json_positions.hpp finds them). Writing, comparing and the file itself
// are lockfile.cpp's and lockfile_io.cpp's.
#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "json_positions.hpp"
#include "lockfile.hpp"
#include "lockfile_rules.hpp"
#include "source_text.hpp"

namespace hubdeps {

using namespace lockfile_rules;

namespace {

using json = nlohmann::json;

constexpr std::string_view kRepair = "fix it, or restore the file from version control";

// JSON Pointer paths name every value, e.g. /entries/bert/files/3/sha256.
template <typename Key>
std::string child(const std::string& parent, Key key) {
  return json_pointer_child(parent, key);
}

class Reader {
 public:
  Reader(std::string_view text, const std::string& file_name, const JsonPositions& map)
      : text_(text), file_name_(file_name), map_(map) {}

  [[noreturn]] void fail_at(std::size_t offset, const std::string& what,
                            std::string_view todo = kRepair) const {
    // An error at the very end ("unexpected end of input") is shown after
    // the last thing written, not on an empty line past it.
    if (offset >= text_.size()) {
      offset = text_.size();
      while (offset > 0 && (text_[offset - 1] == '\n' || text_[offset - 1] == ' ' ||
                            text_[offset - 1] == '\t' || text_[offset - 1] == '\r')) {
        --offset;
      }
    }
    throw Error(ExitCode::usage, located(file_name_, text_, offset) + ": " + what + "; " + std::string(todo));
  }

  Lockfile lockfile(const json& root) const {
    if (!root.is_object()) fail_value("", "a lockfile is a JSON object with 'version' and 'entries'");
    const auto version = root.find("version");
    if (version == root.end()) {
      fail_value("", "no 'version' field, so this is not a hubdeps lockfile",
                 "check the file name, or delete the file to have hubdeps write a new one");
    }
    if (!version->is_number_unsigned() || version->get<std::uint64_t>() != lockfile_version) {
      if (version->is_number_unsigned() && version->get<std::uint64_t>() > lockfile_version) {
        fail_value("/version",
                   "lockfile version " + version->dump() +
                       " was written by a newer hubdeps (this one reads version " +
                       std::to_string(lockfile_version) + ")",
                   "upgrade hubdeps");
      }
      fail_value("/version", "'version' must be " + std::to_string(lockfile_version));
    }
    reject_unknown_keys(root, "", {"entries", "version"}, "the lockfile");
    const json& entries = required(root, "", "entries", "the lockfile");
    if (!entries.is_object()) fail_value("/entries", "'entries' must be an object of named entries");

    Lockfile lockfile;
    for (const auto& [name, value] : entries.items()) {
      const std::string pointer = child("/entries", name);
      if (!is_valid_entry_name(name)) {
        fail_key(pointer, "entry name " + shown(name) +
                              " is not valid: use 1 to 128 letters, digits, '_', '-', '.' or '+', "
                              "starting with a letter, digit or '_'");
      }
      lockfile.entries.emplace(name, entry(name, value, pointer));
    }
    return lockfile;
  }

 private:
  [[noreturn]] void fail_value(const std::string& pointer, const std::string& what,
                               std::string_view todo = kRepair) const {
    const auto found = map_.value_at.find(pointer);
    fail_at(found == map_.value_at.end() ? 0 : found->second, what, todo);
  }

  [[noreturn]] void fail_key(const std::string& pointer, const std::string& what) const {
    const auto found = map_.key_at.find(pointer);
    if (found == map_.key_at.end()) fail_value(pointer, what);
    fail_at(found->second, what);
  }

  // A missing field is reported at the key of the object that lacks it (the
  // line a reader looks at), or at the root.
  const json& required(const json& object, const std::string& pointer, const std::string& key,
                       const std::string& context) const {
    const auto found = object.find(key);
    if (found == object.end()) {
      if (pointer.empty()) fail_value(pointer, context + " has no '" + key + "'");
      fail_key(pointer, context + " has no '" + key + "'");
    }
    return *found;
  }

  std::string required_string(const json& object, const std::string& pointer, const std::string& key,
                              const std::string& context) const {
    const json& value = required(object, pointer, key, context);
    if (!value.is_string()) fail_value(child(pointer, key), context + ": '" + key + "' must be a string");
    return value.get<std::string>();
  }

  // Unknown fields are most likely typos ("revison") that would otherwise be
  // ignored; a newer format announces itself through `version` instead.
  void reject_unknown_keys(const json& object, const std::string& pointer,
                           std::initializer_list<std::string_view> known, const std::string& context) const {
    for (const auto& [key, value] : object.items()) {
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        std::string expected;
        for (const auto name : known) expected += (expected.empty() ? "'" : ", '") + std::string(name) + "'";
        fail_key(child(pointer, key),
                 context + " has an unknown field " + shown(key) + " (expected " + expected + ")");
      }
    }
  }

  // Runs one of repo.hpp's validators and reports its complaint at `pointer`.
  template <typename Validate>
  auto validated(const std::string& pointer, const std::string& context, Validate validate) const {
    try {
      return validate();
    } catch (const Error& e) {
      fail_value(pointer, context + ": " + e.what());
    }
  }

  std::vector<std::string> patterns(const json& object, const std::string& pointer, const std::string& key,
                                    const std::string& context) const {
    const json& list = required(object, pointer, key, context);
    const std::string list_pointer = child(pointer, key);
    if (!list.is_array()) fail_value(list_pointer, context + ": '" + key + "' must be a list of patterns");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_string() || !is_valid_pattern(list[i].get<std::string>())) {
        fail_value(child(list_pointer, i), context + ": each '" + key +
                                               "' pattern must be a non-empty string of at most 1024 "
                                               "characters without control characters");
      }
      out.push_back(list[i].get<std::string>());
    }
    return as_set(std::move(out));
  }

  LockEntry entry(const std::string& name, const json& value, const std::string& pointer) const {
    const std::string context = "entry " + shown(name);
    if (!value.is_object()) fail_value(pointer, context + " must be an object");
    reject_unknown_keys(value, pointer,
                        {"commit", "exclude", "files", "include", "repo_id", "repo_type", "revision"},
                        context);

    const std::string repo_id = required_string(value, pointer, "repo_id", context);
    const std::string repo_type = required_string(value, pointer, "repo_type", context);
    const std::string revision = required_string(value, pointer, "revision", context);
    LockEntry entry{
        Declaration{
            validated(child(pointer, "repo_id"), context, [&] { return RepoId::parse(repo_id); }),
            validated(child(pointer, "repo_type"), context, [&] { return parse_repo_type(repo_type); }),
            validated(child(pointer, "revision"), context, [&] { return validate_revision(revision); }),
            patterns(value, pointer, "include", context), patterns(value, pointer, "exclude", context)},
        required_string(value, pointer, "commit", context),
        {}};

    if (!is_commit_hash(entry.commit)) {
      fail_value(child(pointer, "commit"),
                 context + ": 'commit' must be 40 lowercase hex digits, got " + shown(entry.commit));
    }
    // A commit resolves to itself; anything else means the entry was edited.
    if (is_commit_hash(revision) && revision != entry.commit) {
      fail_value(child(pointer, "commit"), context + ": the declared revision is the commit " + revision +
                                               " but 'commit' is " + entry.commit);
    }

    const json& files = required(value, pointer, "files", context);
    const std::string files_pointer = child(pointer, "files");
    if (!files.is_array()) fail_value(files_pointer, context + ": 'files' must be a list");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < files.size(); ++i) {
      entry.files.push_back(file(files[i], child(files_pointer, i), context));
      if (!seen.insert(entry.files.back().path).second) {
        fail_value(child(child(files_pointer, i), "path"),
                   context + ": file " + shown(entry.files.back().path) + " is listed twice");
      }
    }
    normalize(entry);
    return entry;
  }

  LockedFile file(const json& value, const std::string& pointer, const std::string& entry_context) const {
    const std::string any_file = entry_context + ", a file";
    if (!value.is_object()) {
      fail_value(pointer, entry_context +
                              ": each file must be an object with 'path', 'size' and "
                              "'sha256' (LFS) or 'git_sha1' (other files)");
    }
    reject_unknown_keys(value, pointer, {"git_sha1", "path", "sha256", "size"}, any_file);

    LockedFile file;
    file.path = required_string(value, pointer, "path", any_file);
    if (!is_safe_repo_path(file.path)) {
      fail_value(child(pointer, "path"),
                 entry_context + ": file path " + shown(file.path) +
                     " is not a safe repo-relative path (no leading '/', '.' or '..' segments, '\\' or "
                     "empty segments)");
    }
    const std::string context = entry_context + ", file " + shown(file.path);

    const json& size = required(value, pointer, "size", context);
    if (!size.is_number_unsigned()) {
      fail_value(child(pointer, "size"),
                 context + ": 'size' must be a whole number of bytes from 0 to 18446744073709551615, got " +
                     size.dump());
    }
    file.size = size.get<std::uint64_t>();

    const bool has_sha256 = value.contains("sha256");
    if (has_sha256 && value.contains("git_sha1")) {
      fail_key(child(pointer, "git_sha1"), context +
                                               " has both 'sha256' and 'git_sha1'; an LFS file keeps "
                                               "only 'sha256', any other file only 'git_sha1'");
    }
    if (!has_sha256 && !value.contains("git_sha1")) {
      fail_key(child(pointer, "path"),
               context + " has neither 'sha256' (LFS files) nor 'git_sha1' (other files)");
    }
    if (has_sha256) {
      file.sha256 = required_string(value, pointer, "sha256", context);
      if (!is_lower_hex(file.sha256, 64)) {
        fail_value(child(pointer, "sha256"),
                   context + ": 'sha256' must be 64 lowercase hex digits, got " + shown(file.sha256));
      }
    } else {
      file.git_sha1 = required_string(value, pointer, "git_sha1", context);
      if (!is_lower_hex(file.git_sha1, 40)) {
        fail_value(child(pointer, "git_sha1"),
                   context + ": 'git_sha1' must be 40 lowercase hex digits, got " + shown(file.git_sha1));
      }
    }
    return file;
  }

  std::string_view text_;
  const std::string& file_name_;
  const JsonPositions& map_;
};

}  // namespace

Lockfile Lockfile::parse(std::string_view text, const std::string& file_name_for_errors) {
  JsonPositions positions;
  const auto error = read_json_positions(text, positions);
  const Reader reader(text, file_name_for_errors, positions);
  if (error) {
    if (error->duplicate_key) reader.fail_at(error->offset, "duplicate key " + shown(error->message));
    reader.fail_at(error->offset, "not valid JSON" + (error->message.empty() ? "" : ": " + error->message));
  }
  // Cannot fail: the same text was just read without error.
  const json document = json::parse(text.begin(), text.end());
  return reader.lockfile(document);
}

}  // namespace hubdeps
