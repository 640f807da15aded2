// os::give_new_file_permissions on POSIX: a probe file created with 0666.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <optional>

#include "os/permissions.hpp"
#include "os/random.hpp"

namespace hubdeps::os {

namespace {

// umask(2) cannot be read without changing it, which races with other
// threads, hence the probe file. Probed once per folder per process: a fetch
// publishes many blobs into one folder, and the umask or a default ACL does
// not change meanwhile.
std::optional<mode_t> new_file_mode(const std::filesystem::path& folder) {
  static std::mutex mutex;
  static std::map<std::filesystem::path, std::optional<mode_t>> known;
  std::lock_guard lock(mutex);
  if (const auto it = known.find(folder); it != known.end()) return it->second;
  std::optional<mode_t> mode;
  std::error_code error;
  const std::filesystem::path probe = unique_sibling(folder / ".hubdeps-mode-probe", error);
  const int fd = error ? -1 : ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd >= 0) {
    struct stat info {};
    if (::fstat(fd, &info) == 0) mode = info.st_mode & 07777;
    ::close(fd);
    ::unlink(probe.c_str());
  }
  known.emplace(folder, mode);
  return mode;
}

}  // namespace

void give_new_file_permissions(const std::filesystem::path& file) {
  if (const auto mode = new_file_mode(file.parent_path())) ::chmod(file.c_str(), *mode);
}

}  // namespace hubdeps::os
