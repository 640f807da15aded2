// Bytes [position, end) of one blob, fetched into its part-file through
// the retry loop (send_with_retries), each attempt resuming where the last
// stopped. Each byte received takes a chain of small steps, in the manner
// of curl's client writers: the file, the hash, the progress bar (and for a
// ranged download, its own bookkeeping). Used by download.cpp (one stream)
// and ranged_download.cpp (parallel pieces).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "hash.hpp"
#include "hub_api.hpp"
#include "os/file.hpp"
#include "progress.hpp"
#include "repo.hpp"

namespace hubdeps {

// How often received bytes are reported to Progress, and a ranged download
// records a piece's progress (what a killed run can lose per piece): not
// for each 16 KiB libcurl hands over, since taking locks and waking threads
// that often would cost more CPU than hashing the bytes.
inline constexpr std::uint64_t kReportEvery = 1u << 20;

// The file a blob is downloaded into (blobs/<etag>.incomplete), and its
// name for messages.
struct PartFile {
  os::File file;
  std::filesystem::path path;
};

// A fresh digest of the kind that names `file`'s blob: SHA-256 for LFS
// files, git's blob SHA-1 otherwise.
Digest new_digest(const RepoFile& file);

// Feeds bytes [from, to) of the part-file to `digest` (what was written
// before the hash could take it in).
void hash_file_range(const PartFile& part, std::uint64_t from, std::uint64_t to, Digest& digest);

// Cuts the part-file to `size` bytes.
void truncate_part(const PartFile& part, std::uint64_t size);

// One step of the path each received byte takes: it does its one job with
// bytes [offset, offset + size) of the blob, then hands them to the next.
class BlobStep {
 public:
  explicit BlobStep(BlobStep* next) : next_(next) {}
  virtual ~BlobStep() = default;
  BlobStep(const BlobStep&) = delete;
  BlobStep& operator=(const BlobStep&) = delete;

  void write(const char* data, std::size_t size, std::uint64_t offset) {
    take(data, size, offset);
    if (next_) next_->write(data, size, offset);
  }
  // The server sends the whole blob again, from byte 0.
  void restart() {
    start_over();
    if (next_) next_->restart();
  }

 protected:
  virtual void take(const char* data, std::size_t size, std::uint64_t offset) = 0;
  virtual void start_over() {}

 private:
  BlobStep* next_;
};

// Writes the bytes at their place in the part-file.
class WriteToFile final : public BlobStep {
 public:
  WriteToFile(const PartFile& part, BlobStep* next) : BlobStep(next), part_(part) {}

 private:
  void take(const char* data, std::size_t size, std::uint64_t offset) override;
  void start_over() override { truncate_part(part_, 0); }
  const PartFile& part_;
};

// Feeds the bytes to a digest that has taken in every byte before them.
class HashBytes final : public BlobStep {
 public:
  HashBytes(Digest& digest, const RepoFile& file, BlobStep* next)
      : BlobStep(next), digest_(digest), file_(file) {}

 private:
  void take(const char* data, std::size_t size, std::uint64_t) override { digest_.update(data, size); }
  void start_over() override { digest_ = new_digest(file_); }
  Digest& digest_;
  const RepoFile& file_;
};

// Reports the bytes to Progress every kReportEvery: Progress takes a lock
// per call.
class ReportProgress final : public BlobStep {
 public:
  ReportProgress(Progress& progress, const std::string& path, BlobStep* next = nullptr)
      : BlobStep(next), progress_(progress), path_(path) {}
  ~ReportProgress() override { flush(); }
  void flush();

 private:
  void take(const char* data, std::size_t size, std::uint64_t offset) override;
  void start_over() override;
  Progress& progress_;
  const std::string& path_;
  std::uint64_t pending_ = 0;
};

// Bytes [position, end) of `file`'s blob, passed to `steps` as they arrive.
// Its part in the retry loop: each attempt asks for the bytes still
// missing, and each answer is checked (status, range, size).
class BlobRange final : public AttemptHandler, public BodyWriter {
 public:
  enum class Kind {
    rest,   // the rest of the file, in one stream: a 200 to its Range starts the file over
    piece,  // a piece of a ranged download: a 200 to its Range means the server ignores ranges
  };
  BlobRange(const RepoFile& file, const HubContext& file_context, Kind kind, std::uint64_t position,
            std::uint64_t end, BlobStep& steps, const std::atomic<bool>& cancelled);

  std::uint64_t position() const { return position_; }
  // Every byte arrived, in a successful answer.
  bool complete() const { return complete_; }
  // A piece was answered with other bytes than those it asked for.
  bool ranges_ignored() const { return ranges_ignored_; }

  // AttemptHandler
  void prepare(HttpRequest& request) override;
  BodyWriter* body() override { return this; }
  Verdict settle(const HttpResponse* answer) override;
  std::string action() const override { return "download"; }
  std::string advice(const HttpSettings&) const override { return "run again to resume where it stopped"; }

  // BodyWriter
  bool start(const HttpResponse& response) override;
  bool write(const char* data, std::size_t size) override;

 private:
  void start_over();

  const RepoFile& file_;
  const HubContext& context_;
  Kind kind_;
  std::uint64_t position_;
  std::uint64_t end_;
  BlobStep& steps_;
  const std::atomic<bool>& cancelled_;
  bool asked_whole_ = false;  // this attempt asked for the whole file, without a Range
  bool wrong_range_ = false;  // this attempt was answered with a range it did not ask for
  bool oversized_ = false;    // more bytes than the listing says the file has
  bool complete_ = false;
  bool ranges_ignored_ = false;
};

// Fetches `range` from `url` with the retry loop (redirects followed, a
// CDN's included). Returns the URL that sent the bytes (after redirects),
// or nothing when a piece's Range was ignored. Throws Error for anything
// else (naming `file_context`), DownloadCancelled when cancelled.
std::optional<std::string> fetch_blob_range(HttpTransport& connection, const std::string& url,
                                            BlobRange& range, const HubContext& file_context);

}  // namespace hubdeps
