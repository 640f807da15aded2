// Many small downloads over few connections. Over HTTP/2 (the Hub and its
// CDN speak it over HTTPS) one connection carries many requests at once, each
// its own stream: a fetch of thousands of small files then pays the round
// trip per file concurrently, without opening a connection per file in
// flight. libcurl does this for the transfers of one multi handle, so the
// workers of a fetch share one (http_multiplexed.cpp): each worker's
// transport hands its request to the thread that drives the multi handle and
// blocks until the exchange is over, so retries, redirects, resume, the
// token policy and the messages stay those of send_with_retries and
// HttpConnection. An HTTP/1.1 server gets at most `max_host_connections`
// connections, about as many as one per worker.
#pragma once

#include <cstddef>
#include <memory>

#include "http.hpp"

namespace hubdeps {

class HttpMultiplexer {
 public:
  virtual ~HttpMultiplexer() = default;

  // A transport for one worker (one request at a time, as HttpConnection),
  // sharing this multiplexer's connections. Must not outlive it.
  virtual std::unique_ptr<HttpTransport> connection() = 0;
};

// Whether fetches multiplex: unless HUBDEPS_HTTP_MULTIPLEX=0 (then each
// worker keeps its own connection, as before), and only with libcurl
// (WinHTTP sessions negotiate HTTP/2 but are not shared by the workers).
bool http_multiplexing_enabled();

// The shared transport, or nullptr where multiplexing is not enabled.
std::unique_ptr<HttpMultiplexer> make_http_multiplexer(const HttpSettings& settings,
                                                       std::size_t max_host_connections);

}  // namespace hubdeps
