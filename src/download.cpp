#include "download.hpp"

#include <fcntl.h>
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
constexpr std::uint64_t kPersistEvery = 1u << 20;

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
  std::string buffer(1 << 20, '\0');
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
        if (job.position == job.end) return;
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

// One part of a ranged download: bytes [start, end), `done` of them written.
struct Segment {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  std::uint64_t done = 0;
};

std::string encode_segments(const std::vector<Segment>& segments) {
  std::string text;
  for (const auto& s : segments) {
    text += std::to_string(s.start) + "-" + std::to_string(s.end) + ":" + std::to_string(s.done) + ",";
  }
  return text;
}

// The recorded parts, if they describe a download of exactly `size` bytes.
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

std::vector<Segment> split(std::uint64_t size, std::size_t parts, std::uint64_t have) {
  std::vector<Segment> segments;
  const std::uint64_t step = (size + parts - 1) / parts;
  for (std::uint64_t start = 0; start < size; start += step) {
    Segment s{start, std::min(size, start + step), 0};
    // A single-stream partial file holds valid bytes [0, have).
    if (have > s.start) s.done = std::min(have, s.end) - s.start;
    segments.push_back(s);
  }
  return segments;
}

// Downloads in one stream, hashing as bytes arrive.
std::string download_linear(HttpConnection& connection, const std::string& url, const RepoFile& file,
                            const HubContext& context, Progress& progress,
                            const std::atomic<bool>& cancelled, const fs::path& partial, int fd) {
  std::error_code ec;
  std::uint64_t have = fs::file_size(partial, ec);
  if (ec || have > file.size) have = 0;
  if (::ftruncate(fd, static_cast<off_t>(have)) != 0) {
    throw Error(ExitCode::usage, "cannot truncate " + partial.string());
  }
  Digest digest = new_digest(file);
  hash_file_range(fd, partial, 0, have, digest);
  progress.file_started(file.path, file.size, have);

  RangeJob job;
  job.position = have;
  job.end = file.size;
  job.write = [&](const char* data, std::size_t size) {
    write_all(fd, partial, data, size, job.position);
    digest.update(data, size);
    job.position += size;
    progress.bytes(file.path, size);
  };
  job.restart = [&] {
    if (::ftruncate(fd, 0) != 0) throw Error(ExitCode::usage, "cannot truncate " + partial.string());
    job.position = 0;
    digest = new_digest(file);
    progress.file_restarted(file.path);
  };
  fetch_range(connection, url, job, file, context, cancelled);
  return digest.hex_final();
}

// Downloads parts of the file over parallel connections into their places
// in the file, while a hasher thread reads back the completed prefix.
// Throws RangesUnsupported when the server ignores Range.
std::string download_ranged(const HttpSettings& settings, const std::string& url, const RepoFile& file,
                            const HubContext& context, Progress& progress,
                            const std::atomic<bool>& cancelled, const fs::path& partial, int fd,
                            std::size_t streams) {
  std::vector<Segment> segments;
  if (auto loaded = load_segments(fd, file.size)) {
    segments = *loaded;
  } else {
    std::error_code ec;
    const std::uint64_t have = fs::file_size(partial, ec);
    segments = split(file.size, streams, ec || have > file.size ? 0 : have);
  }
  std::uint64_t already = 0;
  for (const auto& s : segments) already += s.done;
  progress.file_started(file.path, file.size, already);

  std::mutex mutex;
  std::condition_variable advanced;
  std::atomic<bool> stop{false};
  std::optional<Error> failure;
  bool unsupported = false;

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

  std::vector<std::thread> workers;
  for (std::size_t index = 0; index < segments.size(); ++index) {
    workers.emplace_back([&, index] {
      try {
        HttpConnection connection(settings);
        Segment& segment = segments[index];
        RangeJob job;
        job.linear = false;
        {
          std::lock_guard lock(mutex);
          job.position = segment.start + segment.done;
        }
        job.end = segment.end;
        std::uint64_t unsaved = 0;
        job.write = [&](const char* data, std::size_t size) {
          write_all(fd, partial, data, size, job.position);
          job.position += size;
          progress.bytes(file.path, size);
          std::lock_guard lock(mutex);
          segment.done = job.position - segment.start;
          unsaved += size;
          if (unsaved >= kPersistEvery) {
            persist_locked();
            unsaved = 0;
          }
          advanced.notify_all();
        };
        fetch_range(connection, url, job, file, context, stop);
        std::lock_guard lock(mutex);
        persist_locked();
        advanced.notify_all();
      } catch (const RangesUnsupported&) {
        fail(std::nullopt, true);
      } catch (const DownloadCancelled&) {
        fail(std::nullopt, false);
      } catch (const Error& e) {
        fail(e, false);
      } catch (const TransportError& e) {
        fail(Error(ExitCode::network, e.message), false);
      }
    });
  }
  // Mirror the caller's cancellation into this download's stop flag.
  std::thread watcher([&] {
    std::unique_lock lock(mutex);
    while (!stop) {
      if (cancelled) {
        stop = true;
        advanced.notify_all();
        break;
      }
      advanced.wait_for(lock, std::chrono::milliseconds(100));
    }
  });

  // Hash the contiguous completed prefix as it grows.
  Digest digest = new_digest(file);
  std::uint64_t hashed = 0;
  std::optional<Error> hash_error;
  try {
    while (hashed < file.size) {
      std::uint64_t frontier = 0;
      {
        std::unique_lock lock(mutex);
        const auto contiguous = [&] {
          std::uint64_t end = 0;
          for (const auto& s : segments) {
            end = s.start + s.done;
            if (s.done < s.end - s.start) break;
          }
          return end;
        };
        advanced.wait(lock, [&] { return stop || contiguous() > hashed; });
        frontier = contiguous();
        if (frontier <= hashed && stop) break;
      }
      hash_file_range(fd, partial, hashed, frontier, digest);
      hashed = frontier;
    }
  } catch (const Error& e) {
    hash_error = e;
  }
  {
    std::lock_guard lock(mutex);
    stop = true;
    advanced.notify_all();
  }
  for (auto& worker : workers) worker.join();
  watcher.join();

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
  if (out.fd() < 0) {
    throw Error(ExitCode::usage, "cannot write " + partial.string() + ": " + std::strerror(errno) +
                                     "; check that the cache folder is writable (HF_HUB_CACHE)");
  }

  std::string actual;
  const bool ranged = tuning.streams > 1 && file.size >= tuning.ranged_threshold;
  try {
    if (!ranged) throw RangesUnsupported{};
    actual = download_ranged(connection.settings(), url, file, context, progress, cancelled, partial,
                             out.fd(), tuning.streams);
  } catch (const RangesUnsupported&) {
    // One stream: small files, or a server that ignores Range. A part-file
    // a ranged run left has holes: keep only its valid prefix.
    if (auto segments = load_segments(out.fd(), file.size)) {
      const auto& first = segments->front();
      if (::ftruncate(out.fd(), static_cast<off_t>(first.done)) != 0) {
        throw Error(ExitCode::usage, "cannot truncate " + partial.string());
      }
      ::fremovexattr(out.fd(), kSegmentsAttribute);
    }
    actual = download_linear(connection, url, file, context, progress, cancelled, partial, out.fd());
  }

  std::error_code ec;
  const std::uint64_t size = fs::file_size(partial, ec);
  if (ec || size != file.size || actual != etag) {
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
