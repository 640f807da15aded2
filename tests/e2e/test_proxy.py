"""Corporate proxies (issue #15): `https_proxy`, `http_proxy`, `all_proxy` and `no_proxy` (and the upper-case
forms curl reads) are honoured exactly as curl honours them, proven with a real forward proxy process on loopback
(tests/hub/proxy.py) that logs what it relays: every request goes through it, the token goes only to the
endpoint's origin (never to the CDN, never to the proxy as a header of its own), and NO_PROXY sends the hosts it
names around it.

curl's rules, which libcurl applies itself (hubdeps sets no proxy option): an https:// URL uses `https_proxy` or
`HTTPS_PROXY`, an http:// URL uses `http_proxy` (lower case only: curl ignores `HTTP_PROXY`, which a CGI
environment lets a request set), either falls back to `all_proxy`/`ALL_PROXY`, and `no_proxy`/`NO_PROXY` lists the
hosts reached directly.

The test Hub's env() sets NO_PROXY for loopback, so that no test goes through a proxy by accident; these tests
override it."""

from __future__ import annotations

import os
import shutil
import tempfile
import unittest

from support import READ_TOKEN, HubTestCase, TestHub, blob_etag
from hubtest import TestProxy
from test_security import make_certificate

MiB = 1 << 20
PROXY_VARIABLES = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                   "no_proxy", "NO_PROXY")


class ProxyCase(HubTestCase):
    REPO = "hubdeps-test/behind-proxy"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.proxy = TestProxy().start()
        # Private, so the token is needed, and sent, on every Hub request.
        cls.hub.create_repo(cls.REPO, private=True)
        cls.details = cls.hub.commit_details(cls.REPO, {
            "config.json": '{"hidden_size": 8}\n',
            "model.safetensors": {"generate": {"size": 3 * MiB, "seed": "proxy"}, "lfs": True}})

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.proxy.clear_log()
        self.hub.clear_log()

    def fetch_via(self, **proxy_env):
        env = {name: "" for name in PROXY_VARIABLES}  # nothing from hubtest's env() or the caller's
        env.update(proxy_env)
        return self.fetch(self.REPO, token=READ_TOKEN, env=env)

    def assert_fetched(self, result):
        self.assertExit(result, 0)
        weights = os.path.join(result.json()["snapshot_dir"], "model.safetensors")
        self.assertEqual(blob_etag(os.path.realpath(weights), True),
                         self.details["files"]["model.safetensors"]["sha256"])

    def origin_of(self, url):
        return url.rstrip("/")


class PlainHttpHubBehindAProxy(ProxyCase):
    """http:// endpoint: curl sends absolute-URI requests to the proxy, which sees (and relays) every header."""

    def test_http_proxy_carries_every_request_and_the_token_only_to_the_hub(self):
        result = self.fetch_via(http_proxy=self.proxy.url)
        self.assert_fetched(result)
        relayed = self.proxy.log()
        origins = {entry["origin"] for entry in relayed}
        self.assertEqual(origins, {self.hub.hub, self.hub.cdn})
        # Every request the Hub and the CDN saw came through the proxy.
        self.assertEqual(len(relayed), len(self.hub.log()))
        for entry in relayed:
            with self.subTest(target=entry["target"]):
                self.assertEqual(entry["authorization"], entry["origin"] == self.hub.hub)
                self.assertFalse(entry["proxy_authorization"])
                self.assertNotIn(entry["method"], ("CONNECT",))

    def test_no_proxy_sends_the_hosts_it_names_around_the_proxy(self):
        # The endpoint by name, the CDN by address: NO_PROXY=localhost splits them.
        endpoint = self.hub.endpoint.replace("127.0.0.1", "localhost")
        result = self.fetch_via(http_proxy=self.proxy.url, NO_PROXY="localhost", HF_ENDPOINT=endpoint)
        self.assert_fetched(result)
        self.assertEqual({entry["origin"] for entry in self.proxy.log()}, {self.hub.cdn})
        self.assertTrue(self.hub.log(origin="hub"))
        self.assertFalse(any(entry["authorization"] for entry in self.proxy.log()))

        self.proxy.clear_log()
        shutil.rmtree(self.cache)
        result = self.fetch_via(http_proxy=self.proxy.url, no_proxy="127.0.0.1")
        self.assert_fetched(result)
        self.assertEqual(self.proxy.log(), [])

    def test_all_proxy_is_the_fallback_and_upper_case_HTTP_PROXY_is_ignored_as_curl_does(self):
        self.assert_fetched(self.fetch_via(ALL_PROXY=self.proxy.url))
        self.assertEqual({entry["origin"] for entry in self.proxy.log()}, {self.hub.hub, self.hub.cdn})

        self.proxy.clear_log()
        shutil.rmtree(self.cache)
        self.assert_fetched(self.fetch_via(HTTP_PROXY=self.proxy.url))
        self.assertEqual(self.proxy.log(), [])

    def test_a_proxy_that_does_not_answer_fails_the_fetch_and_says_so(self):
        with socket_that_refuses() as dead:
            result = self.fetch_via(http_proxy=dead, HF_HUB_ETAG_TIMEOUT="2")
        self.assertExit(result, 5)
        self.assertIn(f"proxy in http_proxy={dead}", result.stderr)  # which variable, which proxy
        self.assertNotIn(READ_TOKEN, result.stderr)


class TlsHubBehindAProxy(ProxyCase):
    """https:// endpoint: curl tunnels through the proxy with CONNECT, which sees host names only."""

    @classmethod
    def setUpClass(cls):
        cls.certs = tempfile.mkdtemp(prefix="hubdeps-proxy-tls-")
        cls.certificate, key = make_certificate(cls.certs)
        # HubTestCase.setUpClass would start a plain Hub: start the TLS one instead.
        cls.hub = TestHub(tls=(cls.certificate, key)).start()
        cls.proxy = TestProxy().start()
        cls.hub.create_repo(cls.REPO, private=True)
        cls.details = cls.hub.commit_details(cls.REPO, {
            "config.json": '{"hidden_size": 8}\n',
            "model.safetensors": {"generate": {"size": 3 * MiB, "seed": "proxy"}, "lfs": True}})

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.certs, ignore_errors=True)

    def tunnels(self):
        return {entry["target"] for entry in self.proxy.log() if entry["method"] == "CONNECT"}

    def test_https_proxy_in_either_case_tunnels_to_the_hub_and_the_cdn(self):
        hosts = {self.hub.hub.split("//")[1], self.hub.cdn.split("//")[1]}
        for variable in ("HTTPS_PROXY", "https_proxy"):
            with self.subTest(variable=variable):
                self.proxy.clear_log()
                shutil.rmtree(self.cache, ignore_errors=True)
                result = self.fetch_via(**{variable: self.proxy.url, "CURL_CA_BUNDLE": self.certificate})
                self.assert_fetched(result)
                self.assertEqual(self.tunnels(), hosts)
                self.assertTrue(all(entry["method"] == "CONNECT" for entry in self.proxy.log()))
                # The token is inside the tunnel: the proxy never sees it, as Authorization or otherwise.
                self.assertFalse(any(entry["authorization"] or entry["proxy_authorization"]
                                     for entry in self.proxy.log()))
                cdn = [entry for entry in self.hub.log(origin="cdn")]
                self.assertTrue(cdn)
                self.assertFalse(any(entry["authorization"] for entry in cdn))
                self.assertTrue(all(entry["authorization"] for entry in self.hub.log(origin="hub")))

    def test_http_proxy_alone_does_not_apply_to_an_https_hub(self):
        result = self.fetch_via(http_proxy=self.proxy.url, CURL_CA_BUNDLE=self.certificate)
        self.assert_fetched(result)
        self.assertEqual(self.proxy.log(), [])


class socket_that_refuses:
    """A loopback port nothing listens on, as a proxy URL."""

    def __enter__(self):
        import socket
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc):
        return False


if __name__ == "__main__":
    unittest.main()
