// The transport-independent parts of HTTP (http.hpp, http_common.hpp): URL
// helpers, the retry policy's pieces, the token policy, the environment's
// proxy. Built on every platform, whichever transport sends the requests.
#include "http_common.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <system_error>
#include <vector>

namespace hubdeps {

namespace http_detail {

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

std::optional<std::string> authorization_header(const HttpRequest& request, const HttpSettings& settings) {
  // The token goes to the Hub's own origin only: never to a CDN, a storage
  // bridge or any host a redirect points at.
  if (settings.token && !settings.token->empty() && url_origin(request.url) == url_origin(settings.endpoint)) {
    return "Authorization: Bearer " + *settings.token;
  }
  return std::nullopt;
}

void add_header_line(HttpResponse& response, std::string_view line) {
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return;
  response.headers[lower(trim(line.substr(0, colon)))] = std::string(trim(line.substr(colon + 1)));
}

namespace {

const char* non_empty_variable(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

}  // namespace

std::string no_proxy_value() {
  const char* list = non_empty_variable("no_proxy");
  if (list == nullptr) list = non_empty_variable("NO_PROXY");
  return list == nullptr ? std::string() : std::string(list);
}

namespace {

// The host of a URL, lower-case, without user-info, port or IPv6 brackets.
std::string host_of(const std::string& url) {
  std::string authority = url_origin(url);
  authority.erase(0, authority.find("://") + 3);
  if (!authority.empty() && authority.front() == '[') return authority.substr(1, authority.find(']') - 1);
  return authority.substr(0, authority.find(':'));
}

// curl's reading of no_proxy: entries separated by commas or spaces; "*"
// alone matches every host; an entry matches the host itself and every
// name under it (".example.com" and "example.com" alike). CIDR ranges,
// which newer curl also reads, are not understood here.
bool no_proxy_names(const std::string& host) {
  const std::string list = no_proxy_value();
  if (list.empty()) return false;
  std::string_view rest = list;
  if (trim(rest) == "*") return true;
  while (!rest.empty()) {
    const auto end = rest.find_first_of(", \t");
    std::string entry = lower(rest.substr(0, end));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    while (!entry.empty() && entry.front() == '.') entry.erase(0, 1);
    while (!entry.empty() && entry.back() == '.') entry.pop_back();
    if (entry.size() > 2 && entry.front() == '[' && entry.back() == ']') entry = entry.substr(1, entry.size() - 2);
    if (entry.empty()) continue;
    if (host == entry) return true;
    if (host.size() > entry.size() && host.compare(host.size() - entry.size(), entry.size(), entry) == 0 &&
        host[host.size() - entry.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<EnvironmentProxy> proxy_variable_for(const std::string& url) {
  const bool https = lower(url).rfind("https://", 0) == 0;
  std::vector<const char*> names{https ? "https_proxy" : "http_proxy"};
  if (https) names.push_back("HTTPS_PROXY");
  names.insert(names.end(), {"all_proxy", "ALL_PROXY"});
  for (const char* name : names) {
    if (const char* value = non_empty_variable(name)) return EnvironmentProxy{name, value};
  }
  return std::nullopt;
}

std::optional<EnvironmentProxy> proxy_for(const std::string& url) {
  auto proxy = proxy_variable_for(url);
  if (proxy && no_proxy_names(host_of(url))) return std::nullopt;
  return proxy;
}

std::string proxy_in_environment(const std::string& url) {
  const auto proxy = proxy_variable_for(url);
  if (!proxy) return {};
  const std::string& value = proxy->url;
  const std::string origin = url_origin(value.find("://") == std::string::npos ? "http://" + value : value);
  return proxy->variable + "=" + origin;
}

}  // namespace http_detail

using http_detail::lower;
using http_detail::trim;

const std::string* HttpResponse::header(std::string_view name) const {
  const auto it = headers.find(lower(name));
  return it == headers.end() ? nullptr : &it->second;
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

namespace {

// RFC 3986, 5.2.4: "a/./b/../c" is "a/c".
std::string remove_dot_segments(std::string_view path) {
  std::string out;
  while (!path.empty()) {
    if (path.rfind("../", 0) == 0) {
      path.remove_prefix(3);
    } else if (path.rfind("./", 0) == 0) {
      path.remove_prefix(2);
    } else if (path.rfind("/./", 0) == 0) {
      path.remove_prefix(2);
    } else if (path == "/.") {
      path = "/";
    } else if (path.rfind("/../", 0) == 0 || path == "/..") {
      path = path.size() == 3 ? std::string_view("/") : path.substr(3);
      const auto slash = out.rfind('/');
      out.erase(slash == std::string::npos ? 0 : slash);
    } else if (path == "." || path == "..") {
      path = {};
    } else {
      const auto next = path.find('/', 1);
      out.append(path.substr(0, next));
      path.remove_prefix(next == std::string_view::npos ? path.size() : next);
    }
  }
  return out;
}

bool has_scheme(std::string_view url) {
  const auto colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(url[0]))) {
    return false;
  }
  return std::all_of(url.begin(), url.begin() + static_cast<std::ptrdiff_t>(colon), [](unsigned char c) {
    return std::isalnum(c) || c == '+' || c == '-' || c == '.';
  });
}

}  // namespace

// RFC 3986, 5.2.2, for the Locations and Link headers a Hub sends: an
// absolute URL as it is, else resolved against the URL that sent it.
std::string resolve_location(const std::string& base_url, const std::string& location) {
  const auto scheme_end = base_url.find("://");
  if (has_scheme(location) || scheme_end == std::string::npos) return location;
  if (location.rfind("//", 0) == 0) return base_url.substr(0, scheme_end + 1) + location;
  const auto path_start = std::min(base_url.find_first_of("/?#", scheme_end + 3), base_url.size());
  const std::string origin = base_url.substr(0, path_start);
  const std::string_view rest = std::string_view(base_url).substr(path_start);
  const std::string_view base_path = rest.substr(0, rest.find_first_of("?#"));
  if (location.empty()) return base_url.substr(0, base_url.find('#'));
  if (location.front() == '?') return origin + std::string(base_path) + location;
  if (location.front() == '#') return base_url.substr(0, base_url.find('#')) + location;
  const auto query = location.find_first_of("?#");
  const std::string_view location_path = std::string_view(location).substr(0, query);
  const std::string tail = query == std::string::npos ? std::string() : location.substr(query);
  if (location.front() == '/') return origin + remove_dot_segments(location_path) + tail;
  // A relative path: beside the last segment of the base's path.
  const auto last_slash = base_path.rfind('/');
  const std::string merged = last_slash == std::string_view::npos
                                 ? "/" + std::string(location_path)
                                 : std::string(base_path.substr(0, last_slash + 1)) + std::string(location_path);
  return origin + remove_dot_segments(merged) + tail;
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
