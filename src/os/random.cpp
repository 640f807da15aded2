// The portable half of os/random.hpp: names built from random bytes.
#include <string>

#include "os/random.hpp"

namespace hubdeps::os {

std::filesystem::path unique_sibling(const std::filesystem::path& path, std::error_code& error) {
  unsigned char random[8];
  random_bytes(random, sizeof random, error);
  if (error) return {};
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string suffix = ".";
  for (const unsigned char byte : random) {
    suffix += kDigits[byte >> 4];
    suffix += kDigits[byte & 0x0f];
  }
  std::filesystem::path sibling = path;
  sibling += suffix + ".tmp";
  return sibling;
}

}  // namespace hubdeps::os
