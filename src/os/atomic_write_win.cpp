// os::write_file_atomic on Windows: CreateFileW(CREATE_NEW) under a unique
// name, WriteFile, FlushFileBuffers, then MoveFileExW over the target with
// MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH (a replace within one
// folder is atomic on NTFS: a reader opens the old file or the new one).
#include <windows.h>

#include "os/atomic_write.hpp"
#include "os/random.hpp"
#include "os/replace_win.hpp"

namespace hubdeps::os {

namespace {

bool write_durably(HANDLE file, std::string_view content, std::error_code& error) {
  while (!content.empty()) {
    const DWORD chunk = content.size() > 0x40000000u ? 0x40000000u : static_cast<DWORD>(content.size());
    DWORD written = 0;
    if (!::WriteFile(file, content.data(), chunk, &written, nullptr)) {
      error = last_error();
      return false;
    }
    content.remove_prefix(written);
  }
  if (!::FlushFileBuffers(file)) {
    error = last_error();
    return false;
  }
  return true;
}

}  // namespace

void write_file_atomic(const std::filesystem::path& path, std::string_view content, std::error_code& error) {
  std::filesystem::path temporary;
  HANDLE file = INVALID_HANDLE_VALUE;
  for (int attempt = 0; file == INVALID_HANDLE_VALUE; ++attempt) {
    temporary = unique_sibling(path, error);
    if (error) return;
    // The new file inherits the folder's permissions, as any new file there.
    file = ::CreateFileW(long_path(temporary).c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW, FILE_ATTRIBUTE_NORMAL,
                         nullptr);
    if (file == INVALID_HANDLE_VALUE) {
      const DWORD code = ::GetLastError();
      if (code != ERROR_FILE_EXISTS || attempt > 16) {
        error = error_from(code);
        return;
      }
    }
  }
  bool written = write_durably(file, content, error);
  if (!::CloseHandle(file) && written) {
    error = last_error();
    written = false;
  }
  if (written) {
    replace_file(temporary, path, MOVEFILE_WRITE_THROUGH, error);
    written = !error;
  }
  if (!written) {
    ::DeleteFileW(long_path(temporary).c_str());
    return;
  }
  error.clear();
}

}  // namespace hubdeps::os
