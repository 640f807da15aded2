"""Xet-backed files (issue #15, item 5): the real `hubdeps` binary against the local test Hub serving LFS files the
way huggingface.co serves files that live in Xet storage (tests/hub/README.md, "Xet storage"): `resolve` answers 302
with X-Xet-Hash and a `Link: rel="xet-auth"`, to a separate bridge host that serves the bytes at a signed, expiring
URL. HubDeps has no Xet client: it downloads such a file by plain HTTP, verified by its SHA-256, exactly as any LFS
file, and the token never reaches the bridge (docs/xet.md).

The Python client tests use the client test_python_client_cache.py finds (the source in <shared>/peers, else an
installed huggingface_hub); without one they are skipped, with the reason."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import unittest

import test_python_client_cache as client_finder
from support import HUBDEPS, READ_TOKEN, HubTestCase, blob_etag

MiB = 1 << 20
XET_MIN_SIZE = 1 * MiB  # LFS files from this size on are Xet-backed; smaller ones stay plain LFS (the CDN)
PYTHON, PYTHONPATH = client_finder.PYTHON, client_finder.PYTHONPATH


class XetCase(HubTestCase):
    REPO = "acme/xet-model"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub.set_config(xet_min_size=XET_MIN_SIZE)
        cls.hub.create_repo(cls.REPO)
        cls.details = cls.hub.commit_details(cls.REPO, {
            "config.json": '{"hidden_size": 8}\n',
            "small.bin": {"generate": {"size": 256 * 1024, "seed": "xet-small"}, "lfs": True},
            "model.safetensors": {"generate": {"size": 6 * MiB, "seed": "xet-model"}, "lfs": True}})
        cls.commit = cls.details["commit"]
        cls.weights = cls.details["files"]["model.safetensors"]

    def setUp(self):
        super().setUp()
        self.hub.clear_log()
        self.lock = os.path.join(self.work, "hubdeps.lock")

    def blob(self, sha256, repo=None):
        return os.path.join(self.repo_dir(repo or self.REPO), "blobs", sha256)

    def bridge_gets(self):
        """The bridge's answers that carried bytes (its signed URLs name the Xet hash, not the SHA-256)."""
        return [e for e in self.hub.log(origin="bridge") if e["method"] == "GET" and e["status"] in (200, 206)]

    def assert_no_token_left_the_hub(self):
        for origin in ("bridge", "cdn", "foreign"):
            self.assertFalse([e for e in self.hub.log(origin=origin) if e["authorization"]], origin)
        self.assertFalse([e for e in self.hub.log(origin="hub") if "/xet-read-token/" in e["path"]],
                         "hubdeps asked for a Xet token it has no use for")


class XetDownloads(XetCase):
    """Fetch, lock, resume, parallel ranges and offline re-use of Xet-backed files."""

    def test_a_xet_file_comes_from_the_bridge_by_plain_http_verified_and_the_token_stays_at_the_hub(self):
        result = self.fetch(self.REPO, token=READ_TOKEN)
        self.assertExit(result, 0)
        self.assertEqual(blob_etag(self.blob(self.weights["sha256"]), True), self.weights["sha256"])
        snapshot = result.json()["snapshot_dir"]
        self.assertEqual(os.path.realpath(os.path.join(snapshot, "model.safetensors")),
                         os.path.realpath(self.blob(self.weights["sha256"])))
        self.assert_cache_clean(self.REPO)
        # The Hub redirected the Xet file to the bridge, which sent every byte once; the small LFS file still came
        # from the CDN: one repo, both storages.
        resolves = [e for e in self.hub.log(origin="hub") if e["path"].endswith("/model.safetensors")]
        self.assertEqual([(e["method"], e["status"]) for e in resolves], [("GET", 302)])
        self.assertTrue(all(e["authorization"] for e in self.hub.log(origin="hub")))
        self.assertEqual(sum(e["bytes_sent"] for e in self.bridge_gets()), self.weights["size"])
        self.assertEqual([e["path"].split("?")[0].rsplit("/", 1)[1] for e in self.hub.log(origin="cdn")],
                         [self.details["files"]["small.bin"]["sha256"]])
        self.assert_no_token_left_the_hub()

    def test_a_private_repo_needs_the_token_at_the_hub_and_the_signed_url_at_the_bridge(self):
        repo = "hubdeps-test/xet-private"  # readable by READ_TOKEN's organisation
        self.hub.create_repo(repo, private=True)
        files = self.hub.commit_details(repo, {"model.safetensors": {"generate": {"size": 2 * MiB, "seed": "xp"},
                                                                      "lfs": True}})["files"]
        denied = self.fetch(repo)
        self.assertExit(denied, 4)
        self.assertIn("HF_TOKEN", denied.stderr)
        self.assertEqual(self.hub.log(origin="bridge"), [])
        result = self.fetch(repo, token=READ_TOKEN)
        self.assertExit(result, 0)
        sha = files["model.safetensors"]["sha256"]
        self.assertEqual(blob_etag(self.blob(sha, repo), True), sha)
        self.assertTrue(self.bridge_gets())
        self.assert_no_token_left_the_hub()

    def test_the_lock_pins_the_sha256_and_a_locked_fetch_on_a_fresh_cache_gets_the_same_bytes(self):
        self.assertExit(self.fetch(self.REPO, "--lock", self.lock, "--name", "model"), 0)
        with open(self.lock, encoding="utf-8") as f:
            entry = json.load(f)["entries"]["model"]
        self.assertEqual(entry["commit"], self.commit)
        pinned = {f["path"]: f for f in entry["files"]}
        self.assertEqual((pinned["model.safetensors"]["sha256"], pinned["model.safetensors"]["size"]),
                         (self.weights["sha256"], self.weights["size"]))
        self.assertEqual(sorted(pinned["model.safetensors"]), ["path", "sha256", "size"])  # nothing Xet-specific
        self.assertExit(self.run_hubdeps("verify", "--lock", self.lock), 0)
        # Another machine: a fresh cache, the committed lock, --locked.
        os.rename(self.cache, self.cache + ".first")
        self.hub.clear_log()
        again = self.fetch(self.REPO, "--lock", self.lock, "--name", "model", "--locked")
        self.assertExit(again, 0)
        self.assertEqual(again.json()["commit"], self.commit)
        self.assertEqual(blob_etag(self.blob(self.weights["sha256"]), True), self.weights["sha256"])
        self.assertEqual(sum(e["bytes_sent"] for e in self.bridge_gets()), self.weights["size"])

    def test_offline_a_cached_xet_file_is_used_with_zero_requests(self):
        self.assertExit(self.fetch(self.REPO, "--lock", self.lock, "--name", "model"), 0)
        self.hub.clear_log()
        for switch, env in ((["--offline"], {}), ([], {"HF_HUB_OFFLINE": "1"})):
            result = self.fetch(self.REPO, "--lock", self.lock, "--name", "model", "--locked", *switch, env=env)
            self.assertExit(result, 0)
            self.assertEqual(result.json()["commit"], self.commit)
        self.assertEqual(self.hub.log(), [])

    def test_a_download_cut_by_the_bridge_resumes_with_range_in_the_same_run(self):
        self.hub.fault("drop_after_bytes", origin="bridge", bytes=2 * MiB, count=1)
        result = self.fetch(self.REPO, "--include", "model.safetensors")
        self.assertExit(result, 0)
        served = [e for e in self.hub.log(origin="bridge") if e["method"] == "GET"]
        self.assertEqual(len(served), 2, served)
        self.assertEqual(served[1]["range"], "bytes=%d-" % (2 * MiB))
        self.assertEqual(sum(e["bytes_sent"] for e in served), self.weights["size"])
        # Each attempt starts at the Hub, so each gets a freshly signed bridge URL.
        resolves = [e for e in self.hub.log(origin="hub") if e["path"].endswith("/model.safetensors")]
        self.assertEqual(len(resolves), 2, resolves)
        self.assertEqual(blob_etag(self.blob(self.weights["sha256"]), True), self.weights["sha256"])

    def test_a_download_killed_midway_resumes_from_the_bridge_in_the_next_run(self):
        self.hub.fault("throttle", origin="bridge", rate=2 * MiB, count=-1)
        process = subprocess.Popen([HUBDEPS, "fetch", self.REPO, "--include", "model.safetensors", "--quiet"],
                                   env=self.hub.env(cache_dir=self.cache), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        partial = self.blob(self.weights["sha256"]) + ".incomplete"
        deadline = time.monotonic() + 30
        while (not os.path.exists(partial) or os.path.getsize(partial) < MiB) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        self.hub.clear_faults()
        have = os.path.getsize(partial)
        self.assertGreaterEqual(have, MiB, "the download did not get far enough to be interrupted")
        self.assertLess(have, self.weights["size"])
        self.assertFalse(os.path.exists(self.blob(self.weights["sha256"])))
        self.hub.clear_log()
        result = self.fetch(self.REPO, "--include", "model.safetensors")
        self.assertExit(result, 0)
        served = [e for e in self.hub.log(origin="bridge") if e["method"] == "GET"]
        self.assertEqual(len(served), 1, served)
        self.assertEqual(served[0]["range"], "bytes=%d-" % have)
        self.assertEqual(served[0]["bytes_sent"], self.weights["size"] - have)
        self.assertEqual(blob_etag(self.blob(self.weights["sha256"]), True), self.weights["sha256"])
        self.assert_cache_clean(self.REPO)


class LargeXetFiles(XetCase):
    """A file over the size hubdeps fetches as parallel ranges, from the bridge's signed URL."""

    REPO = "acme/xet-large"
    SIZE = 80 * MiB  # five pieces of 16 MiB

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.large = cls.hub.commit_details(cls.REPO, {
            "large.safetensors": {"generate": {"size": cls.SIZE, "seed": "xet-large"}, "lfs": True}})
        cls.large_file = cls.large["files"]["large.safetensors"]

    def fetch_large(self):
        result = self.fetch(self.REPO, "--include", "large.safetensors", timeout=300)
        self.assertExit(result, 0)
        sha = self.large_file["sha256"]
        self.assertEqual(blob_etag(self.blob(sha), True), sha)
        self.assert_cache_clean(self.REPO)
        return result

    def test_parallel_ranges_come_from_the_bridge_and_every_byte_once(self):
        self.fetch_large()
        ranged = [e for e in self.bridge_gets() if e["status"] == 206]
        self.assertGreaterEqual(len(ranged), 2, self.hub.log(origin="bridge"))
        self.assertEqual(sum(e["bytes_sent"] for e in self.bridge_gets()), self.SIZE)
        self.assert_no_token_left_the_hub()


# Runs inside the Python client's interpreter: one call, its result as JSON on stdout.
DRIVER = r"""
import json, sys
import huggingface_hub as hf
call, args = sys.argv[1], json.loads(sys.argv[2])
if call == "hf_hub_download":
    print(json.dumps(hf.hf_hub_download(**args)))
elif call == "snapshot_download":
    print(json.dumps(hf.snapshot_download(**args)))
elif call == "scan":
    info = hf.scan_cache_dir(args["cache_dir"])
    print(json.dumps({"warnings": [str(w) for w in info.warnings],
                      "files": sorted(f.file_name for r in info.repos for v in r.revisions for f in v.files)}))
"""


def hf_xet_installed() -> bool:
    if PYTHON is None:
        return False
    env = dict(os.environ, PYTHONPATH=PYTHONPATH or "")
    return subprocess.run([PYTHON, "-c", "import hf_xet"], env=env, capture_output=True, cwd="/").returncode == 0


@unittest.skipIf(PYTHON is None, PYTHONPATH if PYTHON is None else "")
class XetAndThePythonClient(XetCase):
    """The official Python client reads what hubdeps fetched from the bridge, and downloads the same Xet file by
    plain HTTP itself (without hf_xet, as it does on the Hub), into a cache hubdeps then reads."""

    def client(self, call, cache, *, token=None, **args):
        """One call of the client on `cache`; returns (its result, its stderr). HF_HUB_DISABLE_XET is left unset,
        as on a user's machine: without hf_xet the client falls back to plain HTTP by itself."""
        env = self.hub.env(token=token, cache_dir=cache, HF_HUB_DISABLE_TELEMETRY=1, HF_HUB_DISABLE_PROGRESS_BARS=1,
                           HF_HOME=os.path.join(self.work, "hf-home"))
        env.pop("PYTHONPATH", None)
        env.pop("HF_HUB_DISABLE_XET", None)
        if PYTHONPATH:
            env["PYTHONPATH"] = PYTHONPATH
        if HF_XET:
            env["HF_HUB_DISABLE_XET"] = "1"  # hf_xet cannot talk to the test Hub (no CAS server): plain HTTP
        if args.pop("offline", False):
            env["HF_HUB_OFFLINE"] = "1"
        done = subprocess.run([PYTHON, "-c", DRIVER, call, json.dumps(args)], env=env, capture_output=True,
                              text=True, timeout=180, cwd=self.work)
        self.assertEqual(done.returncode, 0, done.stderr)
        return json.loads(done.stdout), done.stderr

    def test_the_python_client_reads_the_xet_files_hubdeps_fetched_offline(self):
        result = self.fetch(self.REPO)
        self.assertExit(result, 0)
        snapshot = result.json()["snapshot_dir"]
        self.hub.clear_log()
        path, _ = self.client("hf_hub_download", self.cache, offline=True, repo_id=self.REPO,
                              filename="model.safetensors")
        self.assertEqual(path, os.path.join(snapshot, "model.safetensors"))
        self.assertEqual(os.path.realpath(path), os.path.realpath(self.blob(self.weights["sha256"])))
        whole, _ = self.client("snapshot_download", self.cache, offline=True, repo_id=self.REPO)
        self.assertEqual(whole, snapshot)
        scan, _ = self.client("scan", self.cache, cache_dir=self.cache)
        self.assertEqual(scan["warnings"], [])
        self.assertEqual(scan["files"], [".gitattributes", "config.json", "model.safetensors", "small.bin"])
        self.assertEqual(self.hub.log(), [])

    def test_the_python_client_downloads_a_xet_file_by_plain_http_into_a_cache_hubdeps_reads(self):
        theirs = os.path.join(self.work, "python-cache")
        path, stderr = self.client("hf_hub_download", theirs, token=READ_TOKEN, repo_id=self.REPO,
                                   filename="model.safetensors")
        if not HF_XET:
            # It saw the Xet headers and, without hf_xet, said it falls back to HTTP.
            self.assertIn("Falling back to regular HTTP download", stderr)
        self.assertEqual(blob_etag(os.path.realpath(path), True), self.weights["sha256"])
        self.assertEqual(os.path.basename(os.path.realpath(path)), self.weights["sha256"])
        self.assertEqual(sum(e["bytes_sent"] for e in self.bridge_gets()), self.weights["size"])
        self.assertTrue(all(e["authorization"] for e in self.hub.log(origin="hub")))
        self.assert_no_token_left_the_hub()
        # hubdeps finds the file the client put there: offline, and with no request.
        self.hub.clear_log()
        self.cache = theirs
        mine = self.fetch(self.REPO, "--include", "model.safetensors", "--offline")
        self.assertExit(mine, 0)
        self.assertEqual(mine.json()["commit"], self.commit)
        self.assertEqual(self.hub.log(), [])


HF_XET = hf_xet_installed()


if __name__ == "__main__":
    unittest.main()
