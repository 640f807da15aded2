// Text from the user's files in messages: bounded and printable, so a
// hostile or binary file cannot flood or rewrite the user's terminal, and
// located as "<file>:<line>:<column>" the way compilers say where. Used by
// the lockfile's and the header generator's error messages alike.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hubdeps {

enum class NonAscii {
  escape,  // every byte outside printable ASCII as \xNN (the header generator's configs)
  keep,    // UTF-8 names stay readable; only control bytes are escaped (the lockfile)
};

// `text` with control bytes (and, with NonAscii::escape, every non-ASCII
// byte) written as \xNN, cut after `max_bytes` bytes with "..." appended.
std::string printable(std::string_view text, std::size_t max_bytes = 200,
                      NonAscii non_ascii = NonAscii::escape);

struct TextPosition {
  std::size_t line = 1;    // 1-based
  std::size_t column = 1;  // 1-based, in bytes
};

// Where byte `offset` of `text` is (an offset past the end counts as the end).
TextPosition position_of(std::string_view text, std::size_t offset);

// "<source>:<line>:<column>" for byte `offset` of `text`.
std::string located(const std::string& source, std::string_view text, std::size_t offset);

}  // namespace hubdeps
