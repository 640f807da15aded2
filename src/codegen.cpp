#include "codegen.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <random>
#include <stdexcept>
#include <system_error>

#include <nlohmann/json.hpp>

#include "error.hpp"

namespace hubdeps {

namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

// Encoded characters per string-literal chunk: long chat templates and the
// `json` copy stay readable and diff-friendly instead of one huge line.
constexpr std::size_t kLiteralChunkWidth = 96;
// Arrays of numbers are packed onto lines of about this width; shorter ones
// stay on the declaration's line.
constexpr std::size_t kArrayLineWidth = 96;
constexpr std::size_t kOneLineArrayWidth = 64;
// [implimits] only promises string literals of this many characters; Clang's
// -Wpedantic flags longer ones (-Woverlength-strings), GCC does not.
constexpr std::size_t kMaxPortableStringLiteral = 65536;

// Names a key must not become even though they are well-formed identifiers:
// C++20 keywords and alternative tokens, GCC's GNU-mode `typeof`, and names
// the C and POSIX headers define as object-like macros (a constant named
// `errno` stops compiling as soon as someone includes <cerrno>).
const std::set<std::string_view>& reserved_identifiers() {
  static const std::set<std::string_view> names = {
      "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break",
      "case", "catch", "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept",
      "const", "consteval", "constexpr", "constinit", "const_cast", "continue", "co_await",
      "co_return", "co_yield", "decltype", "default", "delete", "do", "double", "dynamic_cast",
      "else", "enum", "explicit", "export", "extern", "false", "float", "for", "friend", "goto",
      "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
      "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register",
      "reinterpret_cast", "requires", "return", "short", "signed", "sizeof", "static",
      "static_assert", "static_cast", "struct", "switch", "template", "this", "thread_local",
      "throw", "true", "try", "typedef", "typeid", "typename", "union", "unsigned", "using",
      "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq",
      // Not keywords, but unusable as names in practice.
      "typeof", "errno", "unix", "linux", "NULL", "EOF", "stdin", "stdout", "stderr", "NAN",
      "INFINITY"};
  return names;
}

bool is_ascii_letter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_identifier_byte(unsigned char c) {
  return is_ascii_letter(c) || is_ascii_digit(c) || c == '_';
}

// Well-formed and not reserved to the implementation: [lex.name] reserves
// every name containing `__` or starting with `_` and an uppercase letter.
bool is_usable_identifier(std::string_view name) {
  if (name.empty() || is_ascii_digit(static_cast<unsigned char>(name.front()))) return false;
  for (unsigned char c : name) {
    if (!is_identifier_byte(c)) return false;
  }
  if (name.find("__") != std::string_view::npos) return false;
  if (name.size() >= 2 && name[0] == '_' && name[1] >= 'A' && name[1] <= 'Z') return false;
  return reserved_identifiers().count(name) == 0;
}

// --- String literals -------------------------------------------------------

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

// For comments: the whole text escaped and quoted on one line, so a key can
// neither end the comment line with `\` nor break it with a newline.
std::string quoted_for_comment(std::string_view bytes) {
  std::string out = "\"";
  unsigned char previous = 0;
  for (unsigned char c : bytes) {
    append_escaped_byte(out, c, previous);
    previous = c;
  }
  return out + "\"";
}

// Lines of a `std::string_view` initializer for `bytes` (first line without
// indentation). A string holding NUL needs its length spelled out, since
// string_view's `const char*` constructor stops at the first NUL.
std::vector<std::string> string_view_initializer(std::string_view bytes) {
  std::vector<std::string> lines = cpp_string_literal_chunks(bytes);
  if (bytes.find('\0') != std::string_view::npos) {
    lines.front().insert(0, "::std::string_view{");
    lines.back() += ", " + std::to_string(bytes.size()) + "}";
  }
  return lines;
}

// --- Numbers ---------------------------------------------------------------

std::string int64_literal(std::int64_t value) {
  // `-9223372036854775808` is unary minus applied to a literal that does not
  // fit any signed type, which compilers warn about.
  if (value == std::numeric_limits<std::int64_t>::min()) return "(-9223372036854775807 - 1)";
  return std::to_string(value);
}

std::string uint64_literal(std::uint64_t value) { return std::to_string(value) + "u"; }

// --- What C++ type a JSON value gets ----------------------------------------

enum class ElementType { none, null, boolean, int64, uint64, real, string };

// Which kinds of scalar an array holds (over all its levels), from which the
// one C++ element type is chosen, or none fits.
struct ScalarKinds {
  bool null = false;
  bool boolean = false;
  bool string = false;
  bool negative_integer = false;
  bool int64_integer = false;  // non-negative, fits std::int64_t
  bool uint64_integer = false;  // above INT64_MAX
  bool real = false;

  void add(const ScalarKinds& other) {
    null |= other.null;
    boolean |= other.boolean;
    string |= other.string;
    negative_integer |= other.negative_integer;
    int64_integer |= other.int64_integer;
    uint64_integer |= other.uint64_integer;
    real |= other.real;
  }
};

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

// A "rectangular" array: scalars only, every sub-array at one level has the
// same length, and all scalars share one C++ type. It becomes nested
// std::array; anything else becomes a namespace of items.
struct RectangularShape {
  std::vector<std::size_t> extents;  // outermost first
  ScalarKinds kinds;
};

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
      continue;
    }
    std::optional<RectangularShape> inner = rectangular_shape(element);
    if (!inner || (inner_extents && *inner_extents != inner->extents)) return std::nullopt;
    inner_extents = inner->extents;
    shape.kinds.add(inner->kinds);
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

// --- Parsing, with positions in every error ---------------------------------

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

// Text from a file or a user, safe to print on a terminal: bounded, with
// control and non-ASCII bytes as \xNN.
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

// --- The header ------------------------------------------------------------

class HeaderWriter {
 public:
  void line(std::size_t indent, std::string_view text) {
    if (!text.empty()) out_.append(indent, ' ');
    out_ += text;
    out_ += '\n';
  }

  // `inline constexpr TYPE NAME = INIT;` with a multi-line initializer
  // continued on indented lines.
  void constant(std::size_t indent, const std::string& type, const std::string& name,
                const std::vector<std::string>& initializer) {
    const std::string head = "inline constexpr " + type + " " + name + " =";
    if (initializer.size() == 1) {
      line(indent, head + " " + initializer.front() + ";");
      return;
    }
    const bool is_braced = initializer.front() == "{{";
    if (is_braced) {
      line(indent, head + " {{");
      for (std::size_t i = 1; i + 1 < initializer.size(); ++i) line(indent, initializer[i]);
      line(indent, "}};");
      return;
    }
    line(indent, head);
    for (std::size_t i = 0; i < initializer.size(); ++i) {
      line(indent + 4, initializer[i] + (i + 1 == initializer.size() ? ";" : ""));
    }
  }

  void open_namespace(std::size_t indent, const std::string& name, std::string_view comment = {}) {
    line(indent, "namespace " + name + " {" + (comment.empty() ? "" : "  // ") +
                     std::string(comment));
  }
  void close_namespace(std::size_t indent, const std::string& name) {
    line(indent, "}  // namespace " + name);
  }

  void object_members(const Json& object, std::size_t indent,
                      const std::set<std::string>& names_reserved_here) {
    std::vector<std::string> keys;
    keys.reserve(object.size());
    for (const auto& item : object.items()) keys.push_back(item.key());
    const std::map<std::string, std::string> names = identifiers_for_keys(keys, names_reserved_here);
    // std::map keys iterate in byte order: the output does not depend on how
    // the file happened to order its keys.
    for (const auto& [key, value] : object.items()) {
      const std::string& name = names.at(key);
      if (name != key) line(indent, "// from key " + quoted_for_comment(key));
      member(name, value, indent);
    }
  }

  void member(const std::string& name, const Json& value, std::size_t indent) {
    switch (value.type()) {
      case Json::value_t::object:
        open_namespace(indent, name);
        object_members(value, indent + 2, {});
        close_namespace(indent, name);
        return;
      case Json::value_t::array:
        array_member(name, value, indent);
        return;
      default: break;
    }
    const ElementType type = element_type_for(kinds_of_scalar(value)).value_or(ElementType::null);
    constant(indent, cpp_type_name(type), name, scalar_initializer(value, type));
  }

  void array_member(const std::string& name, const Json& array, std::size_t indent) {
    if (const std::optional<RectangularShape> shape = rectangular_shape(array)) {
      const ElementType element = element_type_for(shape->kinds).value_or(ElementType::null);
      std::string type = cpp_type_name(element);
      for (auto extent = shape->extents.rbegin(); extent != shape->extents.rend(); ++extent) {
        type = "::std::array<" + type + ", " + std::to_string(*extent) + ">";
      }
      constant(indent, type, name, array_initializer(array, element));
      return;
    }
    // Mixed, ragged, or holding objects: no single C++ type fits, so each
    // element is mapped on its own, as item_<index>.
    open_namespace(indent, name, "JSON array, element by element: size, item_<index>");
    line(indent + 2, "inline constexpr ::std::size_t size = " + std::to_string(array.size()) + ";");
    for (std::size_t i = 0; i < array.size(); ++i) {
      member("item_" + std::to_string(i), array[i], indent + 2);
    }
    close_namespace(indent, name);
  }

  std::string& text() { return out_; }

 private:
  std::string out_;
};

std::string file_name_of(std::string_view source_name) {
  const std::size_t slash = source_name.find_last_of('/');
  return std::string(slash == std::string_view::npos ? source_name : source_name.substr(slash + 1));
}

}  // namespace

// --- Public API ---------------------------------------------------------------

std::vector<std::string> cpp_string_literal_chunks(std::string_view bytes) {
  std::vector<std::string> chunks;
  std::string chunk = "\"";
  unsigned char previous = 0;
  for (unsigned char c : bytes) {
    if (chunk.size() >= kLiteralChunkWidth) {
      chunks.push_back(chunk + "\"");
      chunk = "\"";
    }
    append_escaped_byte(chunk, c, previous);
    previous = c;
    // Breaking after each newline shows a multi-line template as lines.
    if (c == '\n') {
      chunks.push_back(chunk + "\"");
      chunk = "\"";
    }
  }
  if (chunk.size() > 1 || chunks.empty()) chunks.push_back(chunk + "\"");
  return chunks;
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

std::string identifier_for_key(std::string_view key,
                               const std::set<std::string>& names_reserved_here) {
  std::string name;
  name.reserve(key.size() + 2);
  for (unsigned char c : key) {
    const char mapped = is_identifier_byte(c) ? static_cast<char>(c) : '_';
    // Collapsing runs of '_' removes `__`, which is reserved everywhere.
    if (mapped == '_' && !name.empty() && name.back() == '_') continue;
    name += mapped;
  }
  if (name.empty()) name = "_";
  if (is_ascii_digit(static_cast<unsigned char>(name.front()))) {
    name.insert(0, "_");
  } else if (name.size() >= 2 && name[0] == '_' && name[1] >= 'A' && name[1] <= 'Z') {
    name.insert(0, "k");
  }
  if (reserved_identifiers().count(name) != 0 || names_reserved_here.count(name) != 0) name += '_';
  return name;
}

std::map<std::string, std::string> identifiers_for_keys(
    const std::vector<std::string>& keys, const std::set<std::string>& names_reserved_here) {
  std::map<std::string, std::string> names;
  std::set<std::string> taken(names_reserved_here.begin(), names_reserved_here.end());
  std::vector<std::string> renamed;
  for (const std::string& key : keys) {
    if (identifier_for_key(key, names_reserved_here) == key) {
      names[key] = key;
      taken.insert(key);
    } else {
      renamed.push_back(key);
    }
  }
  // std::string compares bytes as unsigned char: UTF-8 byte order.
  std::sort(renamed.begin(), renamed.end());
  renamed.erase(std::unique(renamed.begin(), renamed.end()), renamed.end());
  std::map<std::string, std::size_t> next_suffix;  // names only get taken, never freed
  for (const std::string& key : renamed) {
    const std::string base = identifier_for_key(key, names_reserved_here);
    std::string name = base;
    if (taken.count(name) != 0) {
      // `class_` + `_1` would contain the reserved `__`.
      const std::string separator = base.back() == '_' ? "" : "_";
      std::size_t& suffix = next_suffix.try_emplace(base, 1).first->second;
      do {
        name = base + separator + std::to_string(suffix++);
      } while (taken.count(name) != 0);
    }
    taken.insert(name);
    names[key] = name;
  }
  return names;
}

void validate_cpp_namespace(std::string_view cpp_namespace) {
  const std::string quoted = "'" + printable(cpp_namespace) + "'";
  if (cpp_namespace.empty()) {
    throw Error(ExitCode::usage, "the C++ namespace is empty: give one such as hf::bert");
  }
  std::size_t start = 0;
  bool first = true;
  while (true) {
    const std::size_t end = cpp_namespace.find("::", start);
    const std::string_view part = cpp_namespace.substr(start, end - start);
    if (!is_usable_identifier(part)) {
      throw Error(ExitCode::usage,
                  "invalid C++ namespace " + quoted + ": '" + printable(part) +
                      "' is not a usable identifier (letters, digits and '_', not starting with a "
                      "digit, no '__', not a keyword); use a form like hf::bert");
    }
    if (first && part == "std") {
      throw Error(ExitCode::usage, "invalid C++ namespace " + quoted +
                                       ": code may not add names to namespace std; use a form "
                                       "like hf::bert");
    }
    first = false;
    if (end == std::string_view::npos) break;
    start = end + 2;
  }
}

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

std::string generate_header(const std::vector<ConfigInput>& inputs, std::string_view cpp_namespace,
                            const std::vector<HeaderStringConstant>& extra_constants) {
  validate_cpp_namespace(cpp_namespace);
  if (inputs.empty()) throw Error(ExitCode::usage, "no JSON config files given");

  // Every name at the top of NS must be distinct; these are chosen by the
  // caller, so a clash is an error rather than a silent rename.
  std::map<std::string, std::string> top_level_owner;  // name -> what claimed it
  for (const HeaderStringConstant& constant : extra_constants) {
    if (!is_usable_identifier(constant.name)) {
      throw Error(ExitCode::usage, "invalid constant name '" + printable(constant.name) +
                                       "': use a C++ identifier such as repo_id");
    }
    if (!top_level_owner.emplace(constant.name, "the constant " + constant.name).second) {
      throw Error(ExitCode::usage, "the constant " + constant.name + " is given twice");
    }
  }
  std::vector<std::string> stems;
  for (const ConfigInput& input : inputs) {
    std::string stem = identifier_for_key(input.stem);
    const auto [owner, inserted] = top_level_owner.emplace(stem, input.source_name);
    if (!inserted) {
      throw Error(ExitCode::usage,
                  input.source_name + " and " + owner->second + " both map to " +
                      std::string(cpp_namespace) + "::" + stem +
                      "; generate them into separate headers or namespaces");
    }
    stems.push_back(std::move(stem));
  }
  std::vector<Json> documents;
  documents.reserve(inputs.size());
  for (const ConfigInput& input : inputs) documents.push_back(parse_config(input));

  HeaderWriter header;
  std::string sources;
  for (const ConfigInput& input : inputs) {
    sources += (sources.empty() ? "" : ", ") + quoted_for_comment(file_name_of(input.source_name));
  }
  header.line(0, "// Generated by `hubdeps header` from " + sources + ".");
  header.line(0, "// Do not edit: regenerate it. The mapping is specified in HubDeps' "
                 "docs/header-mapping.md.");
  header.line(0, "#pragma once");
  header.line(0, "");
  for (const char* include : {"<array>", "<cstddef>", "<cstdint>", "<string_view>"}) {
    header.line(0, std::string("#include ") + include);
  }
  header.line(0, "");
  // No string in a file is longer than the file, which is also the `json`
  // member: the file sizes and constants decide it.
  const bool has_overlength_string =
      std::any_of(inputs.begin(), inputs.end(),
                  [](const ConfigInput& input) {
                    return input.json_text.size() > kMaxPortableStringLiteral;
                  }) ||
      std::any_of(extra_constants.begin(), extra_constants.end(),
                  [](const HeaderStringConstant& constant) {
                    return constant.value.size() > kMaxPortableStringLiteral;
                  });
  if (has_overlength_string) {
    header.line(0, "// A string here is longer than the 65536 characters C++ promises every compiler");
    header.line(0, "// accepts; GCC and Clang accept any length, but Clang warns under -Wpedantic.");
    header.line(0, "#if defined(__GNUC__)");
    header.line(0, "#pragma GCC diagnostic push");
    header.line(0, "#pragma GCC diagnostic ignored \"-Woverlength-strings\"");
    header.line(0, "#endif");
    header.line(0, "");
  }
  header.line(0, "namespace " + std::string(cpp_namespace) + " {");
  if (!extra_constants.empty()) header.line(0, "");
  for (const HeaderStringConstant& constant : extra_constants) {
    header.constant(0, "::std::string_view", constant.name, string_view_initializer(constant.value));
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    header.line(0, "");
    header.open_namespace(0, stems[i], quoted_for_comment(file_name_of(inputs[i].source_name)));
    header.object_members(documents[i], 2, {"json"});
    header.line(2, "// The file itself, byte for byte, for parsing at run time.");
    header.constant(2, "::std::string_view", "json", string_view_initializer(inputs[i].json_text));
    header.close_namespace(0, stems[i]);
  }
  header.line(0, "");
  header.line(0, "}  // namespace " + std::string(cpp_namespace));
  if (has_overlength_string) {
    header.line(0, "");
    header.line(0, "#if defined(__GNUC__)");
    header.line(0, "#pragma GCC diagnostic pop");
    header.line(0, "#endif");
  }
  return std::move(header.text());
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
  const auto fail = [&](const std::string& what, int error_number) {
    return Error(ExitCode::usage, "cannot write " + file.string() + ": " + what + ": " +
                                      std::strerror(error_number) +
                                      "; check that the output folder is writable");
  };
  const fs::path folder = file.parent_path();
  if (!folder.empty()) {
    std::error_code error;
    fs::create_directories(folder, error);
    if (error) throw fail("creating " + folder.string(), error.value());
  }
  // A unique temporary name in the same folder: the rename is then atomic,
  // and two builds writing the same header never share a temporary file.
  std::random_device entropy;
  fs::path temporary;
  int fd = -1;
  for (int attempt = 0; fd < 0 && attempt < 100; ++attempt) {
    temporary = file;
    temporary += ".tmp-" + std::to_string(entropy()) + std::to_string(::getpid());
    fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) throw fail("creating " + temporary.string(), errno);
  }
  if (fd < 0) throw fail("creating a temporary file", EEXIST);
  std::string_view remaining = content;
  while (!remaining.empty()) {
    const ssize_t written = ::write(fd, remaining.data(), remaining.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) {
      const int error_number = errno;
      ::close(fd);
      ::unlink(temporary.c_str());
      throw fail("writing " + temporary.string(), error_number);
    }
    remaining.remove_prefix(static_cast<std::size_t>(written));
  }
  if (::close(fd) != 0) {
    const int error_number = errno;
    ::unlink(temporary.c_str());
    throw fail("closing " + temporary.string(), error_number);
  }
  if (::rename(temporary.c_str(), file.c_str()) != 0) {
    const int error_number = errno;
    ::unlink(temporary.c_str());
    throw fail("renaming " + temporary.string(), error_number);
  }
  return true;
}

}  // namespace hubdeps
