"""Shared pieces of the end-to-end tests: run the real `hubdeps` binary against a real local Hub."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "hub"))

from hubtest import READ_TOKEN, WRITE_TOKEN, OUTSIDER_TOKEN, TestHub  # noqa: E402,F401

HUBDEPS = os.environ.get("HUBDEPS_BIN", os.path.join(HERE, "..", "..", "build", "tool", "hubdeps"))


class Result:
    def __init__(self, completed: subprocess.CompletedProcess):
        self.code = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr

    def json(self):
        return json.loads(self.stdout)

    def __repr__(self):
        return f"exit {self.code}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}"


class HubTestCase(unittest.TestCase):
    """One test Hub per test class (fast), one fresh cache and work folder per test."""

    hub: TestHub

    @classmethod
    def setUpClass(cls):
        cls.hub = TestHub().start()

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="hubdeps-e2e-")
        self.cache = os.path.join(self.work, "cache")
        self.hub.clear_faults()
        self.addCleanup(shutil.rmtree, self.work, True)

    def run_hubdeps(self, *args, token=None, env=None, timeout=120, cwd=None) -> Result:
        environment = self.hub.env(token=token, cache_dir=self.cache)
        environment.update(env or {})
        completed = subprocess.run([HUBDEPS, *args], env=environment, capture_output=True, text=True,
                                   timeout=timeout, cwd=cwd or self.work, stdin=subprocess.DEVNULL)
        return Result(completed)

    def fetch(self, repo, *args, **kwargs) -> Result:
        return self.run_hubdeps("fetch", repo, "--json", *args, **kwargs)

    def assertExit(self, result: Result, code: int):
        self.assertEqual(result.code, code, repr(result))

    def repo_dir(self, repo_id, repo_type="model"):
        return os.path.join(self.cache, f"{repo_type}s--" + repo_id.replace("/", "--"))

    def assert_cache_clean(self, repo_id, repo_type="model"):
        """No partial or unverified file anywhere a client would read it."""
        for root, _, files in os.walk(self.cache):
            for name in files:
                self.assertFalse(name.endswith(".incomplete") and "snapshots" in root, os.path.join(root, name))
        blobs = os.path.join(self.repo_dir(repo_id, repo_type), "blobs")
        if os.path.isdir(blobs):
            for name in os.listdir(blobs):
                if name.endswith(".incomplete"):
                    continue
                path = os.path.join(blobs, name)
                self.assertEqual(blob_etag(path, len(name) == 64), name, f"unverified blob {path}")


def git_blob_sha1(data: bytes) -> str:
    import hashlib
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def blob_etag(path: str, lfs: bool) -> str:
    import hashlib
    with open(path, "rb") as f:
        data = f.read()
    return hashlib.sha256(data).hexdigest() if lfs else git_blob_sha1(data)
