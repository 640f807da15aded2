// The libcurl multiplexer (http_multiplexed.hpp): one multi handle, driven
// by one thread, runs the easy handles the workers prepare. Each worker's
// transport sets its request's options on its own easy handle (as
// HttpConnection does, through CurlExchange), hands the handle over and
// waits; the thread adds it, runs every transfer at once, and hands it back
// when it is over. Body callbacks (writing and hashing a small file) run on
// that thread.
#include "http_multiplexed.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "http_curl.hpp"

namespace hubdeps {

namespace {

// One transfer handed to the multi thread; lives on the waiting worker's
// stack, reached from the easy handle through CURLOPT_PRIVATE.
struct Transfer {
  CURL* easy = nullptr;
  bool done = false;  // guarded by the multiplexer's mutex
  CURLcode result = CURLE_OK;
  std::condition_variable finished;
};

class CurlMultiplexer final : public HttpMultiplexer {
 public:
  CurlMultiplexer(const HttpSettings& settings, std::size_t max_host_connections);
  ~CurlMultiplexer() override;
  CurlMultiplexer(const CurlMultiplexer&) = delete;
  CurlMultiplexer& operator=(const CurlMultiplexer&) = delete;

  std::unique_ptr<HttpTransport> connection() override;
  const HttpSettings& settings() const { return settings_; }

  // Runs `easy` (its options set) among the others; returns its result
  // once it is over and the handle is the caller's again.
  CURLcode run(CURL* easy);

 private:
  void drive();
  void add_submitted();
  void hand_back_finished();
  void hand_back(Transfer& transfer, CURLcode result);

  HttpSettings settings_;
  CURLM* multi_ = nullptr;
  std::mutex mutex_;
  std::vector<Transfer*> submitted_;  // handed in, not yet added
  bool stopping_ = false;
  std::thread thread_;
};

// A worker's view of the multiplexer: its own easy handle, so its options
// and error buffer are its own, and the shared connections.
class MultiplexedConnection final : public HttpTransport {
 public:
  explicit MultiplexedConnection(CurlMultiplexer& multiplexer) : multiplexer_(multiplexer) {
    easy_ = curl_easy_init();
    if (!easy_) throw TransportError{"cannot initialise libcurl"};
  }
  ~MultiplexedConnection() override { curl_easy_cleanup(easy_); }
  MultiplexedConnection(const MultiplexedConnection&) = delete;
  MultiplexedConnection& operator=(const MultiplexedConnection&) = delete;

  HttpResponse perform(const HttpRequest& request, BodyWriter* body) override {
    curl_detail::CurlExchange exchange(easy_, settings(), request, body);
    // Wait for a connection that is being made (or is in use) rather than
    // open another, in case it turns out to speak HTTP/2 and can carry this
    // request too; libcurl opens more once it knows it speaks HTTP/1.1. Only
    // TLS negotiates HTTP/2 (ALPN): over http:// every request would wait
    // for the first answer on the first connection for nothing.
    if (request.url.rfind("https://", 0) == 0) curl_easy_setopt(easy_, CURLOPT_PIPEWAIT, 1L);
    return exchange.finish(multiplexer_.run(easy_));
  }
  const HttpSettings& settings() const override { return multiplexer_.settings(); }

 private:
  CurlMultiplexer& multiplexer_;
  CURL* easy_ = nullptr;
};

CurlMultiplexer::CurlMultiplexer(const HttpSettings& settings, std::size_t max_host_connections)
    : settings_(settings) {
  global_http_init();
  multi_ = curl_multi_init();
  if (!multi_) throw TransportError{"cannot initialise libcurl"};
  const long connections = static_cast<long>(std::max<std::size_t>(1, max_host_connections));
  curl_multi_setopt(multi_, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, connections);
  // Idle connections are kept for the next transfers: by default libcurl
  // keeps 4 per easy handle added, and between two transfers few are.
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, 4 * connections);
  thread_ = std::thread([this] { drive(); });
}

CurlMultiplexer::~CurlMultiplexer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  curl_multi_wakeup(multi_);
  thread_.join();
  curl_multi_cleanup(multi_);
}

std::unique_ptr<HttpTransport> CurlMultiplexer::connection() {
  return std::make_unique<MultiplexedConnection>(*this);
}

CURLcode CurlMultiplexer::run(CURL* easy) {
  Transfer transfer;
  transfer.easy = easy;
  curl_easy_setopt(easy, CURLOPT_PRIVATE, static_cast<void*>(&transfer));
  std::unique_lock lock(mutex_);
  submitted_.push_back(&transfer);
  curl_multi_wakeup(multi_);
  transfer.finished.wait(lock, [&] { return transfer.done; });
  return transfer.result;
}

void CurlMultiplexer::drive() {
  for (;;) {
    add_submitted();
    int running = 0;
    curl_multi_perform(multi_, &running);
    hand_back_finished();
    {
      std::lock_guard lock(mutex_);
      // The workers are gone before the multiplexer: nothing is in flight.
      if (stopping_ && running == 0 && submitted_.empty()) return;
    }
    // Until a socket is ready, a timer of libcurl's is due, or a worker
    // hands in a transfer (curl_multi_wakeup).
    curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
  }
}

void CurlMultiplexer::add_submitted() {
  std::vector<Transfer*> added;
  {
    std::lock_guard lock(mutex_);
    added.swap(submitted_);
  }
  for (Transfer* transfer : added) {
    if (curl_multi_add_handle(multi_, transfer->easy) != CURLM_OK) hand_back(*transfer, CURLE_FAILED_INIT);
  }
}

void CurlMultiplexer::hand_back_finished() {
  int left = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
    if (message->msg != CURLMSG_DONE) continue;
    CURL* easy = message->easy_handle;
    const CURLcode result = message->data.result;  // read before the handle leaves: the message is its
    void* transfer = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &transfer);
    curl_multi_remove_handle(multi_, easy);
    hand_back(*static_cast<Transfer*>(transfer), result);
  }
}

void CurlMultiplexer::hand_back(Transfer& transfer, CURLcode result) {
  std::lock_guard lock(mutex_);
  transfer.result = result;
  transfer.done = true;
  transfer.finished.notify_one();
}

}  // namespace

bool http_multiplexing_enabled() {
  const char* value = std::getenv("HUBDEPS_HTTP_MULTIPLEX");
  return value == nullptr || std::string_view(value) != "0";
}

std::unique_ptr<HttpMultiplexer> make_http_multiplexer(const HttpSettings& settings,
                                                       std::size_t max_host_connections) {
  if (!http_multiplexing_enabled()) return nullptr;
  return std::make_unique<CurlMultiplexer>(settings, max_host_connections);
}

}  // namespace hubdeps
