// What both HTTP transports share (the libcurl one in http.cpp, the WinHTTP
// one in http_winhttp.cpp): the token policy, the cap on answers kept in
// memory, reading header lines, and the proxy curl would take from the
// environment. One place, so the two cannot drift apart.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "http.hpp"

namespace hubdeps::http_detail {

// Error bodies and API answers are read into memory; a server that sends
// more than this is not a Hub we can trust, and must not exhaust memory.
constexpr std::size_t kMaxBodyInMemory = 64u << 20;

std::string lower(std::string_view text);
std::string_view trim(std::string_view text);

// "Authorization: Bearer <token>" when the request goes to the Hub's own
// origin and a token is set; nothing for a CDN, a storage bridge or any
// host a redirect points at. The caller wipes its copy when done.
std::optional<std::string> authorization_header(const HttpRequest& request, const HttpSettings& settings);

// Adds one "Name: value" header line to `response` (lower-case name,
// trimmed value); ignores lines without a colon (the status line).
void add_header_line(HttpResponse& response, std::string_view line);

// The proxy curl takes for `url` from the environment: https_proxy or
// HTTPS_PROXY for https, http_proxy (lower case only) for http, else
// all_proxy/ALL_PROXY; none when no_proxy/NO_PROXY names the host (or is
// "*"). The proxy's URL as written; empty when there is none.
struct EnvironmentProxy {
  std::string variable;  // which variable named it
  std::string url;       // as written: may carry user:password@
};
std::optional<EnvironmentProxy> proxy_for(const std::string& url);

// The proxy variable curl reads for `url`'s scheme, whatever no_proxy says.
std::optional<EnvironmentProxy> proxy_variable_for(const std::string& url);

// no_proxy, else NO_PROXY, as written; empty when neither is set.
std::string no_proxy_value();

// For messages only: "variable=origin" of the proxy curl would read for
// `url` (see proxy_for), without the user and password; empty when none.
std::string proxy_in_environment(const std::string& url);

}  // namespace hubdeps::http_detail
