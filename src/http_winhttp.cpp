// The WinHTTP transport (Windows): HttpConnection over a WinHTTP session,
// whose connection pool keeps the connection of one worker alive between
// requests. Windows' own HTTP stack: nothing to install, TLS checked against
// the system's certificate store, the system's proxy settings when the
// environment names none. The policy is http.cpp's, from the same shared
// pieces (http_common.hpp): the token only to the Hub's origin, no redirect
// followed here, the proxy variables read as curl reads them, a read
// timeout rather than a total one, send_once on a connection of its own.
#include <windows.h>
#include <winhttp.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <vector>

#include "error.hpp"
#include "http.hpp"
#include "http_common.hpp"
#include "os/file.hpp"
#include "os/wide_win.hpp"

namespace hubdeps {

using http_detail::kMaxBodyInMemory;
using http_detail::lower;

namespace {

// A WinHTTP handle, closed when it goes out of scope.
class Internet {
 public:
  explicit Internet(HINTERNET handle = nullptr) : handle_(handle) {}
  ~Internet() {
    if (handle_) ::WinHttpCloseHandle(handle_);
  }
  Internet(Internet&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Internet& operator=(Internet&& other) noexcept {
    std::swap(handle_, other.handle_);
    return *this;
  }
  Internet(const Internet&) = delete;
  Internet& operator=(const Internet&) = delete;
  HINTERNET get() const { return handle_; }
  explicit operator bool() const { return handle_ != nullptr; }

 private:
  HINTERNET handle_;
};

// The system's words for a WinHTTP error (they live in winhttp.dll).
std::string describe(DWORD code) {
  wchar_t* text = nullptr;
  const DWORD length = ::FormatMessageW(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_HMODULE | FORMAT_MESSAGE_FROM_SYSTEM |
          FORMAT_MESSAGE_IGNORE_INSERTS,
      ::GetModuleHandleW(L"winhttp.dll"), code, 0, reinterpret_cast<wchar_t*>(&text), 0, nullptr);
  std::string message = length > 0 ? os::utf8(std::wstring_view(text, length)) : std::string();
  if (text) ::LocalFree(text);
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r' || message.back() == '.')) {
    message.pop_back();
  }
  if (message.empty()) message = "WinHTTP error";
  return message + " (error " + std::to_string(code) + ")";
}

bool is_tls_trust_error(DWORD code) {
  return code == ERROR_WINHTTP_SECURE_FAILURE || code == ERROR_WINHTTP_SECURE_INVALID_CA ||
         code == ERROR_WINHTTP_SECURE_CERT_CN_INVALID || code == ERROR_WINHTTP_SECURE_CERT_DATE_INVALID ||
         code == ERROR_WINHTTP_SECURE_INVALID_CERT || code == ERROR_WINHTTP_SECURE_CERT_REVOKED ||
         code == ERROR_WINHTTP_SECURE_CERT_WRONG_USAGE || code == ERROR_WINHTTP_SECURE_CHANNEL_ERROR;
}

// What failed, from the code WinHTTP gave. A send_once request may have
// reached the server unless the connection was never made.
TransportError transport_error(DWORD code, const HttpRequest& request) {
  const std::string& url = request.url;
  const bool tls_trust = is_tls_trust_error(code);
  const bool never_sent = code == ERROR_WINHTTP_CANNOT_CONNECT || code == ERROR_WINHTTP_NAME_NOT_RESOLVED;
  const bool permanent = tls_trust || code == ERROR_WINHTTP_INVALID_URL ||
                         code == ERROR_WINHTTP_UNRECOGNIZED_SCHEME || (request.send_once && !never_sent);
  std::string message = describe(code) + " (" + url + ")";
  if (const auto proxy = http_detail::proxy_in_environment(url); !proxy.empty() && !tls_trust) {
    message += "; the request went through the proxy in " + proxy +
               " unless no_proxy names the host: check that the proxy is reachable, or list the host in no_proxy";
  }
  if (tls_trust) {
    message += ": the server's TLS certificate is not trusted by Windows; if it is signed by your own CA, "
               "add that CA to the Trusted Root Certification Authorities (certutil -addstore Root ca.pem)";
  }
  return TransportError{message, code == ERROR_WINHTTP_TIMEOUT, !permanent};
}

// The parts of a URL WinHTTP asks for separately.
struct UrlParts {
  std::wstring host;
  INTERNET_PORT port = 0;
  std::wstring object;  // path and query
  bool secure = false;
};

UrlParts crack(const HttpRequest& request) {
  const std::wstring wide_url = os::wide(request.url);
  URL_COMPONENTS parts{};
  parts.dwStructSize = sizeof parts;
  parts.dwSchemeLength = parts.dwHostNameLength = parts.dwUrlPathLength = parts.dwExtraInfoLength = DWORD(-1);
  if (!::WinHttpCrackUrl(wide_url.c_str(), static_cast<DWORD>(wide_url.size()), 0, &parts)) {
    throw transport_error(::GetLastError(), request);
  }
  UrlParts out;
  out.host.assign(parts.lpszHostName, parts.dwHostNameLength);
  out.port = parts.nPort;
  out.object.assign(parts.lpszUrlPath, parts.dwUrlPathLength);
  out.object.append(parts.lpszExtraInfo, parts.dwExtraInfoLength);
  const auto fragment = out.object.find(L'#');
  if (fragment != std::wstring::npos) out.object.erase(fragment);
  if (out.object.empty()) out.object = L"/";
  out.secure = parts.nScheme == INTERNET_SCHEME_HTTPS;
  return out;
}

// %XX in a proxy URL's user or password.
std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// A proxy URL of the environment, taken apart for WinHTTP: "host:port" and
// the user and password it may carry.
struct ProxyAddress {
  std::string host_port;
  std::string user;
  std::string password;
};

ProxyAddress parse_proxy(const http_detail::EnvironmentProxy& proxy) {
  std::string address = proxy.url;
  if (const auto scheme = address.find("://"); scheme != std::string::npos) {
    const std::string name = lower(address.substr(0, scheme));
    if (name != "http") {
      throw TransportError{proxy.variable + " names a " + name +
                               ":// proxy; WinHTTP speaks to http:// proxies only: give an http:// proxy",
                           false, false};
    }
    address.erase(0, scheme + 3);
  }
  address = address.substr(0, address.find('/'));
  ProxyAddress out;
  if (const auto at = address.rfind('@'); at != std::string::npos) {
    const std::string credentials = address.substr(0, at);
    address.erase(0, at + 1);
    const auto colon = credentials.find(':');
    out.user = percent_decode(credentials.substr(0, colon));
    if (colon != std::string::npos) out.password = percent_decode(credentials.substr(colon + 1));
  }
  // curl's default port for a proxy without one.
  if (address.find(':') == std::string::npos || address.back() == ']') address += ":1080";
  out.host_port = address;
  return out;
}

// The environment's proxy for one scheme, as WinHTTP takes it for a
// session ("host:port"; WinHTTP's per-scheme list is not read by every
// implementation), and no_proxy's hosts as its bypass list (each host and
// every name under it, as curl reads no_proxy).
struct SessionProxy {
  std::wstring server;  // empty: none named
  std::wstring bypass;
  bool none = false;    // straight to every host (no_proxy="*", or only the other scheme has a proxy)
};

SessionProxy session_proxy(bool https) {
  SessionProxy out;
  const auto proxy = http_detail::proxy_variable_for(https ? "https://" : "http://");
  const std::string no_proxy = http_detail::no_proxy_value();
  if (!proxy) {
    // curl sends straight what no variable names; the system's settings
    // apply only where the environment names no proxy at all.
    out.none = http_detail::proxy_variable_for(https ? "http://" : "https://").has_value();
    return out;
  }
  if (http_detail::trim(no_proxy) == "*") {
    out.none = true;
    return out;
  }
  std::string bypass;
  std::string_view rest = no_proxy;
  while (!rest.empty()) {
    const auto end = rest.find_first_of(", \t");
    std::string entry = lower(rest.substr(0, end));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    while (!entry.empty() && entry.front() == '.') entry.erase(0, 1);
    if (entry.empty()) continue;
    bypass += (bypass.empty() ? "" : ";") + entry + ";*." + entry;
  }
  out.server = os::wide(parse_proxy(*proxy).host_port);
  out.bypass = os::wide(bypass);
  return out;
}

// The user and password of the proxy `url` goes through, when it has them.
void set_proxy_credentials(HINTERNET request, const std::string& url) {
  const auto proxy = http_detail::proxy_for(url);
  if (!proxy) return;
  ProxyAddress address = parse_proxy(*proxy);
  if (address.user.empty()) return;
  std::wstring user = os::wide(address.user);
  std::wstring password = os::wide(address.password);
  ::WinHttpSetOption(request, WINHTTP_OPTION_PROXY_USERNAME, user.data(), static_cast<DWORD>(user.size()));
  ::WinHttpSetOption(request, WINHTTP_OPTION_PROXY_PASSWORD, password.data(), static_cast<DWORD>(password.size()));
  std::fill(password.begin(), password.end(), L'\0');
  std::fill(address.password.begin(), address.password.end(), '\0');
}

// The header block of a request: the caller's lines, the token where it may
// go, the range. Wiped when the request is over (it may hold the token).
class RequestHeaders {
 public:
  RequestHeaders(const HttpRequest& request, const HttpSettings& settings) {
    std::string text;
    for (const auto& header : request.headers) text += header + "\r\n";
    if (auto authorization = http_detail::authorization_header(request, settings)) {
      text += *authorization + "\r\n";
      std::fill(authorization->begin(), authorization->end(), '\0');
    }
    if (request.range_start) {
      text += "Range: bytes=" + std::to_string(*request.range_start) + "-";
      if (request.range_end) text += std::to_string(*request.range_end);
      text += "\r\n";
    }
    block_ = os::wide(text);
    std::fill(text.begin(), text.end(), '\0');
  }
  ~RequestHeaders() { std::fill(block_.begin(), block_.end(), L'\0'); }
  RequestHeaders(const RequestHeaders&) = delete;
  RequestHeaders& operator=(const RequestHeaders&) = delete;
  const wchar_t* data() const { return block_.empty() ? WINHTTP_NO_ADDITIONAL_HEADERS : block_.c_str(); }
  DWORD size() const { return static_cast<DWORD>(block_.size()); }

 private:
  std::wstring block_;
};

// A session for requests of one scheme, with that scheme's proxy.
Internet open_session(const HttpSettings& settings, bool https) {
  const std::wstring agent = os::wide(settings.user_agent);
  const SessionProxy proxy = session_proxy(https);
  HINTERNET session = nullptr;
  if (proxy.none) {
    session = ::WinHttpOpen(agent.c_str(), WINHTTP_ACCESS_TYPE_NO_PROXY, WINHTTP_NO_PROXY_NAME,
                            WINHTTP_NO_PROXY_BYPASS, 0);
  } else if (!proxy.server.empty()) {
    session = ::WinHttpOpen(agent.c_str(), WINHTTP_ACCESS_TYPE_NAMED_PROXY, proxy.server.c_str(),
                            proxy.bypass.empty() ? WINHTTP_NO_PROXY_BYPASS : proxy.bypass.c_str(), 0);
  } else {
    // No proxy variable: the system's proxy settings (Windows 8.1 and newer),
    // else WinHTTP's own.
    session = ::WinHttpOpen(agent.c_str(), WINHTTP_ACCESS_TYPE_AUTOMATIC_PROXY, WINHTTP_NO_PROXY_NAME,
                            WINHTTP_NO_PROXY_BYPASS, 0);
    if (!session) {
      session = ::WinHttpOpen(agent.c_str(), WINHTTP_ACCESS_TYPE_DEFAULT_PROXY, WINHTTP_NO_PROXY_NAME,
                              WINHTTP_NO_PROXY_BYPASS, 0);
    }
  }
  if (!session) throw TransportError{"cannot start WinHTTP: " + describe(::GetLastError()), false, false};
  return Internet(session);
}

// Sets what every request gets: timeouts, no redirects, no cookies, and,
// for an answer kept in memory, compression WinHTTP decodes.
void set_request_options(HINTERNET request, const HttpSettings& settings, bool decompress, bool send_once) {
  const int connect_ms = static_cast<int>(settings.connect_timeout_seconds * 1000);
  // A read timeout, not a total one: each receive waits this long at most.
  const int read_ms = std::max(1000, static_cast<int>(settings.read_timeout_seconds * 1000));
  ::WinHttpSetTimeouts(request, connect_ms, connect_ms, read_ms, read_ms);
  DWORD never = WINHTTP_OPTION_REDIRECT_POLICY_NEVER;
  ::WinHttpSetOption(request, WINHTTP_OPTION_REDIRECT_POLICY, &never, sizeof never);
  DWORD features = WINHTTP_DISABLE_COOKIES | WINHTTP_DISABLE_REDIRECTS;
  if (send_once) features |= WINHTTP_DISABLE_KEEP_ALIVE;
  ::WinHttpSetOption(request, WINHTTP_OPTION_DISABLE_FEATURE, &features, sizeof features);
  if (decompress) {
    // Where the system cannot decode (older Windows), nothing is offered.
    DWORD all = WINHTTP_DECOMPRESSION_FLAG_ALL;
    ::WinHttpSetOption(request, WINHTTP_OPTION_DECOMPRESSION, &all, sizeof all);
  }
  DWORD http2 = WINHTTP_PROTOCOL_FLAG_HTTP2;
  ::WinHttpSetOption(request, WINHTTP_OPTION_ENABLE_HTTP_PROTOCOL, &http2, sizeof http2);
}

// Sends the request line, the headers and the body (in memory, or streamed
// from its file).
void send(HINTERNET request, const HttpRequest& http, const RequestHeaders& headers) {
  if (!http.body_file) {
    auto* data = http.body.empty() ? WINHTTP_NO_REQUEST_DATA : const_cast<char*>(http.body.data());
    const auto size = static_cast<DWORD>(http.body.size());
    if (!::WinHttpSendRequest(request, headers.data(), headers.size(), data, size, size, 0)) {
      throw transport_error(::GetLastError(), http);
    }
    return;
  }
  const FileBody& body = *http.body_file;
  std::error_code error;
  const os::File file = os::File::open(body.path, os::File::Mode::read, error);
  if (error) {
    // Not a transport problem, so not retried: the caller's file is gone.
    throw Error(ExitCode::usage, "cannot read '" + body.path.string() + "' to upload it: " + error.message());
  }
  if (body.length > 0xFFFFFFFFu) {
    throw Error(ExitCode::usage, "'" + body.path.string() + "': a single upload of more than 4 GiB is not "
                                 "possible with WinHTTP; the Hub's multipart upload sends such files in parts");
  }
  if (!::WinHttpSendRequest(request, headers.data(), headers.size(), WINHTTP_NO_REQUEST_DATA, 0,
                            static_cast<DWORD>(body.length), 0)) {
    throw transport_error(::GetLastError(), http);
  }
  std::vector<char> buffer(512 * 1024);
  for (std::uint64_t sent = 0; sent < body.length;) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(body.length - sent, buffer.size()));
    const std::size_t n = file.read_at(buffer.data(), want, body.offset + sent, error);
    if (error) {
      throw Error(ExitCode::usage,
                  "cannot read '" + body.path.string() + "' while uploading it: " + error.message());
    }
    if (n == 0) {
      throw Error(ExitCode::usage, "'" + body.path.string() +
                                       "' became shorter while it was being uploaded; do not "
                                       "change files while they are pushed, then push again");
    }
    DWORD written = 0;
    if (!::WinHttpWriteData(request, buffer.data(), static_cast<DWORD>(n), &written)) {
      throw transport_error(::GetLastError(), http);
    }
    sent += n;
    if (body.on_progress) body.on_progress(sent);
  }
}

// The status and the headers of the answer.
void read_head(HINTERNET request, HttpResponse& response) {
  DWORD status = 0;
  DWORD size = sizeof status;
  ::WinHttpQueryHeaders(request, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER, WINHTTP_HEADER_NAME_BY_INDEX,
                        &status, &size, WINHTTP_NO_HEADER_INDEX);
  response.status = static_cast<long>(status);
  size = 0;
  ::WinHttpQueryHeaders(request, WINHTTP_QUERY_RAW_HEADERS_CRLF, WINHTTP_HEADER_NAME_BY_INDEX, WINHTTP_NO_OUTPUT_BUFFER,
                        &size, WINHTTP_NO_HEADER_INDEX);
  std::wstring raw(size / sizeof(wchar_t) + 1, L'\0');
  if (!::WinHttpQueryHeaders(request, WINHTTP_QUERY_RAW_HEADERS_CRLF, WINHTTP_HEADER_NAME_BY_INDEX, raw.data(), &size,
                             WINHTTP_NO_HEADER_INDEX)) {
    return;
  }
  raw.resize(size / sizeof(wchar_t));
  const std::string text = os::utf8(raw);
  std::string_view rest = text;
  rest.remove_prefix(std::min(rest.size(), rest.find("\r\n") + 2));  // the status line
  while (!rest.empty()) {
    const auto end = rest.find("\r\n");
    http_detail::add_header_line(response, rest.substr(0, end));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 2);
  }
}

// Reads the body: to `body` for a 2xx answer when given, else into the
// response (capped); stops early when the writer says so.
void read_body(HINTERNET request, const HttpRequest& http, HttpResponse& response, BodyWriter* body) {
  const bool success = response.status >= 200 && response.status < 300;
  std::vector<char> buffer(512 * 1024);
  bool started = false;
  for (;;) {
    DWORD n = 0;
    if (!::WinHttpReadData(request, buffer.data(), static_cast<DWORD>(buffer.size()), &n)) {
      throw transport_error(::GetLastError(), http);
    }
    if (n == 0) return;
    if (success && body) {
      const bool first = !started;
      started = true;
      if ((first && !body->start(response)) || !body->write(buffer.data(), n)) return;
      continue;
    }
    if (response.body.size() + n > kMaxBodyInMemory) {
      // Asking again would only bring the same flood.
      throw TransportError{"the answer from " + http.url + " is larger than " +
                               std::to_string(kMaxBodyInMemory >> 20) + " MiB",
                           false, false};
    }
    response.body.append(buffer.data(), n);
  }
}

}  // namespace

void global_http_init() {}

struct HttpConnection::Handle {
  // One session per scheme (each has its proxy), opened when first used;
  // a session's pool keeps this worker's connections.
  Internet sessions[2];  // http, https
};

HttpConnection::HttpConnection(const HttpSettings& settings)
    : settings_(settings), handle_(std::make_unique<Handle>()) {}

HttpConnection::~HttpConnection() = default;

HttpResponse HttpConnection::perform(const HttpRequest& request, BodyWriter* body) {
  HttpResponse response;
  response.url = request.url;
  const UrlParts url = crack(request);
  // send_once: a session of its own has no pooled connection that WinHTTP
  // could silently send the request on a second time.
  Internet own_session;
  Internet& pooled = handle_->sessions[url.secure ? 1 : 0];
  if (request.send_once) {
    own_session = open_session(settings_, url.secure);
  } else if (!pooled) {
    pooled = open_session(settings_, url.secure);
  }
  const HINTERNET session = request.send_once ? own_session.get() : pooled.get();

  const Internet connection(::WinHttpConnect(session, url.host.c_str(), url.port, 0));
  if (!connection) throw transport_error(::GetLastError(), request);
  const std::wstring method = os::wide(request.method);
  // The URL is sent as the engine encoded it (WinHTTP would escape again).
  const Internet handle(::WinHttpOpenRequest(
      connection.get(), method.c_str(), url.object.c_str(), nullptr, WINHTTP_NO_REFERER,
      WINHTTP_DEFAULT_ACCEPT_TYPES,
      WINHTTP_FLAG_ESCAPE_DISABLE | WINHTTP_FLAG_ESCAPE_DISABLE_QUERY | (url.secure ? WINHTTP_FLAG_SECURE : 0)));
  if (!handle) throw transport_error(::GetLastError(), request);

  // An answer kept in memory (an API call's JSON) may come compressed, as
  // with libcurl; a download streams the raw bytes its hashes are of.
  const bool own_encoding =
      std::any_of(request.headers.begin(), request.headers.end(),
                  [](const std::string& line) { return lower(line).rfind("accept-encoding:", 0) == 0; });
  set_request_options(handle.get(), settings_, !body && !own_encoding, request.send_once);
  set_proxy_credentials(handle.get(), request.url);

  {
    const RequestHeaders headers(request, settings_);
    send(handle.get(), request, headers);
  }
  if (!::WinHttpReceiveResponse(handle.get(), nullptr)) throw transport_error(::GetLastError(), request);
  read_head(handle.get(), response);
  // A writer that stopped the transfer (a full disk, a range it did not ask
  // for) knows why; the answer so far goes back as it is.
  if (request.method != "HEAD") read_body(handle.get(), request, response, body);
  return response;
}

}  // namespace hubdeps
