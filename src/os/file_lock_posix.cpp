// os::FileLock on POSIX: flock(2) on the whole file, the lock Python's
// filelock takes on Linux and macOS alike; a transient lock file is unlinked
// by its holder before it lets go.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "os/file_lock.hpp"

namespace hubdeps::os {

namespace {

// Opens `path` as `open` says and flocks it: the descriptor, or -1 with
// `error` set (clear when another holder has it and `wait` is no).
int open_and_lock(const std::filesystem::path& path, FileLock::Open open, FileLock::Wait wait, std::error_code& error) {
  // O_CLOEXEC: a child process (a compiler started meanwhile, git) must not
  // inherit the descriptor and keep the lock alive after we release it.
  int flags = O_CLOEXEC;
  if (open == FileLock::Open::create || open == FileLock::Open::transient) flags |= O_RDWR | O_CREAT;
  if (open == FileLock::Open::existing) flags |= O_RDWR;
  if (open == FileLock::Open::read_only) flags |= O_RDONLY;
  int fd = -1;
  do {
    fd = ::open(path.c_str(), flags, 0666);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    error = {errno, std::generic_category()};
    return -1;
  }
  const int operation = wait == FileLock::Wait::until_free ? LOCK_EX : LOCK_EX | LOCK_NB;
  int result = 0;
  do {
    result = ::flock(fd, operation);
  } while (result != 0 && errno == EINTR);
  if (result != 0) {
    const int reason = errno;
    ::close(fd);
    // Taken by someone else: not an error, just not ours.
    error = reason == EWOULDBLOCK ? std::error_code() : std::error_code(reason, std::generic_category());
    return -1;
  }
  error.clear();
  return fd;
}

}  // namespace

FileLock FileLock::acquire(const std::filesystem::path& path, Open open, Wait wait, std::error_code& error) {
  const bool transient = open == Open::transient;
  for (;;) {
    const int fd = open_and_lock(path, open, wait, error);
    if (fd < 0) return {};
    FileLock lock(File(fd, path), transient);
    // A transient file is removed by its holder as it lets go: whoever
    // waited on it then holds a file no name leads to, and locks the one
    // its successor made instead (released here without removing anything).
    if (!transient || lock.locks_file_at(path)) return lock;
    lock.transient_ = false;
  }
}

void FileLock::release() noexcept {
  // Removed while still locked: a waiter wakes on a file it then finds
  // gone, and nobody can lock this one meanwhile. Only if the name is still
  // this file's (someone may have deleted it and another holder made anew).
  if (transient_ && locks_file_at(file_.path_)) ::unlink(file_.path_.c_str());
  transient_ = false;
  file_ = File();
}

void FileLock::remove_if_unheld(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return;
  // Taken at once: removed as it is let go. Held: left to its holder.
  acquire(path, Open::transient, Wait::no, error);
}

bool FileLock::locks_file_at(const std::filesystem::path& path) const {
  if (!held()) return false;
  struct stat held_file {};
  struct stat named {};
  return ::fstat(file_.descriptor_, &held_file) == 0 && ::stat(path.c_str(), &named) == 0 &&
         held_file.st_dev == named.st_dev && held_file.st_ino == named.st_ino;
}

}  // namespace hubdeps::os
