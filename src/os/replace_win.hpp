// Moving a file over another on Windows, the way rename(2) does on POSIX.
// Windows-only (include after <windows.h>).
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <system_error>

#include "os/long_path_win.hpp"
#include "os/wide_win.hpp"

namespace hubdeps::os {

// FileRenameInfoEx (Windows 10 1709), which MinGW's headers leave out.
constexpr auto kFileRenameInfoEx = static_cast<FILE_INFO_BY_HANDLE_CLASS>(22);

// rename(2)'s own semantics (Windows 10 1709 and newer): the target is
// replaced even while others have it open, sharing its deletion (a lock
// held on hubdeps.lock while it is rewritten). Tried after MoveFileExW was
// denied; where it fails too (older Windows, Wine) the denial stands.
inline bool replace_posix_style(const std::wstring& source, const std::wstring& target) {
  const HANDLE file = ::CreateFileW(source.c_str(), DELETE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                    nullptr, OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
  if (file == INVALID_HANDLE_VALUE) {
    ::SetLastError(ERROR_ACCESS_DENIED);
    return false;
  }
  const std::wstring full = std::filesystem::absolute(std::filesystem::path(target)).native();
  std::string buffer(sizeof(FILE_RENAME_INFO) + full.size() * sizeof(wchar_t), '\0');
  auto* info = reinterpret_cast<FILE_RENAME_INFO*>(buffer.data());
  info->Flags = FILE_RENAME_FLAG_REPLACE_IF_EXISTS | FILE_RENAME_FLAG_POSIX_SEMANTICS;
  info->FileNameLength = static_cast<DWORD>(full.size() * sizeof(wchar_t));
  std::copy(full.begin(), full.end(), info->FileName);
  const bool renamed =
      ::SetFileInformationByHandle(file, kFileRenameInfoEx, info, static_cast<DWORD>(buffer.size())) != 0;
  ::CloseHandle(file);
  ::SetLastError(renamed ? ERROR_SUCCESS : ERROR_ACCESS_DENIED);
  return renamed;
}

// MoveFileExW(MOVEFILE_REPLACE_EXISTING) of `from` onto `to`, else a POSIX
// style rename. A reader that has `to` open without sharing its deletion
// (Python's open(), an ifstream) makes the replace fail until it closes the
// file, so a refusal is tried again for up to about a second before it is
// reported.
inline void replace_file(const std::filesystem::path& from, const std::filesystem::path& to, DWORD flags,
                         std::error_code& error) {
  const std::wstring source = long_path(from);
  const std::wstring target = long_path(to);
  for (int attempt = 0;; ++attempt) {
    if (::MoveFileExW(source.c_str(), target.c_str(), MOVEFILE_REPLACE_EXISTING | flags) ||
        (::GetLastError() == ERROR_ACCESS_DENIED && replace_posix_style(source, target))) {
      error.clear();
      return;
    }
    const DWORD code = ::GetLastError();
    if ((code != ERROR_ACCESS_DENIED && code != ERROR_SHARING_VIOLATION) || attempt >= 50) {
      error = error_from(code);
      return;
    }
    ::Sleep(20);
  }
}

}  // namespace hubdeps::os
