// Loading a shared library the first time one of its functions is called,
// for curl_lazy.cpp and crypto_lazy.cpp (each says why it is worth it).
#pragma once

#include <dlfcn.h>

#include <string>

#include "error.hpp"

namespace hubdeps::lazy {

// dlopen(soname), or Error(code) that says what to install.
inline void* open_library(const char* soname, ExitCode code, const std::string& install_hint) {
  void* library = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    throw Error(code, std::string("cannot load ") + soname + ": " + ::dlerror() + "; " + install_hint);
  }
  return library;
}

// `function` = the library's `name`, or Error(code) naming the missing function.
template <typename Function>
void bind(void* library, const char* soname, const char* name, Function& function, ExitCode code,
          const std::string& version_hint) {
  function = reinterpret_cast<Function>(::dlsym(library, name));
  if (!function) {
    throw Error(code, std::string("the ") + soname + " found has no " + name + "; " + version_hint);
  }
}

}  // namespace hubdeps::lazy
