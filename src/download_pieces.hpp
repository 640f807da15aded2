// The pieces a ranged download cuts a blob into, and the record of them
// kept with the part-file, so a killed run resumes every piece where it
// stopped. Pure functions of sizes and text: no I/O here.
#pragma once

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

}  // namespace hubdeps
