// A large blob fetched as parallel byte ranges into its part-file: on real
// networks one TCP stream rarely fills the link. The file is cut into
// pieces (download_pieces.hpp) that connections take lowest first; the
// hash takes the bytes in file order while they arrive; connections are
// added while the total still grows with them; the pieces' progress is
// recorded with the part-file so a killed run resumes each where it
// stopped; and once the Hub has redirected one piece to a CDN, later pieces
// go there directly.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "blob_range.hpp"
#include "download_pieces.hpp"
#include "error.hpp"
#include "hash.hpp"
#include "hub_api.hpp"
#include "progress.hpp"
#include "repo.hpp"

namespace hubdeps {

// The blob's hash, fed in file order by whoever holds its baton: the
// connection writing the piece the hash has reached, with the bytes it has
// just received (still in the CPU cache), or the download's own thread,
// reading back pieces completed ahead of the hash. With one connection
// nothing is read back; with several, what arrived before its turn is.
class InOrderHash {
 public:
  InOrderHash(const PartFile& part, Digest digest) : part_(part), digest_(std::move(digest)) {}

  // Bytes [0, hashed()) of the file are in the digest.
  std::uint64_t hashed() const { return hashed_.load(std::memory_order_acquire); }

  // From the connection writing the piece that starts at `piece_start`:
  // the bytes it just wrote at `offset`. Taken (after reading back what
  // the piece had before them) when the hash has reached that piece and
  // no other thread holds the baton; otherwise left for catch_up.
  void offer(std::uint64_t piece_start, const char* data, std::size_t size, std::uint64_t offset);

  // Reads back and hashes bytes [hashed(), until), all of them written,
  // unless a connection holds the baton. True when the hash moved.
  bool catch_up(std::uint64_t until);

  std::string finish() { return digest_.hex_final(); }

 private:
  const PartFile& part_;
  Digest digest_;
  std::atomic<std::uint64_t> hashed_{0};
  std::atomic<bool> baton_{false};
};

// What a ranged download came to.
struct RangedOutcome {
  bool ranges_ignored = false;  // the server ignores Range: fetch the file in one stream instead
  std::string digest;           // otherwise the blob's hash (hex)
};

class RangedDownload {
 public:
  // Opens one more connection to the Hub.
  using Connect = std::function<std::unique_ptr<HttpTransport>()>;

  // `file_context` names the file in messages; `url` is its resolve URL.
  RangedDownload(const PartFile& part, const RepoFile& file, const HubContext& file_context, std::string url,
                 Connect connect, Progress& progress, const std::atomic<bool>& cancelled, std::size_t streams);
  ~RangedDownload();  // stops and joins the connections
  RangedDownload(const RangedDownload&) = delete;
  RangedDownload& operator=(const RangedDownload&) = delete;

  // Downloads the pieces missing from the part-file, whose first `have`
  // bytes are valid when it has no record of pieces. Throws Error, or
  // DownloadCancelled when `cancelled`.
  RangedOutcome run(std::uint64_t have);

 private:
  class TrackPiece;
  using Clock = std::chrono::steady_clock;

  // Resume state: the pieces, from the part-file's record or its valid prefix.
  void load_pieces(std::uint64_t have);
  void record(std::size_t index, std::uint64_t position);
  void persist_locked();
  // One connection: takes pieces until none is left.
  void start_connection();
  void work();
  std::optional<std::size_t> take_piece();
  bool fetch_piece(HttpTransport& connection, std::size_t index, ReportProgress& reported);
  // The CDN address the Hub redirected a piece to.
  std::string piece_source();
  void forget_direct(const std::string& source);
  void remember_direct(const std::string& source, const std::string& answered_by);
  // In-order hashing, on the thread that called run().
  void hash_completed_pieces();
  std::uint64_t complete_prefix();
  // Ramp-up: more connections while they still add to the total.
  void add_connections_locked();
  std::uint64_t bytes_written() const;
  // The end.
  void stop_all(std::optional<Error> failure, bool ranges_ignored);
  void stop_and_join();
  RangedOutcome conclude(const std::optional<Error>& hash_error);

  const PartFile& part_;
  const RepoFile& file_;
  const HubContext& context_;
  const std::string url_;
  const Connect connect_;
  Progress& progress_;
  const std::atomic<bool>& cancelled_;
  const std::size_t streams_;

  InOrderHash hash_;
  std::vector<Segment> segments_;                    // `done` and `taken` guarded by mutex_
  std::vector<std::atomic<std::uint64_t>> written_;  // bytes of each piece written, exact to the byte
  std::size_t first_open_ = 0;                       // the first piece not complete; run()'s thread only
  std::mutex mutex_;
  std::condition_variable advanced_;
  std::atomic<bool> stop_{false};
  std::optional<Error> failure_;  // guarded by mutex_, like the two below
  bool ranges_ignored_ = false;
  // Where the Hub's redirect for this file led (the CDN): later pieces go
  // there directly, sparing the Hub a request per piece, as hf_transfer and
  // aria2 do. Empty until a piece has been received.
  std::string direct_url_;
  std::atomic<std::size_t> connections_{0};
  std::vector<std::thread> workers_;  // run()'s thread only
  ConnectionRamp ramp_;    // run()'s thread only, like the three below
  std::size_t added_ = 0;  // connections the ramp added (the process counts them too)
  Clock::time_point last_look_;
  std::uint64_t bytes_at_last_look_ = 0;
};

}  // namespace hubdeps
