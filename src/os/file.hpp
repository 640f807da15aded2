// An open file and the calls HubDeps makes on it, behind one interface: the
// one owner of a file handle in the engine. This layer knows nothing of the
// Hub, the cache or HubDeps' exit codes: it reports failures as
// std::error_code and the caller, which knows what the file is for, says
// what went wrong and what to do.
//
// file_posix.cpp implements it with open/pread/pwrite and extended
// attributes (Linux's and macOS's), falling back to a sidecar file;
// file_win.cpp with CreateFileW, ReadFile/WriteFile at OVERLAPPED offsets
// and the sidecar file, behind the same declarations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace hubdeps::os {

class File {
 public:
  // What the system names the open file by: a descriptor on POSIX, a HANDLE
  // on Windows (pointer-sized: a 64-bit HANDLE does not belong in an int).
#ifdef _WIN32
  using Native = void*;
  static constexpr Native kClosed = nullptr;  // INVALID_HANDLE_VALUE is never kept
#else
  using Native = int;
  static constexpr Native kClosed = -1;
#endif

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

  // A small named value kept with the file (resume state): in an extended
  // attribute where the file system keeps them, else in a sidecar file
  // "<path>.<name>" beside it, replaced atomically. HUBDEPS_NO_XATTR=1 makes
  // the sidecar the only place (how tests prove the fallback, and a way out
  // on file systems whose attributes misbehave). Best effort: where neither
  // can be written, reading finds nothing and writing returns false.
  // Creating the file removes a sidecar left by an earlier one of its name.
  std::optional<std::string> attribute(std::string_view name) const;
  bool set_attribute(std::string_view name, std::string_view value) const;
  void remove_attribute(std::string_view name) const;

 private:
  friend class FileLock;  // locks a File it opened itself (os/file_lock.hpp)
  File(Native descriptor, std::filesystem::path path) : descriptor_(descriptor), path_(std::move(path)) {}
  // The sidecar record (portable, file.cpp): "<identity><value>", so a
  // record left by another file of this name is never taken for this one's.
  std::filesystem::path sidecar(std::string_view name) const;
  std::optional<std::string> read_sidecar(std::string_view name) const;
  bool write_sidecar(std::string_view name, std::string_view value) const;
  void remove_sidecar(std::string_view name) const;
  // Per platform: what names this open file (device and inode, volume and
  // file index; empty when unknown), and the rename over an existing file.
  std::string identity() const;
  static bool replace(const std::filesystem::path& from, const std::filesystem::path& to);
  Native descriptor_ = kClosed;
  std::filesystem::path path_;  // as opened: names the sidecar
};

// Everything in `file` from its first byte to its end, read in chunks
// (portable, in file.cpp). On failure `error` says why and the text is empty.
std::string read_all(const File& file, std::error_code& error);

}  // namespace hubdeps::os
