// os::random_bytes on Windows: the system's preferred generator
// (BCryptGenRandom), which needs no provider handle and no state.
#include <windows.h>
#include <bcrypt.h>

#include "os/random.hpp"

namespace hubdeps::os {

void random_bytes(void* buffer, std::size_t size, std::error_code& error) {
  auto* bytes = static_cast<unsigned char*>(buffer);
  for (std::size_t filled = 0; filled < size;) {
    const std::size_t left = size - filled;
    const ULONG chunk = left > 0x40000000u ? 0x40000000u : static_cast<ULONG>(left);
    const NTSTATUS status = ::BCryptGenRandom(nullptr, bytes + filled, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG);
    if (!BCRYPT_SUCCESS(status)) {
      error = std::make_error_code(std::errc::io_error);
      return;
    }
    filled += chunk;
  }
  error.clear();
}

}  // namespace hubdeps::os
