#!/usr/bin/env python3
"""A local, Hub-compatible test server: the Hugging Face Hub protocol on 127.0.0.1, standard library only.

    python3 tests/hub/hubserver.py --root DIR [--port-file FILE] [--host 127.0.0.1] [--prefix /api/hf/remote]
                                   [--prefix-only] [--seed] [--config NAME=VALUE ...]

Four origins, each on its own port chosen at run time:
  hub      the Hub API, resolve URLs, the LFS batch API, and the test controls under /_hubtest/
  cdn      serves LFS objects (/objects/<sha256>) and receives LFS uploads (/upload/<id>...)
  foreign  a third host that answers like hub + cdn (public content only in practice, since a correct
           client never forwards a token to it); the redirect_foreign fault sends clients there, so a
           test can prove from the request log that no Authorization header crossed hosts.
  bridge   the bridge in front of Xet storage: serves Xet-backed files (config xet_min_size) at signed URLs.

Once all four listen, `{"hub", "cdn", "foreign", "bridge", "endpoint", "prefix", "pid", "root"}` is written
atomically to --port-file. The data folder (--root) holds state.json, objects/<sha256> and
requests.log (one JSON line per request). tests/hub/README.md documents the test controls;
tests/hub/hubtest.py is the Python harness that drives them.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import hmac
import itertools
import json
import mimetypes
import os
import re
import secrets
import shutil
import signal
import socket
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubstore import (  # noqa: E402  (the sibling module is found through the line above)
    HubError,
    HubState,
    git_blob_sha1,
    is_binary_sample,
    is_git_ignored,
    is_lfs_tracked,
    lfs_pointer,
    validate_repo_path,
    write_atomically,
)

ADMIN_PREFIX = "/_hubtest/"
INVALID_CREDENTIALS = "Invalid credentials in Authorization header"
API_ACTIONS = {"revision", "tree", "paths-info", "preupload", "commit", "branch", "tag", "refs", "commits",
               "xet-read-token"}
# Faults decided before any routing, faults applied while a 2xx body is sent, and the listing fault.
REQUEST_FAULTS = {"status", "stall", "redirect_loop", "redirect_foreign", "oversized_json", "malformed_json"}
BODY_FAULTS = {"drop_after_bytes", "truncate", "corrupt", "stall", "throttle"}
# Decided once the request has been carried out (a commit made), as its answer is about to go out.
ANSWER_FAULTS = {"lose_answer"}
ALL_FAULTS = REQUEST_FAULTS | BODY_FAULTS | ANSWER_FAULTS | {"hostile_listing"}
HOSTILE_PATHS = ["../evil", "/abs/evil", "a\\b", "nul\0byte", "dir/../../evil", "..", ".", "C:evil", "ok//double", ""]
DRAIN_LIMIT = 16 * 1024 * 1024


class FileBody:
    """A response body read from a file with sendfile (zero copy)."""

    def __init__(self, path: str, offset: int, length: int):
        self.path, self.offset, self.length = path, offset, length


class StreamBody:
    """A generated response body of known length (oversized_json), never held in memory whole."""

    def __init__(self, length: int, chunks):
        self.length, self.chunks = length, chunks


class RepoMoved(Exception):
    def __init__(self, old_id: str, new_id: str):
        super().__init__(new_id)
        self.old_id, self.new_id = old_id, new_id


class Aborted(Exception):
    """The connection was cut on purpose (a fault) or by the client."""


# ---- request log and faults -----------------------------------------------------------------------------
class RequestLog:
    def __init__(self, path: str):
        self.path = path
        self.entries = []
        self.lock = threading.Lock()

    # An entry joins the log when its request arrives, so the log is in arrival order and a client that
    # has its answer always finds its request there; status and bytes fill in as the request proceeds.
    def start(self, entry: dict) -> None:
        with self.lock:
            self.entries.append(entry)

    def finish(self, entry: dict) -> None:
        with self.lock:
            line = json.dumps(entry) + "\n"
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(line)

    def snapshot(self) -> list:
        with self.lock:
            return [dict(entry) for entry in self.entries]

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


class FaultBoard:
    """Armed faults, first armed first matched; each disarms after `count` hits (-1: until cleared)."""

    def __init__(self):
        self.faults = []
        self.lock = threading.Lock()
        self.next_id = 1

    def add(self, spec: dict) -> dict:
        kind = spec.get("kind")
        if kind not in ALL_FAULTS:
            raise HubError(400, f"Unknown fault kind {kind!r}: expected one of {', '.join(sorted(ALL_FAULTS))}")
        if spec.get("origin") not in (None, "hub", "cdn", "foreign", "bridge"):
            raise HubError(400, f"Unknown origin {spec.get('origin')!r}: expected hub, cdn, foreign or bridge")
        fault = dict(spec)
        fault.setdefault("count", 1)
        try:
            fault["_regex"] = re.compile(fault["path"]) if fault.get("path") else None
        except re.error as err:
            raise HubError(400, f"Invalid fault path regex {fault['path']!r}: {err}") from err
        with self.lock:
            fault["id"] = self.next_id
            self.next_id += 1
            self.faults.append(fault)
        return {k: v for k, v in fault.items() if not k.startswith("_")}

    def take(self, origin: str, method: str, path: str, kinds: set, when: str) -> dict | None:
        with self.lock:
            for fault in self.faults:
                if fault["kind"] not in kinds:
                    continue
                if fault["kind"] == "stall" and (fault.get("after_headers", False) != (when == "body")):
                    continue
                if fault.get("origin") not in (None, origin):
                    continue
                if fault.get("method") and fault["method"].upper() != method:
                    continue
                if fault["_regex"] is not None and not fault["_regex"].search(path):
                    continue
                if fault["count"] > 0:
                    fault["count"] -= 1
                    if fault["count"] == 0:
                        self.faults.remove(fault)
                return fault
        return None

    def listing(self) -> list:
        with self.lock:
            return [{k: v for k, v in f.items() if not k.startswith("_")} for f in self.faults]

    def clear(self) -> None:
        with self.lock:
            self.faults.clear()


class App:
    """Everything the three origins share."""

    def __init__(self, root: str, prefix: str, prefix_only: bool):
        self.state = HubState(root)
        self.root = root
        self.prefix = prefix.rstrip("/")
        self.prefix_only = prefix_only
        self.urls = {}
        self.log = RequestLog(os.path.join(root, "requests.log"))
        self.faults = FaultBoard()
        self.uploads = {}  # upload id -> {"oid", "size", "chunk_size", "parts"}
        self.uploads_lock = threading.Lock()
        self.uploads_dir = os.path.join(root, "uploads")
        os.makedirs(self.uploads_dir, exist_ok=True)
        self.stopping = threading.Event()
        # Xet storage: the bridge serves a Xet-backed file at the URL a resolve redirect signed with this key.
        self.xet_secret = secrets.token_bytes(32)
        self.xet_objects = {}  # Xet hash -> sha256 of the object, for the bridge
        self.connection_ids = itertools.count(1)  # numbers each TCP connection, for the request log


# ---- the handler ----------------------------------------------------------------------------------------
class HubHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "HubDepsTestHub/1.0"
    timeout = 300  # an idle keep-alive connection is let go after this many seconds
    app: App = None
    origin: str = ""

    # -- plumbing --
    def setup(self):
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle + delayed ACK add ~40 ms
        # to every small keep-alive response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.connection_id = next(self.app.connection_ids)
        self.link_free_at = 0.0  # link_rate: when this connection's link has carried what was sent on it

    def log_message(self, format, *args):  # noqa: A002  (the base class's name)
        pass  # every request goes to the structured request log instead

    def do_GET(self):
        self.dispatch()

    def do_HEAD(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def dispatch(self):
        split = urllib.parse.urlsplit(self.path)
        self.raw_path, self.query_string = split.path, split.query
        self.query = urllib.parse.parse_qs(split.query, keep_blank_values=True)
        self.body_remaining = self._announced_body_length()
        self.is_admin = self.origin == "hub" and self.raw_path.startswith(ADMIN_PREFIX)
        self.is_api = False  # set by route() for /api/ calls (the gzip_api switch compresses their JSON)
        self.base = self.app.urls[self.origin]
        self.entry = {
            "origin": self.origin,
            "method": self.command,
            "path": self.path,
            "range": self.headers.get("Range"),
            "authorization": self.headers.get("Authorization") is not None,
            "status": None,
            "bytes_sent": 0,
            "fault": None,
            "aborted": False,
            "time": time.time(),
            "connection": self.connection_id,
        }
        if not self.is_admin:
            self.app.log.start(self.entry)
        try:
            try:
                self.route()
            except RepoMoved as moved:
                self.redirect_moved(moved)
            except HubError as err:
                self.send_error_answer(err)
        except (Aborted, BrokenPipeError, ConnectionResetError, TimeoutError):
            self.entry["aborted"] = True
            self.close_connection = True
        except Exception as err:  # a bug in the test server: say so loudly, answer 500
            traceback.print_exc()
            if self.entry["status"] is None:
                try:
                    self.send_error_answer(HubError(500, f"Test Hub internal error: {err!r}"))
                except OSError:
                    self.close_connection = True
            else:
                self.close_connection = True
        finally:
            self._discard_unread_body()
            if not self.is_admin:
                self.app.log.finish(self.entry)

    def _announced_body_length(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return "chunked"
        return int(self.headers.get("Content-Length") or 0)

    def iter_body(self):
        """The request body as chunks, for Content-Length and chunked uploads alike."""
        if self.body_remaining == "chunked":
            while True:
                size_line = self.rfile.readline(1024)
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    self.body_remaining = 0
                    return
                remaining = size
                while remaining:
                    chunk = self.rfile.read(min(remaining, 1 << 20))
                    if not chunk:
                        raise Aborted()
                    remaining -= len(chunk)
                    yield chunk
                self.rfile.readline(1024)
        while self.body_remaining > 0:
            chunk = self.rfile.read(min(self.body_remaining, 1 << 20))
            if not chunk:
                self.body_remaining = 0
                raise Aborted()
            self.body_remaining -= len(chunk)
            yield chunk

    def read_body(self, limit=1 << 30) -> bytes:
        chunks, total = [], 0
        for chunk in self.iter_body():
            total += len(chunk)
            if total > limit:
                raise HubError(413, f"Request body over {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def read_json(self):
        body = self.read_body()
        try:
            return json.loads(body or b"{}")
        except ValueError as err:
            raise HubError(400, f"Request body is not valid JSON: {err}") from err

    def _discard_unread_body(self):
        # Keep-alive needs the whole request read; a big unread upload is cheaper to cut than to drain.
        if self.body_remaining == "chunked" or (isinstance(self.body_remaining, int) and self.body_remaining > DRAIN_LIMIT):
            self.close_connection = True
            return
        try:
            for _ in self.iter_body():
                pass
        except (Aborted, OSError):
            self.close_connection = True

    # -- answers --
    def send_answer(self, status: int, headers: list, body=b"", content_type: str | None = None):
        if isinstance(body, (FileBody, StreamBody)):
            length = body.length
        else:
            length = len(body)
        if not self.is_admin and self.app.faults.take(self.origin, self.command, self.path, ANSWER_FAULTS, "answer"):
            # The work is done (a commit made) but the client never hears of it: the connection closes
            # before a single byte of the answer, as when a proxy or the network drops it.
            self.entry["fault"] = "lose_answer"
            self.entry["status"] = status
            self.abort()
        self.link_delay()
        self.send_response(status)
        self.send_header("X-Request-Id", secrets.token_hex(8))
        if content_type:
            self.send_header("Content-Type", content_type)
        omit_range_headers = not self.is_admin and self.app.state.config["mirror_omit_range_headers"]
        for name, value in headers:
            if omit_range_headers and name.lower() in ("accept-ranges", "content-range"):
                continue  # a mirror that drops them (hf-mirror style)
            self.send_header(name, value)
        self.send_header("Content-Length", str(length))
        self.entry["status"] = status
        fault = None
        if self.command != "HEAD" and length > 0 and 200 <= status < 300:
            fault = self.app.faults.take(self.origin, self.command, self.path, BODY_FAULTS, "body")
        if fault:
            self.entry["fault"] = fault["kind"]
        if self.command == "HEAD" or length == 0:
            self.end_headers()
            return
        if fault is None and isinstance(body, bytes) and length <= 65536:
            # Headers and a small body in one write.
            began = time.monotonic()
            self._headers_buffer.append(b"\r\n" + body)
            self.flush_headers()
            self.entry["bytes_sent"] = length
            self.link_pace(length, began)
            return
        self.end_headers()
        if fault is None:
            self.write_part(body, 0, length)
            return
        kind = fault["kind"]
        if kind == "stall":
            self.sleep(float(fault.get("seconds", 30)))
            self.abort()
        if kind == "throttle":
            # The whole body at `rate` bytes per second, in 50 ms slices: a slow link, so a test can
            # interrupt a download at a chosen point.
            rate = max(1.0, float(fault.get("rate", 1 << 20)))
            step = max(1, int(rate / 20))
            for start in range(0, length, step):
                try:
                    self.write_part(body, start, min(step, length - start))
                except OSError:
                    self.abort()
                time.sleep(min(step, length - start) / rate)
            return
        if kind == "drop_after_bytes":
            self.write_part(body, 0, min(int(fault.get("bytes", 0)), length))
            self.abort()
        if kind == "truncate":
            self.write_part(body, 0, min(int(fault.get("bytes", length // 2)), length - 1))
            self.abort()
        if kind == "corrupt":
            at = min(int(fault.get("offset", length // 2)), length - 1)
            self.write_part(body, 0, at)
            original = self.read_part(body, at, 1)
            self.wfile.write(bytes([original[0] ^ 0xFF]))
            self.entry["bytes_sent"] += 1
            self.write_part(body, at + 1, length - at - 1)

    def write_part(self, body, start: int, count: int):
        rate = self.link_rate()
        if rate <= 0:
            return self.send_part(body, start, count)
        # A link shaped like the Hub's CDN: slices of 1/50 s, each followed by a sleep until the link would
        # have carried it, so the server's CPU stays low however many connections are capped.
        step = max(1 << 16, rate // 50)
        for offset in range(start, start + count, step):
            began = time.monotonic()
            size = min(step, start + count - offset)
            self.send_part(body, offset, size)
            self.link_pace(size, began)

    def link_rate(self) -> int:
        return 0 if self.is_admin else int(self.app.state.config["link_rate"])

    def link_pace(self, count: int, began: float):
        """`count` bytes went out from `began` on: waits until a link of link_rate bytes per second would have
        carried them on this connection. Idle time earns at most one slice (1/50 s) of credit: enough to make up
        for a late wake-up on a busy machine, too little to matter between answers."""
        rate = self.link_rate()
        if rate <= 0:
            return
        self.link_free_at = max(self.link_free_at, began - 0.02) + count / rate
        wait = self.link_free_at - time.monotonic()
        if wait > 0:
            time.sleep(wait)

    def link_delay(self):
        """link_delay_ms before every answer (test controls excepted): the round trip to a distant Hub."""
        delay = 0 if self.is_admin else int(self.app.state.config["link_delay_ms"])
        if delay > 0:
            time.sleep(delay / 1000)

    def send_part(self, body, start: int, count: int):
        if count <= 0:
            return
        if isinstance(body, FileBody):
            # Blocking mode for the copy: with a timeout, socket.sendfile polls before every chunk.
            self.connection.settimeout(None)
            try:
                with open(body.path, "rb") as f:
                    sent = self.connection.sendfile(f, body.offset + start, count)
            finally:
                self.connection.settimeout(self.timeout)
            self.entry["bytes_sent"] += sent
            if sent < count:
                raise Aborted()
        elif isinstance(body, StreamBody):
            position = 0
            for chunk in body.chunks():
                piece = chunk[max(0, start - position): max(0, start + count - position)]
                position += len(chunk)
                if piece:
                    self.wfile.write(piece)
                    self.entry["bytes_sent"] += len(piece)
                if position >= start + count:
                    break
        else:
            self.wfile.write(memoryview(body)[start:start + count])
            self.entry["bytes_sent"] += count

    def read_part(self, body, start: int, count: int) -> bytes:
        if isinstance(body, FileBody):
            with open(body.path, "rb") as f:
                return os.pread(f.fileno(), count, body.offset + start)
        if isinstance(body, StreamBody):
            return b"x" * count
        return bytes(body[start:start + count])

    def abort(self):
        self.entry["aborted"] = True
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        raise Aborted()

    def sleep(self, seconds: float):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.app.stopping.is_set():
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))

    def send_json(self, status: int, obj, headers=(), content_type="application/json; charset=utf-8"):
        body, headers = json.dumps(obj).encode(), list(headers)
        if self.is_api and self.app.state.config["gzip_api"]:
            # A mirror that compresses API answers whether or not the client asked for it.
            body = gzip.compress(body, compresslevel=6, mtime=0)
            headers.append(("Content-Encoding", "gzip"))
        self.send_answer(status, headers, body, content_type)

    def send_error_answer(self, err: HubError):
        if not self.is_admin and self.app.state.config["real_hub_errors"]:
            return self.send_real_hub_error(err)
        headers = list(err.headers.items())
        if err.code:
            headers.append(("X-Error-Code", err.code))
        # Header values must stay on one line of latin-1.
        safe_message = err.message.replace("\r", " ").replace("\n", " ").encode("latin-1", "replace").decode("latin-1")
        if not (self.is_admin or self.app.state.config["omit_error_message"]):
            headers.append(("X-Error-Message", safe_message))
        self.send_json(err.status, {"error": err.message}, headers)

    def send_real_hub_error(self, err: HubError):
        """An error as huggingface.co sends it over HTTP/2: header names in lower case, the Hub's own short
        texts (what huggingface_hub's hf_raise_for_status reads), JSON bodies on /api/, text elsewhere."""
        message = err.message
        if err.code == "RepoNotFound":
            message = "Invalid username or password." if err.status == 401 else "Repository not found"
        elif err.code == "EntryNotFound":
            message = "Entry not found"
        elif err.code == "RevisionNotFound":
            message = message.split(" is not a ")[0]  # "Invalid rev id: <rev>"
        headers = [(name.lower(), value) for name, value in err.headers.items()]
        if err.code:
            headers.append(("x-error-code", err.code))
        if not self.app.state.config["omit_error_message"]:
            headers.append(("x-error-message", message.replace("\r", " ").replace("\n", " ")))
        if self.is_api:
            return self.send_json(err.status, {"error": message}, headers)
        self.send_answer(err.status, headers, message.encode(), "text/plain; charset=utf-8")

    def redirect(self, status: int, location: str, headers=()):
        body = f"Redirecting to {location}".encode()
        self.send_answer(status, [("Location", location), *headers], body, "text/plain; charset=utf-8")

    def redirect_moved(self, moved: RepoMoved):
        # A renamed repo answers with a RELATIVE Location, as the Hub does: clients must resolve it.
        pattern = re.compile(r"/" + re.escape(moved.old_id) + r"(?=/|\.git/|$)")
        new_path = pattern.sub("/" + moved.new_id, self.raw_path, count=1)
        location = new_path + (f"?{self.query_string}" if self.query_string else "")
        self.redirect(307, location)

    # -- routing --
    def route(self):
        if self.is_admin:
            return self.route_admin(self.raw_path[len(ADMIN_PREFIX):])
        fault = self.app.faults.take(self.origin, self.command, self.path, REQUEST_FAULTS, "request")
        if fault:
            self.entry["fault"] = fault["kind"]
            return self.apply_request_fault(fault)
        if self.origin == "bridge":
            return self.route_bridge()
        if self.origin in ("cdn", "foreign") and self.raw_path.startswith(("/objects/", "/upload/")):
            return self.route_cdn()
        if self.origin == "cdn":
            raise HubError(404, f"Not a CDN path: {self.raw_path}")
        path = self.raw_path
        prefix = self.app.prefix
        if prefix and (path == prefix or path.startswith(prefix + "/")):
            path = path[len(prefix):] or "/"
            self.base += prefix
        elif prefix and self.app.prefix_only:
            raise HubError(404, f"This test Hub only serves under the prefix {prefix}")
        self.check_token()
        segments = [urllib.parse.unquote(s) for s in path.split("/")[1:]]
        if segments and segments[0] == "api":
            self.is_api = True
            return self.route_api(segments[1:])
        return self.route_web(segments)

    def apply_request_fault(self, fault: dict):
        kind = fault["kind"]
        if kind == "status":
            status = int(fault.get("status", 500))
            headers = [("Retry-After", str(fault["retry_after"]))] if "retry_after" in fault else []
            err = HubError(status, fault.get("message", f"Injected failure {status}"), headers=dict(headers))
            return self.send_error_answer(err)
        if kind == "stall":
            self.sleep(float(fault.get("seconds", 30)))
            self.abort()
        if kind == "redirect_loop":
            return self.redirect(302, self.path)
        if kind == "redirect_foreign":
            return self.redirect(302, self.app.urls["foreign"] + self.path)
        if kind == "malformed_json":
            body = fault.get("body", '{"id": "broken", "sha": "0123", "siblings": [{"rfilename": "conf').encode()
            return self.send_answer(200, [], body, "application/json; charset=utf-8")
        if kind == "oversized_json":
            size = int(fault.get("bytes", 64 * 1024 * 1024))
            head, tail = b'{"padding": "', b'"}'
            filler = b"x" * (1 << 20)

            def chunks():
                yield head
                remaining = size - len(head) - len(tail)
                while remaining > 0:
                    yield filler[: min(remaining, len(filler))]
                    remaining -= len(filler)
                yield tail

            return self.send_answer(200, [], StreamBody(size, chunks), "application/json; charset=utf-8")
        raise HubError(500, f"Fault {kind} cannot apply here")

    # -- auth --
    def check_token(self):
        header = self.headers.get("Authorization")
        self.token, self.user = None, None
        if header is None:
            return
        scheme, _, token = header.partition(" ")
        info = self.app.state.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if info is None:
            raise HubError(401, INVALID_CREDENTIALS)
        self.token, self.user = token.strip(), info

    def can_read(self, repo) -> bool:
        if not repo.private:
            return True
        return self.user is not None and (self.user["user"] == repo.namespace or repo.namespace in self.user.get("orgs", []))

    def not_found(self, repo_type: str, repo_id: str) -> HubError:
        # Missing and private look the same; 401 without a valid token, 404 with one (as the Hub).
        status = 404 if self.user else 401
        hint = "" if self.user else " If the repo is private, pass a token that can read it."
        return HubError(status, f"Repository not found: {repo_type} {repo_id}.{hint}", "RepoNotFound")

    def load_repo(self, repo_type: str, repo_id: str, *, files=False, write=False):
        state = self.app.state
        repo = state.get_repo(repo_type, repo_id)
        if repo is None:
            moved = state.renamed_to(repo_type, repo_id)
            if moved:
                raise RepoMoved(repo_id, moved)
            raise self.not_found(repo_type, repo_id)
        if not self.can_read(repo):
            raise self.not_found(repo_type, repo_id)
        if repo.disabled and files:
            raise HubError(403, "Access to this resource is disabled.")
        if write:
            self.require_write(repo.namespace, f"{repo_type} {repo_id}")
        elif files and repo.gated and not (self.token and self.token in repo.gated_access):
            if self.token is None:
                raise HubError(401, f"Access to {repo_type} {repo_id} is restricted. You must have access to it "
                                    "and be authenticated to access it. Please log in.", "GatedRepo")
            raise HubError(403, f"Access to {repo_type} {repo_id} is restricted and you are not in the authorized "
                                f"list. Visit {self.base}/{repo.url_path} to ask for access.", "GatedRepo")
        return repo

    def require_write(self, namespace: str, what: str):
        if self.user is None:
            raise HubError(401, f"Writing to {what} needs a token: pass a write token in the Authorization header")
        if self.user["role"] != "write":
            raise HubError(403, f"You don't have the rights to write to {what}: this token is read-only. Use a write token.")
        if namespace and namespace != self.user["user"] and namespace not in self.user.get("orgs", []):
            raise HubError(403, f"You don't have the rights to write under the namespace {namespace} ({what})")

    # -- web paths: resolve, raw, LFS --
    def route_web(self, segments: list):
        repo_type, rest = "model", segments
        if rest and rest[0] in ("datasets", "spaces"):
            repo_type, rest = rest[0][:-1], rest[1:]
        for n in (2, 1):
            if len(rest) > n + 1 and rest[n] in ("resolve", "raw"):
                revision, path_parts = self.split_revision(rest[n + 1:])
                if self.command not in ("GET", "HEAD"):
                    break
                return self.handle_resolve(repo_type, "/".join(rest[:n]), revision, "/".join(path_parts), rest[n] == "raw")
            if len(rest) >= n + 4 and rest[n - 1].endswith(".git") and rest[n:n + 3] == ["info", "lfs", "objects"]:
                repo_id = "/".join(rest[: n - 1] + [rest[n - 1][:-4]])
                action = "/".join(rest[n + 3:])
                if action == "batch" and self.command == "POST":
                    return self.handle_lfs_batch(repo_type, repo_id)
                if action == "verify" and self.command == "POST":
                    return self.handle_lfs_verify(repo_type, repo_id)
        raise HubError(404, f"No such Hub path: {self.command} {self.raw_path}")

    @staticmethod
    def split_revision(parts: list):
        # A client may send refs/pr/1 unencoded (the JS tree listing does); take it as one revision.
        if len(parts) >= 3 and parts[0] == "refs" and parts[1] in ("pr", "convert", "heads"):
            return "/".join(parts[:3]), parts[3:]
        return parts[0], parts[1:]

    def handle_resolve(self, repo_type, repo_id, revision, path, raw):
        state = self.app.state
        repo = self.load_repo(repo_type, repo_id, files=True)
        oid = state.resolve(repo, revision)
        commit_headers = [("X-Repo-Commit", oid), ("Accept-Ranges", "bytes")]
        entry = repo.commits[oid].tree.get(path)
        if entry is None:
            raise HubError(404, f"Entry not found: {path} in {repo_type} {repo_id} at {revision}", "EntryNotFound",
                           headers={"X-Repo-Commit": oid})
        blob = state.blob(entry[0])
        if entry[1]:
            pointer = lfs_pointer(blob.sha256, blob.size)
            pointer_etag = f'"{git_blob_sha1(pointer)}"'
            if raw:
                return self.send_ranged(pointer, [*commit_headers, ("ETag", pointer_etag)], "text/plain; charset=utf-8")
            headers = [*commit_headers, ("ETag", pointer_etag), ("X-Linked-Etag", f'"{blob.sha256}"'),
                       ("X-Linked-Size", str(blob.size))]
            if self.xet_backed(blob):
                return self.xet_redirect(repo, oid, path, blob, headers)
            query = urllib.parse.urlencode({"repo": f"{repo_type}s/{repo_id}", "commit": oid, "path": path})
            location = f"{self.app.urls['cdn']}/objects/{blob.sha256}?{query}"
            return self.redirect(302, location, headers)
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        headers = [*commit_headers, ("ETag", f'"{blob.git_sha1}"')]
        return self.send_ranged(FileBody(state.objects.path(blob.sha256), 0, blob.size), headers, content_type)

    def send_ranged(self, body, headers: list, content_type: str):
        """200 with the whole body, or 206 for `Range: bytes=a-b` / `bytes=a-` / `bytes=-n`, or 416."""
        size = body.length if isinstance(body, FileBody) else len(body)
        header = self.headers.get("Range")
        match = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", header or "")
        ignore = self.app.state.config["mirror_ignore_range"]  # a mirror that always sends the whole body
        if ignore or header is None or match is None or (match.group(1) == "" and match.group(2) == ""):
            return self.send_answer(200, headers, body, content_type)
        first, last = match.group(1), match.group(2)
        if first == "":
            start, end = max(0, size - int(last)), size - 1
        else:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        if start >= size or (last and first and int(last) < start):
            return self.send_answer(416, [*headers, ("Content-Range", f"bytes */{size}")], b"", content_type)
        if isinstance(body, FileBody):
            part = FileBody(body.path, body.offset + start, end - start + 1)
        else:
            part = body[start:end + 1]
        headers = [*headers, ("Content-Range", f"bytes {start}-{end}/{size}")]
        return self.send_answer(206, headers, part, content_type)

    # -- Xet storage: resolve's redirect, the bridge, the token route --
    def xet_backed(self, blob) -> bool:
        """xet_min_size: LFS files of at least this many bytes live in Xet storage (-1: none), as most new large
        files on the Hub do."""
        threshold = int(self.app.state.config["xet_min_size"])
        return threshold >= 0 and blob.size >= threshold

    def xet_hash(self, blob) -> str:
        """A stand-in for the file's Xet hash (on the Hub a Merkle hash over its content-defined chunks): 64 hex
        digits, one per content, remembered so that the bridge can serve it."""
        xet = hashlib.blake2b(blob.sha256.encode(), digest_size=32, person=b"hubtest-xet").hexdigest()
        self.app.xet_objects[xet] = blob.sha256
        return xet

    def xet_signature(self, object_path: str, expires: str) -> str:
        return hmac.new(self.app.xet_secret, f"{object_path}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def xet_redirect(self, repo, oid, path, blob, headers):
        """A Xet-backed file's resolve: the LFS headers (its bytes are still named by their SHA-256), what a Xet
        client reads (X-Xet-Hash, and where its token comes from: huggingface_hub reads Link rel="xet-auth", else
        X-Xet-Refresh-Route), and 302 to the bridge at a URL signed in the S3 style, valid xet_url_ttl seconds."""
        xet = self.xet_hash(blob)
        token_route = f"{self.base}/api/{repo.type}s/{repo.id}/xet-read-token/{oid}"
        object_path = f"/xet-bridge-us/{hashlib.sha1(repo.id.encode()).hexdigest()[:24]}/{xet}"
        now = int(time.time())
        name = urllib.parse.quote(path.rsplit("/", 1)[-1])
        query = {"X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD",
                 "X-Amz-Date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now)), "X-Amz-SignedHeaders": "host",
                 "X-Xet-Cas-Uid": "public", "response-content-disposition": f"inline; filename*=UTF-8''{name};",
                 "x-id": "GetObject", "Expires": str(now + 1 + int(self.app.state.config["xet_url_ttl"]))}
        query["X-Amz-Signature"] = self.xet_signature(object_path, query["Expires"])
        location = f"{self.app.urls['bridge']}{object_path}?{urllib.parse.urlencode(query)}"
        headers = [*headers, ("X-Xet-Hash", xet), ("X-Xet-Refresh-Route", token_route),
                   ("Link", f'<{token_route}>; rel="xet-auth"')]
        return self.redirect(302, location, headers)

    def route_bridge(self):
        """The bridge in front of Xet storage (cas-bridge.xethub.hf.co on the Hub): a Xet-backed file's bytes at
        the URL a resolve redirect signed, with Range; no token (the signature is the authorization). Errors as
        such a storage host sends them: S3-style XML, no X-Error-Code."""
        parts = self.raw_path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "xet-bridge-us" or self.command not in ("GET", "HEAD"):
            return self.send_s3_error(404, "NoSuchKey", f"No such bridge path: {self.command} {self.raw_path}")
        query = {name: values[0] for name, values in self.query.items()}
        expires = query.get("Expires", "")
        expected = self.xet_signature(self.raw_path, expires).encode()
        if not hmac.compare_digest(query.get("X-Amz-Signature", "").encode(), expected):
            return self.send_s3_error(403, "SignatureDoesNotMatch",
                                      "The request signature does not match: use the URL of the resolve redirect")
        if not expires.isdigit() or int(expires) < time.time():
            return self.send_s3_error(403, "AccessDenied", "Request has expired")
        sha256 = self.app.xet_objects.get(parts[2])
        blob = self.app.state.objects.get(sha256) if sha256 else None
        if blob is None:
            return self.send_s3_error(404, "NoSuchKey", f"No Xet object {parts[2]}: resolve the file again")
        headers = [("ETag", f'"{blob.sha256}"'), ("Accept-Ranges", "bytes")]
        if "response-content-disposition" in query:
            headers.append(("Content-Disposition", query["response-content-disposition"]))
        path = self.app.state.objects.path(blob.sha256)
        return self.send_ranged(FileBody(path, 0, blob.size), headers, "application/octet-stream")

    def send_s3_error(self, status: int, code: str, message: str):
        body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
        self.send_answer(status, [], body.encode(), "application/xml")

    def handle_xet_read_token(self, repo_type, repo_id, revision):
        """The route of Link rel="xet-auth": where a Xet client (hf_xet) gets a short-lived token for Xet storage,
        in the headers huggingface_hub's constants.py names (and, here, the same three values as JSON). The CAS
        protocol itself is not served: clients download from this test Hub by plain HTTP."""
        repo = self.load_repo(repo_type, repo_id, files=True)
        self.app.state.resolve(repo, revision)
        expires, token, cas = int(time.time()) + 3600, secrets.token_urlsafe(24), self.app.urls["bridge"]
        headers = [("X-Xet-Cas-Url", cas), ("X-Xet-Access-Token", token), ("X-Xet-Token-Expiration", str(expires))]
        self.send_json(200, {"casUrl": cas, "accessToken": token, "exp": expires}, headers)

    # -- CDN: objects and uploads --
    def route_cdn(self):
        parts = self.raw_path.strip("/").split("/")
        if parts[0] == "objects" and len(parts) == 2 and self.command in ("GET", "HEAD"):
            blob = self.app.state.objects.get(parts[1])
            if blob is None:
                raise HubError(404, f"No such object: {parts[1]}")
            headers = [("ETag", f'"{blob.sha256}"'), ("Accept-Ranges", "bytes")]
            filename = self.query.get("path", [""])[0].rsplit("/", 1)[-1]
            if filename:
                quoted = urllib.parse.quote(filename)
                headers.append(("Content-Disposition", f"inline; filename*=UTF-8''{quoted}"))
            path = self.app.state.objects.path(blob.sha256)
            return self.send_ranged(FileBody(path, 0, blob.size), headers, "application/octet-stream")
        if parts[0] == "upload" and len(parts) >= 2:
            with self.app.uploads_lock:
                session = self.app.uploads.get(parts[1])
            if session is None:
                raise HubError(404, f"Unknown or finished upload {parts[1]}: ask the LFS batch API for a new one")
            if len(parts) == 2 and self.command == "PUT" and not session["chunk_size"]:
                return self.upload_whole(parts[1], session)
            if len(parts) == 4 and parts[2] == "part" and self.command == "PUT" and session["chunk_size"]:
                return self.upload_part(parts[1], session, int(parts[3]))
            if len(parts) == 2 and self.command == "POST" and session["chunk_size"]:
                return self.upload_complete(parts[1], session)
        raise HubError(404, f"No such CDN path: {self.command} {self.raw_path}")

    def upload_whole(self, upload_id, session):
        state = self.app.state
        blob = state.objects.ingest(self.iter_body(), session["size"], session["oid"])
        with state.lock:
            state.save()
        with self.app.uploads_lock:
            self.app.uploads.pop(upload_id, None)
        self.send_answer(200, [("ETag", f'"{blob.sha256}"')])

    def upload_part(self, upload_id, session, number):
        chunk_size, size = session["chunk_size"], session["size"]
        count = -(-size // chunk_size)
        if not 1 <= number <= count:
            raise HubError(400, f"Part {number} is out of range: this upload has parts 1 to {count}")
        expected = chunk_size if number < count else size - chunk_size * (count - 1)
        folder = os.path.join(self.app.uploads_dir, upload_id)
        os.makedirs(folder, exist_ok=True)
        md5, received = hashlib.md5(), 0
        temp = os.path.join(folder, f".{number}.{secrets.token_hex(4)}")
        with open(temp, "wb") as out:
            for chunk in self.iter_body():
                md5.update(chunk)
                received += len(chunk)
                out.write(chunk)
        if received != expected:
            os.unlink(temp)
            raise HubError(400, f"Part {number} has {received} bytes, expected {expected}")
        os.replace(temp, os.path.join(folder, str(number)))
        etag = f'"{md5.hexdigest()}"'
        with self.app.uploads_lock:
            session["parts"][number] = etag
        self.send_answer(200, [("ETag", etag)])

    def upload_complete(self, upload_id, session):
        request = self.read_json()
        if request.get("oid") != session["oid"]:
            raise HubError(400, f"Completion for {request.get('oid')} does not match upload of {session['oid']}")
        count = -(-session["size"] // session["chunk_size"])
        given = {int(p["partNumber"]): p.get("etag", "") for p in request.get("parts", [])}
        for number in range(1, count + 1):
            stored = session["parts"].get(number)
            if stored is None:
                raise HubError(400, f"Part {number} of {count} was never uploaded")
            if given.get(number, "").strip('"') != stored.strip('"'):
                raise HubError(400, f"Part {number}: ETag {given.get(number)!r} does not match the uploaded part")
        folder = os.path.join(self.app.uploads_dir, upload_id)

        def chunks():
            for number in range(1, count + 1):
                with open(os.path.join(folder, str(number)), "rb") as f:
                    yield from iter(lambda: f.read(1 << 20), b"")

        state = self.app.state
        try:
            state.objects.ingest(chunks(), session["size"], session["oid"])
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            with self.app.uploads_lock:
                self.app.uploads.pop(upload_id, None)
        with state.lock:
            state.save()
        self.send_json(200, {"oid": session["oid"], "size": session["size"]})

    # -- LFS batch --
    def handle_lfs_batch(self, repo_type, repo_id):
        request = self.read_json()
        operation = request.get("operation")
        repo = self.load_repo(repo_type, repo_id, write=operation == "upload", files=operation == "download")
        if request.get("hash_algo", "sha256") not in ("sha256", "sha_256"):
            raise HubError(400, f"Unsupported hash_algo {request.get('hash_algo')!r}: only sha256")
        transfers = request.get("transfers") or ["basic"]
        config = self.app.state.config
        objects = []
        for obj in request.get("objects", []):
            oid, size = obj.get("oid"), obj.get("size")
            answer = {"oid": oid, "size": size, "authenticated": True}
            if not (isinstance(oid, str) and re.fullmatch(r"[0-9a-f]{64}", oid) and isinstance(size, int) and size >= 0):
                answer["error"] = {"code": 422, "message": f"Invalid object: oid {oid!r}, size {size!r}"}
                objects.append(answer)
                continue
            stored = self.app.state.objects.get(oid)
            if operation == "download":
                if stored is None:
                    answer["error"] = {"code": 404, "message": f"Object {oid} does not exist"}
                else:
                    answer["actions"] = {"download": {"href": f"{self.app.urls['cdn']}/objects/{oid}", "expires_in": 3600}}
            elif stored is not None and stored.size == size:
                pass  # already stored: no actions, the client skips it
            elif stored is not None:
                answer["error"] = {"code": 422, "message": f"Object {oid} is stored with size {stored.size}, not {size}"}
            else:
                upload_id = secrets.token_hex(16)
                href = f"{self.app.urls['cdn']}/upload/{upload_id}"
                multipart = "multipart" in transfers and size >= config["multipart_threshold"]
                chunk_size = config["multipart_chunk_size"] if multipart else 0
                with self.app.uploads_lock:
                    self.app.uploads[upload_id] = {"oid": oid, "size": size, "chunk_size": chunk_size, "parts": {}}
                header = {}
                if multipart:
                    header["chunk_size"] = str(chunk_size)
                    for number in range(1, -(-size // chunk_size) + 1):
                        header[str(number)] = f"{href}/part/{number}"
                verify = f"{self.base}/{repo.url_path}.git/info/lfs/objects/verify"
                answer["actions"] = {
                    "upload": {"href": href, "header": header, "expires_in": 3600},
                    "verify": {"href": verify, "header": {}, "expires_in": 3600},
                }
            objects.append(answer)
        transfer = "multipart" if "multipart" in transfers else "basic"
        self.send_json(200, {"transfer": transfer, "objects": objects, "hash_algo": "sha256"},
                       content_type="application/vnd.git-lfs+json")

    def handle_lfs_verify(self, repo_type, repo_id):
        self.load_repo(repo_type, repo_id)
        request = self.read_json()
        blob = self.app.state.objects.get(str(request.get("oid")))
        if blob is None or blob.size != request.get("size"):
            raise HubError(404, f"Object {request.get('oid')} with size {request.get('size')} was not uploaded")
        self.send_json(200, {"oid": blob.sha256, "size": blob.size}, content_type="application/vnd.git-lfs+json")

    # -- /api --
    def route_api(self, seg: list):
        method = self.command
        if seg == ["whoami-v2"] and method in ("GET", "HEAD"):
            return self.handle_whoami()
        if seg == ["repos", "create"] and method == "POST":
            return self.handle_create_repo()
        if seg == ["repos", "delete"] and method in ("DELETE", "POST"):
            return self.handle_delete_repo()
        if seg == ["validate-yaml"] and method == "POST":
            return self.handle_validate_yaml()
        if len(seg) >= 2 and seg[0] in ("models", "datasets", "spaces"):
            repo_type, rest = seg[0][:-1], seg[1:]
            if len(rest) >= 2 and (len(rest) == 2 or rest[2] in API_ACTIONS) and "/".join(rest[:2]) != "":
                repo_id, tail = "/".join(rest[:2]), rest[2:]
                if len(rest) > 2 and rest[1] in API_ACTIONS and self.app.state.get_repo(repo_type, rest[0]):
                    repo_id, tail = rest[0], rest[1:]
            else:
                repo_id, tail = rest[0], rest[1:]
            return self.route_repo_api(repo_type, repo_id, tail)
        raise HubError(404, f"No such API path: {method} {self.raw_path}")

    def route_repo_api(self, repo_type, repo_id, tail):
        method = self.command
        action = tail[0] if tail else ""
        if action == "" and method in ("GET", "HEAD"):
            return self.handle_repo_info(repo_type, repo_id, "HEAD")
        if action == "revision" and len(tail) >= 2 and method in ("GET", "HEAD"):
            revision, _ = self.split_revision(tail[1:])
            return self.handle_repo_info(repo_type, repo_id, revision)
        if action == "tree" and len(tail) >= 2 and method in ("GET", "HEAD"):
            revision, path = self.split_revision(tail[1:])
            return self.handle_tree(repo_type, repo_id, revision, "/".join(path).strip("/"))
        if action == "paths-info" and len(tail) >= 2 and method == "POST":
            revision, _ = self.split_revision(tail[1:])
            return self.handle_paths_info(repo_type, repo_id, revision)
        if action == "preupload" and len(tail) >= 2 and method == "POST":
            revision, _ = self.split_revision(tail[1:])
            return self.handle_preupload(repo_type, repo_id, revision)
        if action == "commit" and len(tail) >= 2 and method == "POST":
            revision, _ = self.split_revision(tail[1:])
            return self.handle_commit(repo_type, repo_id, revision)
        if action == "branch" and len(tail) >= 2 and method in ("POST", "DELETE"):
            return self.handle_branch(repo_type, repo_id, "/".join(tail[1:]))
        if action == "tag" and len(tail) >= 2 and method in ("POST", "DELETE"):
            return self.handle_tag(repo_type, repo_id, "/".join(tail[1:]))
        if action == "refs" and method in ("GET", "HEAD"):
            return self.handle_refs(repo_type, repo_id)
        if action == "xet-read-token" and len(tail) >= 2 and method == "GET":
            revision, _ = self.split_revision(tail[1:])
            return self.handle_xet_read_token(repo_type, repo_id, revision)
        if action == "commits" and len(tail) >= 2 and method in ("GET", "HEAD"):
            revision, _ = self.split_revision(tail[1:])
            return self.handle_list_commits(repo_type, repo_id, revision)
        raise HubError(404, f"No such API path: {method} {self.raw_path}")

    def handle_whoami(self):
        if self.user is None:
            raise HubError(401, "Invalid username or password.")
        user = self.user
        self.send_json(200, {
            "type": "user",
            "id": hashlib.sha1(user["user"].encode()).hexdigest()[:24],
            "name": user["user"],
            "fullname": user["user"].capitalize(),
            "email": f"{user['user']}@example.invalid",
            "emailVerified": True,
            "canPay": False,
            "isPro": False,
            "periodEnd": None,
            "billingMode": "prepaid",
            "avatarUrl": "",
            "orgs": [{"type": "org", "id": hashlib.sha1(o.encode()).hexdigest()[:24], "name": o, "fullname": o,
                      "email": None, "canPay": False, "avatarUrl": "", "periodEnd": None} for o in user.get("orgs", [])],
            "auth": {"type": "access_token",
                     "accessToken": {"displayName": "hubtest", "role": user["role"], "createdAt": "2024-01-01T00:00:00.000Z"}},
        })

    def handle_create_repo(self):
        request = self.read_json()
        if self.user is None:
            raise HubError(401, "Creating a repo needs a token: pass a write token in the Authorization header")
        name = request.get("name")
        if not isinstance(name, str) or not name:
            raise HubError(400, "Missing repo name")
        namespace = request.get("organization") or self.user["user"]
        repo_type = request.get("type") or "model"
        repo_id = f"{namespace}/{name}"
        self.require_write(namespace, f"{repo_type} {repo_id}")
        private = request.get("private")
        if "visibility" in request and request["visibility"] is not None:
            private = request["visibility"] != "public"
        state = self.app.state
        existing = state.get_repo(repo_type, repo_id)
        url = f"{self.base}/{repo_id if repo_type == 'model' else f'{repo_type}s/{repo_id}'}"
        if existing is not None:
            raise HubError(409, f"You already created this {repo_type} repo: {repo_id}", headers={})
        repo = state.create_repo(repo_type, repo_id, private=bool(private), author=self.user["user"])
        files = request.get("files") or []
        if files:
            ops = []
            for f in files:
                content = base64.b64decode(f["content"]) if f.get("encoding") == "base64" else f["content"].encode()
                validate_repo_path(f["path"])
                ops.append(("put", f["path"], state.objects.put_bytes(content).sha256, False))
            state.apply_commit(repo, "main", ops, "Upload files at creation", author=self.user["user"])
        self.send_json(200, {"url": url, "name": repo_id, "id": repo_id})

    def handle_delete_repo(self):
        request = self.read_json()
        namespace = request.get("organization") or (self.user or {}).get("user", "")
        repo_type = request.get("type") or "model"
        repo = self.load_repo(repo_type, f"{namespace}/{request.get('name')}", write=True)
        self.app.state.delete_repo(repo)
        self.send_json(200, {})

    def handle_validate_yaml(self):
        request = self.read_json()
        content = request.get("content") or ""
        lines = content.splitlines()
        if lines and lines[0].strip() == "---":
            try:
                end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == "---")
            except StopIteration:
                raise HubError(400, "YAML front matter is not closed: add a line '---' after it") from None
            for number, line in enumerate(lines[1:end], 2):
                stripped = line.strip()
                if not stripped or stripped.startswith("#") or line[0] in " \t-":
                    continue
                if not re.match(r"^[^:\s][^:]*:(\s|$)", line):
                    raise HubError(400, f"Invalid YAML front matter at line {number}: expected 'key: value', got {line!r}")
        self.send_json(200, {"errors": [], "warnings": []})

    # -- listings --
    def file_entry(self, repo, oid, path, expand):
        sha256, is_lfs = repo.commits[oid].tree[path]
        entry = {"type": "file", **self.app.state.entry_identity(sha256, is_lfs), "path": path}
        if is_lfs and self.xet_backed(self.app.state.blob(sha256)):
            entry["xetHash"] = self.xet_hash(self.app.state.blob(sha256))  # as the Hub's tree lists a Xet file
        if expand:
            self.add_expansion(entry, repo, oid, path)
        return entry

    def directory_entry(self, repo, oid, path, expand):
        tree = repo.commits[oid].tree
        children = sorted((p, v) for p, v in tree.items() if p.startswith(path + "/"))
        entry = {"type": "directory", "oid": hashlib.sha1(json.dumps(children).encode()).hexdigest(), "size": 0, "path": path}
        if expand:
            self.add_expansion(entry, repo, oid, path)
        return entry

    def add_expansion(self, entry, repo, oid, path):
        last = self.app.state.last_commit(repo, oid, path)
        entry["lastCommit"] = {"id": last.oid, "title": last.title, "date": last.date}
        entry["securityFileStatus"] = {"status": "safe"}

    def hostile_entries(self):
        fake = hashlib.sha1(b"hostile").hexdigest()
        return [{"type": "file", "oid": fake, "size": 4, "path": p} for p in HOSTILE_PATHS]

    def take_listing_fault(self):
        fault = self.app.faults.take(self.origin, self.command, self.path, {"hostile_listing"}, "request")
        if fault:
            self.entry["fault"] = fault["kind"]
        return fault is not None

    def handle_repo_info(self, repo_type, repo_id, revision):
        state = self.app.state
        repo = self.load_repo(repo_type, repo_id)
        oid = state.resolve(repo, revision)
        commit = repo.commits[oid]
        blobs = self.query.get("blobs", ["false"])[0].lower() in ("true", "1")
        siblings = []
        for path in sorted(commit.tree):
            sibling = {"rfilename": path}
            if blobs:
                ident = state.entry_identity(*commit.tree[path])
                sibling.update({"size": ident["size"], "blobId": ident["oid"]})
                if "lfs" in ident:
                    sibling["lfs"] = {"sha256": ident["lfs"]["oid"], "size": ident["lfs"]["size"],
                                      "pointerSize": ident["lfs"]["pointerSize"]}
            siblings.append(sibling)
        limit = int(state.config["siblings_limit"])
        if limit >= 0:
            # The Hub's repo info may come from a cache that holds a cut-down list for big repos
            # (huggingface_hub#3119): silently, with nothing in the answer to say so.
            siblings = siblings[:limit]
        if self.take_listing_fault():
            siblings += [{"rfilename": e["path"], "size": 4, "blobId": e["oid"]} for e in self.hostile_entries()]
        info = {
            "_id": hashlib.sha1(f"{repo_type}:{repo.created_at}".encode()).hexdigest()[:24],
            "id": repo.id,
            "author": repo.namespace or None,
            "sha": oid,
            "lastModified": commit.date,
            "createdAt": repo.created_at,
            "private": repo.private,
            "gated": repo.gated,
            "disabled": repo.disabled,
            "downloads": 0,
            "likes": 0,
            "tags": [],
            "cardData": {},
            "siblings": siblings,
        }
        if repo_type == "model":
            info["modelId"] = repo.id
            info["library_name"] = None
            info["pipeline_tag"] = None
        if repo_type == "space":
            info["sdk"] = "static"
        self.send_json(200, info)

    def handle_tree(self, repo_type, repo_id, revision, path):
        state = self.app.state
        repo = self.load_repo(repo_type, repo_id)
        recursive = self.query.get("recursive", ["false"])[0].lower() in ("true", "1")
        expand = self.query.get("expand", ["false"])[0].lower() in ("true", "1")
        cursor = self.query.get("cursor", [None])[0]
        offset = 0
        if cursor:
            # The cursor pins the commit of the first page, so a branch moving between pages cannot
            # mix two trees into one listing.
            try:
                pinned = json.loads(base64.urlsafe_b64decode(cursor.encode()))
                oid, offset = pinned["c"], int(pinned["o"])
            except (ValueError, KeyError, TypeError) as err:
                raise HubError(400, f"Invalid cursor {cursor!r}") from err
            if oid not in repo.commits:
                raise HubError(404, f"Invalid rev id: {oid}", "RevisionNotFound")
        else:
            oid = state.resolve(repo, revision)
        tree = repo.commits[oid].tree
        directories = set()
        for file_path in tree:
            parts = file_path.split("/")
            for depth in range(1, len(parts)):
                directories.add("/".join(parts[:depth]))
        if path and path not in directories:
            raise HubError(404, f"Entry not found: folder {path} in {repo_type} {repo_id} at {revision}", "EntryNotFound",
                           headers={"X-Repo-Commit": oid})
        prefix = path + "/" if path else ""

        def wanted(candidate):
            if not candidate.startswith(prefix):
                return False
            return recursive or "/" not in candidate[len(prefix):]

        names = sorted([("directory", d) for d in directories if wanted(d)] + [("file", f) for f in tree if wanted(f)],
                       key=lambda item: item[1])
        page_size = max(1, int(state.config["tree_page_size"]))
        page = names[offset: offset + page_size]
        entries = [self.file_entry(repo, oid, p, expand) if kind == "file" else self.directory_entry(repo, oid, p, expand)
                   for kind, p in page]
        if self.take_listing_fault():
            entries += self.hostile_entries()
        headers = [("X-Repo-Commit", oid)]
        if offset + page_size < len(names):
            next_cursor = base64.urlsafe_b64encode(json.dumps({"c": oid, "o": offset + page_size}).encode()).decode()
            query = urllib.parse.urlencode({"recursive": str(recursive).lower(), "expand": str(expand).lower(),
                                            "cursor": next_cursor})
            rev = urllib.parse.quote(revision, safe="")
            url = f"{self.base}/api/{repo_type}s/{repo.id}/tree/{rev}{'/' + urllib.parse.quote(path) if path else ''}?{query}"
            headers.append(("Link", f'<{url}>; rel="next"'))
        self.send_json(200, entries, headers)

    def handle_paths_info(self, repo_type, repo_id, revision):
        state = self.app.state
        repo = self.load_repo(repo_type, repo_id)
        body = self.read_body()
        content_type = self.headers.get("Content-Type", "")
        if "json" in content_type:
            try:
                request = json.loads(body or b"{}")
            except ValueError as err:
                raise HubError(400, f"paths-info body is not valid JSON: {err}") from err
            paths, expand = request.get("paths", []), request.get("expand") in (True, "true", "True", 1, "1")
        else:
            form = urllib.parse.parse_qs(body.decode(), keep_blank_values=True)
            paths = form.get("paths", [])
            expand = form.get("expand", ["false"])[-1].lower() in ("true", "1")
        if isinstance(paths, str):
            paths = [paths]
        oid = state.resolve(repo, revision)
        tree = repo.commits[oid].tree
        entries = []
        for path in paths:
            path = path.strip("/")
            if path in tree:
                entries.append(self.file_entry(repo, oid, path, expand))
            elif path and any(p.startswith(path + "/") for p in tree):
                entries.append(self.directory_entry(repo, oid, path, expand))
        if self.take_listing_fault():
            entries += self.hostile_entries()
        self.send_json(200, entries, [("X-Repo-Commit", oid)])

    def handle_refs(self, repo_type, repo_id):
        repo = self.load_repo(repo_type, repo_id)
        with self.app.state.lock:
            refs = {
                "branches": [{"name": n, "ref": f"refs/heads/{n}", "targetCommit": c} for n, c in sorted(repo.branches.items())],
                "tags": [{"name": n, "ref": f"refs/tags/{n}", "targetCommit": c} for n, c in sorted(repo.tags.items())],
                "converts": [],
            }
            if self.query.get("include_prs", ["0"])[0].lower() in ("1", "true"):
                refs["pullRequests"] = [{"name": f"refs/pr/{n}", "ref": f"refs/pr/{n}", "targetCommit": c}
                                        for n, c in sorted(repo.pulls.items(), key=lambda i: int(i[0]))]
        self.send_json(200, refs)

    def handle_list_commits(self, repo_type, repo_id, revision):
        state = self.app.state
        repo = self.load_repo(repo_type, repo_id)
        oid, commits = state.resolve(repo, revision), []
        while oid in repo.commits:
            commit = repo.commits[oid]
            commits.append({"id": commit.oid, "title": commit.title, "message": commit.message, "date": commit.date,
                            "authors": [{"user": commit.author}]})
            oid = commit.parents[0] if commit.parents else None
        self.send_json(200, commits)

    # -- uploads: preupload, commit, branches, tags --
    def handle_preupload(self, repo_type, repo_id, revision):
        state = self.app.state
        repo = self.load_repo(repo_type, repo_id, write=True)
        request = self.read_json()
        oid = state.resolve(repo, revision)
        tree = repo.commits[oid].tree
        gitattributes = request.get("gitAttributes") or state.read_text(repo, oid, ".gitattributes")
        gitignore = request.get("gitIgnore") or state.read_text(repo, oid, ".gitignore")
        answers = []
        for f in request.get("files", []):
            path, size = f.get("path", ""), int(f.get("size", 0))
            try:
                sample = base64.b64decode(f.get("sample", ""))
            except ValueError as err:
                raise HubError(400, f"Sample of {path} is not base64: {err}") from err
            lfs = size > state.config["lfs_threshold"] or is_binary_sample(sample) or is_lfs_tracked(gitattributes, path)
            existing = None
            if path in tree:
                # What the clients compare with their local id: git SHA-1 for regular files, SHA-256 for LFS.
                sha256, is_lfs = tree[path]
                existing = sha256 if is_lfs else state.blob(sha256).git_sha1
            answers.append({"path": path, "uploadMode": "lfs" if lfs else "regular",
                            "shouldIgnore": is_git_ignored(gitignore, path), "oid": existing})
        self.send_json(200, {"files": answers, "commitOid": oid})

    def handle_commit(self, repo_type, repo_id, revision):
        state = self.app.state
        repo = self.load_repo(repo_type, repo_id, write=True)
        create_pr = self.query.get("create_pr", ["0"])[0].lower() in ("1", "true")
        body = self.read_body()
        lines = []
        for number, line in enumerate(body.decode("utf-8", errors="strict").splitlines(), 1):
            if line.strip():
                try:
                    lines.append(json.loads(line))
                except ValueError as err:
                    raise HubError(400, f"Commit payload line {number} is not JSON: {err}") from err
        header = next((line.get("value", {}) for line in lines if line.get("key") == "header"), None)
        if header is None:
            raise HubError(400, "Commit payload has no header line: the first line must be {\"key\": \"header\", ...}")
        operations, lfs_paths = [], []
        for line in lines:
            key, value = line.get("key"), line.get("value") or {}
            if key == "header":
                continue
            path = value.get("path", "")
            if key == "file":
                content = value.get("content", "")
                data = base64.b64decode(content) if value.get("encoding") == "base64" else content.encode()
                if len(data) > state.config["lfs_threshold"]:
                    raise HubError(400, f"Your push was rejected: {path} is {len(data)} bytes, over the "
                                        f"{state.config['lfs_threshold']}-byte limit for regular files. Upload it with LFS.")
                validate_repo_path(path)
                operations.append(("put", path, state.objects.put_bytes(data).sha256, False))
            elif key == "lfsFile":
                oid, size = value.get("oid", ""), value.get("size")
                if value.get("algo", "sha256") != "sha256":
                    raise HubError(400, f"Unsupported LFS algo {value.get('algo')!r} for {path}")
                blob = state.objects.get(oid)
                if blob is None or (size is not None and blob.size != size):
                    raise HubError(400, f"Your push was rejected because an LFS pointer pointed to a file that does "
                                        f"not exist: {path} (oid {oid}). Upload it through the LFS batch API first.")
                operations.append(("put", path, oid, True))
                lfs_paths.append(path)
            elif key == "deletedFile":
                operations.append(("delete", path))
            elif key == "deletedFolder":
                operations.append(("delete_folder", path))
            else:
                raise HubError(400, f"Unknown commit operation key {key!r}")
        with state.lock:
            # Like the Hub, track LFS files that .gitattributes does not cover yet.
            tip = state.resolve(repo, revision)
            attributes = state.read_text(repo, tip, ".gitattributes")
            for op in operations:
                if op[0] == "put" and op[1] == ".gitattributes":
                    with open(state.objects.path(op[2]), "rb") as f:
                        attributes = f.read().decode("utf-8", errors="replace")
            missing = [p for p in lfs_paths if not is_lfs_tracked(attributes, p)]
            if missing:
                if attributes and not attributes.endswith("\n"):
                    attributes += "\n"
                attributes += "".join(f"{p} filter=lfs diff=lfs merge=lfs -text\n" for p in missing)
                blob = state.objects.put_bytes(attributes.encode())
                operations = [op for op in operations if not (op[0] == "put" and op[1] == ".gitattributes")]
                operations.append(("put", ".gitattributes", blob.sha256, False))
            commit, pr = state.apply_commit(repo, revision, operations, header.get("summary") or "Upload files",
                                            header.get("description") or "", header.get("parentCommit"), create_pr,
                                            self.user["user"])
        answer = {"success": True, "commitOid": commit.oid, "commitUrl": f"{self.base}/{repo.url_path}/commit/{commit.oid}",
                  "hookOutput": ""}
        if pr is not None:
            answer["pullRequestUrl"] = f"{self.base}/{repo.url_path}/discussions/{pr}"
        self.send_json(200, answer)

    def handle_branch(self, repo_type, repo_id, branch):
        state = self.app.state
        repo = self.load_repo(repo_type, repo_id, write=True)
        request = self.read_json() if self.command == "POST" else {}
        if self.command == "DELETE":
            state.set_ref(repo, "branch", branch, None)
            return self.send_json(200, {})
        if branch in repo.branches and not request.get("overwrite"):
            raise HubError(409, f"Reference already exists: branch {branch} in {repo_id}")
        if branch in repo.branches and request.get("overwrite") and not request.get("startingPoint"):
            return self.send_json(200, {})
        if request.get("emptyBranch"):
            with state.lock:
                commit = state._new_commit(repo, None, {}, "Empty branch", "", self.user["user"])
                state.set_ref(repo, "branch", branch, commit.oid)
        else:
            state.set_ref(repo, "branch", branch, request.get("startingPoint") or "main")
        self.send_json(200, {})

    def handle_tag(self, repo_type, repo_id, name):
        state = self.app.state
        repo = self.load_repo(repo_type, repo_id, write=True)
        if self.command == "DELETE":
            state.set_ref(repo, "tag", name, None)
            return self.send_json(200, {})
        request = self.read_json()
        tag = request.get("tag")
        if not tag:
            raise HubError(400, "Missing 'tag' in the request body")
        state.set_ref(repo, "tag", tag, name, create_only=True)
        self.send_json(200, {})

    # -- test controls --
    def route_admin(self, action: str):
        state, method = self.app.state, self.command
        if action == "health":
            return self.send_json(200, {"ok": True})
        if action == "log" and method == "GET":
            return self.send_json(200, self.app.log.snapshot())
        if action == "log/clear" and method == "POST":
            self.app.log.clear()
            return self.send_json(200, {})
        if action == "faults" and method == "GET":
            return self.send_json(200, self.app.faults.listing())
        if action == "faults" and method == "POST":
            return self.send_json(200, self.app.faults.add(self.read_json()))
        if action == "faults/clear" and method == "POST":
            self.app.faults.clear()
            return self.send_json(200, {})
        if method == "GET" and action == "repo":
            repo = self.admin_repo({k: v[0] for k, v in self.query.items()})
            with state.lock:
                return self.send_json(200, {"id": repo.id, "type": repo.type, "branches": repo.branches,
                                            "tags": repo.tags, "pulls": repo.pulls, "commits": list(repo.commits)})
        if method != "POST":
            raise HubError(404, f"No such test control: {method} {self.raw_path}")
        request = self.read_json()
        if action == "config":
            unknown = set(request) - set(state.config)
            if unknown:
                raise HubError(400, f"Unknown settings {sorted(unknown)}: known are {sorted(state.config)}")
            with state.lock:
                state.config.update({k: int(v) for k, v in request.items()})
                state.save()
            return self.send_json(200, state.config)
        if action == "tokens":
            with state.lock:
                if request.get("replace"):
                    state.tokens.clear()
                state.tokens.update(request.get("tokens", {}))
                state.save()
            return self.send_json(200, {"tokens": sorted(state.tokens)})
        if action == "generate":
            blob = state.generate(int(request["size"]), request.get("seed", 0))
            return self.send_json(200, {**blob.__dict__, "path": state.objects.path(blob.sha256)})
        if action == "repos":
            repo = state.create_repo(request.get("type", "model"), request["repo_id"], request.get("private", False),
                                     request.get("gated", False), request.get("gated_access", []),
                                     gitattributes=request.get("gitattributes", True))
            return self.send_json(200, {"repo_id": repo.id, "type": repo.type, "commit": repo.branches.get("main")})
        repo = self.admin_repo(request)
        if action == "commit":
            return self.admin_commit(repo, request)
        if action == "ref":
            state.set_ref(repo, request.get("kind", "branch"), request["name"], request.get("commit"))
            return self.send_json(200, {"branches": repo.branches, "tags": repo.tags})
        if action == "vanish":
            state.vanish_commit(repo, request["commit"])
            return self.send_json(200, {})
        if action == "rename":
            state.rename_repo(repo, request["new_id"])
            return self.send_json(200, {"repo_id": repo.id})
        if action == "repo/update":
            with state.lock:
                for key in ("private", "gated", "gated_access", "disabled"):
                    if key in request:
                        setattr(repo, key, request[key])
                state.save()
            return self.send_json(200, {})
        raise HubError(404, f"No such test control: {method} {self.raw_path}")

    def admin_repo(self, request: dict):
        repo_type = request.get("type", "model")
        repo = self.app.state.get_repo(repo_type, request.get("repo_id", ""))
        if repo is None:
            raise HubError(404, f"Test control: no {repo_type} repo {request.get('repo_id')!r}", "RepoNotFound")
        return repo

    def admin_commit(self, repo, request: dict):
        """Commit files directly: {path: {"text"|"base64"|"generate": {"size", "seed"}, "lfs"?}}."""
        state = self.app.state
        branch = request.get("branch", "main")
        files = request.get("files", {})
        with state.lock:
            base = state.resolve(repo, branch) if branch in repo.branches or branch.startswith("refs/pr/") else None
            attributes = state.read_text(repo, base, ".gitattributes") if base else ""
        if ".gitattributes" in files and "text" in files[".gitattributes"]:
            attributes = files[".gitattributes"]["text"]
        operations, described = [], {}
        for path, spec in files.items():
            if "text" in spec:
                blob = state.objects.put_bytes(spec["text"].encode())
            elif "base64" in spec:
                blob = state.objects.put_bytes(base64.b64decode(spec["base64"]))
            elif "generate" in spec:
                blob = state.generate(int(spec["generate"]["size"]), spec["generate"].get("seed", 0))
            else:
                raise HubError(400, f"File {path}: give one of 'text', 'base64' or 'generate'")
            lfs = spec.get("lfs")
            if lfs is None:
                lfs = blob.size > state.config["lfs_threshold"] or is_lfs_tracked(attributes, path)
            operations.append(("put", path, blob.sha256, bool(lfs)))
            described[path] = {"sha256": blob.sha256, "git_sha1": blob.git_sha1, "size": blob.size, "lfs": bool(lfs),
                               **({"etag": blob.sha256} if lfs else {"etag": blob.git_sha1})}
        operations += [("delete", p) for p in request.get("delete", [])]
        commit, pr = state.apply_commit(repo, branch, operations, request.get("message", "Test commit"),
                                        request.get("description", ""), request.get("parent_commit"),
                                        bool(request.get("create_pr")))
        self.send_json(200, {"commit": commit.oid, "pr": pr, "files": described})


# ---- demo content --------------------------------------------------------------------------------------
def tiny_safetensors(seed: str, shape=(1024, 768)) -> bytes:
    """A real safetensors file (8-byte header length, JSON header, F32 data) of deterministic bytes."""
    count = shape[0] * shape[1] * 4
    header = {"__metadata__": {"format": "pt"},
              "embeddings.word_embeddings.weight": {"dtype": "F32", "shape": list(shape), "data_offsets": [0, count]}}
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    return len(encoded).to_bytes(8, "little") + encoded + hashlib.shake_256(seed.encode()).digest(count)


def seed_demo(state: HubState) -> None:
    def put(text: str):
        return state.objects.put_bytes(text.encode()).sha256

    if state.get_repo("model", "hubdeps-demo/tiny-bert") is None:
        repo = state.create_repo("model", "hubdeps-demo/tiny-bert")
        config = {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": 768, "num_hidden_layers": 2,
                  "num_attention_heads": 12, "intermediate_size": 3072, "hidden_act": "gelu", "vocab_size": 1024,
                  "max_position_embeddings": 512, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
                  "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
                  "pad_token_id": 0, "torch_dtype": "float32", "transformers_version": "4.40.0"}
        tokenizer_config = {"do_lower_case": True, "model_max_length": 512, "tokenizer_class": "BertTokenizer",
                            "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]", "unk_token": "[UNK]",
                            "mask_token": "[MASK]"}
        vocab = {tok: i for i, tok in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "##s"])}
        tokenizer = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [],
                     "normalizer": {"type": "BertNormalizer", "lowercase": True},
                     "pre_tokenizer": {"type": "BertPreTokenizer"},
                     "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                               "max_input_chars_per_word": 100, "vocab": vocab}}
        weights = state.objects.put_bytes(tiny_safetensors("tiny-bert-v1")).sha256
        first, _ = state.apply_commit(repo, "main", [
            ("put", "config.json", put(json.dumps(config, indent=2) + "\n"), False),
            ("put", "tokenizer_config.json", put(json.dumps(tokenizer_config, indent=2) + "\n"), False),
            ("put", "tokenizer.json", put(json.dumps(tokenizer, indent=2) + "\n"), False),
            ("put", "model.safetensors", weights, True),
            ("put", "README.md", put("---\nlicense: apache-2.0\nlibrary_name: transformers\n---\n# tiny-bert\n"), False),
        ], "Add tiny BERT")
        state.set_ref(repo, "tag", "v1.0", first.oid)
        state.apply_commit(repo, "main", [
            ("put", "README.md", put("---\nlicense: apache-2.0\nlibrary_name: transformers\n---\n# tiny-bert\n\n"
                                     "A small BERT for HubDeps demos and tests.\n"), False),
        ], "Describe the model")
    if state.get_repo("dataset", "hubdeps-demo/tiny-dataset") is None:
        repo = state.create_repo("dataset", "hubdeps-demo/tiny-dataset")
        ops = [("put", "README.md", put("---\nlicense: cc0-1.0\n---\n# tiny-dataset\n"), False)]
        for split, parts in (("train", 3), ("test", 1)):
            for part in range(parts):
                rows = "".join(f"{i},{split}-{part}-{i},{(i * 7) % 5}\n" for i in range(100))
                ops.append(("put", f"data/{split}/part-{part}.csv", put("id,text,label\n" + rows), False))
        ops.append(("put", "data/train/features.parquet", state.generate(256 * 1024, "tiny-dataset-features").sha256, True))
        state.apply_commit(repo, "main", ops, "Add tiny dataset")


# ---- process --------------------------------------------------------------------------------------------
class OriginServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Local Hugging Face Hub-compatible test server (hub, cdn, foreign).")
    parser.add_argument("--root", required=True, help="data folder: state.json, objects/, requests.log")
    parser.add_argument("--port-file", help="where to write the origins as JSON once listening")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--prefix", default="", help="also serve the Hub under this path prefix (a mirror)")
    parser.add_argument("--prefix-only", action="store_true", help="serve Hub paths only under --prefix")
    parser.add_argument("--seed", action="store_true", help="create the demo repos hubdeps-demo/tiny-bert and tiny-dataset")
    parser.add_argument("--tls-cert", help="serve every origin over HTTPS with this certificate (PEM)")
    parser.add_argument("--tls-key", help="the certificate's private key (PEM), with --tls-cert")
    parser.add_argument("--config", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting of POST /_hubtest/config from the start, e.g. link_rate=104857600")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if args.prefix and not args.prefix.startswith("/"):
        parser.error("--prefix must start with '/', e.g. /api/hf/remote")

    app = App(os.path.abspath(args.root), args.prefix, args.prefix_only)
    for setting in args.config:
        name, _, value = setting.partition("=")
        if name not in app.state.config or not re.fullmatch(r"-?\d+", value.strip()):
            parser.error(f"--config {setting}: expected NAME=INTEGER, NAME one of {sorted(app.state.config)}")
        app.state.config[name] = int(value)
    if args.seed:
        seed_demo(app.state)
    servers = {}
    tls = None
    if args.tls_cert:
        import ssl
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
    for origin in ("hub", "cdn", "foreign", "bridge"):
        handler = type(f"{origin.capitalize()}Handler", (HubHandler,), {"app": app, "origin": origin})
        servers[origin] = OriginServer((args.host, 0), handler)
        if tls:
            # A client that rejects the certificate fails the handshake in accept(); socketserver
            # treats that as a dropped connection and goes on serving.
            servers[origin].socket = tls.wrap_socket(servers[origin].socket, server_side=True)
        host = args.host if ":" not in args.host else f"[{args.host}]"
        app.urls[origin] = f"{'https' if tls else 'http'}://{host}:{servers[origin].server_address[1]}"
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True) for s in servers.values()]
    for thread in threads:
        thread.start()

    info = {**app.urls, "endpoint": app.urls["hub"] + app.prefix, "prefix": app.prefix, "pid": os.getpid(), "root": app.root}
    if args.port_file:
        write_atomically(os.path.abspath(args.port_file), json.dumps(info, indent=1).encode())
    print("HubDeps test Hub is listening:", flush=True)
    print(f"  HF_ENDPOINT={info['endpoint']}", flush=True)
    print(f"  cdn:     {app.urls['cdn']}\n  foreign: {app.urls['foreign']}\n  bridge:  {app.urls['bridge']}",
          flush=True)
    print(f"  data:    {app.root}" + (f"\n  ports:   {os.path.abspath(args.port_file)}" if args.port_file else ""), flush=True)
    print("  tokens:  hf_test_write_token (write), hf_test_read_token (read), hf_test_outsider_token", flush=True)
    if args.seed:
        print("  repos:   hubdeps-demo/tiny-bert (model), hubdeps-demo/tiny-dataset (dataset)", flush=True)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    app.stopping.set()
    for server in servers.values():
        server.shutdown()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
