// An HttpTransport that answers from a function instead of the network, so
// the retry loop and the downloads can be tested without a server. It hands
// a 2xx body to the BodyWriter the way HttpConnection does: start() before
// the first byte, then the bytes in small chunks, stopping when the writer
// refuses.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "http.hpp"

namespace hubdeps::fake {

struct FakeAnswer {
  long status = 200;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  // The connection breaks (retryable) after this many body bytes.
  std::size_t cut_after = std::string::npos;
  // No answer at all: a transport failure.
  bool unreachable = false;
  bool retryable = true;
};

// Retries without waiting.
inline HttpSettings fast_settings(int max_attempts = 4) {
  HttpSettings settings;
  settings.endpoint = "http://hub.test";
  settings.max_attempts = max_attempts;
  settings.first_backoff = std::chrono::milliseconds(0);
  settings.max_backoff = std::chrono::milliseconds(0);
  return settings;
}

class FakeTransport final : public HttpTransport {
 public:
  using Script = std::function<FakeAnswer(const HttpRequest& request, std::size_t index)>;

  explicit FakeTransport(Script script, HttpSettings settings = fast_settings())
      : script_(std::move(script)), settings_(std::move(settings)) {}

  HttpResponse perform(const HttpRequest& request, BodyWriter* body = nullptr) override {
    std::size_t index = 0;
    {
      std::lock_guard lock(mutex_);
      index = requests_.size();
      requests_.push_back(request);
    }
    const FakeAnswer answer = script_(request, index);
    if (answer.unreachable) throw TransportError{"connection refused", false, answer.retryable};
    HttpResponse response;
    response.status = answer.status;
    response.headers = answer.headers;
    response.url = request.url;
    const std::size_t sent = std::min(answer.cut_after, answer.body.size());
    if (!body || answer.status < 200 || answer.status >= 300) {
      response.body = answer.body.substr(0, sent);
    } else if (sent > 0) {
      if (!body->start(response)) return response;
      for (std::size_t at = 0; at < sent; at += kChunk) {
        if (!body->write(answer.body.data() + at, std::min(kChunk, sent - at))) return response;
      }
    }
    if (sent < answer.body.size()) throw TransportError{"connection reset", false, true};
    return response;
  }

  const HttpSettings& settings() const override { return settings_; }

  std::vector<HttpRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  static constexpr std::size_t kChunk = 64 * 1024;
  Script script_;
  HttpSettings settings_;
  mutable std::mutex mutex_;
  std::vector<HttpRequest> requests_;
};

// Serves `blob` at any URL, honouring Range as a Hub's CDN does.
inline FakeAnswer serve_range(const std::string& blob, const HttpRequest& request) {
  FakeAnswer answer;
  if (!request.range_start) {
    answer.body = blob;
    return answer;
  }
  const std::size_t first = static_cast<std::size_t>(*request.range_start);
  const std::size_t last = request.range_end ? static_cast<std::size_t>(*request.range_end) : blob.size() - 1;
  if (first >= blob.size()) {
    answer.status = 416;
    return answer;
  }
  answer.status = 206;
  answer.headers["content-range"] =
      "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" + std::to_string(blob.size());
  answer.body = blob.substr(first, last - first + 1);
  return answer;
}

}  // namespace hubdeps::fake
