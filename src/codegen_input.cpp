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
#include "json_positions.hpp"
#include "os/atomic_write.hpp"
#include "source_text.hpp"

namespace hubdeps {

namespace fs = std::filesystem;

namespace codegen {

namespace {

// "<file>:<line>:<column>: " for byte `offset` of the config's text.
std::string located(const ConfigInput& input, std::size_t offset) {
  return hubdeps::located(input.source_name, input.json_text, offset) + ": ";
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

Json parse_config(const ConfigInput& input) {
  const std::string& text = input.json_text;
  if (text.size() > kMaxConfigBytes) throw too_large(input, text.size());
  if (const auto error = check_json_syntax(text)) {
    std::size_t offset = error->offset;
    // nlohmann stops at the byte that shows a UTF-8 sequence is broken, which
    // may be the `"` after it; the position a reader wants is the lead byte.
    if (error->message.find("ill-formed UTF-8") != std::string::npos) {
      offset = start_of_broken_utf8_sequence(text, offset);
    }
    // Bounded and printable: the "last read" part can quote megabytes of
    // arbitrary bytes.
    throw Error(ExitCode::usage, located(input, offset) + "invalid JSON: " + printable(error->message) +
                                     " (no header was written)");
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
    return Error(ExitCode::io, "cannot write " + file.string() + ": " + what + error.message() +
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
