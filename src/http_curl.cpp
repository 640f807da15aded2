// One request on a libcurl easy handle (http_curl.hpp): options, callbacks,
// and the outcome, shared by HttpConnection and the multiplexed transport.
#include "http_curl.hpp"

#include <algorithm>
#include <charconv>

#include "error.hpp"
#include "http_common.hpp"

namespace hubdeps::curl_detail {

using http_detail::kMaxBodyInMemory;
using http_detail::lower;

namespace {

size_t on_read(char* buffer, size_t size, size_t count, void* user) {
  auto* source = static_cast<UploadSource*>(user);
  const std::uint64_t left = source->body->length - source->sent;
  if (left == 0) return 0;
  const auto want = static_cast<size_t>(std::min<std::uint64_t>(left, size * count));
  const std::size_t n = source->file.read_at(buffer, want, source->body->offset + source->sent, source->read_error);
  if (source->read_error) return CURL_READFUNC_ABORT;
  if (n == 0) {
    source->ended_early = true;
    return CURL_READFUNC_ABORT;
  }
  source->sent += n;
  if (source->body->on_progress) {
    try {
      source->body->on_progress(source->sent);
    } catch (...) {
      source->progress_error = std::current_exception();  // rethrown after the transfer
      return CURL_READFUNC_ABORT;
    }
  }
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new status line (after a 100 Continue, say) starts a new header set.
    exchange->response->headers.clear();
    const auto space = line.find(' ');
    if (space != std::string_view::npos) {
      long status = 0;
      const auto digits = line.substr(space + 1, 3);
      std::from_chars(digits.data(), digits.data() + digits.size(), status);
      exchange->response->status = status;
    }
    return size * count;
  }
  http_detail::add_header_line(*exchange->response, line);
  return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const size_t bytes = size * count;
  if (exchange->is_success() && exchange->body) {
    try {
      const bool first = !exchange->started;
      exchange->started = true;
      if ((first && !exchange->body->start(*exchange->response)) || !exchange->body->write(data, bytes)) {
        exchange->body_stopped = true;
        return 0;
      }
    } catch (...) {
      exchange->body_error = std::current_exception();
      exchange->body_stopped = true;
      return 0;
    }
    return bytes;
  }
  auto& body = exchange->response->body;
  if (body.size() + bytes > kMaxBodyInMemory) {
    exchange->body_too_large = true;
    return 0;
  }
  body.append(data, bytes);
  return bytes;
}

// The options every request gets: where it goes, who we are, how long to
// wait, which certificates to trust, and the callbacks of `exchange`.
void set_transfer_options(CURL* curl, const HttpSettings& settings, const std::string& url,
                          Exchange& exchange) {
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);  // redirects are our decision
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_USERAGENT, settings.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  // TLS is always verified; only the set of trusted CAs can change.
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!settings.ca_bundle.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, settings.ca_bundle.c_str());
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings.connect_timeout_seconds * 1000));
  // A read timeout, not a total one: a large file may take long, but a
  // server that sends nothing for this long is stalled.
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, std::max(1L, static_cast<long>(settings.read_timeout_seconds)));
  curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, 512L * 1024L);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
}

// Streams the request's FileBody from its file through `upload`.
void set_file_body(CURL* curl, const HttpRequest& request, UploadSource& upload) {
  upload.body = &*request.body_file;
  std::error_code error;
  upload.file = os::File::open(upload.body->path, os::File::Mode::read, error);
  if (error) {
    // Not a transport problem, so not retried: the caller's file is gone.
    throw Error(ExitCode::io, "cannot read '" + upload.body->path.string() + "' to upload it: " + error.message());
  }
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  const auto length = static_cast<curl_off_t>(upload.body->length);
  if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, length);
  } else {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, length);
  }
}

// The method, the body (in memory or from a file) and the byte range.
void set_request(CURL* curl, const HttpRequest& request, UploadSource& upload) {
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.body_file) {
    set_file_body(curl, request, upload);
  } else if (request.method == "POST" || request.method == "PUT" || !request.body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  if (request.range_start) {
    std::string range = std::to_string(*request.range_start) + "-";
    if (request.range_end) range += std::to_string(*request.range_end);
    curl_easy_setopt(curl, CURLOPT_RANGE, range.c_str());  // libcurl keeps a copy
  }
}

// What the callbacks could not throw through libcurl: the writer's and the
// upload's failures, which are the caller's problems, not the network's.
void rethrow_callback_failures(const Exchange& exchange, const UploadSource& upload) {
  if (exchange.body_error) std::rethrow_exception(exchange.body_error);
  if (upload.progress_error) std::rethrow_exception(upload.progress_error);
  if (upload.read_error) {
    throw Error(ExitCode::io, "cannot read '" + upload.body->path.string() +
                                     "' while uploading it: " + upload.read_error.message());
  }
  if (upload.ended_early) {
    throw Error(ExitCode::usage, "'" + upload.body->path.string() +
                                     "' became shorter while it was being uploaded; do not "
                                     "change files while they are pushed, then push again");
  }
}

TransportError transport_error(CURLcode code, const std::string& url, const char* detail) {
  const bool tls_trust = code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE ||
                         code == CURLE_SSL_ISSUER_ERROR || code == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
  const bool permanent = tls_trust || code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL;
  std::string message = std::string(*detail ? detail : curl_easy_strerror(code)) + " (" + url + ")";
  if (const auto proxy = http_detail::proxy_in_environment(url); !proxy.empty() && !tls_trust) {
    message += "; the request went through the proxy in " + proxy +
               " unless no_proxy names the host: check that the proxy is reachable, or list the host in no_proxy";
  }
  if (tls_trust) {
    message += ": the server's TLS certificate is not trusted; if it is signed by your own CA, "
               "point CURL_CA_BUNDLE or SSL_CERT_FILE at that CA's PEM file";
  }
  return TransportError{message, code == CURLE_OPERATION_TIMEDOUT, !permanent};
}

}  // namespace

RequestHeaders::RequestHeaders(const HttpRequest& request, const HttpSettings& settings) {
  for (const auto& header : request.headers) list_ = curl_slist_append(list_, header.c_str());
  if (auto authorization = http_detail::authorization_header(request, settings)) {
    authorization_ = std::move(*authorization);
    list_ = curl_slist_append(list_, authorization_.c_str());
  }
  list_ = curl_slist_append(list_, "Expect:");  // no 100-continue round trip
}

RequestHeaders::~RequestHeaders() {
  curl_slist_free_all(list_);
  std::fill(authorization_.begin(), authorization_.end(), '\0');
}

CurlExchange::CurlExchange(CURL* curl, const HttpSettings& settings, const HttpRequest& request, BodyWriter* body)
    : curl_(curl), request_(request), exchange_{&response_, body}, headers_(request, settings) {
  // Reset per-request options but keep the handle, so its connection (and
  // TLS session) is reused for the next request to the same host.
  curl_easy_reset(curl);
  response_.url = request.url;
  set_transfer_options(curl, settings, request.url, exchange_);
  set_request(curl, request, upload_);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers_.list());
  // An answer kept in memory (an API call's JSON) may come compressed, asked
  // for or not (mirrors gzip API answers): libcurl offers and decodes every
  // encoding it has. A download streams the raw bytes its sizes and hashes
  // are of, and asks for identity.
  const bool own_encoding =
      std::any_of(request.headers.begin(), request.headers.end(),
                  [](const std::string& line) { return lower(line).rfind("accept-encoding:", 0) == 0; });
  if (!body && !own_encoding) curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail_);
  if (request.send_once) {
    curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L);
  }
}

HttpResponse CurlExchange::finish(CURLcode code) {
  // The buffer must not outlive this exchange inside the handle.
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, static_cast<char*>(nullptr));
  rethrow_callback_failures(exchange_, upload_);
  // The writer refused the data (disk full, size exceeded, a range it did
  // not ask for): not a network problem; it knows why and says so.
  if (exchange_.body_stopped) return std::move(response_);
  if (exchange_.body_too_large) {
    // Asking again would only bring the same flood.
    throw TransportError{"the answer from " + request_.url + " is larger than " +
                             std::to_string(kMaxBodyInMemory >> 20) + " MiB",
                         false, false};
  }
  if (code != CURLE_OK) {
    TransportError error = transport_error(code, request_.url, detail_);
    // Only a connection never made proves the server did not get the request.
    if (request_.send_once && code != CURLE_COULDNT_RESOLVE_HOST && code != CURLE_COULDNT_CONNECT) {
      error.retryable = false;
    }
    throw error;
  }
  long status = 0;
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
  response_.status = status;
  return std::move(response_);
}

}  // namespace hubdeps::curl_detail
