// os::FileLock on POSIX: flock(2) on the whole file, the lock Python's
// filelock takes on Linux and macOS alike.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "os/file_lock.hpp"

namespace hubdeps::os {

FileLock FileLock::acquire(const std::filesystem::path& path, Open open, Wait wait, std::error_code& error) {
  // O_CLOEXEC: a child process (a compiler started meanwhile, git) must not
  // inherit the descriptor and keep the lock alive after we release it.
  int flags = O_CLOEXEC;
  if (open == Open::create) flags |= O_RDWR | O_CREAT;
  if (open == Open::existing) flags |= O_RDWR;
  if (open == Open::read_only) flags |= O_RDONLY;
  int fd = -1;
  do {
    fd = ::open(path.c_str(), flags, 0666);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    error = {errno, std::generic_category()};
    return {};
  }
  File file(fd, path);
  const int operation = wait == Wait::until_free ? LOCK_EX : LOCK_EX | LOCK_NB;
  int result = 0;
  do {
    result = ::flock(fd, operation);
  } while (result != 0 && errno == EINTR);
  if (result != 0) {
    const int reason = errno;
    // Taken by someone else: not an error, just not ours (the file closes).
    error = reason == EWOULDBLOCK ? std::error_code() : std::error_code(reason, std::generic_category());
    return {};
  }
  error.clear();
  return FileLock(std::move(file));
}

bool FileLock::locks_file_at(const std::filesystem::path& path) const {
  if (!held()) return false;
  struct stat held_file {};
  struct stat named {};
  return ::fstat(file_.descriptor_, &held_file) == 0 && ::stat(path.c_str(), &named) == 0 &&
         held_file.st_dev == named.st_dev && held_file.st_ino == named.st_ino;
}

}  // namespace hubdeps::os
