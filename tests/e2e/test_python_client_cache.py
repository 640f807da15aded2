"""`hubdeps cache prune` and the official Python client (huggingface_hub) on one cache: prune a cache the Python
client filled, prune while it downloads, and let its scan_cache_dir() read every result with no warnings.

The client is the source in <shared>/peers (HUBDEPS_SHARED_DIR, see tests/CMakeLists.txt) run by Debian's python3,
else an installed huggingface_hub; without either these tests are skipped, with the reason."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import time
import unittest

from support import HUBDEPS, HERE, HubTestCase, blob_etag

MiB = 1 << 20
SHARED = os.environ.get("HUBDEPS_SHARED_DIR", os.path.join(HERE, "..", "..", "..", "shared"))

# Runs inside the Python client's interpreter: one call, its result as JSON on stdout.
DRIVER = r"""
import json, sys
import huggingface_hub as hf
call, args = sys.argv[1], json.loads(sys.argv[2])
if call == "scan":
    info = hf.scan_cache_dir(args["cache_dir"])
    print(json.dumps({
        "warnings": [str(w) for w in info.warnings],
        "repos": {f"{r.repo_type}:{r.repo_id}": {
            "size": r.size_on_disk,
            "revisions": {v.commit_hash: {"refs": sorted(v.refs), "files": sorted(f.file_name for f in v.files)}
                          for v in r.revisions}} for r in info.repos}}))
elif call == "snapshot_download":
    print(json.dumps(hf.snapshot_download(**args)))
elif call == "hf_hub_download":
    try:
        print(json.dumps(hf.hf_hub_download(**args)))
    except hf.errors.LocalEntryNotFoundError as e:
        print(json.dumps({"not_found": str(e).splitlines()[0]}))
"""


def find_python_client():
    """(interpreter, PYTHONPATH or None) that imports huggingface_hub, or (None, why not)."""
    peers = os.path.join(SHARED, "peers")
    source = [os.path.join(peers, "filelock", "src"), os.path.join(peers, "huggingface_hub", "src")]
    candidates = []
    for python in ("/usr/bin/python3", sys.executable):
        if all(os.path.isdir(path) for path in source):
            candidates.append((python, os.pathsep.join(source)))
        candidates.append((python, None))
    for python, pythonpath in candidates:
        if not os.path.exists(python):
            continue
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        if pythonpath:
            env["PYTHONPATH"] = pythonpath
        probe = subprocess.run([python, "-c", "import huggingface_hub, huggingface_hub.utils"], env=env,
                               capture_output=True, text=True, cwd="/")
        if probe.returncode == 0:
            return python, pythonpath
    return None, (f"the Python client huggingface_hub is not importable: neither from {peers} (with its "
                  "dependencies: apt-get install python3-httpx python3-fsspec python3-tqdm python3-packaging "
                  "python3-typing-extensions python3-click) nor installed")


PYTHON, PYTHONPATH = find_python_client()


@unittest.skipIf(PYTHON is None, PYTHONPATH if PYTHON is None else "")
class PythonClientCache(HubTestCase):
    def setUp(self):
        super().setUp()
        self.repo = f"acme/{self._testMethodName[-40:].replace('_', '-').strip('-')}"
        self.hub.create_repo(self.repo)
        weights = {"generate": {"size": 2 * MiB, "seed": 21}, "lfs": True}
        self.first = self.hub.commit_details(self.repo, {"config.json": '{"layers": 2}\n', "model.safetensors": weights})
        self.hub.set_ref(self.repo, "v1", self.first["commit"], kind="tag")
        self.second = self.hub.commit_details(self.repo, {"config.json": '{"layers": 4}\n'})
        self.folder = "models--" + self.repo.replace("/", "--")
        self.lock = os.path.join(self.work, "hubdeps.lock")

    def client_env(self, **extra):
        env = self.hub.env(cache_dir=self.cache, HF_HUB_DISABLE_TELEMETRY=1, HF_HUB_DISABLE_PROGRESS_BARS=1,
                           HF_HUB_DISABLE_XET=1, **extra)
        env.pop("PYTHONPATH", None)
        if PYTHONPATH:
            env["PYTHONPATH"] = PYTHONPATH
        return env

    def client_command(self, call, **args):
        return [PYTHON, "-c", DRIVER, call, json.dumps(args)]

    def client(self, call, **args):
        # cwd: a folder with no stray http.py that would shadow the standard library.
        done = subprocess.run(self.client_command(call, **args), env=self.client_env(), capture_output=True,
                              text=True, timeout=120, cwd=self.work)
        self.assertEqual(done.returncode, 0, done.stderr)
        return json.loads(done.stdout)

    def scan(self):
        return self.client("scan", cache_dir=self.cache)

    def snapshot(self, commit):
        return os.path.join(self.repo_dir(self.repo), "snapshots", commit["commit"])

    def test_prune_of_a_cache_the_python_client_filled(self):
        self.hub.create_repo("acme/table", type="dataset")
        self.hub.commit("acme/table", {"x.csv": "a,b\n1,2\n"}, type="dataset")
        self.client("snapshot_download", repo_id=self.repo, revision="v1")
        self.client("snapshot_download", repo_id=self.repo)
        self.client("hf_hub_download", repo_id="acme/table", filename="x.csv", repo_type="dataset")
        before = self.scan()
        self.assertEqual(before["warnings"], [])
        self.assertEqual(len(before["repos"][f"model:{self.repo}"]["revisions"]), 2)

        # The project pins main; the weights the Python client downloaded serve it as they are.
        self.hub.clear_log()
        self.assertExit(self.fetch(self.repo, "--lock", self.lock, "--name", "bert"), 0)
        self.assertEqual(self.hub.log(origin="cdn"), [])

        prune = self.run_hubdeps("cache", "prune", "--keep-lock", "hubdeps.lock", "--json")
        self.assertExit(prune, 0)
        removed = {(item["kind"], item["path"]) for item in prune.json()["removed"] if item["folder"] == self.folder}
        self.assertIn(("snapshot", "snapshots/" + self.first["commit"]), removed)
        self.assertIn(("ref", "refs/v1"), removed)
        self.assertIn(("blob", "blobs/" + self.first["files"]["config.json"]["etag"]), removed)
        self.assertFalse(os.path.exists(self.repo_dir("acme/table", "dataset")))

        after = self.scan()
        self.assertEqual(after["warnings"], [])
        self.assertEqual(list(after["repos"]), [f"model:{self.repo}"])
        revisions = after["repos"][f"model:{self.repo}"]["revisions"]
        self.assertEqual(revisions, {self.second["commit"]: {
            "refs": ["main"], "files": [".gitattributes", "config.json", "model.safetensors"]}})
        self.assertEqual(after["repos"][f"model:{self.repo}"]["size"],
                         sum(os.path.getsize(p) for p in glob.glob(os.path.join(self.repo_dir(self.repo), "blobs", "*"))))

        # The Python client still finds what the lock pins offline, and no longer what was pruned.
        path = self.client("hf_hub_download", repo_id=self.repo, filename="model.safetensors",
                           revision=self.second["commit"], local_files_only=True)
        self.assertEqual(blob_etag(os.path.realpath(path), True), self.first["files"]["model.safetensors"]["sha256"])
        gone = self.client("hf_hub_download", repo_id=self.repo, filename="config.json",
                           revision=self.first["commit"], local_files_only=True)
        self.assertIn("not_found", gone)

    def test_scan_after_prune_of_a_damaged_cache_has_no_warnings(self):
        self.assertExit(self.fetch(self.repo, "--lock", self.lock, "--name", "bert"), 0)
        self.assertExit(self.fetch(self.repo, "--revision", "v1"), 0)
        repo_dir = self.repo_dir(self.repo)
        # Damage scan_cache_dir warns about: a ref to a snapshot that is gone, a link to a blob that is gone.
        os.makedirs(os.path.join(repo_dir, "refs", "refs", "pr"))
        with open(os.path.join(repo_dir, "refs", "refs", "pr", "1"), "w") as f:
            f.write("0" * 40)
        os.symlink("../../blobs/" + "e" * 40, os.path.join(self.snapshot(self.second), "vocab.txt"))
        self.assertEqual(len(self.scan()["warnings"]), 1)  # it stops at a repo's first problem

        prune = self.run_hubdeps("cache", "prune", "--keep-lock", "hubdeps.lock", "--keep-refs")
        self.assertExit(prune, 0)
        self.assertIn(f"removed {self.folder}/refs/refs/pr/1", prune.stdout)
        self.assertIn(f"removed {self.folder}/snapshots/{self.second['commit']}/vocab.txt", prune.stdout)
        after = self.scan()
        self.assertEqual(after["warnings"], [])
        revisions = after["repos"][f"model:{self.repo}"]["revisions"]
        self.assertEqual({commit: r["refs"] for commit, r in revisions.items()},
                         {self.first["commit"]: ["v1"], self.second["commit"]: ["main"]})  # --keep-refs

    def test_prune_while_the_python_client_downloads(self):
        third = self.hub.commit_details(self.repo, {"model.safetensors": {"generate": {"size": 3 * MiB, "seed": 22},
                                                                          "lfs": True}})
        self.assertExit(self.fetch(self.repo, "--revision", self.second["commit"], "--lock", self.lock,
                                   "--name", "bert"), 0)
        self.assertExit(self.fetch(self.repo, "--revision", "v1"), 0)
        self.hub.fault("throttle", origin="cdn", count=-1, rate=512 * 1024)
        download = subprocess.Popen(self.client_command("hf_hub_download", repo_id=self.repo,
                                                        filename="model.safetensors"),
                                    env=self.client_env(), cwd=self.work, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: download.poll() is None and download.kill())
        etag = third["files"]["model.safetensors"]["etag"]
        pattern = os.path.join(self.repo_dir(self.repo), "blobs", etag + ".*incomplete")
        deadline = time.monotonic() + 60
        while not glob.glob(pattern) and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertTrue(glob.glob(pattern), "the Python download did not start")

        prune = self.run_hubdeps("cache", "prune", "--keep-lock", "hubdeps.lock")
        self.assertExit(prune, 0)
        self.assertIsNone(download.poll(), "the download ended before prune ran; the test proves nothing")
        self.assertIn(f"kept {self.folder}: the whole repo: a download is running (the lock of blob {etag}",
                      prune.stdout)

        stdout, stderr = download.communicate(timeout=120)
        self.assertEqual(download.returncode, 0, stderr)
        self.assertEqual(json.loads(stdout), os.path.join(self.snapshot(third), "model.safetensors"))
        self.assertEqual(blob_etag(os.path.realpath(json.loads(stdout)), True), etag)
        self.hub.clear_faults()
        self.assertEqual(self.scan()["warnings"], [])

        # Afterwards prune takes it all but the pin, and the cache still scans clean.
        self.assertExit(self.run_hubdeps("cache", "prune", "--keep-lock", "hubdeps.lock"), 0)
        after = self.scan()
        self.assertEqual(after["warnings"], [])
        self.assertEqual(list(after["repos"][f"model:{self.repo}"]["revisions"]), [self.second["commit"]])
        self.assertFalse(glob.glob(pattern))


if __name__ == "__main__":
    unittest.main()
