// UTF-8 <-> UTF-16 for the Windows implementations: the engine's strings are
// UTF-8, Windows' wide APIs take UTF-16. Windows-only (include after
// <windows.h>).
#pragma once

#include <string>
#include <string_view>
#include <system_error>

namespace hubdeps::os {

inline std::wstring wide(std::string_view utf8) {
  if (utf8.empty()) return {};
  const int size = ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
  std::wstring out(static_cast<std::size_t>(size > 0 ? size : 0), L'\0');
  if (size > 0) ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), out.data(), size);
  return out;
}

inline std::string utf8(std::wstring_view text) {
  if (text.empty()) return {};
  const int size = ::WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0,
                                         nullptr, nullptr);
  std::string out(static_cast<std::size_t>(size > 0 ? size : 0), '\0');
  if (size > 0) {
    ::WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), out.data(), size, nullptr,
                          nullptr);
  }
  return out;
}

// A Windows error code as a std::error_code. The codes callers test
// (error == std::errc::...) become generic ones, because not every C++
// library maps system_category's Windows codes to std::errc (GCC 12's does
// not); the rest keep the system's code and message.
inline std::error_code error_from(DWORD code) {
  switch (code) {
    case ERROR_SUCCESS: return {};
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH: return std::make_error_code(std::errc::no_such_file_or_directory);
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION: return std::make_error_code(std::errc::permission_denied);
    case ERROR_LOCK_VIOLATION: return std::make_error_code(std::errc::resource_unavailable_try_again);
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS: return std::make_error_code(std::errc::file_exists);
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL: return std::make_error_code(std::errc::no_space_on_device);
    case ERROR_PRIVILEGE_NOT_HELD: return std::make_error_code(std::errc::operation_not_permitted);
    case ERROR_NOT_SUPPORTED:
    case ERROR_INVALID_FUNCTION: return std::make_error_code(std::errc::operation_not_supported);
    case ERROR_DIR_NOT_EMPTY: return std::make_error_code(std::errc::directory_not_empty);
    case ERROR_DIRECTORY: return std::make_error_code(std::errc::not_a_directory);
    case ERROR_FILENAME_EXCED_RANGE: return std::make_error_code(std::errc::filename_too_long);
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY: return std::make_error_code(std::errc::not_enough_memory);
    default: return {static_cast<int>(code), std::system_category()};
  }
}

inline std::error_code last_error() { return error_from(::GetLastError()); }

}  // namespace hubdeps::os
