// One request on a libcurl easy handle, whoever drives the transfer: the
// options, the callbacks and what they collect, and how the outcome becomes
// an HttpResponse or an exception. HttpConnection (http.cpp) runs it with
// curl_easy_perform; the multiplexed transport (http_multiplexed.cpp) adds
// the handle to a shared multi handle. Internal to those two files.
#pragma once

#include <curl/curl.h>

#include <exception>
#include <string>
#include <system_error>

#include "http.hpp"
#include "os/file.hpp"

namespace hubdeps::curl_detail {

// What libcurl's callbacks collect while the transfer runs (on whichever
// thread drives it).
struct Exchange {
  HttpResponse* response;
  BodyWriter* body;
  bool started = false;
  bool body_stopped = false;  // the writer refused the data; it knows why
  bool body_too_large = false;
  // What the writer threw (a full disk, say). It must not unwind through
  // libcurl's C frames: the transfer is aborted instead, and the exception
  // rethrown once the transfer has ended.
  std::exception_ptr body_error = nullptr;

  bool is_success() const { return response->status >= 200 && response->status < 300; }
};

// Feeds a FileBody to libcurl, one read per buffer it asks to fill.
struct UploadSource {
  const FileBody* body = nullptr;
  os::File file;
  std::uint64_t sent = 0;
  std::error_code read_error;
  bool ended_early = false;  // the file is shorter than announced
  std::exception_ptr progress_error = nullptr;
};

// The request's header lines for libcurl, with the token where it may go.
// Lives until the transfer is over; the token's copy is wiped then.
class RequestHeaders {
 public:
  RequestHeaders(const HttpRequest& request, const HttpSettings& settings);
  ~RequestHeaders();
  RequestHeaders(const RequestHeaders&) = delete;
  RequestHeaders& operator=(const RequestHeaders&) = delete;
  curl_slist* list() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
  std::string authorization_;
};

// One exchange on `curl`: the constructor resets the handle (keeping its
// connection) and sets every option of `request`; once the transfer has
// ended with `code`, finish() returns the answer or throws as
// HttpTransport::perform does. Must outlive the transfer.
class CurlExchange {
 public:
  CurlExchange(CURL* curl, const HttpSettings& settings, const HttpRequest& request, BodyWriter* body);
  CurlExchange(const CurlExchange&) = delete;
  CurlExchange& operator=(const CurlExchange&) = delete;

  HttpResponse finish(CURLcode code);

 private:
  CURL* curl_;
  const HttpRequest& request_;
  HttpResponse response_;
  Exchange exchange_;
  UploadSource upload_;
  RequestHeaders headers_;
  char detail_[CURL_ERROR_SIZE] = "";  // CURLOPT_ERRORBUFFER: libcurl's own words for a failure
};

}  // namespace hubdeps::curl_detail
