// The pieces a ranged download cuts a blob into, and the record of them
// kept with the part-file, so a killed run resumes every piece where it
// stopped. Pure functions of sizes and text: no I/O here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hubdeps {

// The name of the record on blobs/<etag>.incomplete (an extended attribute
// on Linux: a second file would be visible to other cache tools).
inline constexpr std::string_view kPiecesAttribute = "hubdeps.segments";

// Bytes [start, end) of a blob, of which the first `done` are written.
// `taken` while a connection works on it.
struct Segment {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  std::uint64_t done = 0;
  bool taken = false;

  std::uint64_t size() const { return end - start; }
  bool complete() const { return done == size(); }
};

// "start-end:done," per run. Runs, not pieces: a complete piece followed by
// anything, or anything followed by an untouched piece, still has its valid
// bytes as a prefix, so they merge. That leaves about two entries per
// connection, however many pieces the file has.
std::string encode_segments(const std::vector<Segment>& segments);

// The recorded runs, if `text` describes a download of exactly `size` bytes.
std::optional<std::vector<Segment>> parse_segments(std::string_view text, std::uint64_t size);

// [0, size) cut into pieces of one size, between 16 and 64 MiB, about 32
// per file. Each connection takes the lowest piece nobody has taken yet, so
// the completed prefix the hash can consume grows at the connections'
// combined rate.
std::vector<Segment> pieces_from_runs(std::uint64_t size, const std::vector<Segment>& runs);
// The same pieces for a file whose first `have` bytes are valid (what a
// single-stream run leaves).
std::vector<Segment> pieces_from_prefix(std::uint64_t size, std::uint64_t have);

// How many connections a ranged download adds, judged from what all of
// them together delivered since the last look. Over the internet each
// connection is held back by the round trip and per-flow limits at the CDN,
// and the total grows with the number of connections until the link or the
// machine is full; on loopback one connection is already limited by the CPU
// and more only compete for it. So: double the connections while each
// delivers less than a machine-bound one would and the last ones added
// raised the total by at least half their share; once they did not, stop
// for good.
class ConnectionRamp {
 public:
  explicit ConnectionRamp(std::size_t cap) : cap_(cap) {}

  // `open` connections delivered `rate` bytes per second since the last
  // look; at most `room` may be added (the pieces no connection has taken,
  // or fewer). Returns how many to add.
  std::size_t more(double rate, std::size_t open, std::size_t room);

 private:
  const std::size_t cap_;
  bool stopped_ = false;
  std::size_t added_ = 0;    // at the last look
  double rate_before_ = 0;  // bytes per second before those were added
};

}  // namespace hubdeps
