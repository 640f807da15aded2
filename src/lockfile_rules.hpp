// Inside the lockfile (lockfile.cpp writes, lockfile_reader.cpp reads): the
// rules both sides apply, so hubdeps never writes a file it would refuse to
// read back, and the canonical form equal content takes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "lockfile.hpp"

namespace hubdeps::lockfile_rules {

bool is_lower_hex(std::string_view text, std::size_t length);

// A pattern as the lockfile keeps it: 1 to 1024 bytes, no control character.
bool is_valid_pattern(std::string_view pattern);

// A value from a hostile file for a message: quoted, at most 100 bytes,
// control bytes escaped (source_text.hpp).
std::string shown(std::string_view text);

// Sorted, without repeats: how patterns are compared and kept.
std::vector<std::string> as_set(std::vector<std::string> patterns);

// The one canonical form, so equal content compares equal and serializes to
// equal bytes whatever order it was built in.
void normalize(LockEntry& entry);

}  // namespace hubdeps::lockfile_rules
