// os::FileLock on Windows: LockFileEx on the file's first byte, exclusive,
// the lock Python's filelock takes there (WindowsFileLock: one byte at
// offset 0), so hubdeps and huggingface_hub exclude each other on the
// cache's .locks/ files. The system drops the lock when the handle closes,
// or when the process ends.
#include <windows.h>

#include "os/file_lock.hpp"
#include "os/long_path_win.hpp"
#include "os/wide_win.hpp"

namespace hubdeps::os {

namespace {

// Volume serial and file index: which file a handle is open on.
bool identify(HANDLE handle, BY_HANDLE_FILE_INFORMATION& info) {
  return ::GetFileInformationByHandle(handle, &info) != 0;
}

}  // namespace

FileLock FileLock::acquire(const std::filesystem::path& path, Open open, Wait wait, std::error_code& error) {
  const DWORD access = open == Open::read_only ? GENERIC_READ : GENERIC_READ | GENERIC_WRITE;
  const DWORD disposition = open == Open::create ? OPEN_ALWAYS : OPEN_EXISTING;
  // Not inherited by child processes (the default): a process started
  // meanwhile must not keep the lock alive after it is released.
  const HANDLE handle = ::CreateFileW(long_path(path).c_str(), access,
                                      FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, disposition,
                                      FILE_ATTRIBUTE_NORMAL, nullptr);
  if (handle == INVALID_HANDLE_VALUE) {
    error = last_error();
    return {};
  }
  File file(::HandleToLong(handle), path);
  DWORD flags = LOCKFILE_EXCLUSIVE_LOCK;
  if (wait == Wait::no) flags |= LOCKFILE_FAIL_IMMEDIATELY;
  OVERLAPPED first_byte{};  // offset 0; the handle is synchronous, so this waits when asked to
  if (!::LockFileEx(handle, flags, 0, 1, 0, &first_byte)) {
    const DWORD code = ::GetLastError();
    // Taken by someone else: not an error, just not ours (the file closes).
    error = code == ERROR_LOCK_VIOLATION || code == ERROR_IO_PENDING ? std::error_code() : error_from(code);
    return {};
  }
  error.clear();
  return FileLock(std::move(file));
}

bool FileLock::locks_file_at(const std::filesystem::path& path) const {
  if (!held()) return false;
  BY_HANDLE_FILE_INFORMATION held_file{};
  if (!identify(::LongToHandle(file_.descriptor_), held_file)) return false;
  // Opened for no access at all: only to ask which file the name is.
  const HANDLE named = ::CreateFileW(long_path(path).c_str(), 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                     nullptr, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr);
  if (named == INVALID_HANDLE_VALUE) return false;
  BY_HANDLE_FILE_INFORMATION named_file{};
  const bool same = identify(named, named_file) && held_file.dwVolumeSerialNumber == named_file.dwVolumeSerialNumber &&
                    held_file.nFileIndexHigh == named_file.nFileIndexHigh &&
                    held_file.nFileIndexLow == named_file.nFileIndexLow;
  ::CloseHandle(named);
  return same;
}

}  // namespace hubdeps::os
