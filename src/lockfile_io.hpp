// hubdeps.lock on disk: reading it, its write lock, and replacing it. The
// lockfile's format lives in lockfile.cpp; this file only moves its bytes,
// through the OS layer (os/file_lock.hpp, os/atomic_write.hpp), and says
// what went wrong in the lockfile's words (Error(io) naming the file).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "os/file_lock.hpp"

namespace hubdeps {

// The text of the lockfile at `path`, or nothing if the file does not exist.
// Also removes a write lock file a killed writer left beside it, if nobody
// holds it.
std::optional<std::string> read_lockfile_text(const std::filesystem::path& path);

// The file the write lock of the lockfile `path` is taken on:
// "<path>.lock" (hubdeps.lock.lock), Python filelock's convention for the
// lock of a file, so its name says what it is.
std::filesystem::path lockfile_write_lock_path(const std::filesystem::path& path);

// The exclusive lock writers of one lockfile take, on a file of its own
// beside it (lockfile_write_lock_path), never on the lockfile: the lockfile
// is replaced by an ordinary rename with no handle open on it, which
// Windows allows everywhere (a rename over a file held open needs NTFS on
// Windows 10 1709 or newer: not network shares, FAT or Wine). The lock file
// lives only while a writer holds it (os::FileLock::Open::transient), so
// the user's source tree keeps nothing but hubdeps.lock; a kill -9 on POSIX
// leaves an empty one behind, which locks nothing and the next run removes.
// The system drops the lock if we die. A read-only checkout is fine until
// something needs writing.
class LockfileWriteLock {
 public:
  explicit LockfileWriteLock(const std::filesystem::path& path);
  LockfileWriteLock(const LockfileWriteLock&) = delete;
  LockfileWriteLock& operator=(const LockfileWriteLock&) = delete;

  // The current text (empty for a missing file), read under the lock.
  std::string read() const;

  // Replaces the lockfile with `text` atomically, or Error(io) saying why it
  // cannot (a read-only checkout: make the file and its folder writable).
  void replace(const std::string& text) const;

 private:
  std::filesystem::path path_;
  os::FileLock lock_;
  std::string read_only_reason_;  // set when the lock or the lockfile cannot be written
};

}  // namespace hubdeps
