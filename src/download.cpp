#include "download.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "error.hpp"
#include "hash.hpp"

namespace hubdeps {

namespace {

constexpr int kMaxRedirects = 10;
// Where a ranged download records which parts of blobs/<etag>.incomplete
// hold data, so a killed run resumes every part where it stopped. An
// extended attribute, because a second file would be visible to other
// cache tools.
constexpr const char* kSegmentsAttribute = "user.hubdeps.segments";
// How often a part's progress is recorded: what a killed run can lose per
// part. One small fsetxattr per MiB costs nothing next to the transfer.
// Progress bars and the hasher hear about new bytes at the same pace, not
// for each 16 KiB libcurl hands over: taking locks and waking threads that
// often would cost more CPU than hashing the bytes.
constexpr std::uint64_t kPersistEvery = 1u << 20;
// A ranged download is cut into pieces, and each connection takes the
// lowest piece nobody has taken yet. The hash can only consume bytes in
// order, so this keeps the completed prefix growing at the connections'
// combined rate: when the last byte arrives, about one piece per
// connection is left to hash, not three quarters of the file. Each piece
// costs a request, so a file gets about kPiecesPerFile of them, each
// between the two sizes below.
constexpr std::uint64_t kMinPieceSize = 16u << 20;
constexpr std::uint64_t kMaxPieceSize = 64u << 20;
constexpr std::uint64_t kPiecesPerFile = 32;
// Bytes that arrive ahead of the hash are read back once this many wait.
constexpr std::uint64_t kHashStep = 4u << 20;
// A ranged download starts with this many connections and opens another
// (up to DownloadTuning::streams) every kRampInterval while each brings in
// less than kBusyStreamRate. A connection that slow is held back by the
// network (latency, per-flow limits at the CDN), and one more adds to the
// total. A faster one means the machine is the limit: receiving, writing
// and hashing keep the cores busy, and another connection would only
// compete with them for the CPU and the file's write lock (on a 2-core
// machine reading a local mirror, 2 connections beat 4 by 10%).
constexpr std::size_t kFirstStreams = 2;
constexpr std::chrono::milliseconds kRampInterval{250};
constexpr double kBusyStreamRate = 128.0 * (1u << 20);  // bytes per second

// An open file descriptor that closes itself.
class File {
 public:
  File(const fs::path& path, int flags) : fd_(::open(path.c_str(), flags | O_CLOEXEC, 0644)) {}
  ~File() {
    if (fd_ >= 0) ::close(fd_);
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

Digest new_digest(const RepoFile& file) {
  return file.is_lfs() ? Digest(Digest::Algorithm::sha256) : git_blob_sha1_digest(file.size);
}

std::string describe(const RepoFile& file, const HubContext& context) {
  return "file '" + file.path + "' of " + std::string(to_string(context.type)) + " '" +
         context.repo_id + "' at " + context.revision;
}

void write_all(int fd, const fs::path& path, const char* data, std::size_t size, std::uint64_t offset) {
  for (std::size_t written = 0; written < size;) {
    const auto n = ::pwrite(fd, data + written, size - written, static_cast<off_t>(offset + written));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      throw Error(ExitCode::usage, "cannot write " + path.string() + ": " + std::strerror(errno) +
                                       "; free some disk space or check HF_HUB_CACHE");
    }
    written += static_cast<std::size_t>(n);
  }
}

// Hashes bytes [from, to) of an open file into `digest`.
void hash_file_range(int fd, const fs::path& path, std::uint64_t from, std::uint64_t to, Digest& digest) {
  if (from >= to) return;  // the usual case for a fresh small file: no buffer to allocate and clear
  std::string buffer(static_cast<std::size_t>(std::min<std::uint64_t>(to - from, 1u << 20)), '\0');
  while (from < to) {
    const auto n = ::pread(fd, buffer.data(), std::min<std::uint64_t>(to - from, buffer.size()),
                           static_cast<off_t>(from));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(ExitCode::integrity, "cannot read back " + path.string());
    digest.update(buffer.data(), static_cast<std::size_t>(n));
    from += static_cast<std::uint64_t>(n);
  }
}

// "bytes <first>-<last>/<total>" -> first
std::optional<std::uint64_t> content_range_start(const HttpResponse& response) {
  const auto* value = response.header("content-range");
  if (!value || value->rfind("bytes ", 0) != 0) return std::nullopt;
  try {
    return std::stoull(value->substr(6));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The server ignored a Range request and sent the whole file: a part of a
// ranged download cannot use that; the caller falls back to one stream.
struct RangesUnsupported {};

// Bytes [position, end) of one blob, fetched with redirects followed and
// failures retried, resuming where each attempt stopped.
struct RangeJob {
  std::uint64_t position = 0;
  std::uint64_t end = 0;
  // Linear jobs may start over when the server answers 200 to a Range;
  // parts of a ranged download may not (RangesUnsupported).
  bool linear = true;
  std::function<void(const char*, std::size_t)> write;  // at `position`, then advance
  std::function<void()> restart;                        // linear: truncate, reset hash
  std::string answered_by;  // set on success: the URL that sent the bytes, after redirects
};

void fetch_range(HttpConnection& connection, const std::string& url, RangeJob& job,
                 const RepoFile& file, const HubContext& context, const std::atomic<bool>& cancelled) {
  const auto& settings = connection.settings();
  std::string last_problem;
  for (int attempt = 1; job.position < job.end || (attempt == 1 && job.end == 0); ++attempt) {
    if (attempt > settings.max_attempts) {
      throw Error(ExitCode::network, "could not download " + describe(file, context) + " after " +
                                         std::to_string(settings.max_attempts) + " attempts: " +
                                         last_problem + "; run again to resume where it stopped");
    }
    if (cancelled) throw DownloadCancelled{};

    HttpRequest request;
    request.url = url;
    // Sizes and hashes are of the raw bytes: never let a proxy compress.
    request.headers.push_back("Accept-Encoding: identity");
    const bool whole = job.position == 0 && job.end == file.size;
    if (!whole) {
      request.range_start = job.position;
      // A resume asks for the rest, like huggingface_hub; a part of a
      // ranged download asks for exactly its bytes.
      if (!job.linear) request.range_end = job.end - 1;
    }

    bool oversized = false;
    bool bad_range = false;
    const BodyStart on_start = [&](const HttpResponse& response) {
      if (!whole && response.status == 200) {
        if (!job.linear) throw RangesUnsupported{};
        job.restart();  // the server ignored our Range and sends the whole file
      } else if (response.status == 206 && content_range_start(response) != job.position) {
        bad_range = true;
        return false;
      }
      return true;
    };
    const BodySink on_bytes = [&](const char* data, std::size_t size) {
      if (cancelled) return false;
      if (job.position + size > job.end) {
        oversized = true;
        return false;
      }
      job.write(data, size);
      return true;
    };

    std::optional<HttpResponse> answer;
    try {
      for (int hop = 0;; ++hop) {
        HttpResponse response = connection.perform(request, on_bytes, on_start);
        const auto* location = response.header("location");
        if (response.status >= 300 && response.status < 400 && location) {
          if (hop >= kMaxRedirects) {
            throw Error(ExitCode::network,
                        "too many redirects while downloading " + describe(file, context) +
                            " (last: " + request.url + "); the server or mirror is misconfigured");
          }
          request.url = resolve_location(request.url, *location);
          continue;
        }
        answer = std::move(response);
        break;
      }
    } catch (const TransportError& e) {
      if (!e.retryable) {
        throw Error(ExitCode::network, "cannot download " + describe(file, context) + ": " + e.message);
      }
      last_problem = e.message;  // reset, timeout, short body: resume below
    }

    if (cancelled) throw DownloadCancelled{};
    if (oversized) {
      throw Error(ExitCode::integrity, "the server sent more than the " + std::to_string(file.size) +
                                           " bytes listed for " + describe(file, context) +
                                           "; nothing was cached");
    }
    if (answer) {
      if (bad_range || answer->status == 416) {
        last_problem = "the server answered with the wrong range";
        if (!job.linear) throw RangesUnsupported{};
        job.restart();
      } else if (answer->status >= 200 && answer->status < 300) {
        if (job.position == job.end) {
          job.answered_by = request.url;
          return;
        }
        last_problem = "the body ended at byte " + std::to_string(job.position) + " of " +
                       std::to_string(job.end);
      } else if (is_retryable_status(answer->status)) {
        last_problem = "HTTP " + std::to_string(answer->status);
        std::this_thread::sleep_for(retry_delay(settings, attempt, &*answer));
        continue;
      } else {
        HubContext file_context = context;
        file_context.path = file.path;
        throw_hub_error(*answer, file_context, settings.endpoint);
      }
    }
    if (job.position < job.end) std::this_thread::sleep_for(retry_delay(settings, attempt, nullptr));
  }
}

// A part of a ranged download: bytes [start, end), of which the first
// `done` are written. `taken` while a connection works on it.
struct Segment {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  std::uint64_t done = 0;
  bool taken = false;

  std::uint64_t size() const { return end - start; }
  bool complete() const { return done == size(); }
};

// The attribute records runs, not pieces: a complete piece followed by
// anything, or anything followed by an untouched piece, still has its
// valid bytes as a prefix, so they merge. That leaves about two entries per
// connection, however many pieces the file has.
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

// The recorded runs, if they describe a download of exactly `size` bytes.
std::optional<std::vector<Segment>> load_segments(int fd, std::uint64_t size) {
  char buffer[4096];
  const auto n = ::fgetxattr(fd, kSegmentsAttribute, buffer, sizeof buffer - 1);
  if (n <= 0) return std::nullopt;
  std::istringstream in(std::string(buffer, static_cast<std::size_t>(n)));
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

// Pieces of a file a previous run left: recorded runs (which may have been
// cut differently), or the valid prefix a single-stream run leaves.
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

std::vector<Segment> pieces_from_prefix(std::uint64_t size, std::uint64_t have) {
  return pieces(size,
                [&](std::uint64_t start, std::uint64_t end) { return std::clamp(have, start, end); });
}

// Reports bytes to Progress in steps of kPersistEvery rather than for each
// 16 KiB libcurl hands over: Progress takes a lock per call.
class ProgressBatch {
 public:
  ProgressBatch(Progress& progress, const std::string& path) : progress_(progress), path_(path) {}
  ~ProgressBatch() { flush(); }
  ProgressBatch(const ProgressBatch&) = delete;
  ProgressBatch& operator=(const ProgressBatch&) = delete;

  void add(std::uint64_t count) {
    pending_ += count;
    if (pending_ >= kPersistEvery) flush();
  }
  void flush() {
    if (pending_ > 0) progress_.bytes(path_, pending_);
    pending_ = 0;
  }
  void discard() { pending_ = 0; }

 private:
  Progress& progress_;
  const std::string& path_;
  std::uint64_t pending_ = 0;
};

// Downloads in one stream, hashing as bytes arrive. `have` valid bytes are
// already in the file.
std::string download_linear(HttpConnection& connection, const std::string& url, const RepoFile& file,
                            const HubContext& context, Progress& progress,
                            const std::atomic<bool>& cancelled, const fs::path& partial, int fd,
                            std::uint64_t have, std::uint64_t file_size_now) {
  if (have != file_size_now && ::ftruncate(fd, static_cast<off_t>(have)) != 0) {
    throw Error(ExitCode::usage, "cannot truncate " + partial.string());
  }
  Digest digest = new_digest(file);
  hash_file_range(fd, partial, 0, have, digest);
  progress.file_started(file.path, file.size, have);
  ProgressBatch reported(progress, file.path);

  RangeJob job;
  job.position = have;
  job.end = file.size;
  job.write = [&](const char* data, std::size_t size) {
    write_all(fd, partial, data, size, job.position);
    digest.update(data, size);
    job.position += size;
    reported.add(size);
  };
  job.restart = [&] {
    if (::ftruncate(fd, 0) != 0) throw Error(ExitCode::usage, "cannot truncate " + partial.string());
    job.position = 0;
    digest = new_digest(file);
    reported.discard();
    progress.file_restarted(file.path);
  };
  fetch_range(connection, url, job, file, context, cancelled);
  reported.flush();
  return digest.hex_final();
}

// Downloads the file's pieces over parallel connections into their places
// in the file, and hashes them in order while they arrive. Once the hash
// has reached the piece a connection is writing, that connection hashes
// its bytes as it receives them, while they are still in the CPU cache
// (first reading back what it wrote of that piece before the hash got
// there). Pieces completed ahead of the hash are read back from the file by
// this thread when the hash reaches them. With one connection nothing is
// read back; with several, what arrived before its turn is.
// Throws RangesUnsupported when the server ignores Range.
std::string download_ranged(const HttpSettings& settings, const std::string& url, const RepoFile& file,
                            const HubContext& context, Progress& progress,
                            const std::atomic<bool>& cancelled, const fs::path& partial, int fd,
                            std::size_t streams, std::uint64_t have) {
  std::vector<Segment> segments;
  if (auto runs = load_segments(fd, file.size)) {
    segments = pieces_from_runs(file.size, *runs);
  } else {
    segments = pieces_from_prefix(file.size, have);
  }
  std::uint64_t already = 0;
  for (const auto& s : segments) already += s.done;
  progress.file_started(file.path, file.size, already);

  // Bytes of each piece written so far, exact to the byte (Segment::done,
  // what the attribute records, follows in steps of kPersistEvery).
  std::vector<std::atomic<std::uint64_t>> written(segments.size());
  for (std::size_t i = 0; i < segments.size(); ++i) written[i] = segments[i].done;

  // The hash: whoever holds `hashing` may feed `digest`, which has consumed
  // bytes [0, hashed) of the file.
  Digest digest = new_digest(file);
  std::atomic<std::uint64_t> hashed{0};
  std::atomic<bool> hashing{false};
  struct Release {
    std::atomic<bool>& baton;
    ~Release() { baton.store(false, std::memory_order_release); }
  };
  // Called by the connection writing piece `index` with the bytes it just
  // wrote at `position`: hashes them if the hash has reached its piece.
  const auto hash_in_connection = [&](std::size_t index, const char* data, std::size_t size,
                                      std::uint64_t position) {
    const std::uint64_t piece_start = segments[index].start;
    std::uint64_t at = hashed.load(std::memory_order_acquire);
    if (at < piece_start || at > position || hashing.exchange(true, std::memory_order_acq_rel)) return;
    const Release release{hashing};
    at = hashed.load(std::memory_order_acquire);
    if (at < piece_start || at > position) return;
    hash_file_range(fd, partial, at, position, digest);
    digest.update(data, size);
    hashed.store(position + size, std::memory_order_release);
  };
  // Where the complete pieces end: the start of the first piece not yet
  // complete, which only moves forward. This thread alone uses it.
  std::size_t first_open = 0;
  const auto complete_prefix = [&] {
    while (first_open < segments.size() &&
           written[first_open].load(std::memory_order_acquire) == segments[first_open].size()) {
      ++first_open;
    }
    return first_open < segments.size() ? segments[first_open].start : file.size;
  };

  std::mutex mutex;
  std::condition_variable advanced;
  std::atomic<bool> stop{false};
  std::optional<Error> failure;
  bool unsupported = false;

  // Where the Hub's redirect for this file led (the CDN): later pieces go
  // there directly, sparing the Hub a request per piece, as hf_transfer and
  // aria2 do. Empty until a piece has been received.
  std::string direct_url;

  const auto persist_locked = [&] {
    const std::string text = encode_segments(segments);
    // Best effort: without xattrs a killed run restarts this file.
    ::fsetxattr(fd, kSegmentsAttribute, text.data(), text.size(), 0);
  };
  {
    std::lock_guard lock(mutex);
    persist_locked();
  }

  const auto fail = [&](std::optional<Error> error, bool ranges_unsupported) {
    std::lock_guard lock(mutex);
    if (!failure && !unsupported) {
      failure = std::move(error);
      unsupported = ranges_unsupported;
    }
    stop = true;
    advanced.notify_all();
  };

  std::atomic<std::size_t> connections{0};
  const auto worker = [&] {
    ++connections;
    try {
      HttpConnection connection(settings);
      ProgressBatch reported(progress, file.path);
      while (!stop) {
        std::size_t index = segments.size();
        std::string source;  // where this piece is asked for
        RangeJob job;
        job.linear = false;
        {
          std::unique_lock lock(mutex);
          for (;;) {
            for (index = 0; index < segments.size(); ++index) {
              if (!segments[index].taken && !segments[index].complete()) break;
            }
            if (index == segments.size() || stop) return;
            // Stay at most one piece per connection ahead of the piece the
            // hash is in: the hash is the one part that cannot run in
            // parallel, so when it falls behind, its thread gets the CPU
            // rather than this one.
            const std::uint64_t lead = (connections + 1) * segments.front().size();
            if (segments[index].start < hashed.load(std::memory_order_acquire) + lead) break;
            advanced.wait_for(lock, std::chrono::milliseconds(50));
          }
          segments[index].taken = true;
          job.position = segments[index].start + segments[index].done;
          source = direct_url.empty() ? url : direct_url;
        }
        Segment& piece = segments[index];
        job.end = piece.end;
        std::uint64_t unrecorded = 0;
        const auto record = [&] {
          reported.flush();
          std::lock_guard lock(mutex);
          piece.done = job.position - piece.start;
          persist_locked();
          unrecorded = 0;
          advanced.notify_all();
        };
        job.write = [&](const char* data, std::size_t size) {
          const std::uint64_t position = job.position;
          write_all(fd, partial, data, size, position);
          job.position += size;
          written[index].store(job.position - piece.start, std::memory_order_release);
          hash_in_connection(index, data, size, position);
          reported.add(size);
          unrecorded += size;
          if (unrecorded >= kPersistEvery) record();
        };
        try {
          fetch_range(connection, source, job, file, context, stop);
        } catch (const Error& e) {
          const bool refused = e.code() == ExitCode::access_denied || e.code() == ExitCode::not_found;
          if (source == url || !refused) throw;
          // The address the Hub redirected to may have expired (signed CDN
          // URLs do, with 403): ask the Hub again.
          {
            std::lock_guard lock(mutex);
            if (direct_url == source) direct_url.clear();
          }
          fetch_range(connection, url, job, file, context, stop);
        }
        record();
        if (source == url && job.answered_by != url) {
          std::lock_guard lock(mutex);
          direct_url = job.answered_by;
        }
      }
    } catch (const RangesUnsupported&) {
      fail(std::nullopt, true);
    } catch (const DownloadCancelled&) {
      fail(std::nullopt, false);
    } catch (const Error& e) {
      fail(e, false);
    } catch (const TransportError& e) {
      fail(Error(ExitCode::network, e.message), false);
    }
  };
  std::vector<std::thread> workers;
  const auto open_pieces = static_cast<std::size_t>(
      std::count_if(segments.begin(), segments.end(), [](const Segment& s) { return !s.complete(); }));
  for (std::size_t i = 0; i < std::min({kFirstStreams, streams, open_pieces}); ++i) {
    workers.emplace_back(worker);
  }

  using Clock = std::chrono::steady_clock;
  const auto bytes_written = [&] {
    std::uint64_t total = 0;
    for (const auto& piece : written) total += piece.load(std::memory_order_relaxed);
    return total;
  };
  auto last_look = Clock::now();
  std::uint64_t bytes_at_last_look = bytes_written();
  const auto add_stream_if_slow_locked = [&] {
    const auto now = Clock::now();
    if (now - last_look < kRampInterval) return;
    const std::uint64_t bytes = bytes_written();
    const double rate = static_cast<double>(bytes - bytes_at_last_look) /
                        std::chrono::duration<double>(now - last_look).count();
    last_look = now;
    bytes_at_last_look = bytes;
    const bool unclaimed = std::any_of(segments.begin(), segments.end(),
                                       [](const Segment& s) { return !s.taken && !s.complete(); });
    const double busy = kBusyStreamRate * static_cast<double>(workers.size());
    if (workers.size() < streams && unclaimed && rate < busy) {
      workers.emplace_back(worker);
    }
  };

  // This thread reads back the pieces completed ahead of the hash, once the
  // hash gets there: when the gap is worth a wake-up, or at the end. It
  // leaves a piece still being written to its connection.
  std::optional<Error> hash_error;
  try {
    while (hashed.load(std::memory_order_acquire) < file.size) {
      bool behind = false;
      {
        std::unique_lock lock(mutex);
        behind = advanced.wait_for(lock, std::chrono::milliseconds(100), [&] {
          const std::uint64_t prefix = complete_prefix();
          const std::uint64_t at = hashed.load(std::memory_order_acquire);
          return stop || (prefix > at && (prefix == file.size || prefix >= at + kHashStep));
        });
        // The caller's cancellation stops this download's connections.
        if (cancelled) stop = true;
        if (stop) break;
        add_stream_if_slow_locked();
      }
      if (!behind) continue;
      if (hashing.exchange(true, std::memory_order_acq_rel)) {
        std::this_thread::yield();  // a connection is hashing its bytes
        continue;
      }
      const Release release{hashing};
      const std::uint64_t from = hashed.load(std::memory_order_acquire);
      const std::uint64_t until = complete_prefix();
      if (from < until) {
        hash_file_range(fd, partial, from, until, digest);
        hashed.store(until, std::memory_order_release);
        std::lock_guard lock(mutex);  // wake connections waiting for the hash to move on
        advanced.notify_all();
      }
    }
  } catch (const Error& e) {
    hash_error = e;
  }
  {
    std::lock_guard lock(mutex);
    stop = true;
    advanced.notify_all();
  }
  for (auto& worker_thread : workers) worker_thread.join();

  if (unsupported) throw RangesUnsupported{};
  if (failure) throw *failure;
  if (cancelled) throw DownloadCancelled{};
  if (hash_error) throw *hash_error;
  if (hashed != file.size) {
    throw Error(ExitCode::network, "the download of " + describe(file, context) + " stopped early");
  }
  ::fremovexattr(fd, kSegmentsAttribute);
  return digest.hex_final();
}

}  // namespace

bool download_blob(HttpConnection& connection, const RepoCache& cache, const RepoFile& file,
                   const std::string& url, const HubContext& context, Progress& progress,
                   const std::atomic<bool>& cancelled, const DownloadTuning& tuning) {
  const std::string etag = file.etag();
  // The same lock file huggingface_hub takes, so the two never download the
  // same blob at once; it also serializes our own parallel processes.
  FileLock lock(cache.lock_path(etag));
  if (cache.has_blob(etag)) return false;

  const fs::path partial = cache.incomplete_path(etag);
  fs::create_directories(partial.parent_path());
  File out(partial, O_RDWR | O_CREAT);
  struct stat info {};
  if (out.fd() < 0 || ::fstat(out.fd(), &info) != 0) {
    throw Error(ExitCode::usage, "cannot write " + partial.string() + ": " + std::strerror(errno) +
                                     "; check that the cache folder is writable (HF_HUB_CACHE)");
  }
  // What a previous, interrupted run left. An empty file is a fresh start:
  // no attribute to read, nothing to truncate or hash again.
  const auto left = static_cast<std::uint64_t>(info.st_size);
  const bool resuming = left > 0;

  std::string actual;
  const bool ranged = tuning.streams > 1 && file.size >= tuning.ranged_threshold;
  try {
    if (!ranged) throw RangesUnsupported{};
    actual = download_ranged(connection.settings(), url, file, context, progress, cancelled, partial,
                             out.fd(), tuning.streams, left > file.size ? 0 : left);
  } catch (const RangesUnsupported&) {
    // One stream: small files, or a server that ignores Range. A part-file
    // a ranged run left has holes: keep only its valid prefix.
    std::uint64_t have = left > file.size ? 0 : left;
    if (resuming || ranged) {
      if (auto runs = load_segments(out.fd(), file.size)) {
        have = runs->front().done;
        ::fremovexattr(out.fd(), kSegmentsAttribute);
      }
    }
    // The ranged attempt may have written pieces past the prefix.
    struct stat now {};
    const auto size_now = ::fstat(out.fd(), &now) == 0 ? static_cast<std::uint64_t>(now.st_size) : left;
    actual = download_linear(connection, url, file, context, progress, cancelled, partial, out.fd(), have,
                             size_now);
  }

  struct stat done {};
  const bool sized = ::fstat(out.fd(), &done) == 0;
  const auto size = sized ? static_cast<std::uint64_t>(done.st_size) : 0;
  if (!sized || size != file.size || actual != etag) {
    std::error_code ec;
    fs::remove(partial, ec);
    throw Error(ExitCode::integrity,
                "integrity check failed for " + describe(file, context) + ": expected " +
                    (file.is_lfs() ? "sha256 " : "git blob sha1 ") + etag + " (" +
                    std::to_string(file.size) + " bytes), got " + actual + " (" +
                    std::to_string(size) + " bytes); the corrupt download was discarded, "
                    "nothing was cached; run again, and report it if it persists");
  }
  progress.file_done(file.path);
  cache.publish_blob(partial, etag);
  return true;
}

}  // namespace hubdeps
