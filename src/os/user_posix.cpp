// os::*_home on POSIX: the password database (getpwuid_r, getpwnam_r).
#include <pwd.h>
#include <unistd.h>

#include <vector>

#include "os/user.hpp"

namespace hubdeps::os {

std::optional<std::string> current_user_home() {
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwuid_r(::getuid(), &entry, buffer.data(), buffer.size(), &found) == 0 && found &&
      found->pw_dir && *found->pw_dir) {
    return std::string(found->pw_dir);
  }
  return std::nullopt;
}

std::optional<std::string> user_home(const std::string& name) {
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found ||
      !found->pw_dir) {
    return std::nullopt;
  }
  return std::string(found->pw_dir);
}

}  // namespace hubdeps::os
