"""Python harness for the local test Hub (tests/hub/hubserver.py), for end-to-end tests and benchmarks.

    from hubtest import TestHub

    with TestHub() as hub:                      # server subprocess in a fresh temporary folder
        hub.create_repo("tester/demo")
        commit = hub.commit("tester/demo", {"config.json": '{"hidden_size": 8}',
                                            "model.safetensors": {"generate": {"size": 5 << 20, "seed": 1},
                                                                  "lfs": True}})
        hub.fault("drop_after_bytes", origin="cdn", bytes=1000)
        ...run the client with HF_ENDPOINT=hub.endpoint...
        assert not any(e["authorization"] for e in hub.log(origin="foreign"))

Every method is a thin call to the server's test controls under /_hubtest/ (see tests/hub/README.md);
errors come back as HubTestError with the server's message. Standard library only.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hubserver.py")
WRITE_TOKEN = "hf_test_write_token"
READ_TOKEN = "hf_test_read_token"
OUTSIDER_TOKEN = "hf_test_outsider_token"

# Test controls must never go through a proxy the environment may configure.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def stop_process(process: subprocess.Popen | None) -> None:
    """Ends a server process of the tests: politely, then for sure."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def make_certificate(folder: str, name: str = "hub") -> tuple[str, str]:
    """A self-signed certificate and key for 127.0.0.1 in `folder`, its own CA (a client trusts it through
    CURL_CA_BUNDLE, or the Windows store under Wine). 127.0.0.1 is named as an address and as a name: Wine's
    WinHTTP checks DNS names only."""
    certificate, key = os.path.join(folder, name + ".pem"), os.path.join(folder, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
                    "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:127.0.0.1"], check=True, capture_output=True)
    return certificate, key


class HubTestError(RuntimeError):
    pass


class TestHub:
    """A running test Hub. Use as a context manager, or call start() and stop()."""

    __test__ = False  # not a test case, whatever a test runner's name heuristics think

    def __init__(self, *, seed: bool = False, prefix: str = "", prefix_only: bool = False, root: str | None = None,
                 keep: bool = False, startup_timeout: float = 30.0, tls: tuple[str, str] | None = None,
                 config: dict | None = None):
        self.seed, self.prefix, self.prefix_only = seed, prefix, prefix_only
        self.config = dict(config or {})  # settings of set_config from the start (--config NAME=VALUE)
        self.tls = tls  # (certificate, key) PEM files: serve HTTPS
        self._own_root = root is None
        self.root = root
        self.keep = keep
        self.startup_timeout = startup_timeout
        self.process = None

    # ---- lifecycle ----
    def start(self) -> "TestHub":
        if self.root is None:
            self.root = tempfile.mkdtemp(prefix="hubtest-")
        os.makedirs(self.root, exist_ok=True)
        port_file = os.path.join(self.root, "ports.json")
        if os.path.exists(port_file):
            os.unlink(port_file)
        command = [sys.executable, SERVER, "--root", self.data_dir, "--port-file", port_file]
        if self.seed:
            command.append("--seed")
        if self.prefix:
            command += ["--prefix", self.prefix]
        if self.prefix_only:
            command.append("--prefix-only")
        for name, value in self.config.items():
            command += ["--config", f"{name}={int(value)}"]
        if self.tls:
            command += ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]]
        self._output = open(os.path.join(self.root, "server.out"), "ab")
        self.process = subprocess.Popen(command, stdout=self._output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + self.startup_timeout
        while not os.path.exists(port_file):
            if self.process.poll() is not None:
                raise HubTestError(f"The test Hub exited with status {self.process.returncode} while starting:\n"
                                   + self.server_output())
            if time.monotonic() > deadline:
                self.stop()
                raise HubTestError(f"The test Hub did not start within {self.startup_timeout} s:\n{self.server_output()}")
            time.sleep(0.02)
        with open(port_file, encoding="utf-8") as f:
            self.ports = json.load(f)
        self.hub, self.cdn, self.foreign = self.ports["hub"], self.ports["cdn"], self.ports["foreign"]
        self.bridge = self.ports["bridge"]  # Xet storage's bridge (config xet_min_size)
        self.endpoint = self.ports["endpoint"]  # HF_ENDPOINT: the hub origin plus the prefix, if any
        return self

    def stop(self) -> None:
        stop_process(self.process)
        if getattr(self, "_output", None):
            self._output.close()
        if self._own_root and not self.keep and self.root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "TestHub":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def data_dir(self) -> str:
        return os.path.join(self.root, "data")

    def server_output(self) -> str:
        try:
            with open(os.path.join(self.root, "server.out"), encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def object_path(self, sha256: str) -> str:
        """The served file of a blob, to compare downloads with without another request."""
        return os.path.join(self.data_dir, "objects", sha256)

    def env(self, *, token: str | None = None, cache_dir: str | None = None, **extra) -> dict:
        """Environment for a client subprocess pointed at this Hub (HF_ENDPOINT, HF_TOKEN, HF_HUB_CACHE)."""
        env = dict(os.environ)
        # Hermetic: no token, offline switch, proxy or CA bundle leaks in from the caller's environment.
        for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "http_proxy", "https_proxy",
                     "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "CURL_CA_BUNDLE", "SSL_CERT_FILE",
                     "REQUESTS_CA_BUNDLE"):
            env.pop(name, None)
        env["HF_ENDPOINT"] = self.endpoint
        env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
        if token:
            env["HF_TOKEN"] = token
        if cache_dir:
            env["HF_HUB_CACHE"] = cache_dir
        env.update({k: str(v) for k, v in extra.items()})
        return env

    # ---- test controls ----
    def control(self, method: str, action: str, body=None, query: str = ""):
        url = f"{self.hub}/_hubtest/{action}" + (f"?{query}" if query else "")
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
        opener = _OPENER
        if self.tls:  # the test controls trust the test certificate, and only them
            import ssl
            context = ssl.create_default_context(cafile=self.tls[0])
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                 urllib.request.HTTPSHandler(context=context))
        try:
            with opener.open(request, timeout=300) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as err:
            detail = err.read().decode(errors="replace")
            raise HubTestError(f"Test control {method} {action} failed with {err.code}: {detail}") from None

    def create_repo(self, repo_id: str, *, type: str = "model", private: bool = False, gated=False,
                    gated_access=(), gitattributes: bool = True) -> str:
        """Create a repo (with the Hub's initial .gitattributes commit unless told not to); returns that commit."""
        answer = self.control("POST", "repos", {"repo_id": repo_id, "type": type, "private": private, "gated": gated,
                                                "gated_access": list(gated_access), "gitattributes": gitattributes})
        return answer["commit"]

    def commit_details(self, repo_id: str, files: dict | None = None, *, type: str = "model", branch: str = "main",
                       message: str = "Test commit", delete=(), create_pr: bool = False,
                       parent_commit: str | None = None) -> dict:
        """Commit directly. `files` maps a path to str (text), bytes, or a spec dict such as
        {"generate": {"size": N, "seed": S}, "lfs": True}. Returns {"commit", "pr", "files": {path: {sha256,
        git_sha1, size, lfs, etag}}}."""
        specs = {}
        for path, content in (files or {}).items():
            if isinstance(content, str):
                specs[path] = {"text": content}
            elif isinstance(content, (bytes, bytearray)):
                specs[path] = {"base64": base64.b64encode(bytes(content)).decode()}
            else:
                specs[path] = dict(content)
        return self.control("POST", "commit", {"repo_id": repo_id, "type": type, "branch": branch, "message": message,
                                               "files": specs, "delete": list(delete), "create_pr": create_pr,
                                               "parent_commit": parent_commit})

    def commit(self, repo_id: str, files: dict | None = None, **kwargs) -> str:
        return self.commit_details(repo_id, files, **kwargs)["commit"]

    def set_ref(self, repo_id: str, name: str, commit: str | None, *, kind: str = "branch", type: str = "model") -> None:
        """Create or move (force push) a branch or tag to a revision; commit=None deletes it."""
        self.control("POST", "ref", {"repo_id": repo_id, "type": type, "kind": kind, "name": name, "commit": commit})

    def refs(self, repo_id: str, *, type: str = "model") -> dict:
        return self.control("GET", "repo", query=urllib.parse.urlencode({"repo_id": repo_id, "type": type}))

    def vanish(self, repo_id: str, commit: str, *, type: str = "model") -> None:
        """Make a commit unreachable upstream (asking for it answers RevisionNotFound)."""
        self.control("POST", "vanish", {"repo_id": repo_id, "type": type, "commit": commit})

    def rename(self, repo_id: str, new_id: str, *, type: str = "model") -> None:
        """Rename a repo; the old id then answers 307 with a relative Location."""
        self.control("POST", "rename", {"repo_id": repo_id, "type": type, "new_id": new_id})

    def update_repo(self, repo_id: str, *, type: str = "model", **fields) -> None:
        """Change private, gated, gated_access or disabled."""
        self.control("POST", "repo/update", {"repo_id": repo_id, "type": type, **fields})

    def set_tokens(self, tokens: dict, *, replace: bool = False) -> None:
        """tokens: {token: {"user", "role": "read"|"write", "orgs": [...]}}."""
        self.control("POST", "tokens", {"tokens": tokens, "replace": replace})

    def set_config(self, **settings) -> dict:
        """lfs_threshold, multipart_threshold, multipart_chunk_size, tree_page_size, and the switches of the Hub as
        it really is: siblings_limit, mirror_ignore_range, mirror_omit_range_headers, gzip_api, real_hub_errors,
        and a link shaped like the Hub's CDN: link_rate (bytes per second per connection), link_delay_ms."""
        return self.control("POST", "config", settings)

    def generate(self, size: int, seed=0) -> dict:
        """Store a deterministic blob (cached by size and seed); returns sha256, git_sha1, size, path."""
        return self.control("POST", "generate", {"size": size, "seed": seed})

    def fault(self, kind: str, *, origin: str | None = None, method: str | None = None, path: str | None = None,
              count: int = 1, **params) -> dict:
        """Arm a fault for the next `count` matching requests (-1: until cleared). `path` is a regex searched in
        the request path with its query. Kinds and their parameters are listed in tests/hub/README.md."""
        spec = {"kind": kind, "origin": origin, "method": method, "path": path, "count": count, **params}
        return self.control("POST", "faults", spec)

    def clear_faults(self) -> None:
        self.control("POST", "faults/clear", {})

    def log(self, *, origin: str | None = None) -> list:
        """Requests seen so far (test controls excluded): origin, method, path, range, authorization (bool),
        status, bytes_sent, fault, aborted, time."""
        entries = self.control("GET", "log")
        return [e for e in entries if origin is None or e["origin"] == origin]

    def clear_log(self) -> None:
        self.control("POST", "log/clear", {})


class TestProxy:
    """A forward proxy (tests/hub/proxy.py) in its own process: CONNECT tunnels and absolute-URI requests,
    each logged without header values. `url` is what http_proxy/https_proxy name."""

    __test__ = False

    def __init__(self):
        self.folder = tempfile.mkdtemp(prefix="hubtest-proxy-")
        self.log_path = os.path.join(self.folder, "requests.log")
        self.process = None

    def start(self) -> "TestProxy":
        port_file = os.path.join(self.folder, "port.json")
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "proxy.py")
        self.process = subprocess.Popen([sys.executable, script, "--port-file", port_file, "--log", self.log_path],
                                        stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not os.path.exists(port_file):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise HubTestError("the test proxy did not start")
            time.sleep(0.02)
        with open(port_file, encoding="utf-8") as f:
            self.url = json.load(f)["url"]
        return self

    def log(self) -> list:
        """What went through the proxy: method, target, origin, headers (names), authorization,
        proxy_authorization, status."""
        try:
            with open(self.log_path, encoding="utf-8") as f:
                return [json.loads(line) for line in f]
        except FileNotFoundError:
            return []

    def clear_log(self) -> None:
        with open(self.log_path, "w", encoding="utf-8"):
            pass

    def stop(self) -> None:
        stop_process(self.process)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "TestProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
