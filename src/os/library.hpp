// Loading a shared library at run time and finding its functions, for
// lazy_library.hpp (libcurl and libcrypto are loaded when first used).
// Knows nothing of the Hub.
//
// library_posix.cpp uses dlopen/dlsym. A Windows implementation
// (library_win.cpp) goes beside it: LoadLibraryW/GetProcAddress.
#pragma once

#include <string>

namespace hubdeps::os {

// The library called `name` (a file name the system's loader searches for,
// or a full path), loaded once and kept for the life of the process;
// nullptr when it cannot be loaded, and `why` then holds the loader's words.
void* load_library(const char* name, std::string& why);

// The address of `library`'s exported symbol `name`, or nullptr.
void* library_symbol(void* library, const char* name);

}  // namespace hubdeps::os
