// os::File on Windows: a HANDLE from CreateFileW (the path's native wide
// string, so any name works), positioned reads and writes through
// OVERLAPPED offsets (no shared file pointer between threads), and resume
// state in the sidecar file only: NTFS's alternate data streams would be
// Windows' extended attributes, but FAT and exFAT disks and many network
// shares have none, and the sidecar works on all of them.
#include <windows.h>

#include <string>
#include <utility>

#include "os/file.hpp"
#include "os/long_path_win.hpp"
#include "os/wide_win.hpp"

namespace hubdeps::os {

namespace {

OVERLAPPED at_offset(std::uint64_t offset) {
  OVERLAPPED overlapped{};
  overlapped.Offset = static_cast<DWORD>(offset & 0xFFFFFFFFu);
  overlapped.OffsetHigh = static_cast<DWORD>(offset >> 32);
  return overlapped;
}

}  // namespace

File File::open(const std::filesystem::path& path, Mode mode, std::error_code& error) {
  const DWORD access = mode == Mode::read ? GENERIC_READ : GENERIC_READ | GENERIC_WRITE;
  const DWORD disposition = mode == Mode::read ? OPEN_EXISTING : OPEN_ALWAYS;
  // Others may read, write, rename and delete it meanwhile, as on POSIX:
  // the cache renames a finished download and removes stale parts.
  const HANDLE handle = ::CreateFileW(long_path(path).c_str(), access,
                                      FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, disposition,
                                      FILE_ATTRIBUTE_NORMAL, nullptr);
  if (handle == INVALID_HANDLE_VALUE) {
    error = last_error();
    return File();
  }
  error.clear();
  return File(handle, path);
}

File::~File() {
  if (descriptor_ != kClosed) ::CloseHandle(descriptor_);
}

File::File(File&& other) noexcept
    : descriptor_(std::exchange(other.descriptor_, kClosed)), path_(std::move(other.path_)) {}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    if (descriptor_ != kClosed) ::CloseHandle(descriptor_);
    descriptor_ = std::exchange(other.descriptor_, kClosed);
    path_ = std::move(other.path_);
  }
  return *this;
}

bool File::is_open() const { return descriptor_ != kClosed; }

File::Status File::status(std::error_code& error) const {
  FILE_STANDARD_INFO info{};
  if (!::GetFileInformationByHandleEx(descriptor_, FileStandardInfo, &info, sizeof info)) {
    error = last_error();
    return {};
  }
  error.clear();
  const bool regular = !info.Directory && ::GetFileType(descriptor_) == FILE_TYPE_DISK;
  return {static_cast<std::uint64_t>(info.EndOfFile.QuadPart), regular};
}

std::size_t File::read_at(void* buffer, std::size_t size, std::uint64_t offset, std::error_code& error) const {
  OVERLAPPED overlapped = at_offset(offset);
  const DWORD want = size > 0x40000000u ? 0x40000000u : static_cast<DWORD>(size);
  DWORD got = 0;
  if (!::ReadFile(descriptor_, buffer, want, &got, &overlapped)) {
    const DWORD code = ::GetLastError();
    if (code == ERROR_HANDLE_EOF) {
      error.clear();
      return 0;
    }
    error = error_from(code);
    return 0;
  }
  error.clear();
  return got;
}

void File::write_at(const void* data, std::size_t size, std::uint64_t offset, std::error_code& error) const {
  const auto* bytes = static_cast<const char*>(data);
  for (std::size_t written = 0; written < size;) {
    OVERLAPPED overlapped = at_offset(offset + written);
    const std::size_t left = size - written;
    const DWORD chunk = left > 0x40000000u ? 0x40000000u : static_cast<DWORD>(left);
    DWORD n = 0;
    if (!::WriteFile(descriptor_, bytes + written, chunk, &n, &overlapped)) {
      error = last_error();
      return;
    }
    written += n;
  }
  error.clear();
}

void File::truncate(std::uint64_t size, std::error_code& error) const {
  FILE_END_OF_FILE_INFO info{};
  info.EndOfFile.QuadPart = static_cast<LONGLONG>(size);
  error = ::SetFileInformationByHandle(descriptor_, FileEndOfFileInfo, &info, sizeof info)
              ? std::error_code()
              : last_error();
}

// Which file a sidecar belongs to: its volume and file index, as POSIX's
// device and inode. A sidecar outliving its file (deleted by a cache
// cleaner) must not describe a new file of the same name.
std::string File::identity() const {
  BY_HANDLE_FILE_INFORMATION info{};
  if (!::GetFileInformationByHandle(descriptor_, &info)) return {};
  const std::uint64_t index = (std::uint64_t{info.nFileIndexHigh} << 32) | info.nFileIndexLow;
  return std::to_string(info.dwVolumeSerialNumber) + ":" + std::to_string(index) + "\n";
}

bool File::replace(const std::filesystem::path& from, const std::filesystem::path& to) {
  return ::MoveFileExW(long_path(from).c_str(), long_path(to).c_str(), MOVEFILE_REPLACE_EXISTING) != 0;
}

std::optional<std::string> File::attribute(std::string_view name) const { return read_sidecar(name); }

bool File::set_attribute(std::string_view name, std::string_view value) const {
  return write_sidecar(name, value);
}

void File::remove_attribute(std::string_view name) const { remove_sidecar(name); }

}  // namespace hubdeps::os
