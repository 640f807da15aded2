// os::load_library on POSIX: dlopen/dlsym.
#include <dlfcn.h>

#include "os/library.hpp"

namespace hubdeps::os {

void* load_library(const char* name, std::string& why) {
  void* library = ::dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char* message = ::dlerror();
    why = message ? message : "unknown error";
  }
  return library;
}

void* library_symbol(void* library, const char* name) { return ::dlsym(library, name); }

}  // namespace hubdeps::os
