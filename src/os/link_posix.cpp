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

namespace {

// Makes the new entry with `make(temporary)` (symlink(2) or link(2), 0 on
// success) under a unique name beside `entry`, then renames it over `entry`
// in one step.
template <typename Make>
void replace_through_sibling(const std::filesystem::path& entry, Make make, std::error_code& error) {
  for (int attempt = 0;; ++attempt) {
    const std::filesystem::path temporary = unique_sibling(entry, error);
    if (error) return;
    if (make(temporary) != 0) {
      if (errno == EEXIST && attempt < 16) continue;
      error = {errno, std::generic_category()};
      return;
    }
    if (::rename(temporary.c_str(), entry.c_str()) != 0) {
      error = {errno, std::generic_category()};
      ::unlink(temporary.c_str());
      return;
    }
    // rename(2) does nothing when both names are already links to one file
    // (a hard link made again), and the temporary name would stay.
    ::unlink(temporary.c_str());
    error.clear();
    return;
  }
}

}  // namespace

void replace_with_symlink(const std::filesystem::path& link, const std::filesystem::path& target,
                          std::error_code& error) {
  replace_through_sibling(
      link, [&](const std::filesystem::path& temporary) { return ::symlink(target.c_str(), temporary.c_str()); },
      error);
}

void replace_with_hard_link(const std::filesystem::path& link, const std::filesystem::path& target,
                            std::error_code& error) {
  replace_through_sibling(
      link, [&](const std::filesystem::path& temporary) { return ::link(target.c_str(), temporary.c_str()); },
      error);
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
