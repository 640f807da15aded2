"""The official Python client (huggingface_hub) and hubdeps on one cache, for real (issue #15): the client reads a
cache hubdeps filled (offline `hf_hub_download` and `snapshot_download`, `scan_cache_dir` without warnings,
`get_cached_repo_tree` reading hubdeps' `trees/`), hubdeps reads a cache the client filled (offline, with zero
requests), the client reads back what `hubdeps push` committed (files, and the model card through `ModelCard`), and
both download one repo into one cache at the same time: the `.locks/` are really shared, so one waits for the other
and each blob is served once.

The client is the one test_python_client_cache.py finds: the source in <shared>/peers (HUBDEPS_SHARED_DIR), else
an installed huggingface_hub; without either these tests are skipped, with the reason."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import time
import unittest
import urllib.request

import test_python_client_cache as client_finder
from support import WRITE_TOKEN, HubTestCase, blob_etag

MiB = 1 << 20
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
PYTHON, PYTHONPATH = client_finder.PYTHON, client_finder.PYTHONPATH

# Runs inside the Python client's interpreter: one call, its result as JSON on stdout; a client error becomes
# {"error": class name, "message": first line}.
DRIVER = r"""
import json, sys
import huggingface_hub as hf
call, args = sys.argv[1], json.loads(sys.argv[2])

def run():
    if call == "hf_hub_download":
        return hf.hf_hub_download(**args)
    if call == "snapshot_download":
        return hf.snapshot_download(**args)
    if call == "scan":
        info = hf.scan_cache_dir(args["cache_dir"])
        return {"warnings": [str(w) for w in info.warnings],
                "repos": {f"{r.repo_type}:{r.repo_id}": {v.commit_hash: {
                    "refs": sorted(v.refs), "files": sorted(str(f.file_path.relative_to(v.snapshot_path))
                                                            for f in v.files)} for v in r.revisions}
                          for r in info.repos}}
    if call == "cached_tree":
        return {f.path: {"size": f.size, "blob_id": f.blob_id} for f in hf.get_cached_repo_tree(**args)}
    if call == "model_card":
        card = hf.ModelCard.load(**args)
        return {"data": card.data.to_dict(), "text": card.text}
    if call == "model_info":
        info = hf.HfApi().model_info(files_metadata=True, **args)
        return {"sha": info.sha, "files": {s.rfilename: {"size": s.size, "blob_id": s.blob_id,
                                                         "sha256": s.lfs.sha256 if s.lfs else None}
                                           for s in info.siblings}}
    raise SystemExit(f"unknown call {call}")

try:
    print(json.dumps(run()))
except Exception as e:
    print(json.dumps({"error": type(e).__name__, "message": str(e).splitlines()[0] if str(e) else ""}))
"""


@unittest.skipIf(PYTHON is None, PYTHONPATH if PYTHON is None else "")
class PythonClient(HubTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.repo = "acme/both-clients"
        cls.hub.create_repo(cls.repo)
        cls.details = cls.hub.commit_details(cls.repo, {
            "config.json": '{"hidden_size": 16}\n',
            "tokenizer/vocab.txt": "a\nb\nc\n",
            "model.safetensors": {"generate": {"size": 2 * MiB, "seed": "both"}, "lfs": True}})
        cls.commit = cls.details["commit"]
        cls.hub.set_ref(cls.repo, "v1", cls.commit, kind="tag")
        cls.paths = sorted([".gitattributes", "config.json", "tokenizer/vocab.txt", "model.safetensors"])
        # What the Hub lists for the commit (the LFS file's size is the object's, its blob id the pointer's).
        with _OPENER.open(f"{cls.hub.endpoint}/api/models/{cls.repo}/revision/{cls.commit}?blobs=true") as answer:
            siblings = json.load(answer)["siblings"]
        cls.hub_listing = {s["rfilename"]: {"size": s["lfs"]["size"] if "lfs" in s else s["size"],
                                            "blob_id": s["blobId"]} for s in siblings}

    def client_env(self, **extra):
        env = self.hub.env(cache_dir=self.cache, HF_HUB_DISABLE_TELEMETRY=1, HF_HUB_DISABLE_PROGRESS_BARS=1,
                           HF_HUB_DISABLE_XET=1, HF_HOME=os.path.join(self.work, "hf-home"), **extra)
        env.pop("PYTHONPATH", None)
        if PYTHONPATH:
            env["PYTHONPATH"] = PYTHONPATH
        return env

    def client_command(self, call, **args):
        return [PYTHON, "-c", DRIVER, call, json.dumps(args)]

    def client(self, call, env=None, **args):
        # cwd: a folder with no stray http.py that would shadow the standard library.
        done = subprocess.run(self.client_command(call, **args), env=env or self.client_env(), capture_output=True,
                              text=True, timeout=180, cwd=self.work)
        self.assertEqual(done.returncode, 0, done.stderr)
        return json.loads(done.stdout)

    def offline_client(self, call, **args):
        return self.client(call, env=self.client_env(HF_HUB_OFFLINE=1), **args)

    def snapshot(self):
        return os.path.join(self.repo_dir(self.repo), "snapshots", self.commit)

    def test_the_python_client_reads_a_cache_hubdeps_filled_offline(self):
        self.assertExit(self.fetch(self.repo), 0)
        self.assertExit(self.fetch(self.repo, "--revision", "v1", "--include", "config.json"), 0)
        self.hub.clear_log()

        path = self.offline_client("hf_hub_download", repo_id=self.repo, filename="tokenizer/vocab.txt")
        self.assertEqual(path, os.path.join(self.snapshot(), "tokenizer", "vocab.txt"))
        weights = self.offline_client("hf_hub_download", repo_id=self.repo, filename="model.safetensors",
                                      revision="v1")
        self.assertEqual(blob_etag(os.path.realpath(weights), True),
                         self.details["files"]["model.safetensors"]["sha256"])
        self.assertEqual(self.offline_client("snapshot_download", repo_id=self.repo), self.snapshot())
        self.assertEqual(self.offline_client("snapshot_download", repo_id=self.repo, revision=self.commit),
                         self.snapshot())

        scan = self.offline_client("scan", cache_dir=self.cache)
        self.assertEqual(scan["warnings"], [])
        self.assertEqual(scan["repos"][f"model:{self.repo}"],
                         {self.commit: {"refs": ["main", "v1"], "files": self.paths}})

        # hubdeps' trees/ listing, as the client reads it: every file, with its size and git blob id.
        tree = self.offline_client("cached_tree", repo_id=self.repo, revision="v1")
        self.assertEqual(sorted(tree), self.paths)
        self.assertEqual(tree, self.hub_listing)
        self.assertEqual(self.hub.log(), [])

    def test_the_trees_listing_tells_the_python_client_a_partial_snapshot_from_a_whole_one(self):
        # hubdeps fetched only the config: offline, the client must not take that snapshot for the whole repo.
        self.assertExit(self.fetch(self.repo, "--include", "config.json"), 0)
        whole = self.offline_client("snapshot_download", repo_id=self.repo)
        self.assertEqual(whole.get("error"), "IncompleteSnapshotError", whole)
        part = self.offline_client("snapshot_download", repo_id=self.repo, allow_patterns=["config.json"])
        self.assertEqual(part, self.snapshot())

    def test_hubdeps_reads_a_cache_the_python_client_filled_offline_with_zero_requests(self):
        self.assertEqual(self.client("snapshot_download", repo_id=self.repo), self.snapshot())
        self.assertEqual(self.client("snapshot_download", repo_id=self.repo, revision="v1"), self.snapshot())
        self.hub.clear_log()
        lock = os.path.join(self.work, "hubdeps.lock")
        for args in (("--offline",), ("--revision", "v1", "--offline"), ("--revision", self.commit),
                     ("--lock", lock, "--name", "m", "--offline")):
            with self.subTest(args=args):
                result = self.fetch(self.repo, *args)
                self.assertExit(result, 0)
                self.assertEqual(result.json()["commit"], self.commit)
                self.assertEqual(sorted(f["path"] for f in result.json()["files"]), self.paths)
                self.assertEqual(result.json()["snapshot_dir"], self.snapshot())
        # A commit's trees/ listing, which the client wrote, answers hubdeps online too: no request at all.
        self.assertEqual(self.hub.log(), [])
        self.assert_cache_clean(self.repo)

    def test_the_python_client_reads_back_what_hubdeps_push_committed(self):
        self.hub.set_config(lfs_threshold=MiB)
        self.addCleanup(self.hub.set_config, lfs_threshold=10 * MiB)
        artifact = os.path.join(self.work, "artifact")
        os.makedirs(os.path.join(artifact, "onnx"))
        files = {"config.json": b'{"labels": 3}\n', "onnx/head.onnx": os.urandom(3 * MiB), "notes.txt": b"trained\n"}
        for path, data in files.items():
            with open(os.path.join(artifact, path), "wb") as f:
                f.write(data)
        repo = "hubdeps-test/pushed-for-python"
        push = self.run_hubdeps("push", repo, artifact, "--json", "--license", "apache-2.0",
                                "--base-model", self.repo, token=WRITE_TOKEN,
                                env={"HF_HOME": os.path.join(self.work, "push-home")})
        self.assertExit(push, 0)
        commit = push.json()["commit_oid"]

        online = self.client_env(HF_TOKEN=WRITE_TOKEN)
        info = self.client("model_info", env=online, repo_id=repo)
        self.assertEqual(info["sha"], commit)
        self.assertIsNotNone(info["files"]["onnx/head.onnx"]["sha256"])  # pushed through LFS
        for path, data in files.items():
            with self.subTest(path=path):
                got = self.client("hf_hub_download", env=online, repo_id=repo, filename=path, revision=commit)
                with open(got, "rb") as f:
                    self.assertEqual(f.read(), data)
        card = self.client("model_card", env=online, repo_id_or_path=repo)
        self.assertEqual(card["data"]["license"], "apache-2.0")
        self.assertEqual(card["data"]["base_model"], self.repo)
        self.assertIn("hubdeps", card["data"]["tags"])
        self.assertEqual(self.client("scan", cache_dir=self.cache)["warnings"], [])

    def test_both_clients_download_one_repo_into_one_cache_at_the_same_time(self):
        repo = "acme/shared-download"
        self.hub.create_repo(repo)
        details = self.hub.commit_details(repo, {"config.json": "{}\n", "model.safetensors": {
            "generate": {"size": 4 * MiB, "seed": "race"}, "lfs": True}})
        etag = details["files"]["model.safetensors"]["sha256"]
        incomplete = os.path.join(self.repo_dir(repo), "blobs", etag + "*.incomplete")
        for first in ("python", "hubdeps"):
            with self.subTest(first=first):
                if os.path.exists(self.cache):
                    subprocess.run(["rm", "-rf", self.cache], check=True)
                self.hub.clear_log()
                # About 2 s for the blob: long enough for the second client to start while the first holds
                # the blob's lock.
                self.hub.fault("throttle", origin="cdn", count=-1, rate=2 * MiB)
                python = subprocess.Popen(self.client_command("snapshot_download", repo_id=repo),
                                          env=self.client_env(), cwd=self.work, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True) if first == "python" else None
                hubdeps = None
                if first == "hubdeps":
                    hubdeps = self.start_hubdeps_fetch(repo)
                deadline = time.monotonic() + 60
                while not glob.glob(incomplete) and time.monotonic() < deadline:
                    time.sleep(0.01)
                self.assertTrue(glob.glob(incomplete), f"the {first} download did not start")
                if python is None:
                    python = subprocess.Popen(self.client_command("snapshot_download", repo_id=repo),
                                              env=self.client_env(), cwd=self.work, stdout=subprocess.PIPE,
                                              stderr=subprocess.PIPE, text=True)
                else:
                    hubdeps = self.start_hubdeps_fetch(repo)
                # The second starts while the first still holds the blob's lock and writes it.
                self.assertIsNone((python if first == "python" else hubdeps).poll())
                self.assertTrue(glob.glob(incomplete))
                py_out, py_err = python.communicate(timeout=180)
                hd_out, hd_err = hubdeps.communicate(timeout=180)
                self.hub.clear_faults()
                self.assertEqual(python.returncode, 0, py_err)
                self.assertEqual(hubdeps.returncode, 0, hd_err)
                self.assertEqual(json.loads(py_out), json.loads(hd_out)["snapshot_dir"])
                served = [e for e in self.hub.log(origin="cdn") if etag in e["path"] and e["method"] == "GET"]
                # Served once: the second client waited on the blob's lock, then found it complete.
                self.assertEqual(sum(e["bytes_sent"] for e in served), 4 * MiB, served)
                self.assertEqual(blob_etag(os.path.join(self.repo_dir(repo), "blobs", etag), True), etag)
                self.assertEqual(self.client("scan", cache_dir=self.cache)["warnings"], [])
                self.assert_cache_clean(repo)

    def start_hubdeps_fetch(self, repo):
        from support import HUBDEPS
        return subprocess.Popen([HUBDEPS, "fetch", repo, "--json", "--quiet"], env=self.hub.env(cache_dir=self.cache),
                                cwd=self.work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                stdin=subprocess.DEVNULL)


if __name__ == "__main__":
    unittest.main()
