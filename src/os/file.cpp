// The portable half of os/file.hpp: what is built on a File's own calls.
#include "os/file.hpp"

namespace hubdeps::os {

std::string read_all(const File& file, std::error_code& error) {
  std::string text;
  char buffer[1 << 16];
  for (;;) {
    const std::size_t got = file.read_at(buffer, sizeof buffer, text.size(), error);
    if (error) return {};
    if (got == 0) return text;
    text.append(buffer, got);
  }
}

}  // namespace hubdeps::os
