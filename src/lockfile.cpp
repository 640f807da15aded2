#include "lockfile.hpp"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <optional>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "lockfile_io.hpp"

namespace hubdeps {

namespace {

using json = nlohmann::json;

constexpr std::string_view kRepair = "fix it, or restore the file from version control";

bool is_lower_hex(std::string_view text, std::size_t length) {
  return text.size() == length && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool has_control_character(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool is_valid_pattern(std::string_view pattern) {
  return !pattern.empty() && pattern.size() <= 1024 && !has_control_character(pattern);
}

// Values from a hostile file end up in messages: keep them short and
// printable so they cannot flood or rewrite the user's terminal.
std::string shown(std::string_view text) {
  constexpr std::size_t kShown = 100;
  std::string out = "'";
  for (const char c : text.substr(0, kShown)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      constexpr const char* kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  if (text.size() > kShown) out += "...";
  return out + "'";
}

std::string shown_list(const std::vector<std::string>& items, std::string_view when_empty) {
  if (items.empty()) return std::string(when_empty);
  std::string out = "[";
  for (const auto& item : items) out += (out.size() > 1 ? ", " : "") + shown(item);
  return out + "]";
}

std::vector<std::string> as_set(std::vector<std::string> patterns) {
  std::sort(patterns.begin(), patterns.end());
  patterns.erase(std::unique(patterns.begin(), patterns.end()), patterns.end());
  return patterns;
}

bool by_path(const LockedFile& a, const LockedFile& b) { return a.path < b.path; }

// The one canonical form, so equal content compares equal and serializes to
// equal bytes whatever order it was built in.
void normalize(LockEntry& entry) {
  entry.declared.include = as_set(std::move(entry.declared.include));
  entry.declared.exclude = as_set(std::move(entry.declared.exclude));
  std::sort(entry.files.begin(), entry.files.end(), by_path);
}

void normalize(Lockfile& lockfile) {
  for (auto& [name, entry] : lockfile.entries) normalize(entry);
}

// ---------------------------------------------------------------------------
// Where things are in the text. nlohmann's SAX events carry no position, so
// the text is fed through an iterator that records how far the lexer has
// read; when an event fires the lexer has just read the token it is about,
// which is enough to find the token's first byte.

class TrackingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  TrackingIterator(const char* at, const char** read_up_to) : at_(at), read_up_to_(read_up_to) {}
  reference operator*() const { return *at_; }
  TrackingIterator& operator++() {
    ++at_;
    *read_up_to_ = at_;
    return *this;
  }
  TrackingIterator operator++(int) {
    TrackingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const TrackingIterator& other) const { return at_ == other.at_; }

 private:
  const char* at_;
  const char** read_up_to_;
};

// JSON Pointer (RFC 6901) paths name every value, e.g. /entries/bert/files/3/sha256.
std::string child(const std::string& parent, std::string_view key) {
  std::string out = parent + "/";
  for (const char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string child(const std::string& parent, std::size_t index) {
  return parent + "/" + std::to_string(index);
}

struct SourceMap {
  std::map<std::string, std::size_t> value_at;  // pointer -> offset of the value's first byte
  std::map<std::string, std::size_t> key_at;    // pointer -> offset of the member's key
};

struct TextError {
  std::size_t offset;
  std::string message;
};

// nlohmann's message minus its "[json.exception...] parse error at line L,
// column C: " prefix, since the location is reported our way.
std::string describe_json_error(std::string_view what) {
  if (what.starts_with("[json.exception.")) {
    if (const auto end = what.find("] "); end != std::string_view::npos) what.remove_prefix(end + 2);
  }
  if (what.starts_with("parse error")) {
    if (const auto colon = what.find(": "); colon != std::string_view::npos) what.remove_prefix(colon + 2);
  }
  return "not valid JSON: " + std::string(what);
}

class PositionRecorder {
 public:
  PositionRecorder(std::string_view text, const char* const* read_up_to)
      : text_(text), read_up_to_(read_up_to) {}

  SourceMap map;
  std::optional<TextError> error;

  bool null() { return value(literal_start()); }
  bool boolean(bool) { return value(literal_start()); }
  bool number_integer(json::number_integer_t) { return value(number_start()); }
  bool number_unsigned(json::number_unsigned_t) { return value(number_start()); }
  bool number_float(json::number_float_t, const json::string_t&) { return value(number_start()); }
  bool string(json::string_t&) { return value(string_start()); }
  bool binary(json::binary_t&) { return value(read()); }  // JSON text has none
  bool start_object(std::size_t) { return open(false); }
  bool start_array(std::size_t) { return open(true); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  // nlohmann keeps the last of two equal keys without a word; in a lockfile
  // that is a merge accident or tampering, so it is an error.
  bool key(json::string_t& name) {
    Frame& object = frames_.back();
    const std::size_t start = string_start();
    if (!object.keys.insert(name).second) {
      error = TextError{start, "duplicate key " + shown(name)};
      return false;
    }
    object.pending_key = name;
    map.key_at[child(object.pointer, name)] = start;
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const json::exception& e) {
    // `position` counts the bytes read, including the offending one.
    error = TextError{position == 0 ? 0 : position - 1, describe_json_error(e.what())};
    return false;
  }

 private:
  struct Frame {
    std::string pointer;
    bool is_array = false;
    std::size_t next_index = 0;
    std::string pending_key;
    std::set<std::string> keys;
  };

  std::size_t read() const { return static_cast<std::size_t>(*read_up_to_ - text_.data()); }

  // The lexer stops right after a string's closing quote; its opening quote is
  // the nearest '"' before it that is not escaped.
  std::size_t string_start() const {
    const std::size_t closing = read() - 1;
    for (std::size_t i = closing; i-- > 0;) {
      if (text_[i] != '"') continue;
      std::size_t backslashes = 0;
      while (backslashes < i && text_[i - 1 - backslashes] == '\\') ++backslashes;
      if (backslashes % 2 == 0) return i;
    }
    return 0;
  }

  static bool is_number_byte(char c) {
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
  }

  // The lexer reads one byte past a number (unless the text ends there).
  std::size_t number_start() const {
    std::size_t start = read();
    if (start > 0 && !is_number_byte(text_[start - 1])) --start;
    while (start > 0 && is_number_byte(text_[start - 1])) --start;
    return start;
  }

  std::size_t literal_start() const {
    std::size_t start = read();
    while (start > 0 && text_[start - 1] >= 'a' && text_[start - 1] <= 'z') --start;
    return start;
  }

  std::string next_pointer() {
    if (frames_.empty()) return "";
    Frame& parent = frames_.back();
    return parent.is_array ? child(parent.pointer, parent.next_index++)
                           : child(parent.pointer, parent.pending_key);
  }

  bool value(std::size_t start) {
    map.value_at[next_pointer()] = start;
    return true;
  }

  bool open(bool is_array) {
    std::string pointer = next_pointer();
    map.value_at[pointer] = read() - 1;  // the '{' or '[' just read
    frames_.push_back(Frame{std::move(pointer), is_array, 0, {}, {}});
    return true;
  }

  bool close() {
    frames_.pop_back();
    return true;
  }

  std::string_view text_;
  const char* const* read_up_to_;
  std::vector<Frame> frames_;
};

// ---------------------------------------------------------------------------
// Reading: every value is checked as hostile input, and every complaint names
// the line and column of the value (or key) it is about.

class Reader {
 public:
  Reader(std::string_view text, const std::string& file_name, const SourceMap& map)
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
    const auto before = text_.substr(0, offset);
    const std::size_t line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    const auto newline = before.rfind('\n');
    const std::size_t column = newline == std::string_view::npos ? offset + 1 : offset - newline;
    throw Error(ExitCode::usage, file_name_ + ":" + std::to_string(line) + ":" + std::to_string(column) +
                                     ": " + what + "; " + std::string(todo));
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
  const SourceMap& map_;
};

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

Lockfile Lockfile::parse(std::string_view text, const std::string& file_name_for_errors) {
  const char* read_up_to = text.data();
  PositionRecorder recorder(text, &read_up_to);
  const bool well_formed =
      json::sax_parse(TrackingIterator(text.data(), &read_up_to),
                      TrackingIterator(text.data() + text.size(), &read_up_to), &recorder);
  const Reader reader(text, file_name_for_errors, recorder.map);
  if (!well_formed) {
    const TextError error = recorder.error.value_or(
        TextError{static_cast<std::size_t>(read_up_to - text.data()), "not valid JSON"});
    reader.fail_at(error.offset, error.message);
  }
  // Cannot fail: the same text was just read without error.
  const json document = json::parse(text.begin(), text.end());
  return reader.lockfile(document);
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
