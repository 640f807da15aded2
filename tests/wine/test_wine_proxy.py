"""test_proxy's plain-HTTP cases for the Windows helper under Wine (scripts/test-wine.sh puts this folder on
PYTHONPATH and runs it from tests/e2e).

Windows' environment names ignore case: http_proxy and HTTP_PROXY are one variable. test_proxy sets every proxy
variable it does not use to "" (so none leaks in from the caller), which on Windows empties the one it uses. Here
each variable a test gives is set in both cases, with its value; the test that proves curl ignores HTTP_PROXY in
upper case cannot hold on Windows and is left out. What the proxy must see (every request, the token only to the
Hub, no_proxy's hosts around it, a clear error when it does not answer) is test_proxy's own assertion.
"""
import test_proxy


class PlainHttpHubBehindAProxyOnWindows(test_proxy.PlainHttpHubBehindAProxy):
    def fetch_via(self, **proxy_env):
        both_cases = {}
        for name, value in proxy_env.items():
            # Wine's WinHTTP sends origin-form requests to a proxy whose host name is the server's (it compares
            # names, not ports): a proxy that must relay is named "localhost" here, the Hub stays 127.0.0.1.
            if name.lower() != "no_proxy" and "does_not_answer" not in self._testMethodName:
                value = value.replace("127.0.0.1", "localhost")
            both_cases[name.lower()] = both_cases[name.upper()] = value
        return super().fetch_via(**both_cases)

    # http_proxy and HTTP_PROXY are one variable on Windows.
    test_all_proxy_is_the_fallback_and_upper_case_HTTP_PROXY_is_ignored_as_curl_does = None


del test_proxy.PlainHttpHubBehindAProxy  # the loader must not find the original through this module
