// The header generator: the names a JSON key gets, and the header's layout
// (docs/header-mapping.md). Values become C++ literals in codegen_values.cpp;
// large ones go to the data source in codegen_data.cpp; configs are read in
// codegen_input.cpp.
#include "codegen.hpp"

#include <algorithm>

#include "codegen_detail.hpp"
#include "error.hpp"
#include "source_text.hpp"

namespace hubdeps {

namespace {

using codegen::Json;

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

// --- The header ------------------------------------------------------------

class HeaderWriter {
 public:
  HeaderWriter(const LargeValueLimits& limits, codegen::DataSource& data, std::string_view cpp_namespace)
      : limits_(limits), data_(data), scope_{std::string(cpp_namespace)} {}

  void line(std::size_t indent, std::string_view text) {
    if (!text.empty()) out_.append(indent, ' ');
    out_ += text;
    out_ += '\n';
  }
  void lines(std::size_t indent, const std::vector<std::string>& texts) {
    for (const std::string& text : texts) line(indent, text);
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
    scope_.push_back(name);
  }
  void close_namespace(std::size_t indent, const std::string& name) {
    line(indent, "}  // namespace " + name);
    scope_.pop_back();
  }

  // NS::a::b::name for `name` in the namespace being written.
  std::string qualified(const std::string& name) const {
    std::string text;
    for (const std::string& part : scope_) text += part + "::";
    return text + name;
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
      if (name != key) line(indent, "// from key " + codegen::quoted_for_comment(key));
      member(name, value, indent);
    }
  }

  void member(const std::string& name, const Json& value, std::size_t indent) {
    if (const codegen::Large large = codegen::large_kind(value, limits_); large != codegen::Large::no) {
      lines(indent, data_.declare(qualified(name), name, value, large));
      return;
    }
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
    const codegen::ElementType type =
        codegen::element_type_for(codegen::kinds_of_scalar(value)).value_or(codegen::ElementType::null);
    constant(indent, codegen::cpp_type_name(type), name, codegen::scalar_initializer(value, type));
  }

  void array_member(const std::string& name, const Json& array, std::size_t indent) {
    if (const std::optional<codegen::RectangularShape> shape = codegen::rectangular_shape(array)) {
      constant(indent, shape->cpp_type(), name, codegen::array_initializer(array, shape->element()));
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

  // A file's own bytes, inline or (for a large file) in the data source.
  void file_bytes(const std::string& text, std::size_t indent) {
    line(indent, "// The file itself, byte for byte, for parsing at run time.");
    if (text.size() > limits_.max_inline_string_bytes) {
      lines(indent, data_.declare_string(qualified("json"), "json", text));
    } else {
      constant(indent, "::std::string_view", "json", codegen::string_view_initializer(text));
    }
  }

  std::string& text() { return out_; }

 private:
  const LargeValueLimits& limits_;
  codegen::DataSource& data_;
  std::vector<std::string> scope_;
  std::string out_;
};

std::string file_name_of(std::string_view source_name) {
  const std::size_t slash = source_name.find_last_of('/');
  return std::string(slash == std::string_view::npos ? source_name : source_name.substr(slash + 1));
}

// The identifiers at the top of NS: every one must be distinct, and since
// the caller chose them, a clash is an error rather than a silent rename.
// Returns each input's namespace name.
std::vector<std::string> top_level_names(const std::vector<ConfigInput>& inputs, std::string_view cpp_namespace,
                                         const std::vector<HeaderStringConstant>& extra_constants) {
  std::map<std::string, std::string> owner_of;  // name -> what claimed it
  for (const HeaderStringConstant& constant : extra_constants) {
    if (!is_usable_identifier(constant.name)) {
      throw Error(ExitCode::usage, "invalid constant name '" + printable(constant.name) +
                                       "': use a C++ identifier such as repo_id");
    }
    if (!owner_of.emplace(constant.name, "the constant " + constant.name).second) {
      throw Error(ExitCode::usage, "the constant " + constant.name + " is given twice");
    }
  }
  std::vector<std::string> stems;
  for (const ConfigInput& input : inputs) {
    std::string stem = identifier_for_key(input.stem);
    const auto [owner, inserted] = owner_of.emplace(stem, input.source_name);
    if (!inserted) {
      throw Error(ExitCode::usage,
                  input.source_name + " and " + owner->second + " both map to " +
                      std::string(cpp_namespace) + "::" + stem +
                      "; generate them into separate headers or namespaces");
    }
    stems.push_back(std::move(stem));
  }
  return stems;
}

// Everything before `namespace NS {`.
std::string header_opening(const std::string& sources, bool has_data, bool has_overlength_string) {
  std::string text = "// Generated by `hubdeps header` from " + sources +
                     ".\n// Do not edit: regenerate it. The mapping is specified in HubDeps' "
                     "docs/header-mapping.md.\n#pragma once\n\n";
  for (const char* include : {"<array>", "<cstddef>", "<cstdint>", "<optional>", "<string_view>"}) {
    if (has_data || include != std::string_view("<optional>")) text += std::string("#include ") + include + "\n";
  }
  text += "\n";
  if (has_data) text += std::string(codegen::kDataViewDefinitions) + "\n";
  if (has_overlength_string) {
    text +=
        "// A string here is longer than the 65536 characters C++ promises every compiler\n"
        "// accepts; GCC and Clang accept any length, but Clang warns under -Wpedantic.\n"
        "#if defined(__GNUC__)\n#pragma GCC diagnostic push\n"
        "#pragma GCC diagnostic ignored \"-Woverlength-strings\"\n#endif\n\n";
  }
  return text;
}

}  // namespace

// --- Public API ---------------------------------------------------------------

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
    if (first && part == "hubdeps" && cpp_namespace.substr(start).rfind("hubdeps::data", 0) == 0) {
      throw Error(ExitCode::usage, "invalid C++ namespace " + quoted +
                                       ": hubdeps::data holds the views of large values; use a "
                                       "form like hf::bert");
    }
    first = false;
    if (end == std::string_view::npos) break;
    start = end + 2;
  }
}

GeneratedHeader generate_header_and_source(const std::vector<ConfigInput>& inputs,
                                           std::string_view cpp_namespace, const HeaderOptions& options) {
  validate_cpp_namespace(cpp_namespace);
  if (inputs.empty()) throw Error(ExitCode::usage, "no JSON config files given");
  const std::vector<std::string> stems = top_level_names(inputs, cpp_namespace, options.extra_constants);
  std::vector<Json> documents;
  documents.reserve(inputs.size());
  for (const ConfigInput& input : inputs) documents.push_back(codegen::parse_config(input));

  codegen::DataSource data;
  HeaderWriter body(options.limits, data, cpp_namespace);
  body.line(0, "namespace " + std::string(cpp_namespace) + " {");
  if (!options.extra_constants.empty()) body.line(0, "");
  bool has_overlength_string = options.limits.max_inline_string_bytes > kMaxPortableStringLiteral;
  for (const HeaderStringConstant& constant : options.extra_constants) {
    body.constant(0, "::std::string_view", constant.name, codegen::string_view_initializer(constant.value));
    has_overlength_string |= constant.value.size() > kMaxPortableStringLiteral;
  }
  std::string sources;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::string file_name = codegen::quoted_for_comment(file_name_of(inputs[i].source_name));
    sources += (sources.empty() ? "" : ", ") + file_name;
    body.line(0, "");
    body.open_namespace(0, stems[i], file_name);
    body.object_members(documents[i], 2, {"json"});
    body.file_bytes(inputs[i].json_text, 2);
    body.close_namespace(0, stems[i]);
  }
  body.line(0, "");
  body.line(0, "}  // namespace " + std::string(cpp_namespace));
  if (has_overlength_string) body.line(0, "\n#if defined(__GNUC__)\n#pragma GCC diagnostic pop\n#endif");

  GeneratedHeader generated;
  generated.header = header_opening(sources, !data.empty(), has_overlength_string) + body.text();
  generated.data_source = data.text(sources, options.header_include);
  generated.large_values = data.names();
  return generated;
}

std::string generate_header(const std::vector<ConfigInput>& inputs, std::string_view cpp_namespace,
                            const std::vector<HeaderStringConstant>& extra_constants) {
  HeaderOptions options;
  options.extra_constants = extra_constants;
  return generate_header_and_source(inputs, cpp_namespace, options).header;
}

std::string header_include_path(const std::filesystem::path& source, const std::filesystem::path& header) {
  const std::filesystem::path from = std::filesystem::absolute(source).lexically_normal().parent_path();
  const std::filesystem::path to = std::filesystem::absolute(header).lexically_normal();
  std::filesystem::path relative = to.lexically_relative(from);
  const std::string path = (relative.empty() ? to : relative).generic_string();
  for (const unsigned char c : path) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
      throw Error(ExitCode::usage, "the data source cannot #include the header as '" + printable(path) +
                                       "': keep the header and the source on paths of printable "
                                       "ASCII without quotes or backslashes");
    }
  }
  return path;
}

std::string large_values_need_a_source(const GeneratedHeader& generated, std::string_view option) {
  const std::vector<std::string>& names = generated.large_values;
  std::string listed;
  for (std::size_t i = 0; i < names.size() && i < 3; ++i) listed += (i ? ", " : "") + names[i];
  if (names.size() > 3) listed += " and " + std::to_string(names.size() - 3) + " more";
  return std::to_string(names.size()) + " value(s) are too large to compile in every translation unit (" +
         listed + "): they are defined once, in a data source; pass " + std::string(option) +
         " FILE.cpp and compile that file into the program (docs/header-mapping.md, \"Large "
         "values\") (no header was written)";
}

}  // namespace hubdeps
