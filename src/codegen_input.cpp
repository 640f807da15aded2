// Reading config files for the header generator, with a file:line:column
// position in every error (docs/header-mapping.md, "Errors"), and writing
// generated files only when their content changes.
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <system_error>

#include "codegen_detail.hpp"
#include "error.hpp"
#include "os/atomic_write.hpp"

namespace hubdeps {

namespace fs = std::filesystem;

namespace codegen {

namespace {

struct TextPosition {
  std::size_t line = 1;
  std::size_t column = 1;  // in bytes, 1-based
};

TextPosition position_of(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  const std::string_view before = text.substr(0, offset);
  TextPosition position;
  position.line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  const std::size_t line_start = before.rfind('\n');
  position.column = offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
  return position;
}

std::string located(const ConfigInput& input, std::size_t offset) {
  const TextPosition position = position_of(input.json_text, offset);
  return input.source_name + ":" + std::to_string(position.line) + ":" +
         std::to_string(position.column) + ": ";
}

// `input.json_text` holds at least the first kMaxConfigBytes bytes of a file
// of `size` bytes. The position is that of the first byte past the limit, so
// the message has the same file:line:column shape as every other input error.
Error too_large(const ConfigInput& input, std::uintmax_t size) {
  return Error(ExitCode::usage,
               located(input, kMaxConfigBytes) + "the file is " + std::to_string(size) +
                   " bytes, over the 16 MiB limit for a config file (it passes the limit here); "
                   "pass only JSON configs such as config.json or tokenizer_config.json (no "
                   "header was written)");
}


// nlohmann's message without its "[json.exception...]" tag and its own
// position (ours is in front), bounded and printable: the "last read" part
// can quote megabytes of arbitrary bytes.
std::string describe_json_error(const std::string& what) {
  std::string_view text = what;
  if (!text.empty() && text.front() == '[') {
    const std::size_t tag_end = text.find("] ");
    if (tag_end != std::string_view::npos) text.remove_prefix(tag_end + 2);
  }
  constexpr std::string_view kPositionPrefix = "parse error at line ";
  if (text.substr(0, kPositionPrefix.size()) == kPositionPrefix) {
    const std::size_t colon = text.find(": ");
    if (colon != std::string_view::npos) text.remove_prefix(colon + 2);
  }
  return printable(text);
}

// A SAX pass that only records the first error and where it happened: the
// DOM parser throws the same errors without the position of, e.g., a number
// too large for a double.
class SyntaxCheck : public nlohmann::json_sax<Json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t chars_read, const std::string&, const Json::exception& error) override {
    // nlohmann counts the characters read, including the offending one.
    error_offset = chars_read > 0 ? chars_read - 1 : 0;
    error_message = describe_json_error(error.what());
    return false;
  }

  std::size_t error_offset = 0;
  std::string error_message;
};

// The offset of the first `{` or `[` that opens level `limit + 1`, if any.
// Runs on text that is known to be valid JSON, so string bounds are exact.
std::optional<std::size_t> find_excess_nesting(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  bool after_backslash = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (after_backslash) {
        after_backslash = false;
      } else if (c == '\\') {
        after_backslash = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) return i;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return std::nullopt;
}

std::size_t start_of_broken_utf8_sequence(std::string_view text, std::size_t offset) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  if (offset >= text.size() || byte(offset) >= 0xC0) return offset;  // itself a bad lead byte
  std::size_t lead = offset;
  // A sequence is at most 4 bytes: a lead byte and up to 3 continuations.
  for (int continuations = 0; lead > 0 && continuations < 3; ++continuations) {
    --lead;
    if (byte(lead) >= 0xC0) return lead;
    if (byte(lead) < 0x80) break;
  }
  return offset;
}

std::string_view json_type_description(const Json& value) {
  switch (value.type()) {
    case Json::value_t::array: return "an array";
    case Json::value_t::string: return "a string";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::null: return "null";
    default: return "a number";
  }
}

}  // namespace

std::string printable(std::string_view text) {
  constexpr std::size_t kMaxShown = 200;
  std::string shown;
  for (unsigned char c : text.substr(0, kMaxShown)) {
    if (c >= 0x20 && c < 0x7f) {
      shown += static_cast<char>(c);
    } else {
      constexpr char kHex[] = "0123456789abcdef";
      shown += "\\x";
      shown += kHex[c >> 4];
      shown += kHex[c & 15];
    }
  }
  if (text.size() > kMaxShown) shown += "...";
  return shown;
}

Json parse_config(const ConfigInput& input) {
  const std::string& text = input.json_text;
  if (text.size() > kMaxConfigBytes) throw too_large(input, text.size());
  SyntaxCheck check;
  if (!Json::sax_parse(text, &check)) {
    std::size_t offset = check.error_offset;
    // nlohmann stops at the byte that shows a UTF-8 sequence is broken, which
    // may be the `"` after it; the position a reader wants is the lead byte.
    if (check.error_message.find("ill-formed UTF-8") != std::string::npos) {
      offset = start_of_broken_utf8_sequence(text, offset);
    }
    throw Error(ExitCode::usage, located(input, offset) + "invalid JSON: " +
                                     check.error_message + " (no header was written)");
  }
  if (const std::optional<std::size_t> deep = find_excess_nesting(text, kMaxConfigNesting)) {
    throw Error(ExitCode::usage,
                located(input, *deep) + "objects and arrays nested more than " +
                    std::to_string(kMaxConfigNesting) +
                    " levels deep; this is not a model config (no header was written)");
  }
  Json document = Json::parse(text);
  if (!document.is_object()) {
    std::size_t start = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // nlohmann skips a BOM
    start = std::min(text.find_first_not_of(" \t\r\n", start), text.size());
    throw Error(ExitCode::usage, located(input, start) + "the top level is " +
                                     std::string(json_type_description(document)) +
                                     ", but a config file must hold a JSON object {...} "
                                     "(no header was written)");
  }
  return document;
}

}  // namespace codegen

using codegen::too_large;

ConfigInput load_config_input(const std::filesystem::path& file) {
  ConfigInput input;
  input.source_name = file.string();
  input.stem = file.stem().string();
  std::error_code error;
  const std::uintmax_t size = fs::file_size(file, error);
  if (error) {
    throw Error(ExitCode::usage,
                "cannot read config file " + input.source_name + ": " + error.message());
  }
  std::ifstream stream(file, std::ios::binary);
  if (!stream) {
    throw Error(ExitCode::usage, "cannot open config file " + input.source_name + ": " +
                                     std::strerror(errno) + "; check that it is readable");
  }
  // Read to the end, but stop soon after the limit: a huge file costs about
  // 16 MiB before it is rejected, and the error can still give a position.
  input.json_text.reserve(
      static_cast<std::size_t>(std::min<std::uintmax_t>(size, kMaxConfigBytes)));
  std::array<char, 64 * 1024> buffer;
  do {
    stream.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    input.json_text.append(buffer.data(), static_cast<std::size_t>(stream.gcount()));
  } while (stream && input.json_text.size() <= kMaxConfigBytes);
  if (stream.bad()) throw Error(ExitCode::usage, "cannot read config file " + input.source_name);
  if (input.json_text.size() > kMaxConfigBytes) {
    throw too_large(input, std::max<std::uintmax_t>(size, input.json_text.size()));
  }
  return input;
}

bool write_if_changed(const std::filesystem::path& file, std::string_view content) {
  {
    std::error_code error;
    if (fs::is_regular_file(file, error) && fs::file_size(file, error) == content.size() && !error) {
      std::ifstream existing(file, std::ios::binary);
      const std::string old_content((std::istreambuf_iterator<char>(existing)),
                                    std::istreambuf_iterator<char>());
      if (old_content == content) return false;
    }
  }
  const auto fail = [&](const std::string& what, const std::error_code& error) {
    return Error(ExitCode::usage, "cannot write " + file.string() + ": " + what + error.message() +
                                      "; check that the output folder is writable");
  };
  const fs::path folder = file.parent_path();
  std::error_code error;
  if (!folder.empty()) {
    fs::create_directories(folder, error);
    if (error) throw fail("creating " + folder.string() + ": ", error);
  }
  // Atomic: two builds writing the same header never share a temporary
  // file, and a compiler never reads half a header.
  os::write_file_atomic(file, content, error);
  if (error) throw fail("", error);
  return true;
}

}  // namespace hubdeps
