// Inside the model header generator (model_header.cpp): the part of every
// model header that finds its files at run time, the file list, path(),
// resolve() and location() (docs/header-mapping.md), in its own file.
#pragma once

#include <string>
#include <string_view>

#include "fetch_json.hpp"

namespace hubdeps {

// `bytes` as adjacent C++ string literals, `separator` between them, so long
// absolute paths stay readable; "" for none.
std::string literal_lines(std::string_view bytes, std::string_view separator);

// The text after the snapshot's constants and the configs' accessors: the
// shared run-time lookup (once per program, guarded), then in
// `cpp_namespace` the files, path(), resolve() and location().
std::string lookup_definitions(const FetchedSnapshot& snapshot, std::string_view cpp_namespace);

}  // namespace hubdeps
