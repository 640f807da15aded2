// os::File on POSIX: a file descriptor. Extended attributes are Linux's
// (fgetxattr and friends in the "user." namespace).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "os/file.hpp"

namespace hubdeps::os {

namespace {

std::error_code last_error() { return {errno, std::generic_category()}; }

// User attributes live in the "user." namespace on Linux.
std::string attribute_key(std::string_view name) { return "user." + std::string(name); }

}  // namespace

File File::open(const std::filesystem::path& path, Mode mode, std::error_code& error) {
  const int flags = mode == Mode::read ? O_RDONLY : O_RDWR | O_CREAT;
  const int descriptor = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  error = descriptor < 0 ? last_error() : std::error_code();
  return File(descriptor);
}

File::~File() {
  if (descriptor_ >= 0) ::close(descriptor_);
}

File::File(File&& other) noexcept : descriptor_(std::exchange(other.descriptor_, -1)) {}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    if (descriptor_ >= 0) ::close(descriptor_);
    descriptor_ = std::exchange(other.descriptor_, -1);
  }
  return *this;
}

bool File::is_open() const { return descriptor_ >= 0; }

File::Status File::status(std::error_code& error) const {
  struct stat info {};
  if (::fstat(descriptor_, &info) != 0) {
    error = last_error();
    return {};
  }
  error.clear();
  return {static_cast<std::uint64_t>(info.st_size), S_ISREG(info.st_mode)};
}

std::size_t File::read_at(void* buffer, std::size_t size, std::uint64_t offset, std::error_code& error) const {
  for (;;) {
    const ssize_t n = ::pread(descriptor_, buffer, size, static_cast<off_t>(offset));
    if (n >= 0) {
      error.clear();
      return static_cast<std::size_t>(n);
    }
    if (errno != EINTR) {
      error = last_error();
      return 0;
    }
  }
}

void File::write_at(const void* data, std::size_t size, std::uint64_t offset, std::error_code& error) const {
  const auto* bytes = static_cast<const char*>(data);
  for (std::size_t written = 0; written < size;) {
    const ssize_t n = ::pwrite(descriptor_, bytes + written, size - written, static_cast<off_t>(offset + written));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = last_error();
      return;
    }
    written += static_cast<std::size_t>(n);
  }
  error.clear();
}

void File::truncate(std::uint64_t size, std::error_code& error) const {
  error = ::ftruncate(descriptor_, static_cast<off_t>(size)) == 0 ? std::error_code() : last_error();
}

std::optional<std::string> File::attribute(std::string_view name) const {
  const std::string key = attribute_key(name);
  const ssize_t size = ::fgetxattr(descriptor_, key.c_str(), nullptr, 0);
  if (size <= 0) return std::nullopt;
  std::string value(static_cast<std::size_t>(size), '\0');
  const ssize_t n = ::fgetxattr(descriptor_, key.c_str(), value.data(), value.size());
  if (n <= 0) return std::nullopt;  // removed, or grown past our buffer, in between: none
  value.resize(static_cast<std::size_t>(n));
  return value;
}

bool File::set_attribute(std::string_view name, std::string_view value) const {
  return ::fsetxattr(descriptor_, attribute_key(name).c_str(), value.data(), value.size(), 0) == 0;
}

void File::remove_attribute(std::string_view name) const {
  ::fremovexattr(descriptor_, attribute_key(name).c_str());
}

}  // namespace hubdeps::os
