// What the header generator's files share (codegen*.cpp), not part of its
// API: JSON parsing with positions, C++ literals, the C++ type a JSON value
// gets, and the rule and emission of large values. docs/header-mapping.md is
// the contract all of it implements.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "codegen.hpp"

namespace hubdeps::codegen {

using Json = nlohmann::json;

// --- Input (codegen_input.cpp) -----------------------------------------------

// The file's top-level object; Error(usage) "<source>:<line>:<column>: ..."
// for malformed JSON, nesting over the limit or a top level that is not an
// object.
Json parse_config(const ConfigInput& input);

// Text from a file or a user is shown with hubdeps::printable
// (source_text.hpp): bounded, control and non-ASCII bytes as \xNN.

// --- Literals (codegen_values.cpp) ---------------------------------------------

// `bytes` as adjacent printable-ASCII literals of about `width` characters
// each, also split after each encoded newline when `split_lines`.
std::vector<std::string> literal_chunks(std::string_view bytes, std::size_t width, bool split_lines);

// For comments: the whole text escaped and quoted on one line.
std::string quoted_for_comment(std::string_view bytes);

// Lines of an inline `std::string_view` initializer (first line without
// indentation): a plain literal when short, else with its length spelled out.
std::vector<std::string> string_view_initializer(std::string_view bytes);

std::string int64_literal(std::int64_t value);
std::string uint64_literal(std::uint64_t value);

// --- Types (codegen_values.cpp) --------------------------------------------------

enum class ElementType { none, null, boolean, int64, uint64, real, string };

// Which kinds of scalar an array holds (over all its levels), from which the
// one C++ element type is chosen, or none fits.
struct ScalarKinds {
  bool null = false;
  bool boolean = false;
  bool string = false;
  bool negative_integer = false;
  bool int64_integer = false;   // non-negative, fits std::int64_t
  bool uint64_integer = false;  // above INT64_MAX
  bool real = false;

  void add(const ScalarKinds& other);
};

ScalarKinds kinds_of_scalar(const Json& value);
std::optional<ElementType> element_type_for(const ScalarKinds& kinds);
std::string cpp_type_name(ElementType type);

// A "rectangular" array: scalars only, every sub-array at one level has the
// same length, and all scalars share one C++ type. It becomes nested
// std::array; anything else becomes a namespace of items.
struct RectangularShape {
  std::vector<std::size_t> extents;  // outermost first
  ScalarKinds kinds;
  std::size_t scalars = 0;       // at every level
  std::size_t string_bytes = 0;  // of all its strings

  ElementType element() const;
  // `::std::array<...>` over `extents` from `first` on: the element type of a
  // large array is `cpp_type(1)`.
  std::string cpp_type(std::size_t first = 0) const;
};

std::optional<RectangularShape> rectangular_shape(const Json& array);

// The literal of one scalar as an element of `type` (lines: strings may
// span several).
std::vector<std::string> scalar_initializer(const Json& value, ElementType type);
// `{{a, b, c}}` for a rectangular array, spread over lines when long.
std::vector<std::string> array_initializer(const Json& array, ElementType type);

// --- Large values (codegen_data.cpp) ----------------------------------------------

// How a value below a file's top level is emitted (docs/header-mapping.md,
// "Large values"): inline, or whole in the data source as one of these.
enum class Large {
  no,
  string,     // extern const ::std::string_view
  array,      // extern const ::hubdeps::data::array<T, N>
  map,        // extern const ::hubdeps::data::map<T, N>
  json_text,  // namespace { size; extern const ::std::string_view json; }
};

Large large_kind(const Json& value, const LargeValueLimits& limits);

// Collects the definitions of a header's large values, and gives the
// header their declarations.
class DataSource {
 public:
  // The header's lines for the large `value` named `qualified` (`name` in
  // its namespace), without indentation; the definition is recorded.
  std::vector<std::string> declare(const std::string& qualified, const std::string& name,
                                   const Json& value, Large kind);
  // A large string that is not a JSON value of the file: its `json` member.
  std::vector<std::string> declare_string(const std::string& qualified, const std::string& name,
                                          std::string_view bytes);

  bool empty() const { return names_.empty(); }
  const std::vector<std::string>& names() const { return names_; }
  // The whole source file, which includes the header as `header_include`.
  std::string text(std::string_view sources, std::string_view header_include) const;

 private:
  std::string storage_name(std::string_view what);
  std::string string_storage(std::vector<std::string_view> strings, std::string_view what);
  std::string scalar_storage(const std::vector<const Json*>& scalars, ElementType type,
                             std::string_view what);

  std::vector<std::string> names_;
  std::string definitions_;
  std::size_t next_storage_ = 0;
};

// The header text that defines `::hubdeps::data::array` and `map`, guarded so
// a program that includes several headers holding them sees it once.
extern const std::string_view kDataViewDefinitions;

}  // namespace hubdeps::codegen
