"""HTTP/2 in front of the test Hub: Debian's `nghttpx` (package nghttp2-proxy) as a TLS reverse proxy.

The real Hub and its CDN speak HTTP/2 over HTTPS; the test Hub speaks HTTP/1.1. This puts the Hub's origin behind
an nghttpx frontend on loopback (TLS with a certificate made here by openssl, ALPN h2 and http/1.1), which forwards
every request to the test Hub over HTTP/1.1, one backend connection per request in flight (nghttpx's default mode
has no cap). Its access log records, per request, the client's TCP port and the protocol it spoke, so a test can
count the connections a client opened and see that they were HTTP/2:

    with TestHub() as hub, Http2Proxy(hub) as proxy:
        env = hub.env(cache_dir=...); env.update(proxy.env())   # HF_ENDPOINT and CURL_CA_BUNDLE
        ...
        {e["remote_port"] for e in proxy.log()}, {e["alpn"] for e in proxy.log()}

Redirects the Hub sends keep their absolute URLs (nghttpx would rewrite a Location on 127.0.0.1 to itself:
--no-location-rewrite): LFS files still come from the CDN origin over HTTP/1.1.
Standard library only; `nghttpx_path()` says where nghttpx is, or None.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time

from hubtest import make_certificate, stop_process

LOG_FIELDS = ("remote_port", "alpn", "method", "path", "status", "request_time")


def nghttpx_path() -> str | None:
    """nghttpx on PATH, or in /usr/sbin where Debian puts it (not on a non-root PATH); None when not installed."""
    return shutil.which("nghttpx") or shutil.which("nghttpx", path="/usr/sbin:/usr/local/sbin")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Http2Proxy:
    """nghttpx in its own process, in front of `hub` (a started TestHub). `endpoint` is its https:// origin."""

    __test__ = False

    def __init__(self, hub):
        self.hub = hub
        self.folder = tempfile.mkdtemp(prefix="hubtest-h2-")
        self.access_log = os.path.join(self.folder, "access.log")
        self.error_log = os.path.join(self.folder, "error.log")
        self.process = None

    def start(self, timeout: float = 20.0) -> "Http2Proxy":
        binary = nghttpx_path()
        if binary is None:
            raise RuntimeError("nghttpx is not installed (Debian: apt-get install nghttp2-proxy)")
        self.certificate, key = make_certificate(self.folder)
        port = _free_port()
        backend_port = int(self.hub.hub.rsplit(":", 1)[1])
        command = [binary, "--conf=/dev/null", f"--frontend=127.0.0.1,{port}",
                   f"--backend=127.0.0.1,{backend_port}", "--workers=1", "--no-via", "--no-ocsp", "--no-location-rewrite",
                   f"--accesslog-file={self.access_log}", "--accesslog-format=" + " ".join(f"${f}" for f in LOG_FIELDS),
                   f"--errorlog-file={self.error_log}", key, self.certificate]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None or time.monotonic() > deadline:
                errors = self._read(self.error_log)
                self.stop()
                raise RuntimeError(f"nghttpx did not start on port {port}:\n{errors}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        self.endpoint = f"https://127.0.0.1:{port}"
        return self

    def env(self) -> dict:
        """What points a client at the Hub through the proxy and makes it trust the proxy's certificate."""
        return {"HF_ENDPOINT": self.endpoint, "CURL_CA_BUNDLE": self.certificate, "SSL_CERT_FILE": self.certificate,
                "REQUESTS_CA_BUNDLE": self.certificate}

    def log(self) -> list[dict]:
        """One entry per request nghttpx answered: remote_port (int), alpn ("h2" or "http/1.1"), method, path,
        status (int), request_time (seconds)."""
        entries = []
        for line in self._read(self.access_log).splitlines():
            parts = line.split(" ")
            if len(parts) != len(LOG_FIELDS):
                continue
            entry = dict(zip(LOG_FIELDS, parts))
            entry["remote_port"], entry["status"] = int(entry["remote_port"]), int(entry["status"])
            entry["request_time"] = float(entry["request_time"])
            entries.append(entry)
        return entries

    def clear_log(self) -> None:
        # nghttpx keeps the file open in append mode: truncating it in place is seen at once.
        with open(self.access_log, "w", encoding="utf-8"):
            pass

    def stop(self) -> None:
        stop_process(self.process)
        shutil.rmtree(self.folder, ignore_errors=True)

    @staticmethod
    def _read(path: str) -> str:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def __enter__(self) -> "Http2Proxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
