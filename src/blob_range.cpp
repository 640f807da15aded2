#include "blob_range.hpp"

#include <algorithm>

#include "download.hpp"
#include "error.hpp"
#include "progress.hpp"

namespace hubdeps {

namespace {

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

// A 206 whose Content-Length is `length`; a mirror may send no Content-Range
// with it (hf-mirror style; hf-hub#144).
bool has_length(const HttpResponse& response, std::uint64_t length) {
  const auto* value = response.header("content-length");
  try {
    return value && std::stoull(*value) == length;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

Digest new_digest(const RepoFile& file) {
  return file.is_lfs() ? Digest(Digest::Algorithm::sha256) : git_blob_sha1_digest(file.size);
}

void hash_file_range(const PartFile& part, std::uint64_t from, std::uint64_t to, Digest& digest) {
  if (from >= to) return;  // the usual case for a fresh small file: no buffer to allocate and clear
  std::string buffer(static_cast<std::size_t>(std::min<std::uint64_t>(to - from, 1u << 20)), '\0');
  while (from < to) {
    std::error_code error;
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(to - from, buffer.size()));
    const std::size_t n = part.file.read_at(buffer.data(), want, from, error);
    if (error) throw Error(ExitCode::io, "cannot read back " + part.path.string() + ": " + error.message());
    if (n == 0) {
      throw Error(ExitCode::integrity, "cannot read back " + part.path.string() +
                                           ": it is shorter than what was written to it");
    }
    digest.update(buffer.data(), n);
    from += n;
  }
}

void truncate_part(const PartFile& part, std::uint64_t size) {
  std::error_code error;
  part.file.truncate(size, error);
  if (error) throw Error(ExitCode::io, "cannot truncate " + part.path.string() + ": " + error.message());
}

void WriteToFile::take(const char* data, std::size_t size, std::uint64_t offset) {
  std::error_code error;
  part_.file.write_at(data, size, offset, error);
  if (error == std::errc::no_space_on_device) {
    // The partial file holds the space: say which, and both ways out.
    std::error_code ignored;
    const auto held = part_.file.status(ignored).size;
    throw Error(ExitCode::io, "the disk filled up while downloading into " + part_.path.string() + ", which holds " +
                                  format_bytes(static_cast<double>(held)) +
                                  " of the download: free some space and run the same command again to resume "
                                  "from there, or remove it to get the space back (rm '" + part_.path.string() +
                                  "')");
  }
  if (error) {
    throw Error(ExitCode::io, "cannot write " + part_.path.string() + ": " + error.message() +
                                     "; free some disk space or check HF_HUB_CACHE");
  }
}

void ReportProgress::take(const char*, std::size_t size, std::uint64_t) {
  pending_ += size;
  if (pending_ >= kReportEvery) flush();
}

void ReportProgress::flush() {
  if (pending_ > 0) progress_.bytes(path_, pending_);
  pending_ = 0;
}

void ReportProgress::start_over() {
  pending_ = 0;
  progress_.file_restarted(path_);
}

BlobRange::BlobRange(const RepoFile& file, const HubContext& file_context, Kind kind, std::uint64_t position,
                     std::uint64_t end, BlobStep& steps, const std::atomic<bool>& cancelled)
    : file_(file), context_(file_context), kind_(kind), position_(position), end_(end), steps_(steps),
      cancelled_(cancelled) {}

void BlobRange::prepare(HttpRequest& request) {
  if (cancelled_) throw DownloadCancelled{};
  wrong_range_ = false;
  oversized_ = false;
  asked_whole_ = position_ == 0 && end_ == file_.size;
  request.range_start.reset();
  request.range_end.reset();
  if (!asked_whole_) {
    request.range_start = position_;
    // A resume asks for the rest, like huggingface_hub; a piece of a
    // ranged download asks for exactly its bytes.
    if (kind_ == Kind::piece) request.range_end = end_ - 1;
  }
}

bool BlobRange::start(const HttpResponse& response) {
  if (!asked_whole_ && response.status == 200) {
    if (kind_ == Kind::piece) {
      ranges_ignored_ = true;
      return false;
    }
    start_over();  // the server ignored our Range and sends the whole file
  } else if (response.status == 206 && content_range_start(response) != position_) {
    // Without a Content-Range, a body of exactly the length asked for is
    // taken as the bytes asked for: the hash has the last word either way.
    const bool unlabelled = !response.header("content-range") && has_length(response, end_ - position_);
    if (!unlabelled) {
      wrong_range_ = true;
      return false;
    }
  }
  return true;
}

bool BlobRange::write(const char* data, std::size_t size) {
  if (cancelled_) return false;
  if (position_ + size > end_) {
    oversized_ = true;
    return false;
  }
  steps_.write(data, size, position_);
  position_ += size;
  return true;
}

Verdict BlobRange::settle(const HttpResponse* answer) {
  if (cancelled_) throw DownloadCancelled{};
  if (oversized_) {
    throw Error(ExitCode::integrity, "the server sent more than the " + std::to_string(file_.size) +
                                         " bytes listed for " + describe_request(context_) +
                                         "; nothing was cached");
  }
  if (!answer) return Verdict::again({});  // the connection broke: resume where it stopped
  if (ranges_ignored_) return Verdict::done();
  if (wrong_range_ || answer->status == 416) {
    if (kind_ == Kind::piece) {
      ranges_ignored_ = true;
      return Verdict::done();
    }
    start_over();
    return Verdict::again("the server answered with the wrong range");
  }
  // Any other status is the caller's to explain.
  if (answer->status < 200 || answer->status >= 300) return Verdict::done();
  if (position_ == end_) {
    complete_ = true;
    return Verdict::done();
  }
  return Verdict::again("the body ended at byte " + std::to_string(position_) + " of " + std::to_string(end_));
}

void BlobRange::start_over() {
  position_ = 0;
  steps_.restart();
}

std::optional<std::string> fetch_blob_range(HttpTransport& connection, const std::string& url,
                                            BlobRange& range, const HubContext& file_context) {
  HttpRequest request;
  request.url = url;
  // Sizes and hashes are of the raw bytes: never let a proxy compress.
  request.headers.push_back("Accept-Encoding: identity");
  const HttpResponse answer = send_with_retries(connection, std::move(request), Redirects::any, file_context, range);
  if (range.complete()) return answer.url;
  if (range.ranges_ignored()) return std::nullopt;
  throw_hub_error(answer, file_context, connection.settings().endpoint);
}

}  // namespace hubdeps
