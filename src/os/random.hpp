// Random bytes from the operating system, for names no other writer picks.
// random_posix.cpp uses getentropy (Linux's glibc and macOS both have it);
// a Windows implementation goes beside it. random.cpp (portable) builds the
// temporary names on top.
#pragma once

#include <cstddef>
#include <filesystem>
#include <system_error>

namespace hubdeps::os {

// Fills `buffer` with `size` random bytes, or sets `error`.
void random_bytes(void* buffer, std::size_t size, std::error_code& error);

// A name no other writer picks, in the folder of `path` (so a rename to
// `path` stays atomic): "<path>.<16 hex digits>.tmp", the shape
// huggingface_hub gives its temporary files. Empty, with `error` set, when
// the system has no random bytes to give.
std::filesystem::path unique_sibling(const std::filesystem::path& path, std::error_code& error);

}  // namespace hubdeps::os
