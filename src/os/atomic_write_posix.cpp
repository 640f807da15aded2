// os::write_file_atomic on POSIX: open(O_EXCL) + write + fsync + rename(2).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "os/atomic_write.hpp"
#include "os/random.hpp"

namespace hubdeps::os {

namespace {

std::error_code last_error() { return {errno, std::generic_category()}; }

// Writes all of `content` and flushes it to disk. Without fsync, a crash
// soon after the rename can leave an empty file under the final name on some
// file systems; these files are small.
bool write_durably(int fd, std::string_view content, std::error_code& error) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = last_error();
      return false;
    }
    content.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd) != 0) {
    error = last_error();
    return false;
  }
  return true;
}

}  // namespace

void write_file_atomic(const std::filesystem::path& path, std::string_view content, std::error_code& error) {
  std::filesystem::path temporary;
  int fd = -1;
  // O_EXCL on a random name is mkstemp(3) with mode 0666: the kernel applies
  // the umask, so refs and listings get the mode Python gives them, instead
  // of mkstemp's private 0600.
  for (int attempt = 0; fd < 0; ++attempt) {
    temporary = unique_sibling(path, error);
    if (error) return;
    fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && (errno != EEXIST || attempt > 16)) {
      error = last_error();
      return;
    }
  }
  bool written = write_durably(fd, content, error);
  if (::close(fd) != 0 && written) {
    error = last_error();
    written = false;
  }
  if (written && ::rename(temporary.c_str(), path.c_str()) != 0) {
    error = last_error();
    written = false;
  }
  if (!written) {
    ::unlink(temporary.c_str());
    return;
  }
  error.clear();
}

}  // namespace hubdeps::os
