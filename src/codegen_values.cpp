// C++ literals for JSON values, and the C++ type each value gets
// (docs/header-mapping.md, "Scalars", "Strings" and "Arrays").
#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>
#include <limits>
#include <stdexcept>

#include "codegen_detail.hpp"

namespace hubdeps {

namespace codegen {

namespace {

// Encoded characters per string-literal chunk in a header: long chat
// templates and the `json` copy stay readable and diff-friendly.
constexpr std::size_t kLiteralChunkWidth = 96;
// Arrays of numbers are packed onto lines of about this width; shorter ones
// stay on the declaration's line.
constexpr std::size_t kArrayLineWidth = 96;
constexpr std::size_t kOneLineArrayWidth = 64;
// A longer string spells out its length: a string_view built from a plain
// literal has its length counted by a constexpr loop in every translation
// unit, which costs Clang about 2 us a byte and hits GCC's loop limit at 256 KiB.
constexpr std::size_t kLongestCountedString = 64;

// One byte as it appears inside a C++ string literal. `previous` is the byte
// before it, so `??` never forms a trigraph in pre-C++17 tools.
void append_escaped_byte(std::string& out, unsigned char c, unsigned char previous) {
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\n': out += "\\n"; return;
    case '\t': out += "\\t"; return;
    case '\r': out += "\\r"; return;
    case '?':
      out += previous == '?' ? "\\?" : "?";
      return;
    default: break;
  }
  if (c >= 0x20 && c < 0x7f) {
    out += static_cast<char>(c);
    return;
  }
  // Always three octal digits: an escape can never absorb the next character,
  // and the byte is stored as is whatever the compiler's execution charset.
  out += '\\';
  out += static_cast<char>('0' + (c >> 6));
  out += static_cast<char>('0' + ((c >> 3) & 7));
  out += static_cast<char>('0' + (c & 7));
}

}  // namespace

std::vector<std::string> literal_chunks(std::string_view bytes, std::size_t width, bool split_lines) {
  std::vector<std::string> chunks;
  std::string chunk = "\"";
  unsigned char previous = 0;
  for (unsigned char c : bytes) {
    if (chunk.size() >= width) {
      chunks.push_back(chunk + "\"");
      chunk = "\"";
    }
    append_escaped_byte(chunk, c, previous);
    previous = c;
    // Breaking after each newline shows a multi-line template as lines.
    if (c == '\n' && split_lines) {
      chunks.push_back(chunk + "\"");
      chunk = "\"";
    }
  }
  if (chunk.size() > 1 || chunks.empty()) chunks.push_back(chunk + "\"");
  return chunks;
}

// The whole text escaped and quoted on one line, so a key can neither end
// the comment line with `\` nor break it with a newline.
std::string quoted_for_comment(std::string_view bytes) {
  std::string out = "\"";
  unsigned char previous = 0;
  for (unsigned char c : bytes) {
    append_escaped_byte(out, c, previous);
    previous = c;
  }
  return out + "\"";
}

// A string holding NUL needs its length spelled out too, since string_view's
// `const char*` constructor stops at the first NUL.
std::vector<std::string> string_view_initializer(std::string_view bytes) {
  std::vector<std::string> lines = literal_chunks(bytes, kLiteralChunkWidth, true);
  if (bytes.size() > kLongestCountedString || bytes.find('\0') != std::string_view::npos) {
    lines.front().insert(0, "::std::string_view{");
    lines.back() += ", " + std::to_string(bytes.size()) + "}";
  }
  return lines;
}

std::string int64_literal(std::int64_t value) {
  // `-9223372036854775808` is unary minus applied to a literal that does not
  // fit any signed type, which compilers warn about.
  if (value == std::numeric_limits<std::int64_t>::min()) return "(-9223372036854775807 - 1)";
  return std::to_string(value);
}

std::string uint64_literal(std::uint64_t value) { return std::to_string(value) + "u"; }

void ScalarKinds::add(const ScalarKinds& other) {
  null |= other.null;
  boolean |= other.boolean;
  string |= other.string;
  negative_integer |= other.negative_integer;
  int64_integer |= other.int64_integer;
  uint64_integer |= other.uint64_integer;
  real |= other.real;
}

ScalarKinds kinds_of_scalar(const Json& value) {
  ScalarKinds kinds;
  switch (value.type()) {
    case Json::value_t::null: kinds.null = true; break;
    case Json::value_t::boolean: kinds.boolean = true; break;
    case Json::value_t::string: kinds.string = true; break;
    case Json::value_t::number_integer:
      (value.get<std::int64_t>() < 0 ? kinds.negative_integer : kinds.int64_integer) = true;
      break;
    case Json::value_t::number_unsigned:
      (value.get<std::uint64_t>() >
               static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
           ? kinds.uint64_integer
           : kinds.int64_integer) = true;
      break;
    case Json::value_t::number_float: kinds.real = true; break;
    default: break;
  }
  return kinds;
}

// Integers mixed with non-integers become double; so do negative integers
// mixed with integers above INT64_MAX, since no integer type holds both.
std::optional<ElementType> element_type_for(const ScalarKinds& kinds) {
  const bool number =
      kinds.negative_integer || kinds.int64_integer || kinds.uint64_integer || kinds.real;
  const int categories = int{kinds.null} + int{kinds.boolean} + int{kinds.string} + int{number};
  if (categories == 0) return ElementType::none;
  if (categories > 1) return std::nullopt;
  if (kinds.null) return ElementType::null;
  if (kinds.boolean) return ElementType::boolean;
  if (kinds.string) return ElementType::string;
  if (kinds.real || (kinds.negative_integer && kinds.uint64_integer)) return ElementType::real;
  if (kinds.uint64_integer) return ElementType::uint64;
  return ElementType::int64;
}

std::string cpp_type_name(ElementType type) {
  switch (type) {
    case ElementType::none:
    case ElementType::null: return "::std::nullptr_t";
    case ElementType::boolean: return "bool";
    case ElementType::int64: return "::std::int64_t";
    case ElementType::uint64: return "::std::uint64_t";
    case ElementType::real: return "double";
    case ElementType::string: return "::std::string_view";
  }
  return "::std::nullptr_t";
}

ElementType RectangularShape::element() const {
  return element_type_for(kinds).value_or(ElementType::null);
}

std::string RectangularShape::cpp_type(std::size_t first) const {
  std::string type = cpp_type_name(element());
  for (std::size_t i = extents.size(); i > first; --i) {
    type = "::std::array<" + type + ", " + std::to_string(extents[i - 1]) + ">";
  }
  return type;
}

std::optional<RectangularShape> rectangular_shape(const Json& array) {
  RectangularShape shape;
  shape.extents.push_back(array.size());
  if (array.empty()) return shape;
  const bool of_arrays = array.front().is_array();
  std::optional<std::vector<std::size_t>> inner_extents;
  for (const Json& element : array) {
    if (element.is_object() || element.is_array() != of_arrays) return std::nullopt;
    if (!of_arrays) {
      shape.kinds.add(kinds_of_scalar(element));
      shape.scalars += 1;
      if (element.is_string()) shape.string_bytes += element.get_ref<const std::string&>().size();
      continue;
    }
    std::optional<RectangularShape> inner = rectangular_shape(element);
    if (!inner || (inner_extents && *inner_extents != inner->extents)) return std::nullopt;
    inner_extents = inner->extents;
    shape.kinds.add(inner->kinds);
    shape.scalars += inner->scalars;
    shape.string_bytes += inner->string_bytes;
  }
  if (!element_type_for(shape.kinds)) return std::nullopt;
  if (inner_extents) {
    shape.extents.insert(shape.extents.end(), inner_extents->begin(), inner_extents->end());
  }
  return shape;
}

// The literal for one scalar as an element of `type` (lines: strings may span
// several).
std::vector<std::string> scalar_initializer(const Json& value, ElementType type) {
  switch (value.type()) {
    case Json::value_t::null: return {"nullptr"};
    case Json::value_t::boolean: return {value.get<bool>() ? "true" : "false"};
    case Json::value_t::string: return string_view_initializer(value.get_ref<const std::string&>());
    case Json::value_t::number_float: return {cpp_double_literal(value.get<double>())};
    case Json::value_t::number_integer:
      if (type == ElementType::real) return {cpp_double_literal(value.get<double>())};
      return {int64_literal(value.get<std::int64_t>())};
    case Json::value_t::number_unsigned:
      if (type == ElementType::real) return {cpp_double_literal(value.get<double>())};
      if (type == ElementType::uint64) return {uint64_literal(value.get<std::uint64_t>())};
      return {int64_literal(static_cast<std::int64_t>(value.get<std::uint64_t>()))};
    default: break;
  }
  throw std::logic_error("scalar_initializer called on a non-scalar");
}

// `{{a, b, c}}` for a rectangular array, spread over lines when long: short
// elements are packed up to the line width, multi-line ones stand alone.
std::vector<std::string> array_initializer(const Json& array, ElementType type) {
  if (array.empty()) return {"{}"};
  std::vector<std::vector<std::string>> elements;
  elements.reserve(array.size());
  for (const Json& element : array) {
    elements.push_back(element.is_array() ? array_initializer(element, type)
                                          : scalar_initializer(element, type));
  }
  const bool all_single_line = std::all_of(elements.begin(), elements.end(),
                                           [](const auto& lines) { return lines.size() == 1; });
  if (all_single_line) {
    std::string one_line = "{{";
    for (std::size_t i = 0; i < elements.size(); ++i) {
      one_line += (i ? ", " : "") + elements[i].front();
    }
    one_line += "}}";
    if (one_line.size() <= kOneLineArrayWidth) return {one_line};
  }
  std::vector<std::string> lines = {"{{"};
  std::string packed;  // the line being filled with short elements
  const auto flush = [&] {
    if (!packed.empty()) lines.push_back("  " + packed);
    packed.clear();
  };
  for (std::size_t i = 0; i < elements.size(); ++i) {
    std::vector<std::string>& element = elements[i];
    if (i + 1 < elements.size()) element.back() += ",";
    if (element.size() == 1 && element.front().size() < kArrayLineWidth / 2) {
      if (!packed.empty() && packed.size() + 1 + element.front().size() > kArrayLineWidth) flush();
      packed += (packed.empty() ? "" : " ") + element.front();
      continue;
    }
    flush();
    for (const std::string& line : element) lines.push_back("  " + line);
  }
  flush();
  lines.push_back("}}");
  return lines;
}

}  // namespace codegen

// --- Public API ---------------------------------------------------------------

std::vector<std::string> cpp_string_literal_chunks(std::string_view bytes) {
  return codegen::literal_chunks(bytes, codegen::kLiteralChunkWidth, true);
}

std::string cpp_double_literal(double value) {
  if (!std::isfinite(value)) {
    throw std::logic_error("JSON numbers are finite; got a non-finite double");
  }
  char buffer[64];
  const std::to_chars_result result = std::to_chars(std::begin(buffer), std::end(buffer), value);
  std::string literal(buffer, result.ptr);
  // Shortest round-trip form may look like an integer ("100"); keep it a
  // double literal so the value never goes through an integer type.
  if (literal.find_first_of(".e") == std::string::npos) literal += ".0";
  return literal;
}

}  // namespace hubdeps
