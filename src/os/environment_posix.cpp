// os::environment_variable and os::command_line_arguments on POSIX: the
// bytes as given (UTF-8 in any UTF-8 locale, and passed on unchanged in any
// other, as Python's os.fsencode would give them back).
#include <cstdlib>

#include "os/environment.hpp"

namespace hubdeps::os {

std::optional<std::string> environment_variable(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::vector<std::string> command_line_arguments(int argc, char** argv) { return {argv, argv + argc}; }

}  // namespace hubdeps::os
