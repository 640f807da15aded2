#include "download.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>

#include "error.hpp"
#include "hash.hpp"

namespace hubdeps {

namespace {

constexpr int kMaxRedirects = 10;

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

// Feeds the part of the file a previous run left behind into the digest,
// so a resumed download is verified over all of its bytes.
void hash_existing(const fs::path& path, std::uint64_t size, Digest& digest) {
  File in(path, O_RDONLY);
  std::string buffer(1 << 20, '\0');
  std::uint64_t left = size;
  while (left > 0 && in.fd() >= 0) {
    const auto n = ::read(in.fd(), buffer.data(), std::min<std::uint64_t>(left, buffer.size()));
    if (n <= 0) break;
    digest.update(buffer.data(), static_cast<std::size_t>(n));
    left -= static_cast<std::uint64_t>(n);
  }
  if (left != 0) throw Error(ExitCode::integrity, "cannot read back " + path.string());
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

}  // namespace

bool download_blob(HttpConnection& connection, const RepoCache& cache, const RepoFile& file,
                   const std::string& url, const HubContext& context, Progress& progress,
                   const std::atomic<bool>& cancelled) {
  const std::string etag = file.etag();
  // The same lock file huggingface_hub takes, so the two never download the
  // same blob at once; it also serializes our own parallel processes.
  FileLock lock(cache.lock_path(etag));
  if (cache.has_blob(etag)) return false;

  const fs::path partial = cache.incomplete_path(etag);
  fs::create_directories(partial.parent_path());
  std::error_code ec;
  std::uint64_t have = fs::exists(partial, ec) ? fs::file_size(partial, ec) : 0;
  if (ec || have > file.size) {
    fs::remove(partial, ec);
    have = 0;
  }
  File out(partial, O_WRONLY | O_CREAT);
  if (out.fd() < 0) {
    throw Error(ExitCode::usage, "cannot write " + partial.string() + ": " + std::strerror(errno) +
                                     "; check that the cache folder is writable (HF_HUB_CACHE)");
  }
  Digest digest = new_digest(file);
  if (have > 0) hash_existing(partial, have, digest);
  progress.file_started(file.path, file.size, have);

  const auto restart = [&] {
    if (::ftruncate(out.fd(), 0) != 0) throw Error(ExitCode::usage, "cannot truncate " + partial.string());
    progress.file_restarted(file.path);
    have = 0;
    digest = new_digest(file);
  };

  const auto& settings = connection.settings();
  std::string last_problem;
  bool oversized = false;
  bool write_failed = false;
  int write_errno = 0;
  for (int attempt = 1; have < file.size || file.size == 0; ++attempt) {
    if (attempt > settings.max_attempts) {
      throw Error(ExitCode::network, "could not download " + describe(file, context) + " after " +
                                         std::to_string(settings.max_attempts) + " attempts: " +
                                         last_problem + "; run again to resume from " +
                                         std::to_string(have) + " bytes");
    }
    if (cancelled) throw DownloadCancelled{};

    HttpRequest request;
    request.url = url;
    // Sizes and hashes are of the raw bytes: never let a proxy compress.
    request.headers.push_back("Accept-Encoding: identity");
    if (have > 0) request.range_start = have;

    const BodyStart on_start = [&](const HttpResponse& response) {
      if (have > 0 && response.status == 200) {
        restart();  // the server ignored our Range and sends the whole file
      } else if (response.status == 206 && content_range_start(response) != have) {
        return false;
      }
      return true;
    };
    const BodySink on_bytes = [&](const char* data, std::size_t size) {
      if (cancelled) return false;
      if (have + size > file.size) {
        oversized = true;
        return false;
      }
      for (std::size_t written = 0; written < size;) {
        const auto n = ::pwrite(out.fd(), data + written, size - written,
                                static_cast<off_t>(have + written));
        if (n < 0) {
          if (errno == EINTR) continue;
          write_failed = true;
          write_errno = errno;
          return false;
        }
        written += static_cast<std::size_t>(n);
      }
      digest.update(data, size);
      have += size;
      progress.bytes(file.path, size);
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
      last_problem = e.message;  // reset, timeout, short body: resume below
    }

    if (cancelled) throw DownloadCancelled{};
    if (write_failed) {
      throw Error(ExitCode::usage, "cannot write " + partial.string() + ": " +
                                       std::strerror(write_errno) + "; free some disk space");
    }
    if (oversized) {
      fs::remove(partial, ec);
      throw Error(ExitCode::integrity, "the server sent more than the " + std::to_string(file.size) +
                                           " bytes listed for " + describe(file, context) +
                                           "; nothing was cached");
    }
    if (answer) {
      if (answer->header("x-hubdeps-sink-aborted")) {
        last_problem = "the server answered a Range request with the wrong range";
        restart();
      } else if (answer->status == 416) {
        last_problem = "the server rejected the resume range";
        restart();
      } else if (answer->status >= 200 && answer->status < 300) {
        if (have == file.size) break;
        last_problem = "the body ended after " + std::to_string(have) + " of " +
                       std::to_string(file.size) + " bytes";
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
    if (have < file.size) std::this_thread::sleep_for(retry_delay(settings, attempt, nullptr));
  }

  const std::string actual = digest.hex_final();
  if (have != file.size || actual != etag) {
    fs::remove(partial, ec);
    throw Error(ExitCode::integrity,
                "integrity check failed for " + describe(file, context) + ": expected " +
                    (file.is_lfs() ? "sha256 " : "git blob sha1 ") + etag + " (" +
                    std::to_string(file.size) + " bytes), got " + actual + " (" +
                    std::to_string(have) + " bytes); the corrupt download was discarded, "
                    "nothing was cached; run again, and report it if it persists");
  }
  progress.file_done(file.path);
  cache.publish_blob(partial, etag);
  return true;
}

}  // namespace hubdeps
