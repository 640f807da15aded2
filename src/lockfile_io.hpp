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
std::optional<std::string> read_lockfile_text(const std::filesystem::path& path);

// The exclusive lock on the lockfile itself rather than on a sibling
// `hubdeps.lock.lock`: the source tree is the user's and is committed, and a
// lock file beside the lockfile would be clutter every project must ignore.
// Because writers replace the file by a rename, a lock holds one file only,
// so after waiting a writer checks that the path still names the file it
// locked and otherwise locks the new one. The system drops the lock if we
// die. A read-only checkout is fine until something needs writing.
class LockfileWriteLock {
 public:
  explicit LockfileWriteLock(const std::filesystem::path& path);
  // Removes the empty file the constructor created if nothing replaced it,
  // so a no-op leaves no trace.
  ~LockfileWriteLock();
  LockfileWriteLock(const LockfileWriteLock&) = delete;
  LockfileWriteLock& operator=(const LockfileWriteLock&) = delete;

  // The current text (empty for a file just created), read under the lock.
  std::string read() const;

  // Replaces the lockfile with `text` atomically, or Error(io) saying why it
  // cannot (a read-only checkout: make the file and its folder writable).
  void replace(const std::string& text) const;

 private:
  std::filesystem::path path_;
  os::FileLock lock_;
  std::string read_only_reason_;  // set when the file could not be opened for writing
};

}  // namespace hubdeps
