// os::FileLock on Windows: LockFileEx on the file's first byte, exclusive,
// the lock Python's filelock takes there (WindowsFileLock: one byte at
// offset 0), so hubdeps and huggingface_hub exclude each other on the
// cache's .locks/ files. The system drops the lock when the handle closes,
// or when the process ends. A transient lock file is opened with
// FILE_FLAG_DELETE_ON_CLOSE: the system deletes it once its last handle is
// closed, whether its holder let go or was killed.
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

// ntdll's RtlGetLastNtStatus: the NTSTATUS behind the last Win32 error,
// looked up once, before any failure it must tell about.
using GetLastNtStatus = LONG(WINAPI*)();
GetLastNtStatus last_nt_status() {
  static const auto function = reinterpret_cast<GetLastNtStatus>(
      reinterpret_cast<void (*)()>(::GetProcAddress(::GetModuleHandleW(L"ntdll.dll"), "RtlGetLastNtStatus")));
  return function;
}

// Opens `path` as `open` says and locks its first byte: the handle, or
// INVALID_HANDLE_VALUE with `error` set (clear when another holder has it
// and `wait` is no).
HANDLE open_and_lock(const std::filesystem::path& path, FileLock::Open open, FileLock::Wait wait,
                     std::error_code& error) {
  const DWORD access = open == FileLock::Open::read_only ? GENERIC_READ : GENERIC_READ | GENERIC_WRITE;
  const bool creates = open == FileLock::Open::create || open == FileLock::Open::transient;
  // FILE_SHARE_DELETE on every open: a transient file's delete-on-close
  // handle needs every other handle to share deletion. Any of its handles
  // closing (a waiter's, a try's) marks it for deletion; its name stays
  // until the last one closes (CreateFileW's documentation), so no one can
  // make a new file of that name while a holder is still on the old one.
  const DWORD flags =
      open == FileLock::Open::transient ? FILE_ATTRIBUTE_NORMAL | FILE_FLAG_DELETE_ON_CLOSE : FILE_ATTRIBUTE_NORMAL;
  const GetLastNtStatus nt_status = last_nt_status();
  for (;;) {
    // Not inherited by child processes (the default): a process started
    // meanwhile must not keep the lock alive after it is released.
    const HANDLE handle =
        ::CreateFileW(long_path(path).c_str(), access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                      creates ? OPEN_ALWAYS : OPEN_EXISTING, flags, nullptr);
    if (handle != INVALID_HANDLE_VALUE) {
      DWORD lock_flags = LOCKFILE_EXCLUSIVE_LOCK;
      if (wait == FileLock::Wait::no) lock_flags |= LOCKFILE_FAIL_IMMEDIATELY;
      OVERLAPPED first_byte{};  // offset 0; the handle is synchronous, so this waits when asked to
      if (::LockFileEx(handle, lock_flags, 0, 1, 0, &first_byte)) {
        error.clear();
        return handle;
      }
      const DWORD code = ::GetLastError();
      ::CloseHandle(handle);
      // Taken by someone else: not an error, just not ours.
      error = code == ERROR_LOCK_VIOLATION || code == ERROR_IO_PENDING ? std::error_code() : error_from(code);
      return INVALID_HANDLE_VALUE;
    }
    const DWORD code = ::GetLastError();
    // A transient file some handle let go of while others still have it
    // open is delete-pending until they close it: no one can open it, and
    // Win32 reports that as ERROR_ACCESS_DENIED, like a real denial; the
    // NTSTATUS tells them apart. It was held a moment ago: as good as taken
    // for a try, waited out otherwise.
    constexpr LONG kStatusDeletePending = static_cast<LONG>(0xC0000056L);
    if (open == FileLock::Open::transient && code == ERROR_ACCESS_DENIED && nt_status != nullptr &&
        nt_status() == kStatusDeletePending) {
      if (wait == FileLock::Wait::no) {
        error.clear();
        return INVALID_HANDLE_VALUE;
      }
      ::Sleep(10);
      continue;
    }
    error = error_from(code);
    return INVALID_HANDLE_VALUE;
  }
}

}  // namespace

FileLock FileLock::acquire(const std::filesystem::path& path, Open open, Wait wait, std::error_code& error) {
  const bool transient = open == Open::transient;
  for (;;) {
    const HANDLE handle = open_and_lock(path, open, wait, error);
    if (handle == INVALID_HANDLE_VALUE) return {};
    FileLock lock(File(handle, path), transient);
    // A transient file whose holder let go while we waited on it may be
    // deleted already (its name free, or delete-pending, which no one can
    // open): lock the file the name leads to now instead. Closing our
    // handle lets the old one go.
    if (!transient || lock.locks_file_at(path)) return lock;
  }
}

void FileLock::release() noexcept {
  // Closing the handle unlocks; FILE_FLAG_DELETE_ON_CLOSE deletes a
  // transient file once no handle is left (a waiter's keeps it a moment).
  transient_ = false;
  file_ = File();
}

void FileLock::remove_if_unheld(const std::filesystem::path&) {
  // FILE_FLAG_DELETE_ON_CLOSE leaves no file behind, even a killed holder's.
}

bool FileLock::locks_file_at(const std::filesystem::path& path) const {
  if (!held()) return false;
  BY_HANDLE_FILE_INFORMATION held_file{};
  if (!identify(file_.descriptor_, held_file)) return false;
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
