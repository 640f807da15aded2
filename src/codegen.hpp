// JSON config files -> one self-contained C++ header of compile-time
// constants. The mapping is a public contract, specified in
// docs/header-mapping.md; change both together.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace hubdeps {

// Configs are small (the largest real tokenizer_config.json is a few hundred
// KiB); anything bigger is a wrong file and would make a header no compiler
// wants to read.
inline constexpr std::size_t kMaxConfigBytes = 16u * 1024u * 1024u;
// Objects and arrays nested deeper than this (the top-level object counts as
// 1) are rejected: real configs stay under 10, and the generator recurses.
inline constexpr int kMaxConfigNesting = 64;

struct ConfigInput {
  std::string stem;         // names the nested namespace NS::<stem> (cleaned like a key)
  std::string json_text;    // the file's bytes, exactly
  std::string source_name;  // the path as the user gave it, for messages
};

// An extra `inline constexpr std::string_view` at the top of NS, e.g.
// repo_id or commit, so one header describes where its configs came from.
struct HeaderStringConstant {
  std::string name;   // must already be a valid, unreserved C++ identifier
  std::string value;  // any bytes
};

// Values past these sizes are too large to compile in every translation
// unit that includes the header: they are declared there and defined once, in
// the header's data source (docs/header-mapping.md, "Large values"). The
// defaults are the contract; other limits are for tests.
struct LargeValueLimits {
  // Strings, and each file's `json`, with more bytes; arrays whose strings
  // add up to more. 65536 is the longest literal C++ promises.
  std::size_t max_inline_string_bytes = 65536;
  // Arrays with more elements, or (mapping to one std::array) more scalars
  // at all levels, and objects with more members.
  std::size_t max_inline_elements = 1024;
};

struct HeaderOptions {
  std::vector<HeaderStringConstant> extra_constants;
  // How the data source #includes the header (header_include_path()).
  std::string header_include = "header.hpp";
  LargeValueLimits limits;
};

// A header and its data source, the .cpp that defines its large values.
struct GeneratedHeader {
  std::string header;
  std::string data_source;                // always a valid source, if one with nothing to define
  std::vector<std::string> large_values;  // their qualified names, in header order

  bool has_data() const { return !large_values.empty(); }
};

// Reads a config file for generate_header: stem from the file name, size
// checked before reading. Throws Error(usage) naming the file.
ConfigInput load_config_input(const std::filesystem::path& file);

// The header text and its data source. Deterministic: the same inputs give
// the same bytes. Throws Error(usage) "<source>:<line>:<column>: ..." for bad
// JSON, a top level that is not an object, nesting or size over the limits,
// and for a bad namespace, colliding stems or bad constant names. Nothing is
// written here.
GeneratedHeader generate_header_and_source(const std::vector<ConfigInput>& inputs,
                                           std::string_view cpp_namespace, const HeaderOptions& options);

// The header text alone: for configs without large values, whose header
// needs no data source.
std::string generate_header(const std::vector<ConfigInput>& inputs,
                            std::string_view cpp_namespace,
                            const std::vector<HeaderStringConstant>& extra_constants = {});

// How a data source at `source` includes the header at `header`: the path
// from the source's folder, e.g. "../include/hf/bert.hpp". Throws
// Error(usage) for a path an #include cannot spell (a quote, a backslash or
// a byte outside printable ASCII).
std::string header_include_path(const std::filesystem::path& source, const std::filesystem::path& header);

// The message for configs with large values when no data source was asked
// for: which values, and what to pass.
std::string large_values_need_a_source(const GeneratedHeader& generated, std::string_view option);

// Replaces `file` through a temporary file + rename unless it already holds
// exactly `content`, so an unchanged header keeps its timestamp and nothing
// is rebuilt. Creates missing parent folders. Returns whether it wrote.
bool write_if_changed(const std::filesystem::path& file, std::string_view content);

// --- The mapping rules, exposed for tests and tools ---

// `a::b::c` with each part a valid, unreserved identifier and not `std`
// first; throws Error(usage) saying which part is wrong.
void validate_cpp_namespace(std::string_view cpp_namespace);

// The renaming rule for one key, before collisions are resolved
// (docs/header-mapping.md, "Names"). `names_reserved_here` are names the
// generator itself uses in that scope (e.g. `json`).
std::string identifier_for_key(std::string_view key,
                               const std::set<std::string>& names_reserved_here = {});

// Distinct identifiers for the keys of one object: keys the rule leaves
// unchanged keep their name; the others, in byte order, take the cleaned name
// or the first free `<name>_1`, `<name>_2`, ... Returns key -> identifier.
std::map<std::string, std::string> identifiers_for_keys(
    const std::vector<std::string>& keys, const std::set<std::string>& names_reserved_here = {});

// A C++ narrow string literal holding exactly `bytes`, in pure printable
// ASCII: split into adjacent literals of reasonable width, and after each
// encoded newline; octal escapes for everything else (never `\x`, which would
// swallow following hex digits).
std::vector<std::string> cpp_string_literal_chunks(std::string_view bytes);

// The shortest literal that reads back as exactly `value`, always a floating
// literal (`1.0`, `1e-05`, `-0.0`).
std::string cpp_double_literal(double value);

}  // namespace hubdeps
