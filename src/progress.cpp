#include "progress.hpp"

#include <algorithm>
#include <cstdio>
#include <ostream>

#include "os/terminal.hpp"

namespace hubdeps {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string bar(double fraction, int width) {
  const int filled = static_cast<int>(fraction * width);
  return std::string(static_cast<std::size_t>(std::max(0, filled)), '#') +
         std::string(static_cast<std::size_t>(std::max(0, width - filled)), '.');
}

std::string short_name(const std::string& path, std::size_t width) {
  if (path.size() <= width) return path + std::string(width - path.size(), ' ');
  return "..." + path.substr(path.size() - (width - 3));
}

std::string percent(std::uint64_t done, std::uint64_t size) {
  return std::to_string(size ? done * 100 / size : 100) + "%";
}

}  // namespace

std::string format_bytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[unit]);
  return text;
}

Progress::Mode Progress::mode_for(bool quiet, int fd) {
  if (quiet) return Mode::quiet;
  return os::is_terminal(fd) ? Mode::live : Mode::lines;
}

Progress::Progress(Mode mode, std::ostream& out) : mode_(mode), out_(out), started_(Clock::now()) {
  // The terminal's width, so a redraw never wraps (a wrapped line is not
  // erased by the next frame and the screen fills with stale copies).
  if (mode_ == Mode::live) columns_ = os::terminal_columns(os::stderr_descriptor());
}

Progress::~Progress() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (renderer_.joinable()) renderer_.join();
}

void Progress::set_labels(std::string done, std::string skipped) {
  std::lock_guard lock(mutex_);
  done_label_ = std::move(done);
  skipped_label_ = std::move(skipped);
}

void Progress::begin(std::size_t file_count, std::uint64_t total_bytes) {
  std::lock_guard lock(mutex_);
  file_count_ = file_count;
  total_bytes_ = total_bytes;
  started_ = Clock::now();
  if (mode_ != Mode::quiet && file_count > 0 && !renderer_.joinable()) {
    renderer_ = std::thread([this] { render_loop(); });
  }
}

void Progress::file_started(const std::string& path, std::uint64_t size, std::uint64_t already) {
  std::lock_guard lock(mutex_);
  // A file started again another way (parallel ranges a mirror ignores, then
  // one stream) replaces its first start: its bytes count once, its line is
  // said once.
  const auto earlier = active_.find(path);
  const bool again = earlier != active_.end();
  if (again) bytes_done_ -= std::min(bytes_done_, earlier->second.done);
  active_[path] = Active{size, already, static_cast<int>(size ? already * 10 / size : 0), Clock::now()};
  bytes_done_ += already;
  if (mode_ == Mode::lines && size >= kLargeFileBytes && !again) {
    out_ << "hubdeps: " << (done_label_ == "downloaded" ? "downloading" : "sending") << " " << path << " ("
         << format_bytes(static_cast<double>(size));
    if (already > 0) out_ << ", resuming at " << format_bytes(static_cast<double>(already));
    out_ << ")\n";
    out_.flush();
  }
}

void Progress::bytes(const std::string& path, std::uint64_t count) {
  std::lock_guard lock(mutex_);
  active_[path].done += count;
  bytes_done_ += count;
  bytes_transferred_ += count;
}

void Progress::file_restarted(const std::string& path) {
  std::lock_guard lock(mutex_);
  auto& active = active_[path];
  bytes_done_ -= std::min(bytes_done_, active.done);
  active.done = 0;
}

void Progress::file_done(const std::string& path) {
  std::lock_guard lock(mutex_);
  const auto it = active_.find(path);
  const std::uint64_t size = it == active_.end() ? 0 : it->second.size;
  if (it != active_.end()) active_.erase(it);
  ++files_done_;
  if (mode_ == Mode::lines) {
    out_ << "hubdeps: " << done_label_ << " " << path << " (" << format_bytes(static_cast<double>(size)) << ")\n";
    out_.flush();
  }
}

void Progress::note(const std::string& message) {
  std::lock_guard lock(mutex_);
  if (mode_ == Mode::quiet) return;
  clear_locked();
  out_ << "hubdeps: " << message << "\n";
  out_.flush();
}

void Progress::finish(std::size_t cached_files) {
  std::lock_guard lock(mutex_);
  if (mode_ == Mode::quiet) return;
  if (mode_ == Mode::live) draw_locked(true);
  const double elapsed = seconds_since(started_);
  out_ << "hubdeps: " << files_done_ << " file(s) " << done_label_ << ", " << cached_files << " "
       << skipped_label_;
  if (bytes_transferred_ > 0 && elapsed > 0) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.2f", elapsed);
    out_ << ", " << format_bytes(static_cast<double>(bytes_transferred_)) << " in " << seconds
         << " s (" << format_bytes(static_cast<double>(bytes_transferred_) / elapsed) << "/s)";
  }
  out_ << "\n";
  out_.flush();
}

void Progress::render_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (mode_ == Mode::live) {
      draw_locked(false);
    } else {
      report_lines_locked();
    }
    wake_.wait_for(lock, std::chrono::milliseconds(200));
  }
}

// Off a terminal: a line for each large file at each 10% it passes, and at
// least every kProgressLineInterval while it moves.
void Progress::report_lines_locked() {
  const auto now = Clock::now();
  for (auto& [path, active] : active_) {
    if (active.size < kLargeFileBytes) continue;
    const int tenths = static_cast<int>(active.done * 10 / active.size);
    if (tenths <= active.tenths_told && now - active.told < kProgressLineInterval) continue;
    if (active.done == 0 || tenths >= 10) continue;
    const double rate = static_cast<double>(bytes_transferred_) / std::max(1e-3, seconds_since(started_));
    out_ << "hubdeps: " << path << ": " << percent(active.done, active.size) << " ("
         << format_bytes(static_cast<double>(active.done)) << " / " << format_bytes(static_cast<double>(active.size))
         << ", " << format_bytes(rate) << "/s)\n";
    active.tenths_told = tenths;
    active.told = now;
  }
  out_.flush();
}

void Progress::clear_locked() {
  // Move up over the previous frame; the next draw puts it back.
  for (std::size_t i = 0; i < lines_drawn_; ++i) out_ << "\x1b[1A\x1b[2K";
  lines_drawn_ = 0;
}

void Progress::draw_locked(bool final) {
  clear_locked();
  const double elapsed = std::max(1e-3, seconds_since(started_));
  const double rate = static_cast<double>(bytes_transferred_) / elapsed;
  if (!final) {
    // "  <name> [<bar>] 123.4 MiB / 567.8 MiB": the name and the bar share
    // what the sizes leave of the width.
    const std::size_t room = columns_ > 30 ? columns_ - 30 : 0;
    const std::size_t name_width = std::clamp<std::size_t>(room / 2, 8, 32);
    const int bar_width = static_cast<int>(std::clamp<std::size_t>(room - std::min(room, name_width), 0, 24));
    for (const auto& [path, active] : active_) {
      const double fraction =
          active.size ? static_cast<double>(active.done) / static_cast<double>(active.size) : 1.0;
      out_ << "  " << short_name(path, name_width);
      if (bar_width >= 4) out_ << " [" << bar(fraction, bar_width) << "]";
      out_ << " " << format_bytes(static_cast<double>(active.done)) << " / "
           << format_bytes(static_cast<double>(active.size)) << "\n";
      ++lines_drawn_;
    }
  }
  const double fraction =
      total_bytes_ ? static_cast<double>(bytes_done_) / static_cast<double>(total_bytes_) : 1.0;
  const double remaining = static_cast<double>(total_bytes_ - std::min(total_bytes_, bytes_done_));
  std::string line = "  total " + std::to_string(files_done_) + "/" + std::to_string(file_count_) + " files";
  if (columns_ >= 72) line += " [" + bar(fraction, 24) + "]";
  line += " " + format_bytes(static_cast<double>(bytes_done_)) + " / " +
          format_bytes(static_cast<double>(total_bytes_)) + "  " + format_bytes(rate) + "/s";
  if (rate > 0 && !final) line += "  ETA " + std::to_string(static_cast<long>(remaining / rate)) + " s";
  if (columns_ > 1 && line.size() >= columns_) line.resize(columns_ - 1);
  out_ << line << "\n";
  ++lines_drawn_;
  out_.flush();
}

}  // namespace hubdeps
