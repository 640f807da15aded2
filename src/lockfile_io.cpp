#include "lockfile_io.hpp"

#include <system_error>

#include "error.hpp"
#include "os/atomic_write.hpp"
#include "os/file.hpp"

namespace hubdeps {

namespace {

Error cannot(const std::string& what, const std::filesystem::path& path, const std::error_code& error,
             const std::string& todo) {
  return Error(ExitCode::io, "cannot " + what + " " + path.string() + ": " + error.message() + "; " + todo);
}

constexpr const char* kReadable = "check that it is a readable file";

std::string read_text(const os::File& file, const std::filesystem::path& path) {
  std::error_code error;
  std::string text = os::read_all(file, error);
  if (error) throw cannot("read lockfile", path, error, kReadable);
  return text;
}

}  // namespace

std::optional<std::string> read_lockfile_text(const std::filesystem::path& path) {
  std::error_code error;
  const os::File file = os::File::open(path, os::File::Mode::read, error);
  if (error == std::errc::no_such_file_or_directory) return std::nullopt;
  if (error) throw cannot("open lockfile", path, error, kReadable);
  return read_text(file, path);
}

LockfileWriteLock::LockfileWriteLock(const std::filesystem::path& path) : path_(path) {
  for (;;) {
    // Open::create only gives a missing lockfile something to lock; the
    // destructor removes it again if nothing was written.
    std::error_code error;
    os::FileLock lock =
        os::FileLock::acquire(path, os::FileLock::Open::create, os::FileLock::Wait::until_free, error);
    if (error == std::errc::permission_denied || error == std::errc::operation_not_permitted ||
        error == std::errc::read_only_file_system) {
      read_only_reason_ = error.message();
      return;
    }
    if (error) {
      throw cannot("lock lockfile", path, error,
                   "check that its folder exists and is writable, on a file system with file locks");
    }
    if (lock.locks_file_at(path)) {
      lock_ = std::move(lock);
      return;
    }
    // Replaced or removed by the writer we waited for: lock the new one.
  }
}

LockfileWriteLock::~LockfileWriteLock() {
  if (!lock_.held()) return;
  // Still the empty file the constructor created (not replaced by a write):
  // remove it, under the lock.
  std::error_code error;
  const auto status = lock_.file().status(error);
  if (!error && status.size == 0 && lock_.locks_file_at(path_)) std::filesystem::remove(path_, error);
}

std::string LockfileWriteLock::read() const {
  return lock_.held() ? read_text(lock_.file(), path_) : read_lockfile_text(path_).value_or("");
}

void LockfileWriteLock::replace(const std::string& text) const {
  if (!lock_.held()) {
    throw Error(ExitCode::io, "cannot write lockfile " + path_.string() + ": " + read_only_reason_ +
                                  "; make the file and its folder writable");
  }
  std::error_code error;
  os::write_file_atomic(path_, text, error);
  if (error) throw cannot("write lockfile", path_, error, "check that its folder is writable and the disk is not full");
}

}  // namespace hubdeps
