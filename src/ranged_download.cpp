#include "ranged_download.hpp"

#include <algorithm>

#include "download.hpp"

namespace hubdeps {

namespace {

// Bytes that arrive ahead of the hash are read back once this many wait.
constexpr std::uint64_t kHashStep = 4u << 20;
// A ranged download starts with this many connections, and every
// kRampInterval asks its ConnectionRamp (download_pieces.hpp) for more, up
// to its `streams`: more while each connection is held back by the network,
// none once the total stops growing with them.
constexpr std::size_t kFirstStreams = 2;
constexpr std::chrono::milliseconds kRampInterval{250};
// The connections ramp-ups add, all downloads of the process together: a
// fetch of many large files behind a slow CDN must not open 16 for each.
constexpr std::size_t kAddedConnectionsPerProcess = 32;
std::atomic<std::size_t> added_connections{0};

// Up to `wanted` of the process's added connections; how many it got.
std::size_t reserve_added_connections(std::size_t wanted) {
  std::size_t used = added_connections.load();
  std::size_t granted = 0;
  do {
    granted = std::min(wanted, kAddedConnectionsPerProcess - std::min(used, kAddedConnectionsPerProcess));
  } while (granted > 0 && !added_connections.compare_exchange_weak(used, used + granted));
  return granted;
}

// Gives the baton back when it goes out of scope.
struct Release {
  std::atomic<bool>& baton;
  ~Release() { baton.store(false, std::memory_order_release); }
};

// Offers each byte of a piece to the in-order hash.
class HashInTurn final : public BlobStep {
 public:
  HashInTurn(InOrderHash& hash, std::uint64_t piece_start, BlobStep* next)
      : BlobStep(next), hash_(hash), piece_start_(piece_start) {}

 private:
  void take(const char* data, std::size_t size, std::uint64_t offset) override {
    hash_.offer(piece_start_, data, size, offset);
  }
  InOrderHash& hash_;
  std::uint64_t piece_start_;
};

}  // namespace

void InOrderHash::offer(std::uint64_t piece_start, const char* data, std::size_t size, std::uint64_t offset) {
  std::uint64_t at = hashed();
  if (at < piece_start || at > offset || baton_.exchange(true, std::memory_order_acq_rel)) return;
  const Release release{baton_};
  at = hashed();
  if (at < piece_start || at > offset) return;
  hash_file_range(part_, at, offset, digest_);
  digest_.update(data, size);
  hashed_.store(offset + size, std::memory_order_release);
}

bool InOrderHash::catch_up(std::uint64_t until) {
  if (baton_.exchange(true, std::memory_order_acq_rel)) {
    std::this_thread::yield();  // a connection is hashing its bytes
    return false;
  }
  const Release release{baton_};
  const std::uint64_t from = hashed();
  if (from >= until) return false;
  hash_file_range(part_, from, until, digest_);
  hashed_.store(until, std::memory_order_release);
  return true;
}

// Tells the download how far its piece is written: exactly, for the hash
// and the ramp-up, and every kReportEvery in the resume record.
class RangedDownload::TrackPiece final : public BlobStep {
 public:
  TrackPiece(RangedDownload& download, std::size_t index, BlobStep* next)
      : BlobStep(next), download_(download), index_(index) {}

 private:
  void take(const char*, std::size_t size, std::uint64_t offset) override {
    const std::uint64_t end = offset + size;
    download_.written_[index_].store(end - download_.segments_[index_].start, std::memory_order_release);
    unrecorded_ += size;
    if (unrecorded_ >= kReportEvery) {
      download_.record(index_, end);
      unrecorded_ = 0;
    }
  }
  RangedDownload& download_;
  std::size_t index_;
  std::uint64_t unrecorded_ = 0;
};

RangedDownload::RangedDownload(const PartFile& part, const RepoFile& file, const HubContext& file_context,
                               std::string url, Connect connect, Progress& progress,
                               const std::atomic<bool>& cancelled, std::size_t streams)
    : part_(part), file_(file), context_(file_context), url_(std::move(url)), connect_(std::move(connect)),
      progress_(progress), cancelled_(cancelled), streams_(streams), hash_(part, new_digest(file)), ramp_(streams) {}

RangedDownload::~RangedDownload() { stop_and_join(); }

RangedOutcome RangedDownload::run(std::uint64_t have) {
  load_pieces(have);
  std::uint64_t already = 0;
  for (const auto& s : segments_) already += s.done;
  progress_.file_started(file_.path, file_.size, already);
  {
    std::lock_guard lock(mutex_);
    persist_locked();
  }
  const auto open_pieces = static_cast<std::size_t>(
      std::count_if(segments_.begin(), segments_.end(), [](const Segment& s) { return !s.complete(); }));
  for (std::size_t i = 0; i < std::min({kFirstStreams, streams_, open_pieces}); ++i) start_connection();
  last_look_ = Clock::now();
  bytes_at_last_look_ = bytes_written();

  std::optional<Error> hash_error;
  try {
    hash_completed_pieces();
  } catch (const Error& e) {
    hash_error = e;
  }
  stop_and_join();
  return conclude(hash_error);
}

void RangedDownload::load_pieces(std::uint64_t have) {
  const auto record = part_.file.attribute(kPiecesAttribute);
  const auto runs = record ? parse_segments(*record, file_.size) : std::nullopt;
  segments_ = runs ? pieces_from_runs(file_.size, *runs) : pieces_from_prefix(file_.size, have);
  written_ = std::vector<std::atomic<std::uint64_t>>(segments_.size());
  for (std::size_t i = 0; i < segments_.size(); ++i) written_[i] = segments_[i].done;
}

void RangedDownload::record(std::size_t index, std::uint64_t position) {
  std::lock_guard lock(mutex_);
  segments_[index].done = position - segments_[index].start;
  persist_locked();
  advanced_.notify_all();
}

void RangedDownload::persist_locked() {
  // Best effort: without a place for the record, a killed run restarts this file.
  part_.file.set_attribute(kPiecesAttribute, encode_segments(segments_));
}

void RangedDownload::start_connection() {
  workers_.emplace_back([this] { work(); });
}

void RangedDownload::work() {
  ++connections_;
  try {
    const std::unique_ptr<HttpTransport> connection = connect_();
    ReportProgress reported(progress_, file_.path);
    while (const auto index = take_piece()) {
      if (!fetch_piece(*connection, *index, reported)) {
        stop_all(std::nullopt, true);
        return;
      }
    }
  } catch (const DownloadCancelled&) {
    stop_all(std::nullopt, false);
  } catch (const Error& e) {
    stop_all(e, false);
  } catch (const TransportError& e) {
    stop_all(Error(ExitCode::network, e.message), false);
  }
}

// The lowest piece nobody has taken, once the hash is near enough.
std::optional<std::size_t> RangedDownload::take_piece() {
  std::unique_lock lock(mutex_);
  for (;;) {
    const auto open = std::find_if(segments_.begin(), segments_.end(),
                                   [](const Segment& s) { return !s.taken && !s.complete(); });
    if (open == segments_.end() || stop_) return std::nullopt;
    // Stay at most one piece per connection ahead of the piece the hash is
    // in: the hash is the one part that cannot run in parallel, so when it
    // falls behind, its thread gets the CPU rather than this one.
    const std::uint64_t lead = (connections_ + 1) * segments_.front().size();
    if (open->start < hash_.hashed() + lead) {
      open->taken = true;
      return static_cast<std::size_t>(open - segments_.begin());
    }
    advanced_.wait_for(lock, std::chrono::milliseconds(50));
  }
}

// Fetches the rest of piece `index`. False when the server ignored its Range.
bool RangedDownload::fetch_piece(HttpTransport& connection, std::size_t index, ReportProgress& reported) {
  const Segment& piece = segments_[index];
  std::uint64_t position = 0;
  {
    std::lock_guard lock(mutex_);
    position = piece.start + piece.done;
  }
  HashInTurn hash(hash_, piece.start, &reported);
  TrackPiece track(*this, index, &hash);
  WriteToFile write(part_, &track);
  BlobRange range(file_, context_, BlobRange::Kind::piece, position, piece.end, write, stop_);
  const std::string source = piece_source();
  std::optional<std::string> answered_by;
  try {
    answered_by = fetch_blob_range(connection, source, range, context_);
  } catch (const Error& e) {
    const bool refused = e.code() == ExitCode::access_denied || e.code() == ExitCode::not_found;
    if (source == url_ || !refused) throw;
    // The address the Hub redirected to may have expired (signed CDN URLs
    // do, with 403): ask the Hub again.
    forget_direct(source);
    answered_by = fetch_blob_range(connection, url_, range, context_);
  }
  if (!answered_by) return false;
  reported.flush();
  record(index, range.position());
  remember_direct(source, *answered_by);
  return true;
}

std::string RangedDownload::piece_source() {
  std::lock_guard lock(mutex_);
  return direct_url_.empty() ? url_ : direct_url_;
}

void RangedDownload::forget_direct(const std::string& source) {
  std::lock_guard lock(mutex_);
  if (direct_url_ == source) direct_url_.clear();
}

void RangedDownload::remember_direct(const std::string& source, const std::string& answered_by) {
  if (source != url_ || answered_by == url_) return;
  std::lock_guard lock(mutex_);
  direct_url_ = answered_by;
}

// Reads back the pieces completed ahead of the hash, once the hash gets
// there: when the gap is worth a wake-up, or at the end. A piece still being
// written is left to its connection.
void RangedDownload::hash_completed_pieces() {
  while (hash_.hashed() < file_.size) {
    bool behind = false;
    {
      std::unique_lock lock(mutex_);
      behind = advanced_.wait_for(lock, std::chrono::milliseconds(100), [&] {
        const std::uint64_t prefix = complete_prefix();
        const std::uint64_t at = hash_.hashed();
        return stop_ || (prefix > at && (prefix == file_.size || prefix >= at + kHashStep));
      });
      // The caller's cancellation stops this download's connections.
      if (cancelled_) stop_ = true;
      if (stop_) return;
      add_connections_locked();
    }
    if (behind && hash_.catch_up(complete_prefix())) {
      std::lock_guard lock(mutex_);  // wake connections waiting for the hash to move on
      advanced_.notify_all();
    }
  }
}

// Where the complete pieces end: the start of the first piece not yet
// complete, which only moves forward.
std::uint64_t RangedDownload::complete_prefix() {
  while (first_open_ < segments_.size() &&
         written_[first_open_].load(std::memory_order_acquire) == segments_[first_open_].size()) {
    ++first_open_;
  }
  return first_open_ < segments_.size() ? segments_[first_open_].start : file_.size;
}

void RangedDownload::add_connections_locked() {
  const auto now = Clock::now();
  if (now - last_look_ < kRampInterval) return;
  const std::uint64_t bytes = bytes_written();
  const double rate = static_cast<double>(bytes - bytes_at_last_look_) /
                      std::chrono::duration<double>(now - last_look_).count();
  last_look_ = now;
  bytes_at_last_look_ = bytes;
  const auto unclaimed = static_cast<std::size_t>(std::count_if(
      segments_.begin(), segments_.end(), [](const Segment& s) { return !s.taken && !s.complete(); }));
  const std::size_t used = std::min(added_connections.load(), kAddedConnectionsPerProcess);
  const std::size_t wanted = ramp_.more(rate, workers_.size(), std::min(unclaimed, kAddedConnectionsPerProcess - used));
  const std::size_t granted = reserve_added_connections(wanted);
  added_ += granted;
  for (std::size_t n = 0; n < granted; ++n) start_connection();
}

std::uint64_t RangedDownload::bytes_written() const {
  std::uint64_t total = 0;
  for (const auto& piece : written_) total += piece.load(std::memory_order_relaxed);
  return total;
}

// The first failure (or the news that ranges are ignored) wins.
void RangedDownload::stop_all(std::optional<Error> failure, bool ranges_ignored) {
  std::lock_guard lock(mutex_);
  if (!failure_ && !ranges_ignored_) {
    failure_ = std::move(failure);
    ranges_ignored_ = ranges_ignored;
  }
  stop_ = true;
  advanced_.notify_all();
}

void RangedDownload::stop_and_join() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
    advanced_.notify_all();
  }
  for (auto& worker : workers_) worker.join();
  workers_.clear();
  added_connections -= added_;
  added_ = 0;
}

RangedOutcome RangedDownload::conclude(const std::optional<Error>& hash_error) {
  if (ranges_ignored_) return {true, {}};
  if (failure_) throw *failure_;
  if (cancelled_) throw DownloadCancelled{};
  if (hash_error) throw *hash_error;
  if (hash_.hashed() != file_.size) {
    throw Error(ExitCode::network, "the download of " + describe_request(context_) + " stopped early");
  }
  part_.file.remove_attribute(kPiecesAttribute);
  return {false, hash_.finish()};
}

}  // namespace hubdeps
