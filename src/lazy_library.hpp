// Loading a shared library the first time one of its functions is called,
// for curl_lazy.cpp and crypto_lazy.cpp (each says why it is worth it).
#pragma once

#include <string>

#include "error.hpp"
#include "os/library.hpp"

namespace hubdeps::lazy {

// The library `soname`, or Error(code) that says what to install.
inline void* open_library(const char* soname, ExitCode code, const std::string& install_hint) {
  std::string why;
  void* library = os::load_library(soname, why);
  if (!library) throw Error(code, std::string("cannot load ") + soname + ": " + why + "; " + install_hint);
  return library;
}

// `function` = the library's `name`, or Error(code) naming the missing function.
template <typename Function>
void bind(void* library, const char* soname, const char* name, Function& function, ExitCode code,
          const std::string& version_hint) {
  function = reinterpret_cast<Function>(os::library_symbol(library, name));
  if (!function) {
    throw Error(code, std::string("the ") + soname + " found has no " + name + "; " + version_hint);
  }
}

}  // namespace hubdeps::lazy
