// An exclusive lock on a whole file, held until the FileLock is destroyed or
// the process ends (the system drops it then, so a crash never leaves a
// stale lock). The one file lock of the engine: the cache's blob locks and
// the lockfile's write lock both take it. Like os::File it knows nothing of
// the Hub and reports failures as std::error_code.
//
// It must exclude the locks Python's filelock library takes on the same
// file, since huggingface_hub locks the cache's .locks/ files with it:
// file_lock_posix.cpp uses flock(2) on the whole file, as filelock's
// UnixFileLock does. A Windows implementation (file_lock_win.cpp) goes
// beside it: LockFileEx on the first byte, as filelock's Windows lock does.
#pragma once

#include <filesystem>
#include <system_error>
#include <utility>

#include "os/file.hpp"

namespace hubdeps::os {

class FileLock {
 public:
  enum class Open {
    create,     // read-write; created (rw-rw-rw- less the umask) if missing
    existing,   // read-write; a missing file is an error (no_such_file_or_directory)
    read_only,  // must exist; a lock needs no write access (a lock file another user owns)
    // Read-write, created if missing, and gone once nobody holds it: a lock
    // file of its own beside what it guards (hubdeps.lock's write lock), so
    // it leaves nothing behind. On POSIX the holder removes it as it lets go,
    // still under the lock, and acquire() retries when the file it locked
    // was removed meanwhile (locks_file_at); a file left by a killed holder
    // is locked and removed by the next one. On Windows it is opened with
    // FILE_FLAG_DELETE_ON_CLOSE, so the system deletes it when its last
    // handle closes, a killed holder's too.
    transient,
  };
  enum class Wait {
    until_free,  // blocks while another process (or another FileLock here) holds it
    no,          // returns at once: held() is false and `error` clear when it is taken
  };

  // Opens `path` as `open` says (its folder must exist) and locks it. On
  // failure `error` says why and held() is false.
  static FileLock acquire(const std::filesystem::path& path, Open open, Wait wait, std::error_code& error);

  FileLock() = default;
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  // Closing the file releases the lock. The file stays, but for
  // Open::transient: deleting a lock file without the retry that mode does
  // would let a waiter lock a deleted file while a newcomer locks a new file
  // of the same name, and both would think they hold the lock (the cache's
  // .locks/ files are also huggingface_hub's, which never retries).
  ~FileLock() { release(); }

  bool held() const { return file_.is_open(); }

  // The locked file, to read it through the lock's own handle (on Windows a
  // lock keeps other handles from reading the locked byte).
  const File& file() const { return file_; }

  // Whether `path` still names the file this lock holds. A writer that
  // replaces a locked file by a rename leaves the lock on the old file, so
  // whoever waited for it checks this and locks the new one.
  bool locks_file_at(const std::filesystem::path& path) const;

  // Lets go now, as the destructor would (an Open::transient file goes).
  void release() noexcept;

  // Removes the Open::transient lock file at `path` if nobody holds it: one
  // a killed POSIX holder left. A held one is left alone. Nothing to do on
  // Windows, where the system deletes such a file with its last handle (and
  // a try would mark a held one for deletion).
  static void remove_if_unheld(const std::filesystem::path& path);

 private:
  FileLock(File file, bool transient) : file_(std::move(file)), transient_(transient) {}
  File file_;
  bool transient_ = false;  // Open::transient: the file goes with the lock
};

inline FileLock::FileLock(FileLock&& other) noexcept
    : file_(std::move(other.file_)), transient_(std::exchange(other.transient_, false)) {}

inline FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    release();
    file_ = std::move(other.file_);
    transient_ = std::exchange(other.transient_, false);
  }
  return *this;
}

}  // namespace hubdeps::os
