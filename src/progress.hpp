// Download progress, reported to stderr: on a terminal a live bar per
// running download and a total, fitted to the terminal's width; off a
// terminal (CMake pipes it, CI logs it) one line per finished file, a start
// line and steady progress lines for large files, and a summary, so a long
// download never looks hung. Thread-safe: workers report, one renderer draws.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace hubdeps {

class Progress {
 public:
  enum class Mode { quiet, lines, live };

  Progress(Mode mode, std::ostream& out);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Live on a terminal, lines otherwise, nothing when quiet.
  static Mode mode_for(bool quiet, int fd);

  // How finished and skipped files are reported: "downloaded" and "already
  // cached" unless told otherwise (a push uploads).
  void set_labels(std::string done, std::string skipped);

  void begin(std::size_t file_count, std::uint64_t total_bytes);
  void file_started(const std::string& path, std::uint64_t size, std::uint64_t already);
  void bytes(const std::string& path, std::uint64_t count);
  void file_restarted(const std::string& path);  // a 200 to a Range: start over
  void file_done(const std::string& path);
  // Something the user should know while it happens (a retry, a back-off):
  // a line of its own, above the live bar.
  void note(const std::string& message);
  void finish(std::size_t cached_files);  // prints the summary

 private:
  struct Active {
    std::uint64_t size = 0;
    std::uint64_t done = 0;
    int tenths_told = 0;  // lines mode: the last 10% step reported
    std::chrono::steady_clock::time_point told;
  };
  void render_loop();
  void draw_locked(bool final);
  void clear_locked();
  void report_lines_locked();

  Mode mode_;
  std::ostream& out_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<std::string, Active> active_;
  std::size_t file_count_ = 0;
  std::size_t files_done_ = 0;
  std::uint64_t total_bytes_ = 0;
  std::uint64_t bytes_done_ = 0;
  std::uint64_t bytes_transferred_ = 0;
  std::size_t lines_drawn_ = 0;
  std::size_t columns_ = 80;  // the terminal's width, live mode
  std::string done_label_ = "downloaded";
  std::string skipped_label_ = "already cached";
  std::chrono::steady_clock::time_point started_;
  std::thread renderer_;
};

std::string format_bytes(double bytes);

// Files from this size on get a start line and progress lines off a terminal.
inline constexpr std::uint64_t kLargeFileBytes = 64u << 20;
// Off a terminal, a large file's progress is told at each 10% and at least
// this often while it moves.
inline constexpr std::chrono::seconds kProgressLineInterval{5};

}  // namespace hubdeps
