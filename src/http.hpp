// The HTTP transport: one connection per worker (so it is reused; libcurl's
// easy handle in http.cpp, a WinHTTP session on Windows in
// http_winhttp.cpp), the token policy, and the parts of the redirect and retry
// policy (where a Location leads, which statuses are worth another attempt,
// how long to wait); the loop that applies them is send_with_retries
// (hub_api.hpp). Knows nothing about the Hub's endpoints or the cache.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hubdeps {

// Settings shared by every connection of one run.
struct HttpSettings {
  std::string endpoint;               // the Hub; the only origin that ever gets the token
  std::optional<std::string> token;   // never logged, never sent elsewhere
  double connect_timeout_seconds = 10;
  double read_timeout_seconds = 10;   // abort when no byte arrives for this long
  int max_attempts = 6;               // 1 try + 5 retries, like huggingface_hub's resumes
  std::chrono::milliseconds first_backoff{500};
  std::chrono::milliseconds max_backoff{8000};
  std::string user_agent = "hubdeps/0.1";
  std::string ca_bundle;  // PEM file of trusted CAs; empty: the system's
  // Told before each pause of the retry loop: what is retried, why, and
  // when (a line in the progress output, so a slow link never looks hung).
  std::function<void(const std::string& message)> on_retry;
};

// A request body streamed from bytes [offset, offset + length) of a file
// (LFS uploads of any size): read with pread as libcurl asks for it, so
// memory stays bounded and a retried request simply reads the bytes again.
struct FileBody {
  std::filesystem::path path;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  // Bytes of this body handed to libcurl so far in the current attempt
  // (it starts again from 0 when the request is retried).
  std::function<void(std::uint64_t sent)> on_progress;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;   // "Name: value"
  std::string body;
  std::optional<FileBody> body_file;  // sent instead of `body` when set (PUT or POST)
  std::optional<std::uint64_t> range_start;  // sends Range: bytes=<start>-
  std::optional<std::uint64_t> range_end;    // inclusive, with range_start
  // Sent at most once per perform(): on a fresh connection, closed after it,
  // because libcurl silently sends a request again when a reused connection
  // turns out closed. A failure after the connection was made is then not
  // retryable: the server may have received the request (a commit).
  bool send_once = false;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // empty when streamed to a BodyWriter
  std::string url;                             // the URL that answered

  const std::string* header(std::string_view name) const;
};

// Receives the body of a 2xx answer as it streams in (a download writes it
// to a file). Returning false from either method stops the transfer: the
// answer so far is returned, and the writer knows why it stopped.
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  // The answer's status and headers, before its first body byte (to tell a
  // 206 from a 200 that restarts the file).
  virtual bool start(const HttpResponse& response) = 0;
  virtual bool write(const char* data, std::size_t size) = 0;
};

// A transport failure (no HTTP answer): connection refused, reset, timeout.
struct TransportError {
  std::string message;
  bool timed_out = false;
  // False for failures another attempt cannot fix: an untrusted TLS
  // certificate, a malformed URL, an unsupported scheme.
  bool retryable = true;
};

// What sends one request and returns its answer: an HttpConnection, or a
// test's stand-in for one.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  // One exchange: no redirects followed, no retries. The body of a 2xx
  // answer goes to `body` when given (capped in memory otherwise); error
  // bodies are always kept (capped) for messages. Throws TransportError, and
  // rethrows what `body` threw.
  virtual HttpResponse perform(const HttpRequest& request, BodyWriter* body = nullptr) = 0;

  virtual const HttpSettings& settings() const = 0;
};

// A libcurl easy handle (a WinHTTP session on Windows), kept for its
// connection: one per worker.
class HttpConnection final : public HttpTransport {
 public:
  explicit HttpConnection(const HttpSettings& settings);
  ~HttpConnection() override;
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  HttpResponse perform(const HttpRequest& request, BodyWriter* body = nullptr) override;
  const HttpSettings& settings() const override { return settings_; }

 private:
  struct Handle;
  HttpSettings settings_;
  std::unique_ptr<Handle> handle_;
};

// Percent-encodes everything but unreserved characters, and '/' when
// `keep_slash` (file paths keep their folders; revisions do not).
std::string url_encode(std::string_view text, bool keep_slash);

// scheme://host[:port] of a URL, lower-cased; empty if it has none.
std::string url_origin(std::string_view url);

// Resolves a Location header against the URL that sent it.
std::string resolve_location(const std::string& base_url, const std::string& location);

// Whether a status or transport error is worth another attempt:
// 408, 429, 500, 502, 503, 504, and every transport error.
bool is_retryable_status(long status);

// The pause before attempt `attempt` (1-based retries): exponential, capped,
// or the server's Retry-After (seconds) when it sent one.
std::chrono::milliseconds retry_delay(const HttpSettings& settings, int attempt,
                                      const HttpResponse* response);

void global_http_init();  // curl_global_init once per process (nothing for WinHTTP)

}  // namespace hubdeps
