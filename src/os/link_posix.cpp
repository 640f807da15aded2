// os::replace_with_symlink on POSIX: symlink(2) under a unique name, then
// rename(2) over the entry (symlink(2) itself refuses to replace one);
// replace_with_hard_link the same with link(2). same_file: stat(2).
// Reading links is std::filesystem's (lstat, readlink, realpath).
#include <sys/stat.h>
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

void replace_with_hard_link(const std::filesystem::path& link, const std::filesystem::path& target,
                            std::error_code& error) {
  for (int attempt = 0;; ++attempt) {
    const std::filesystem::path temporary = unique_sibling(link, error);
    if (error) return;
    if (::link(target.c_str(), temporary.c_str()) != 0) {
      if (errno == EEXIST && attempt < 16) continue;
      error = {errno, std::generic_category()};
      return;
    }
    if (::rename(temporary.c_str(), link.c_str()) != 0) {
      error = {errno, std::generic_category()};
      ::unlink(temporary.c_str());
      return;
    }
    // rename(2) does nothing when both names are already links to one file,
    // and the temporary name would stay.
    ::unlink(temporary.c_str());
    error.clear();
    return;
  }
}

bool same_file(const std::filesystem::path& a, const std::filesystem::path& b, std::error_code& error) {
  struct stat first {};
  struct stat second {};
  if (::stat(a.c_str(), &first) != 0 || ::stat(b.c_str(), &second) != 0) {
    error = {errno, std::generic_category()};
    return false;
  }
  error.clear();
  return first.st_dev == second.st_dev && first.st_ino == second.st_ino;
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
