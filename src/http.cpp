// The libcurl transport (Linux, macOS): HttpConnection over an easy handle,
// each request run by curl_easy_perform (what it sets: http_curl.cpp).
#include "http.hpp"

#include <curl/curl.h>

#include <mutex>

#include "http_curl.hpp"

namespace hubdeps {

void global_http_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct HttpConnection::Handle {
  CURL* curl = nullptr;
  ~Handle() {
    if (curl) curl_easy_cleanup(curl);
  }
};

HttpConnection::HttpConnection(const HttpSettings& settings)
    : settings_(settings), handle_(std::make_unique<Handle>()) {
  global_http_init();
  handle_->curl = curl_easy_init();
  if (!handle_->curl) throw TransportError{"cannot initialise libcurl"};
}

HttpConnection::~HttpConnection() = default;

HttpResponse HttpConnection::perform(const HttpRequest& request, BodyWriter* body) {
  curl_detail::CurlExchange exchange(handle_->curl, settings_, request, body);
  return exchange.finish(curl_easy_perform(handle_->curl));
}

}  // namespace hubdeps
