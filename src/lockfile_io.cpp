#include "lockfile_io.hpp"

#include <fstream>
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

std::optional<std::string> read_text(const std::filesystem::path& path) {
  std::error_code error;
  const os::File file = os::File::open(path, os::File::Mode::read, error);
  if (error == std::errc::no_such_file_or_directory) return std::nullopt;
  if (error) throw cannot("open lockfile", path, error, kReadable);
  std::string text = os::read_all(file, error);
  if (error) throw cannot("read lockfile", path, error, kReadable);
  return text;
}

bool read_only(const std::error_code& error) {
  return error == std::errc::permission_denied || error == std::errc::operation_not_permitted ||
         error == std::errc::read_only_file_system;
}

// Whether an existing lockfile may be written: one this user may not write
// (a read-only checkout, a file a version control system keeps read-only
// until it is checked out) stays as it is, as when the lock was taken on the
// lockfile itself, although a rename could replace it on POSIX.
bool writable_if_present(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return true;
  return std::fstream(path, std::ios::in | std::ios::out | std::ios::binary).is_open();
}

}  // namespace

std::filesystem::path lockfile_write_lock_path(const std::filesystem::path& path) {
  std::filesystem::path lock = path;
  lock += ".lock";
  return lock;
}

std::optional<std::string> read_lockfile_text(const std::filesystem::path& path) {
  // A killed writer's lock file (POSIX) goes with the next run, even one
  // that only reads; a writer's is left alone.
  os::FileLock::remove_if_unheld(lockfile_write_lock_path(path));
  return read_text(path);
}

LockfileWriteLock::LockfileWriteLock(const std::filesystem::path& path) : path_(path) {
  const std::filesystem::path lock = lockfile_write_lock_path(path);
  std::error_code error;
  lock_ = os::FileLock::acquire(lock, os::FileLock::Open::transient, os::FileLock::Wait::until_free, error);
  if (read_only(error)) {
    read_only_reason_ = error.message();
    return;
  }
  if (error) {
    throw cannot("lock lockfile", path, error,
                 "check that its folder exists and is writable, on a file system with file locks (the lock is "
                 "taken on " + lock.filename().string() + " beside it)");
  }
  if (!writable_if_present(path)) {
    read_only_reason_ = std::make_error_code(std::errc::permission_denied).message();
    lock_.release();
  }
}

std::string LockfileWriteLock::read() const { return read_text(path_).value_or(""); }

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
