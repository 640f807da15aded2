#include "source_text.hpp"

#include <algorithm>

namespace hubdeps {

std::string printable(std::string_view text, std::size_t max_bytes, NonAscii non_ascii) {
  std::string shown;
  for (const char c : text.substr(0, max_bytes)) {
    const auto byte = static_cast<unsigned char>(c);
    const bool control = byte < 0x20 || byte == 0x7f;
    if (control || (byte > 0x7f && non_ascii == NonAscii::escape)) {
      constexpr char kHex[] = "0123456789abcdef";
      shown += "\\x";
      shown += kHex[byte >> 4];
      shown += kHex[byte & 15];
    } else {
      shown += c;
    }
  }
  if (text.size() > max_bytes) shown += "...";
  return shown;
}

TextPosition position_of(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  const std::string_view before = text.substr(0, offset);
  TextPosition position;
  position.line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  const std::size_t line_start = before.rfind('\n');
  position.column = offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
  return position;
}

std::string located(const std::string& source, std::string_view text, std::size_t offset) {
  const TextPosition position = position_of(text, offset);
  return source + ":" + std::to_string(position.line) + ":" + std::to_string(position.column);
}

}  // namespace hubdeps
