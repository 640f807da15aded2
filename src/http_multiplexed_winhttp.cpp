// Windows: no multiplexer. Each fetch worker keeps its own WinHTTP session
// (http_winhttp.cpp), which asks for HTTP/2 over TLS, but WinHTTP offers no
// way to share one connection among the workers' requests.
#include "http_multiplexed.hpp"

namespace hubdeps {

bool http_multiplexing_enabled() { return false; }

std::unique_ptr<HttpMultiplexer> make_http_multiplexer(const HttpSettings&, std::size_t) { return nullptr; }

}  // namespace hubdeps
