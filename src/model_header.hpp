// The header `hf/<name>.hpp` that CMake's hf_fetch_model() gives a project:
// where a fetched snapshot is (repo id, revision, commit, folder, and the
// absolute path and size of each fetched file), followed by the accessor
// namespaces of chosen JSON configs, which codegen generates (with the data
// source of their large values), and resolve():
// where each file is on the machine the program runs on (an environment
// variable, an installed copy beside the executable, the build's snapshot,
// that machine's cache; model_header_lookup.cpp). Its input is what
// `hubdeps fetch --json` printed (fetch_json.hpp), so this file never touches
// the Hub or the cache.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "codegen.hpp"
#include "fetch_json.hpp"

namespace hubdeps {

// The JSON configs named by repo path, read from the snapshot folder. Throws
// Error(usage) for a path that is not among the snapshot's files, naming it
// and what was fetched.
std::vector<ConfigInput> load_snapshot_configs(const FetchedSnapshot& snapshot,
                                               const std::vector<std::string>& repo_paths);

// Names the model header declares at the top of its namespace; a HEADERS
// config whose stem maps to one of these is rejected.
const std::vector<std::string>& model_header_names();

// What names a model in its run-time macros and environment variable
// (HUBDEPS_MODEL_<stem>_DIR, HUBDEPS_MODEL_<stem>_INSTALLED): the namespace
// without a leading hf::, '::' as '_', upper-cased: hf::bert -> BERT,
// models::bert -> MODELS_BERT. cmake/HubDepsInstall.cmake applies the same rule.
std::string model_variable_stem(std::string_view cpp_namespace);

// The whole header text and its data source (docs/header-mapping.md,
// "Large values"), which includes the header as `header_include`;
// deterministic for the same inputs. Throws Error(usage) for a bad
// namespace, a config that is not valid JSON (codegen's message), or a config
// stem that collides with model_header_names().
GeneratedHeader generate_model_header_and_source(const FetchedSnapshot& snapshot,
                                                 std::string_view cpp_namespace,
                                                 const std::vector<ConfigInput>& configs,
                                                 const std::string& header_include);

// The header for `header` and its data source for `source` (empty: none
// wanted), as `model-header --out-source` and `fetch --header-source` make
// them: Error(usage) naming `source_option` when configs have large values
// and no source is wanted.
GeneratedHeader generate_model_header_files(const FetchedSnapshot& snapshot, std::string_view cpp_namespace,
                                            const std::vector<ConfigInput>& configs,
                                            const std::string& header, const std::string& source,
                                            std::string_view source_option);

// Writes the data source (when `source` is given), then the header, each
// only if its content changed. With `remove_empty_source`, a data source
// with nothing to define is removed instead, so a build sees one exactly
// when there is something to compile (CMake's hf_fetch_model).
void write_model_header_files(const GeneratedHeader& generated, const std::string& header,
                              const std::string& source, bool remove_empty_source);

// The header alone, for configs without large values.
std::string generate_model_header(const FetchedSnapshot& snapshot, std::string_view cpp_namespace,
                                  const std::vector<ConfigInput>& configs);

}  // namespace hubdeps
