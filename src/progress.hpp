// Download progress, reported to stderr: on a terminal a live bar per
// running download and a total; off a terminal one line per finished file
// and a summary. Thread-safe: workers report, one renderer draws.
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
  void finish(std::size_t cached_files);  // prints the summary

 private:
  struct Active {
    std::uint64_t size = 0;
    std::uint64_t done = 0;
  };
  void render_loop();
  void draw_locked(bool final);

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
  std::string done_label_ = "downloaded";
  std::string skipped_label_ = "already cached";
  std::chrono::steady_clock::time_point started_;
  std::thread renderer_;
};

std::string format_bytes(double bytes);

}  // namespace hubdeps
