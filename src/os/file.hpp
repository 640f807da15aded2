// An open file and the calls HubDeps makes on it, behind one interface: the
// one owner of a file handle in the engine. This layer knows nothing of the
// Hub, the cache or HubDeps' exit codes: it reports failures as
// std::error_code and the caller, which knows what the file is for, says
// what went wrong and what to do.
//
// file_posix.cpp implements it with open/pread/pwrite and extended
// attributes; a Windows implementation (issue #16) goes beside it, behind
// the same declarations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace hubdeps::os {

class File {
 public:
  enum class Mode {
    read,        // an existing file, read only
    read_write,  // created if missing (rw-r--r-- less the umask), never truncated
  };

  // Opens `path`; on failure the File is closed and `error` says why.
  static File open(const std::filesystem::path& path, Mode mode, std::error_code& error);

  File() = default;
  ~File();
  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  bool is_open() const;

  struct Status {
    std::uint64_t size = 0;
    bool regular = false;  // a regular file (not a folder, device or pipe)
  };
  Status status(std::error_code& error) const;

  // Reads up to `size` bytes at `offset` into `buffer`: the number read,
  // 0 at the end of the file. Interrupted calls are retried.
  std::size_t read_at(void* buffer, std::size_t size, std::uint64_t offset, std::error_code& error) const;

  // Writes all `size` bytes at `offset` (short writes and interrupted calls
  // are continued), or sets `error` (a full disk, say).
  void write_at(const void* data, std::size_t size, std::uint64_t offset, std::error_code& error) const;

  // Cuts or extends the file to `size` bytes.
  void truncate(std::uint64_t size, std::error_code& error) const;

  // A small named value kept with the file itself rather than in a second,
  // visible file (resume state). Best effort: where the file system keeps
  // none, reading finds nothing and writing returns false.
  std::optional<std::string> attribute(std::string_view name) const;
  bool set_attribute(std::string_view name, std::string_view value) const;
  void remove_attribute(std::string_view name) const;

 private:
  explicit File(int descriptor) : descriptor_(descriptor) {}
  int descriptor_ = -1;  // POSIX; a Windows build keeps its HANDLE here
};

}  // namespace hubdeps::os
