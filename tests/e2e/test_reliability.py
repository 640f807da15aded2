"""Reliability under faults: crashes, concurrency, server faults. Bounded in time and iterations."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import threading
import time
import unittest

from support import HUBDEPS, HubTestCase, blob_etag

MiB = 1 << 20


class CrashSafety(HubTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub.create_repo("acme/large")
        cls.large = cls.hub.commit_details("acme/large", {
            "config.json": "{}\n",
            "ranged.safetensors": {"generate": {"size": 128 * MiB, "seed": 21}, "lfs": True},
            "linear.safetensors": {"generate": {"size": 24 * MiB, "seed": 22}, "lfs": True}})

    def check_invariants(self, path):
        """At no moment is a partial file visible under snapshots/ or as a final blob."""
        sha = self.large["files"][path]["sha256"]
        repo = self.repo_dir("acme/large")
        final = os.path.join(repo, "blobs", sha)
        if os.path.exists(final):
            self.assertEqual(os.path.getsize(final), self.large["files"][path]["size"])
            self.assertEqual(blob_etag(final, True), sha)
        snapshots = os.path.join(repo, "snapshots")
        for root, _, names in os.walk(snapshots) if os.path.isdir(snapshots) else []:
            for name in names:
                entry = os.path.join(root, name)
                self.assertTrue(os.path.exists(entry), f"dangling snapshot entry {entry}")
                self.assertFalse(name.endswith(".incomplete"))

    def kill_repeatedly(self, path, kills, window):
        rng = random.Random(20261123)
        environment = self.hub.env(cache_dir=self.cache)
        killed = 0
        for _ in range(kills):
            process = subprocess.Popen([HUBDEPS, "fetch", "acme/large", "--include", path, "--quiet"],
                                       env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(*window))
            if process.poll() is not None:
                break  # finished before this kill
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            killed += 1
            self.check_invariants(path)
        return killed

    def assert_resumed_and_verified(self, path, killed, minimum_kills):
        self.assertGreaterEqual(killed, minimum_kills, "the download finished too soon to be interrupted")
        result = self.fetch("acme/large", "--include", path)
        self.assertExit(result, 0)
        self.check_invariants(path)
        size = self.large["files"][path]["size"]
        cdn = [e for e in self.hub.log(origin="cdn") if e["method"] == "GET"]
        served = sum(e["bytes_sent"] for e in cdn)
        self.assertLess(served, 2 * size, f"{served} bytes served for a {size}-byte file")
        self.assertTrue(any(e["range"] for e in cdn[4:]), "later runs did not resume with Range")
        sha = self.large["files"][path]["sha256"]
        self.assertEqual(blob_etag(os.path.join(self.repo_dir("acme/large"), "blobs", sha), True), sha)

    def test_kill_9_at_20_random_points_of_a_ranged_download_then_resume(self):
        self.hub.fault("throttle", origin="cdn", rate=4 * MiB, count=-1)  # 4 parallel ranges: ~16 MiB/s
        self.hub.clear_log()
        killed = self.kill_repeatedly("ranged.safetensors", kills=20, window=(0.25, 0.6))
        self.hub.clear_faults()
        self.assert_resumed_and_verified("ranged.safetensors", killed, 20)

    def test_kill_9_during_a_single_stream_download_then_resume(self):
        self.hub.fault("throttle", origin="cdn", rate=8 * MiB, count=-1)
        self.hub.clear_log()
        killed = self.kill_repeatedly("linear.safetensors", kills=5, window=(0.2, 0.5))
        self.hub.clear_faults()
        self.assert_resumed_and_verified("linear.safetensors", killed, 5)


class Concurrency(HubTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub.create_repo("acme/shared")
        cls.files = cls.hub.commit_details("acme/shared", {
            "config.json": '{"a": 1}\n', "tokenizer.json": '{"t": 2}\n',
            "model.safetensors": {"generate": {"size": 32 * MiB, "seed": 5}, "lfs": True}})["files"]

    def test_eight_fetches_of_one_repo_into_one_cache_serve_each_blob_once(self):
        self.hub.fault("throttle", origin="cdn", rate=64 * MiB, count=-1)  # long enough for all to overlap
        environment = self.hub.env(cache_dir=self.cache)
        processes = [subprocess.Popen([HUBDEPS, "fetch", "acme/shared", "--quiet"], env=environment,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(8)]
        outputs = [p.communicate(timeout=120) for p in processes]
        for process, (stdout, stderr) in zip(processes, outputs):
            self.assertEqual(process.returncode, 0, stderr)
        self.assertEqual(len({stdout for stdout, _ in outputs}), 1)
        downloads = {}
        for entry in self.hub.log():
            if entry["method"] == "GET" and "/resolve/" in entry["path"]:
                name = entry["path"].rsplit("/", 1)[1]
                downloads[name] = downloads.get(name, 0) + 1
        self.assertEqual(downloads, {".gitattributes": 1, "config.json": 1, "tokenizer.json": 1,
                                     "model.safetensors": 1})
        snapshot = outputs[0][0].strip()
        for path, info in self.files.items():
            self.assertEqual(blob_etag(os.path.join(snapshot, path), info["lfs"]), info["etag"])
        self.assert_cache_clean("acme/shared")


class ServerFaults(HubTestCase):
    """Each fault ends in success after retries, or in a clear error; the cache is clean either way."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub.create_repo("acme/faults")
        cls.files = cls.hub.commit_details("acme/faults", {
            "config.json": '{"hidden_size": 4}\n',
            "model.safetensors": {"generate": {"size": 4 * MiB, "seed": 9}, "lfs": True}})["files"]

    def run_with(self, fault, **spec):
        self.hub.fault(fault, **spec)
        result = self.fetch("acme/faults", env={"HF_HUB_ETAG_TIMEOUT": "2", "HF_HUB_DOWNLOAD_TIMEOUT": "1"},
                            timeout=120)
        self.assert_cache_clean("acme/faults")
        return result

    def test_transient_faults_end_in_success(self):
        cases = [("status", dict(origin="hub", path="/api/", status=s, count=2)) for s in (500, 502, 503, 504)]
        cases += [("status", dict(origin="cdn", status=429, retry_after=1, count=1)),
                  ("drop_after_bytes", dict(origin="cdn", bytes=MiB, count=2)),
                  ("truncate", dict(origin="cdn", count=1)),
                  ("truncate", dict(origin="hub", path="/resolve/", count=1)),
                  ("stall", dict(origin="cdn", seconds=4, after_headers=True, count=1)),
                  ("stall", dict(origin="hub", path="/api/", seconds=4, count=1))]
        for fault, spec in cases:
            with self.subTest(fault=fault, **spec):
                self.tearDown_cache()
                result = self.run_with(fault, **spec)
                self.assertExit(result, 0)
                snapshot = result.json()["snapshot_dir"]
                for path, info in self.files.items():
                    self.assertEqual(blob_etag(os.path.join(snapshot, path), info["lfs"]), info["etag"])

    def test_permanent_faults_end_in_a_clear_error(self):
        cases = [("corrupt", dict(origin="cdn", count=-1), 6, "integrity"),
                 ("redirect_loop", dict(origin="hub", path="/resolve/", count=-1), 5, "redirect"),
                 ("hostile_listing", dict(origin="hub", count=1), 5, "unsafe file path"),
                 ("malformed_json", dict(origin="hub", path="/api/", count=1), 5, "invalid listing"),
                 ("oversized_json", dict(origin="hub", path="/api/", bytes=80 * MiB, count=-1), 5, "larger than"),
                 ("status", dict(origin="hub", path="/api/", status=500, count=-1), 5, "500")]
        for fault, spec, code, words in cases:
            with self.subTest(fault=fault):
                self.tearDown_cache()
                result = self.run_with(fault, **spec)
                self.hub.clear_faults()
                self.assertExit(result, code)
                self.assertIn(words, result.stderr)
                self.assertIn("acme/faults", result.stderr)
                sha = self.files["model.safetensors"]["sha256"]
                self.assertFalse(os.path.exists(os.path.join(self.repo_dir("acme/faults"), "blobs", sha)))

    def tearDown_cache(self):
        import shutil
        shutil.rmtree(self.cache, ignore_errors=True)
        self.hub.clear_faults()


if __name__ == "__main__":
    unittest.main()
