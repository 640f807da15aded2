#include "http.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <system_error>
#include <vector>

#include "error.hpp"
#include "os/file.hpp"

namespace hubdeps {

namespace {

// Error bodies and API answers are read into memory; a server that sends
// more than this is not a Hub we can trust, and must not exhaust memory.
constexpr std::size_t kMaxBodyInMemory = 64u << 20;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

}  // namespace

void global_http_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

const std::string* HttpResponse::header(std::string_view name) const {
  const auto it = headers.find(lower(name));
  return it == headers.end() ? nullptr : &it->second;
}

struct HttpConnection::Handle {
  CURL* curl = nullptr;
  char detail[CURL_ERROR_SIZE] = "";  // CURLOPT_ERRORBUFFER: lives as long as the handle
  ~Handle() {
    if (curl) curl_easy_cleanup(curl);
  }
};

namespace {

// State of one exchange, shared with libcurl's callbacks.
struct Exchange {
  HttpResponse* response;
  BodyWriter* body;
  bool started = false;
  bool body_stopped = false;  // the writer refused the data; it knows why
  bool body_too_large = false;
  // What the writer threw (a full disk, say). It must not unwind through
  // libcurl's C frames: the transfer is aborted instead, and the exception
  // rethrown once curl_easy_perform has returned.
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
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    exchange->response->headers[lower(trim(line.substr(0, colon)))] =
        std::string(trim(line.substr(colon + 1)));
  }
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

// The request's header lines for libcurl, with the token where it may go.
// Lives until the transfer is over; the token's copy is wiped then.
class RequestHeaders {
 public:
  RequestHeaders(const HttpRequest& request, const HttpSettings& settings) {
    for (const auto& header : request.headers) list_ = curl_slist_append(list_, header.c_str());
    // The token goes to the Hub's own origin only: never to a CDN, a storage
    // bridge or any host a redirect points at.
    if (settings.token && !settings.token->empty() && url_origin(request.url) == url_origin(settings.endpoint)) {
      authorization_ = "Authorization: Bearer " + *settings.token;
      list_ = curl_slist_append(list_, authorization_.c_str());
    }
    list_ = curl_slist_append(list_, "Expect:");  // no 100-continue round trip
  }
  ~RequestHeaders() {
    curl_slist_free_all(list_);
    std::fill(authorization_.begin(), authorization_.end(), '\0');
  }
  RequestHeaders(const RequestHeaders&) = delete;
  RequestHeaders& operator=(const RequestHeaders&) = delete;
  curl_slist* list() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
  std::string authorization_;
};

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

// The proxy libcurl takes for `url` from the environment, as curl reads it
// (libcurl does; hubdeps sets no proxy option): https_proxy/HTTPS_PROXY or
// http_proxy (lower case only) by scheme, else all_proxy/ALL_PROXY. For
// messages only: "variable=origin", without the user and password a proxy
// URL may carry. Empty when none is set.
std::string proxy_in_environment(const std::string& url) {
  const bool https = url.rfind("https://", 0) == 0;
  std::vector<const char*> names{https ? "https_proxy" : "http_proxy"};
  if (https) names.push_back("HTTPS_PROXY");
  names.insert(names.end(), {"all_proxy", "ALL_PROXY"});
  for (const char* name : names) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') continue;
    const std::string proxy = value;
    const std::string origin = url_origin(proxy.find("://") == std::string::npos ? "http://" + proxy : proxy);
    return std::string(name) + "=" + origin;
  }
  return {};
}

TransportError transport_error(CURLcode code, const std::string& url, const char* detail) {
  const bool tls_trust = code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE ||
                         code == CURLE_SSL_ISSUER_ERROR || code == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
  const bool permanent = tls_trust || code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL;
  std::string message = std::string(*detail ? detail : curl_easy_strerror(code)) + " (" + url + ")";
  if (const auto proxy = proxy_in_environment(url); !proxy.empty() && !tls_trust) {
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

HttpConnection::HttpConnection(const HttpSettings& settings)
    : settings_(settings), handle_(std::make_unique<Handle>()) {
  global_http_init();
  handle_->curl = curl_easy_init();
  if (!handle_->curl) throw TransportError{"cannot initialise libcurl"};
}

HttpConnection::~HttpConnection() = default;

HttpResponse HttpConnection::perform(const HttpRequest& request, BodyWriter* body) {
  CURL* curl = handle_->curl;
  // Reset per-request options but keep the handle, so its connection (and
  // TLS session) is reused for the next request to the same host.
  curl_easy_reset(curl);

  HttpResponse response;
  response.url = request.url;
  Exchange exchange{&response, body};
  set_transfer_options(curl, settings_, request.url, exchange);
  UploadSource upload;
  set_request(curl, request, upload);
  const RequestHeaders headers(request, settings_);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list());
  // An answer kept in memory (an API call's JSON) may come compressed, asked
  // for or not (mirrors gzip API answers): libcurl offers and decodes every
  // encoding it has. A download streams the raw bytes its sizes and hashes
  // are of, and asks for identity.
  const bool own_encoding =
      std::any_of(request.headers.begin(), request.headers.end(),
                  [](const std::string& line) { return lower(line).rfind("accept-encoding:", 0) == 0; });
  if (!body && !own_encoding) curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  handle_->detail[0] = '\0';  // libcurl's own words for a failure: which host, which port
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, handle_->detail);
  if (request.send_once) {
    curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L);
  }

  const CURLcode code = curl_easy_perform(curl);
  rethrow_callback_failures(exchange, upload);
  // The writer refused the data (disk full, size exceeded, a range it did
  // not ask for): not a network problem; it knows why and says so.
  if (exchange.body_stopped) return response;
  if (exchange.body_too_large) {
    // Asking again would only bring the same flood.
    throw TransportError{"the answer from " + request.url + " is larger than " +
                             std::to_string(kMaxBodyInMemory >> 20) + " MiB",
                         false, false};
  }
  if (code != CURLE_OK) {
    TransportError error = transport_error(code, request.url, handle_->detail);
    // Only a connection never made proves the server did not get the request.
    if (request.send_once && code != CURLE_COULDNT_RESOLVE_HOST && code != CURLE_COULDNT_CONNECT) {
      error.retryable = false;
    }
    throw error;
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = status;
  return response;
}

std::string url_encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string url_origin(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  const auto authority_start = scheme_end + 3;
  const auto authority_end = url.find_first_of("/?#", authority_start);
  std::string_view authority = url.substr(authority_start, authority_end - authority_start);
  // Drop any user-info: "user:pass@host" is still "host".
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  return lower(url.substr(0, scheme_end)) + "://" + lower(authority);
}

std::string resolve_location(const std::string& base_url, const std::string& location) {
  CURLU* url = curl_url();
  std::string resolved = location;
  if (curl_url_set(url, CURLUPART_URL, base_url.c_str(), 0) == CURLUE_OK &&
      curl_url_set(url, CURLUPART_URL, location.c_str(), 0) == CURLUE_OK) {
    char* text = nullptr;
    if (curl_url_get(url, CURLUPART_URL, &text, 0) == CURLUE_OK) {
      resolved = text;
      curl_free(text);
    }
  }
  curl_url_cleanup(url);
  return resolved;
}

bool is_retryable_status(long status) {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 ||
         status == 504;
}

std::chrono::milliseconds retry_delay(const HttpSettings& settings, int attempt,
                                      const HttpResponse* response) {
  if (response) {
    if (const auto* after = response->header("retry-after")) {
      long seconds = -1;
      const auto text = trim(*after);
      const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
      // Honour the server, but never sleep longer than a minute per try.
      if (ec == std::errc() && ptr == text.data() + text.size() && seconds >= 0) {
        return std::chrono::milliseconds(std::min(seconds, 60L) * 1000);
      }
    }
  }
  auto delay = settings.first_backoff;
  for (int i = 1; i < attempt && delay < settings.max_backoff; ++i) delay *= 2;
  return std::min(delay, settings.max_backoff);
}

}  // namespace hubdeps
