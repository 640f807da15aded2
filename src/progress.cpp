#include "progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <ostream>

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
  return isatty(fd) ? Mode::live : Mode::lines;
}

Progress::Progress(Mode mode, std::ostream& out) : mode_(mode), out_(out), started_(Clock::now()) {}

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
  if (mode_ == Mode::live && file_count > 0 && !renderer_.joinable()) {
    renderer_ = std::thread([this] { render_loop(); });
  }
}

void Progress::file_started(const std::string& path, std::uint64_t size, std::uint64_t already) {
  std::lock_guard lock(mutex_);
  active_[path] = Active{size, already};
  bytes_done_ += already;
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
    draw_locked(false);
    wake_.wait_for(lock, std::chrono::milliseconds(200));
  }
}

void Progress::draw_locked(bool final) {
  // Move up over the previous frame and redraw it in place.
  for (std::size_t i = 0; i < lines_drawn_; ++i) out_ << "\x1b[1A\x1b[2K";
  lines_drawn_ = 0;
  const double elapsed = std::max(1e-3, seconds_since(started_));
  const double rate = static_cast<double>(bytes_transferred_) / elapsed;
  if (!final) {
    for (const auto& [path, active] : active_) {
      const double fraction =
          active.size ? static_cast<double>(active.done) / static_cast<double>(active.size) : 1.0;
      out_ << "  " << short_name(path, 32) << " [" << bar(fraction, 24) << "] "
           << format_bytes(static_cast<double>(active.done)) << " / "
           << format_bytes(static_cast<double>(active.size)) << "\n";
      ++lines_drawn_;
    }
  }
  const double fraction =
      total_bytes_ ? static_cast<double>(bytes_done_) / static_cast<double>(total_bytes_) : 1.0;
  const double remaining = static_cast<double>(total_bytes_ - std::min(total_bytes_, bytes_done_));
  out_ << "  total " << files_done_ << "/" << file_count_ << " files [" << bar(fraction, 24) << "] "
       << format_bytes(static_cast<double>(bytes_done_)) << " / "
       << format_bytes(static_cast<double>(total_bytes_)) << "  " << format_bytes(rate) << "/s";
  if (rate > 0 && !final) out_ << "  ETA " << static_cast<long>(remaining / rate) << " s";
  out_ << "\n";
  ++lines_drawn_;
  out_.flush();
}

}  // namespace hubdeps
