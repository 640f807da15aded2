#!/usr/bin/env python3
"""A forward HTTP proxy on 127.0.0.1 for tests, standard library only: what a corporate proxy does, logged.

    python3 tests/hub/proxy.py --port-file FILE --log FILE

- `CONNECT host:port` (what a client sends for an https:// URL): answers 200 and relays bytes both ways. It
  sees only the CONNECT request's own headers; everything inside the tunnel is TLS.
- An absolute-URI request (`GET http://host:port/path HTTP/1.1`, what a client sends for an http:// URL):
  forwarded to that origin with the same method, headers (but the hop-by-hop ones) and body; the answer is
  relayed as it comes, redirects included (the client decides whether to follow them).
- Anything else (an origin-form `GET /path`) is answered 400: a client that talks to the proxy as if it were
  the server is misconfigured.

Every request is appended to --log as one JSON line: {method, target (host:port for CONNECT, the URL
otherwise), origin (scheme://host:port), headers (the names, lower case), authorization (bool),
proxy_authorization (bool), status}. Header values are never logged (a token must not land in a file).
Once listening, {"port", "pid", "url"} is written atomically to --port-file. SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import select
import signal
import socket
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te",
              "trailer", "transfer-encoding", "upgrade"}


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "HubDepsTestProxy/1.0"
    timeout = 120
    log_path = ""
    log_lock = threading.Lock()

    def log_message(self, format, *args):  # noqa: A002  (the base class's name)
        pass  # the JSON log instead

    def record(self, target: str, origin: str, status: int):
        entry = {"method": self.command, "target": target, "origin": origin,
                 "headers": sorted(name.lower() for name in self.headers.keys()),
                 "authorization": "Authorization" in self.headers,
                 "proxy_authorization": "Proxy-Authorization" in self.headers, "status": status}
        with self.log_lock, open(self.log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    # -- CONNECT: a blind tunnel --
    def do_CONNECT(self):
        host, _, port = self.path.rpartition(":")
        try:
            upstream = socket.create_connection((host, int(port)), timeout=10)
        except (OSError, ValueError) as err:
            self.record(self.path, f"https://{self.path}", 502)
            self.send_error(502, f"cannot reach {self.path}: {err}")
            return
        self.record(self.path, f"https://{self.path}", 200)
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        client = self.connection
        client.settimeout(None)
        upstream.settimeout(None)
        try:
            sockets = [client, upstream]
            while True:
                readable, _, broken = select.select(sockets, [], sockets, self.timeout)
                if broken or not readable:
                    return
                for source in readable:
                    data = source.recv(1 << 16)
                    if not data:
                        return
                    (upstream if source is client else client).sendall(data)
        except OSError:
            return
        finally:
            upstream.close()

    # -- absolute-URI requests: forwarded --
    def forward(self):
        url = urllib.parse.urlsplit(self.path)
        if url.scheme != "http" or not url.hostname:
            self.record(self.path, "", 400)
            self.send_error(400, "a proxy needs an absolute http:// URI (https goes through CONNECT)")
            return
        origin = f"http://{url.hostname}:{url.port or 80}"
        body = self.read_body()
        headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
        if body is not None:
            headers["Content-Length"] = str(len(body))
        upstream = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=60)
        try:
            target = url.path + (f"?{url.query}" if url.query else "")
            upstream.request(self.command, target or "/", body=body, headers=headers)
            answer = upstream.getresponse()
        except OSError as err:
            self.record(self.path, origin, 502)
            self.send_error(502, f"cannot reach {origin}: {err}")
            return
        self.record(self.path, origin, answer.status)
        self.send_response(answer.status, answer.reason)
        length = answer.getheader("Content-Length")
        for name, value in answer.getheaders():
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        if length is None and self.command != "HEAD":
            self.send_header("Connection", "close")  # the body ends when the connection does
            self.close_connection = True
        self.end_headers()
        try:
            while self.command != "HEAD":
                chunk = answer.read(1 << 16)
                if not chunk:
                    break
                self.wfile.write(chunk)
        finally:
            upstream.close()

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length or self.command in ("POST", "PUT") else None

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = forward


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    ProxyHandler.log_path = args.log
    server = ThreadingHTTPServer(("127.0.0.1", 0), ProxyHandler)
    server.daemon_threads = True
    port = server.server_address[1]
    temp = args.port_file + ".tmp"
    with open(temp, "w", encoding="utf-8") as f:
        json.dump({"port": port, "pid": os.getpid(), "url": f"http://127.0.0.1:{port}"}, f)
    os.replace(temp, args.port_file)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
