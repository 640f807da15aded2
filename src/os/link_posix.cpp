// os::replace_with_symlink on POSIX: symlink(2) under a unique name, then
// rename(2) over the entry (symlink(2) itself refuses to replace one).
// Reading links is std::filesystem's (lstat, readlink, realpath).
#include <unistd.h>

#include <cerrno>

#include "os/link.hpp"
#include "os/random.hpp"

namespace hubdeps::os {

void replace_with_symlink(const std::filesystem::path& link, const std::filesystem::path& target,
                          std::error_code& error) {
  for (int attempt = 0;; ++attempt) {
    const std::filesystem::path temporary = unique_sibling(link, error);
    if (error) return;
    if (::symlink(target.c_str(), temporary.c_str()) != 0) {
      if (errno == EEXIST && attempt < 16) continue;
      error = {errno, std::generic_category()};
      return;
    }
    if (::rename(temporary.c_str(), link.c_str()) != 0) {
      error = {errno, std::generic_category()};
      ::unlink(temporary.c_str());
      return;
    }
    error.clear();
    return;
  }
}

bool is_symlink(const std::filesystem::path& path) {
  std::error_code ignored;
  return std::filesystem::is_symlink(std::filesystem::symlink_status(path, ignored));
}

std::filesystem::path read_symlink(const std::filesystem::path& link, std::error_code& error) {
  return std::filesystem::read_symlink(link, error);
}

std::filesystem::path canonical(const std::filesystem::path& path, std::error_code& error) {
  return std::filesystem::canonical(path, error);
}

}  // namespace hubdeps::os
