// os::File on POSIX: a file descriptor. Extended attributes are Linux's
// (in the "user." namespace) or macOS's (another signature, no namespace);
// the sidecar file is plain POSIX.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <utility>

#include "os/file.hpp"

namespace hubdeps::os {

namespace {

std::error_code last_error() { return {errno, std::generic_category()}; }

#ifdef __APPLE__
std::string attribute_key(std::string_view name) { return std::string(name); }
ssize_t get_xattr(int fd, const char* key, void* value, std::size_t size) {
  return ::fgetxattr(fd, key, value, size, 0, 0);
}
int set_xattr(int fd, const char* key, const void* value, std::size_t size) {
  return ::fsetxattr(fd, key, value, size, 0, 0);
}
int remove_xattr(int fd, const char* key) { return ::fremovexattr(fd, key, 0); }
#else
// User attributes live in the "user." namespace on Linux.
std::string attribute_key(std::string_view name) { return "user." + std::string(name); }
ssize_t get_xattr(int fd, const char* key, void* value, std::size_t size) {
  return ::fgetxattr(fd, key, value, size);
}
int set_xattr(int fd, const char* key, const void* value, std::size_t size) {
  return ::fsetxattr(fd, key, value, size, 0);
}
int remove_xattr(int fd, const char* key) { return ::fremovexattr(fd, key); }
#endif

// Read each time rather than once, so a test can switch it.
bool attributes_disabled() {
  const char* value = std::getenv("HUBDEPS_NO_XATTR");
  return value && std::string_view(value) == "1";
}

}  // namespace

File File::open(const std::filesystem::path& path, Mode mode, std::error_code& error) {
  const int flags = mode == Mode::read ? O_RDONLY : O_RDWR | O_CREAT;
  const int descriptor = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  error = descriptor < 0 ? last_error() : std::error_code();
  return File(descriptor, path);
}

File::~File() {
  if (descriptor_ != kClosed) ::close(descriptor_);
}

File::File(File&& other) noexcept
    : descriptor_(std::exchange(other.descriptor_, kClosed)), path_(std::move(other.path_)) {}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    if (descriptor_ != kClosed) ::close(descriptor_);
    descriptor_ = std::exchange(other.descriptor_, kClosed);
    path_ = std::move(other.path_);
  }
  return *this;
}

bool File::is_open() const { return descriptor_ != kClosed; }

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

// Which file a sidecar belongs to: a sidecar outliving its file (deleted by
// a cache cleaner) must not describe a new file of the same name.
std::string File::identity() const {
  struct stat info {};
  if (::fstat(descriptor_, &info) != 0) return {};
  return std::to_string(info.st_dev) + ":" + std::to_string(info.st_ino) + "\n";
}

bool File::replace(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::error_code error;
  std::filesystem::rename(from, to, error);
  return !error;
}

std::optional<std::string> File::attribute(std::string_view name) const {
  if (!attributes_disabled()) {
    const std::string key = attribute_key(name);
    const ssize_t size = get_xattr(descriptor_, key.c_str(), nullptr, 0);
    if (size > 0) {
      std::string value(static_cast<std::size_t>(size), '\0');
      const ssize_t n = get_xattr(descriptor_, key.c_str(), value.data(), value.size());
      if (n > 0) {
        value.resize(static_cast<std::size_t>(n));
        return value;
      }
    }
  }
  return read_sidecar(name);
}

bool File::set_attribute(std::string_view name, std::string_view value) const {
  if (!attributes_disabled() &&
      set_xattr(descriptor_, attribute_key(name).c_str(), value.data(), value.size()) == 0) {
    return true;
  }
  return write_sidecar(name, value);
}

void File::remove_attribute(std::string_view name) const {
  if (!attributes_disabled()) remove_xattr(descriptor_, attribute_key(name).c_str());
  remove_sidecar(name);
}

}  // namespace hubdeps::os
