// os::random_bytes on POSIX: getentropy, which hands out at most 256 bytes
// a call and, unlike Linux's getrandom, exists on macOS too.
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "os/random.hpp"

namespace hubdeps::os {

void random_bytes(void* buffer, std::size_t size, std::error_code& error) {
  auto* bytes = static_cast<unsigned char*>(buffer);
  for (std::size_t filled = 0; filled < size;) {
    const std::size_t chunk = std::min<std::size_t>(size - filled, 256);
    if (::getentropy(bytes + filled, chunk) != 0) {
      error = {errno, std::generic_category()};
      return;
    }
    filled += chunk;
  }
  error.clear();
}

}  // namespace hubdeps::os
