// libFuzzer entry for the lockfile parser: arbitrary bytes as hubdeps.lock.
// A damaged or hostile file must end in hubdeps::Error; a crash, a sanitizer
// report or any other exception is a bug. A file the parser accepts must
// serialize without complaint and survive serialize -> parse unchanged, since
// `hubdeps lock` rewrites what it has read.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "error.hpp"
#include "lockfile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  hubdeps::Lockfile lockfile;
  try {
    lockfile = hubdeps::Lockfile::parse(text, "fuzz.lock");
  } catch (const hubdeps::Error&) {
    return 0;
  }
  const std::string written = lockfile.serialize();
  const hubdeps::Lockfile reread = hubdeps::Lockfile::parse(written, "fuzz.lock");
  if (!(reread == lockfile) || reread.serialize() != written) std::abort();
  return 0;
}
