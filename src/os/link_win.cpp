// os::replace_with_symlink on Windows: CreateSymbolicLinkW under a unique
// name, then MoveFileExW over the entry (which moves the link, not what it
// points at). Creating symbolic links needs Developer Mode (the
// ALLOW_UNPRIVILEGED_CREATE flag, Windows 10 1703+) or the privilege
// SeCreateSymbolicLinkPrivilege (an administrator); without either the
// error is operation_not_permitted and the caller copies the file instead,
// as huggingface_hub does (file_download.py, _create_symlink).
// replace_with_hard_link: CreateHardLinkW (NTFS; not FAT or across
// volumes), then the same replacing move. same_file: the volume serial
// number and file index of GetFileInformationByHandle.
// Reading a link: its reparse point (FSCTL_GET_REPARSE_POINT); following
// links: GetFinalPathNameByHandleW of the file opened through them.
#include <windows.h>
#include <winioctl.h>

#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "os/link.hpp"
#include "os/random.hpp"
#include "os/replace_win.hpp"

namespace hubdeps::os {

namespace {

bool create_symlink(const std::wstring& link, const std::wstring& target) {
  bool created = ::CreateSymbolicLinkW(link.c_str(), target.c_str(), SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE);
  // Windows before 1703 refuses the flag it does not know.
  if (!created && ::GetLastError() == ERROR_INVALID_PARAMETER) {
    created = ::CreateSymbolicLinkW(link.c_str(), target.c_str(), 0);
  }
  if (!created) return false;
  // Wine (8.0) answers success and creates nothing: only a link that is
  // there counts.
  const DWORD attributes = ::GetFileAttributesW(link.c_str());
  if (attributes == INVALID_FILE_ATTRIBUTES || !(attributes & FILE_ATTRIBUTE_REPARSE_POINT)) {
    ::SetLastError(ERROR_NOT_SUPPORTED);
    return false;
  }
  return true;
}

// A symbolic link's reparse data (REPARSE_DATA_BUFFER's SymbolicLink
// branch, documented with FSCTL_GET_REPARSE_POINT; the DDK's ntifs.h declares
// it, <windows.h> does not).
struct SymbolicLinkReparseData {
  ULONG tag;
  USHORT data_length;
  USHORT reserved;
  USHORT substitute_name_offset;  // bytes into `names`
  USHORT substitute_name_length;  // bytes
  USHORT print_name_offset;
  USHORT print_name_length;
  ULONG flags;                    // 1: SYMLINK_FLAG_RELATIVE
  WCHAR names[1];
};

constexpr DWORD kMaximumReparseDataSize = 16 * 1024;

// Opened to ask about the entry itself (the link, not its target), or,
// with `follow`, about the file at the end of its links. No access to the
// content is asked, so a file others hold open answers too.
HANDLE open_for_attributes(const std::filesystem::path& path, bool follow) {
  const DWORD flags = FILE_FLAG_BACKUP_SEMANTICS | (follow ? 0 : FILE_FLAG_OPEN_REPARSE_POINT);
  return ::CreateFileW(long_path(path).c_str(), FILE_READ_ATTRIBUTES,
                       FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING, flags,
                       nullptr);
}

// "\\?\C:\x" and "\??\C:\x" name C:\x; "\\?\UNC\server\share" names
// \\server\share.
std::wstring without_nt_prefix(std::wstring path) {
  for (const wchar_t* prefix : {L"\\\\?\\", L"\\??\\"}) {
    const std::wstring_view start(prefix);
    if (path.compare(0, start.size(), start) != 0) continue;
    if (path.compare(start.size(), 4, L"UNC\\") == 0) return L"\\" + path.substr(start.size() + 3);
    return path.substr(start.size());
  }
  return path;
}

// Makes the new entry with `make(temporary)` (true on success) under a
// unique name beside `entry`, then moves it over `entry` in one step.
template <typename Make>
void replace_through_sibling(const std::filesystem::path& entry, Make make, std::error_code& error) {
  for (int attempt = 0;; ++attempt) {
    const std::filesystem::path temporary = unique_sibling(entry, error);
    if (error) return;
    if (!make(temporary)) {
      const DWORD code = ::GetLastError();
      if ((code == ERROR_ALREADY_EXISTS || code == ERROR_FILE_EXISTS) && attempt < 16) continue;
      error = error_from(code);
      return;
    }
    replace_file(temporary, entry, 0, error);
    if (error) ::DeleteFileW(long_path(temporary).c_str());
    return;
  }
}

}  // namespace

bool is_symlink(const std::filesystem::path& path) {
  const DWORD attributes = ::GetFileAttributesW(long_path(path).c_str());
  if (attributes == INVALID_FILE_ATTRIBUTES || !(attributes & FILE_ATTRIBUTE_REPARSE_POINT)) return false;
  const HANDLE entry = open_for_attributes(path, false);
  if (entry == INVALID_HANDLE_VALUE) return false;
  FILE_ATTRIBUTE_TAG_INFO info{};
  const bool asked = ::GetFileInformationByHandleEx(entry, FileAttributeTagInfo, &info, sizeof info) != 0;
  ::CloseHandle(entry);
  return asked && info.ReparseTag == IO_REPARSE_TAG_SYMLINK;
}

std::filesystem::path read_symlink(const std::filesystem::path& link, std::error_code& error) {
  const HANDLE entry = open_for_attributes(link, false);
  if (entry == INVALID_HANDLE_VALUE) {
    error = last_error();
    return {};
  }
  std::vector<std::byte> buffer(kMaximumReparseDataSize);
  DWORD size = 0;
  const bool read = ::DeviceIoControl(entry, FSCTL_GET_REPARSE_POINT, nullptr, 0, buffer.data(),
                                      static_cast<DWORD>(buffer.size()), &size, nullptr) != 0;
  const DWORD code = ::GetLastError();
  ::CloseHandle(entry);
  const auto* data = reinterpret_cast<const SymbolicLinkReparseData*>(buffer.data());
  if (!read || size < offsetof(SymbolicLinkReparseData, names) || data->tag != IO_REPARSE_TAG_SYMLINK) {
    // Not a reparse point at all, or another kind (a junction, a cloud file).
    error = !read && code != ERROR_NOT_A_REPARSE_POINT ? error_from(code)
                                                       : std::make_error_code(std::errc::invalid_argument);
    return {};
  }
  // The print name is the target as given when the link was made; the
  // substitute name is the same, in the NT form for an absolute target.
  const bool printable = data->print_name_length > 0;
  const USHORT offset = printable ? data->print_name_offset : data->substitute_name_offset;
  const USHORT length = printable ? data->print_name_length : data->substitute_name_length;
  const std::size_t names_at = offsetof(SymbolicLinkReparseData, names);
  if (names_at + std::size_t{offset} + length > size) {
    error = std::make_error_code(std::errc::invalid_argument);
    return {};
  }
  std::wstring target(length / sizeof(wchar_t), L'\0');
  std::memcpy(target.data(), buffer.data() + names_at + offset, target.size() * sizeof(wchar_t));
  error.clear();
  return std::filesystem::path(without_nt_prefix(std::move(target)));
}

std::filesystem::path canonical(const std::filesystem::path& path, std::error_code& error) {
  const HANDLE file = open_for_attributes(path, true);
  if (file == INVALID_HANDLE_VALUE) {
    error = last_error();
    return {};
  }
  std::wstring final_path(MAX_PATH, L'\0');
  for (;;) {
    const DWORD size = ::GetFinalPathNameByHandleW(file, final_path.data(), static_cast<DWORD>(final_path.size()),
                                                   FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
    if (size == 0) {
      error = last_error();
      ::CloseHandle(file);
      return {};
    }
    if (size < final_path.size()) {
      final_path.resize(size);
      break;
    }
    final_path.assign(size, L'\0');  // too small: `size` is the room needed
  }
  ::CloseHandle(file);
  error.clear();
  return std::filesystem::path(without_nt_prefix(std::move(final_path)));
}

void replace_with_hard_link(const std::filesystem::path& link, const std::filesystem::path& target,
                            std::error_code& error) {
  replace_through_sibling(
      link,
      [&](const std::filesystem::path& temporary) {
        return ::CreateHardLinkW(long_path(temporary).c_str(), long_path(target).c_str(), nullptr) != 0;
      },
      error);
}

bool same_file(const std::filesystem::path& a, const std::filesystem::path& b, std::error_code& error) {
  BY_HANDLE_FILE_INFORMATION info[2]{};
  const std::filesystem::path* paths[2] = {&a, &b};
  for (int i = 0; i < 2; ++i) {
    const HANDLE file = open_for_attributes(*paths[i], true);
    if (file == INVALID_HANDLE_VALUE) {
      error = last_error();
      return false;
    }
    const bool asked = ::GetFileInformationByHandle(file, &info[i]) != 0;
    if (!asked) error = last_error();
    ::CloseHandle(file);
    if (!asked) return false;
  }
  error.clear();
  return info[0].dwVolumeSerialNumber == info[1].dwVolumeSerialNumber &&
         info[0].nFileIndexHigh == info[1].nFileIndexHigh && info[0].nFileIndexLow == info[1].nFileIndexLow;
}

void replace_with_symlink(const std::filesystem::path& link, const std::filesystem::path& target,
                          std::error_code& error) {
  // A relative target resolves against the link's folder only when written
  // with backslashes ("..\..\blobs\<etag>"), as Python's os.symlink writes it.
  std::filesystem::path native_target = target;
  native_target.make_preferred();
  replace_through_sibling(
      link,
      [&](const std::filesystem::path& temporary) {
        return create_symlink(long_path(temporary), native_target.native());
      },
      error);
}

}  // namespace hubdeps::os
