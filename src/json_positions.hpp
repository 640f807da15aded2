// Reading JSON text with the place of every value, so a complaint about a
// value can say "<file>:<line>:<column>" (the lockfile's reader), and
// checking JSON syntax with the place of the first error (the header
// generator's configs). nlohmann's SAX events carry no position; the text is
// fed through an iterator that records how far the lexer has read.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace hubdeps {

// Values and keys by JSON Pointer (RFC 6901): "/entries/bert/files/3/sha256".
struct JsonPositions {
  std::map<std::string, std::size_t> value_at;  // pointer -> offset of the value's first byte
  std::map<std::string, std::size_t> key_at;    // pointer -> offset of the member's key
};

struct JsonSyntaxError {
  std::size_t offset = 0;      // of the offending byte
  std::string message;         // nlohmann's words without its tag and position (may be empty);
                               // for a duplicate key, the key. Not bounded: show it with printable()
  bool duplicate_key = false;
};

// The pointer of member `key` or element `index` of the value at `parent`.
std::string json_pointer_child(const std::string& parent, std::string_view key);
std::string json_pointer_child(const std::string& parent, std::size_t index);

// Reads `text`, recording where each value and key starts. A text that is
// not well-formed JSON, or (a merge accident or tampering in a file meant
// to be written by a program) has an object with a key twice, gives the
// first such error instead.
std::optional<JsonSyntaxError> read_json_positions(std::string_view text, JsonPositions& positions);

// Only whether `text` is well-formed JSON (the last of two equal keys wins,
// as in nlohmann), and if not where the first error is. Records nothing, so
// it costs little more than parsing on large files.
std::optional<JsonSyntaxError> check_json_syntax(std::string_view text);

}  // namespace hubdeps
