#include "download_pieces.hpp"

#include <algorithm>
#include <sstream>

namespace hubdeps {

namespace {

// Each piece costs a request, so a file gets about kPiecesPerFile of them,
// each between the two sizes below: when the last byte arrives, about one
// piece per connection is left to hash, not three quarters of the file.
constexpr std::uint64_t kMinPieceSize = 16u << 20;
constexpr std::uint64_t kMaxPieceSize = 64u << 20;
constexpr std::uint64_t kPiecesPerFile = 32;

// A connection delivering this much is bound by the machine (receiving,
// writing and hashing), not by the network: on a 2-core machine reading a
// local mirror, 2 connections beat 4 by 10%.
constexpr double kBusyConnectionRate = 128.0 * (1u << 20);  // bytes per second
// Connections just added must raise the total by this part of their share.
constexpr double kGainNeeded = 0.5;

// Cuts [0, size) into pieces; `valid_until(start, end)` says how far the
// bytes already in the file are valid from `start`.
template <typename ValidUntil>
std::vector<Segment> pieces(std::uint64_t size, ValidUntil valid_until) {
  const std::uint64_t piece_size = std::clamp(size / kPiecesPerFile, kMinPieceSize, kMaxPieceSize);
  std::vector<Segment> segments;
  for (std::uint64_t start = 0; start < size; start += piece_size) {
    Segment piece{start, std::min(size, start + piece_size)};
    piece.done = valid_until(piece.start, piece.end) - piece.start;
    segments.push_back(piece);
  }
  return segments;
}

}  // namespace

std::string encode_segments(const std::vector<Segment>& segments) {
  std::vector<Segment> runs;
  for (const auto& s : segments) {
    if (!runs.empty() && (runs.back().complete() || s.done == 0)) {
      runs.back().end = s.end;
      runs.back().done += s.done;
    } else {
      runs.push_back(s);
    }
  }
  std::string text;
  for (const auto& r : runs) {
    text += std::to_string(r.start) + "-" + std::to_string(r.end) + ":" + std::to_string(r.done) + ",";
  }
  return text;
}

std::optional<std::vector<Segment>> parse_segments(std::string_view text, std::uint64_t size) {
  std::istringstream in{std::string(text)};
  std::vector<Segment> segments;
  Segment s;
  char dash = 0, colon = 0, comma = 0;
  while (in >> s.start >> dash >> s.end >> colon >> s.done >> comma) {
    if (dash != '-' || colon != ':' || comma != ',') return std::nullopt;
    segments.push_back(s);
  }
  std::uint64_t expected_start = 0;
  for (const auto& seg : segments) {
    if (seg.start != expected_start || seg.end <= seg.start || seg.done > seg.end - seg.start) {
      return std::nullopt;
    }
    expected_start = seg.end;
  }
  if (segments.empty() || expected_start != size) return std::nullopt;
  return segments;
}

std::vector<Segment> pieces_from_runs(std::uint64_t size, const std::vector<Segment>& runs) {
  return pieces(size, [&](std::uint64_t start, std::uint64_t end) {
    std::uint64_t position = start;
    for (const auto& run : runs) {
      if (run.end <= position) continue;
      if (run.start > position || run.start + run.done <= position) break;
      position = std::min(end, run.start + run.done);
      if (position == end || !run.complete()) break;
    }
    return position;
  });
}

std::size_t ConnectionRamp::more(double rate, std::size_t open, std::size_t room) {
  if (stopped_ || open == 0) return 0;
  if (added_ > 0 && open > added_) {
    const double share = static_cast<double>(added_) / static_cast<double>(open - added_);
    if (rate < rate_before_ * (1.0 + kGainNeeded * share)) {
      stopped_ = true;  // the link or the machine is full
      return 0;
    }
  }
  rate_before_ = rate;
  const bool slow = rate < kBusyConnectionRate * static_cast<double>(open);
  added_ = slow ? std::min({open, cap_ - std::min(cap_, open), room}) : 0;
  return added_;
}

std::vector<Segment> pieces_from_prefix(std::uint64_t size, std::uint64_t have) {
  return pieces(size,
                [&](std::uint64_t start, std::uint64_t end) { return std::clamp(have, start, end); });
}

}  // namespace hubdeps
