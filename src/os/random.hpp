// Random bytes from the operating system, for names no other writer picks.
// random_posix.cpp uses getentropy (Linux's glibc and macOS both have it);
// a Windows implementation goes beside it.
#pragma once

#include <cstddef>
#include <system_error>

namespace hubdeps::os {

// Fills `buffer` with `size` random bytes, or sets `error`.
void random_bytes(void* buffer, std::size_t size, std::error_code& error);

}  // namespace hubdeps::os
