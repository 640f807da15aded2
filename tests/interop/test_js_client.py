"""The official JS client (@huggingface/hub, pinned in package.json) against the local test Hub.

Proves the test Hub is good enough for a real client, and pins down the JS client's cache layout, which
HubDeps must interoperate with. CTest runs it as `interop_js_client` after `interop_npm_install` has put
the scripts and node_modules into HUBDEPS_INTEROP_DIR (in the build tree). By hand:

    HUBDEPS_INTEROP_DIR=<build>/tests/interop PYTHONPATH=tests/hub python3 -m unittest -v test_js_client
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from hubtest import OUTSIDER_TOKEN, READ_TOKEN, WRITE_TOKEN, TestHub

INTEROP_DIR = os.environ.get("HUBDEPS_INTEROP_DIR", "")
NODE = os.environ.get("HUBDEPS_NODE") or shutil.which("node") or "node"


def setUpModule():
    if not os.path.isdir(os.path.join(INTEROP_DIR, "node_modules", "@huggingface", "hub")):
        raise RuntimeError(f"HUBDEPS_INTEROP_DIR={INTEROP_DIR!r} has no node_modules/@huggingface/hub: run the CTest "
                           "fixture interop_npm_install first (ctest -R interop), or set HUBDEPS_INTEROP_DIR")


def sha256_of(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def git_sha1_of(path: str) -> str:
    with open(path, "rb") as f:
        data = f.read()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class JsClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hub = TestHub(seed=True).start()
        cls.work = tempfile.mkdtemp(prefix="interop-")
        # Small thresholds so a few hundred KB exercise LFS, basic and multipart uploads.
        cls.hub.set_config(lfs_threshold=10_000, multipart_threshold=500_000, multipart_chunk_size=200_000)
        cls.hub.create_repo("hubdeps-test/private", private=True)
        cls.private_commit = cls.hub.commit("hubdeps-test/private", {"secret.txt": "only for tester\n"})

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()
        shutil.rmtree(cls.work, ignore_errors=True)

    def setUp(self):
        self.hub.clear_faults()
        self.hub.clear_log()

    def node(self, script: str, *args: str, token: str | None = None, expect_ok: bool = True) -> dict:
        endpoint = [] if script == "scan-cache.mjs" else ["--endpoint", self.hub.endpoint]
        result = subprocess.run([NODE, os.path.join(INTEROP_DIR, script), *endpoint, *args],
                                capture_output=True, text=True, timeout=120, env=self.hub.env(token=token),
                                cwd=INTEROP_DIR)
        if expect_ok:
            self.assertEqual(result.returncode, 0, f"{script} failed:\n{result.stderr}")
            return json.loads(result.stdout)
        self.assertNotEqual(result.returncode, 0, f"{script} unexpectedly succeeded:\n{result.stdout}")
        return {"stderr": result.stderr}

    def demo_file(self, path: str, repo_type: str = "model", repo: str = "hubdeps-demo/tiny-bert") -> dict:
        """What the Hub says about a file, from its own listing (independent of the JS client)."""
        info = self.hub.control("GET", "repo", query=f"repo_id={repo}&type={repo_type}")
        self.assertTrue(info["commits"])
        entries = json.loads(subprocess.run(
            ["curl", "-sS", "-X", "POST", "-H", "Content-Type: application/json", "--data",
             json.dumps({"paths": [path], "expand": True}),
             f"{self.hub.endpoint}/api/{repo_type}s/{repo}/paths-info/main"],
            capture_output=True, text=True, check=True, env=self.hub.env()).stdout)
        self.assertEqual(len(entries), 1, entries)
        return entries[0]

    def test_download_file_reads_a_regular_and_an_lfs_file_byte_identical(self):
        for path in ("config.json", "model.safetensors"):
            with self.subTest(path=path):
                out = os.path.join(self.work, "download-" + path)
                answer = self.node("download-file.mjs", "--repo", "hubdeps-demo/tiny-bert", "--file", path, "--out", out)
                entry = self.demo_file(path)
                expected = entry["lfs"]["oid"] if "lfs" in entry else None
                self.assertEqual(answer["size"], entry["size"])
                if expected:
                    self.assertEqual(answer["sha256"], expected)
                else:
                    self.assertEqual(git_sha1_of(out), entry["oid"])
        cdn_gets = [e for e in self.hub.log(origin="cdn") if e["method"] == "GET"]
        self.assertTrue(cdn_gets, "the LFS content must come from the CDN origin")
        self.assertFalse(any(e["authorization"] for e in cdn_gets))

    def test_download_file_of_a_missing_entry_reports_not_found(self):
        answer = self.node("download-file.mjs", "--repo", "hubdeps-demo/tiny-bert", "--file", "nope.bin",
                           "--out", os.path.join(self.work, "nope"))
        self.assertEqual(answer, {"found": False})

    def test_download_to_cache_dir_names_blobs_by_etag_and_links_them_relatively(self):
        cache = tempfile.mkdtemp(dir=self.work)
        weights = self.node("download-to-cache.mjs", "--repo", "hubdeps-demo/tiny-bert", "--file", "model.safetensors",
                            "--cache-dir", cache)
        config = self.node("download-to-cache.mjs", "--repo", "hubdeps-demo/tiny-bert", "--file", "config.json",
                           "--revision", "v1.0", "--cache-dir", cache)
        weights_entry, config_entry = self.demo_file("model.safetensors"), self.demo_file("config.json")
        repo_folder = os.path.join(cache, "models--hubdeps-demo--tiny-bert")
        self.assertEqual(weights["blob"], os.path.join(repo_folder, "blobs", weights_entry["lfs"]["oid"]))
        self.assertEqual(weights["sha256"], weights_entry["lfs"]["oid"])
        self.assertEqual(config["blob"], os.path.join(repo_folder, "blobs", config_entry["oid"]))
        self.assertEqual(git_sha1_of(config["blob"]), config_entry["oid"])
        self.assertEqual(weights["link"], f"../../blobs/{weights_entry['lfs']['oid']}")
        # Differs from the Python client: for a branch or tag the JS client files the snapshot under the
        # file's lastCommit (paths-info expand), not under the commit the revision resolved to.
        self.assertEqual(weights["pointer"], os.path.join(repo_folder, "snapshots", weights_entry["lastCommit"]["id"],
                                                          "model.safetensors"))
        self.assertFalse(os.path.exists(os.path.join(repo_folder, "refs")), "downloadFileToCacheDir writes no refs")
        calls = [(e["method"], e["path"].split("?")[0]) for e in self.hub.log(origin="hub")]
        self.assertIn(("POST", "/api/models/hubdeps-demo/tiny-bert/paths-info/main"), calls)
        # A second call is answered from the cache after paths-info: no content is fetched again.
        self.hub.clear_log()
        again = self.node("download-to-cache.mjs", "--repo", "hubdeps-demo/tiny-bert", "--file", "model.safetensors",
                          "--cache-dir", cache)
        self.assertEqual(again["pointer"], weights["pointer"])
        self.assertEqual(self.hub.log(origin="cdn"), [])
        self.assertFalse([e for e in self.hub.log(origin="hub") if "/resolve/" in e["path"]])

    def test_snapshot_download_fetches_every_file_of_a_revision_and_writes_the_ref(self):
        cache = tempfile.mkdtemp(dir=self.work)
        answer = self.node("snapshot-download.mjs", "--repo", "hubdeps-demo/tiny-dataset", "--type", "dataset",
                           "--cache-dir", cache)
        repo_folder = os.path.join(cache, "datasets--hubdeps-demo--tiny-dataset")
        with open(os.path.join(repo_folder, "refs", "main"), encoding="utf-8") as f:
            commit = f.read()
        self.assertEqual(answer["snapshot"], os.path.join(repo_folder, "snapshots", commit))
        listing = json.loads(subprocess.run(
            ["curl", "-sS", f"{self.hub.endpoint}/api/datasets/hubdeps-demo/tiny-dataset/revision/main?blobs=true"],
            capture_output=True, text=True, check=True, env=self.hub.env()).stdout)
        self.assertEqual(listing["sha"], commit)
        self.assertEqual(sorted(answer["files"]), sorted(s["rfilename"] for s in listing["siblings"]))
        for sibling in listing["siblings"]:
            name = sibling["rfilename"]
            etag = sibling["lfs"]["sha256"] if "lfs" in sibling else sibling["blobId"]
            depth = name.count("/")
            self.assertEqual(answer["files"][name]["link"], "../" * (depth + 2) + f"blobs/{etag}", name)
            blob = os.path.join(repo_folder, "blobs", etag)
            if "lfs" in sibling:
                self.assertEqual(sha256_of(blob), etag)
            else:
                self.assertEqual(git_sha1_of(blob), etag)

    def test_private_repo_needs_the_token_from_hf_token(self):
        out = os.path.join(self.work, "secret.txt")
        denied = self.node("download-file.mjs", "--repo", "hubdeps-test/private", "--file", "secret.txt", "--out", out,
                           expect_ok=False)
        self.assertIn("401", denied["stderr"])
        outsider = self.node("download-file.mjs", "--repo", "hubdeps-test/private", "--file", "secret.txt", "--out", out,
                             token=OUTSIDER_TOKEN, expect_ok=False)
        self.assertIn("404", outsider["stderr"])
        answer = self.node("download-file.mjs", "--repo", "hubdeps-test/private", "--file", "secret.txt", "--out", out,
                           token=READ_TOKEN)
        self.assertTrue(answer["found"])
        with open(out, encoding="utf-8") as f:
            self.assertEqual(f.read(), "only for tester\n")
        self.assertNotIn(READ_TOKEN, json.dumps(self.hub.log()))

    def test_token_is_not_forwarded_on_a_cross_host_redirect(self):
        self.hub.fault("redirect_foreign", origin="cdn", count=-1)
        out = os.path.join(self.work, "foreign.safetensors")
        answer = self.node("download-file.mjs", "--repo", "hubdeps-demo/tiny-bert", "--file", "model.safetensors",
                           "--out", out, token=READ_TOKEN)
        resolves = [e for e in self.hub.log(origin="hub") if "/resolve/" in e["path"]]
        foreign = self.hub.log(origin="foreign")
        self.assertTrue(foreign, "the redirect must have sent the client to the foreign host")
        self.assertFalse(any(e["authorization"] for e in foreign))
        self.assertTrue(resolves and all(e["authorization"] for e in resolves))
        self.assertEqual(answer["sha256"], self.demo_file("model.safetensors")["lfs"]["oid"])

    def upload(self, repo: str, files: dict, *extra: str) -> dict:
        args = []
        for path, data in files.items():
            local = os.path.join(self.work, hashlib.sha1(path.encode()).hexdigest())
            with open(local, "wb") as f:
                f.write(data)
            args.append(f"{local}={path}")
        return self.node("upload-files.mjs", "--repo", repo, *extra, *args, token=WRITE_TOKEN)

    def test_upload_files_commits_regular_and_lfs_files_that_download_byte_identical(self):
        files = {"config.json": b'{"hidden_size": 4}\n', "weights/small.safetensors": os.urandom(60_000),
                 "weights/large.bin": os.urandom(1_100_003)}
        answer = self.upload("tester/js-upload", files, "--create", "--message", "Upload from JS")
        log = self.hub.log()
        puts = [e for e in log if e["origin"] == "cdn" and e["method"] == "PUT"]
        self.assertTrue(any("/part/" in e["path"] for e in puts), "the 1.1 MB file goes multipart")
        self.assertTrue(any("/part/" not in e["path"] for e in puts), "the 60 KB file goes basic")
        self.assertFalse(any(e["authorization"] for e in log if e["origin"] == "cdn"))
        cache = tempfile.mkdtemp(dir=self.work)
        snapshot = self.node("snapshot-download.mjs", "--repo", "tester/js-upload", "--revision", answer["commit"],
                             "--cache-dir", cache)
        for path, data in files.items():
            self.assertEqual(snapshot["files"][path]["sha256"], hashlib.sha256(data).hexdigest(), path)
        info = {e["path"]: e for e in json.loads(subprocess.run(
            ["curl", "-sS", f"{self.hub.endpoint}/api/models/tester/js-upload/tree/main?recursive=true"],
            capture_output=True, text=True, check=True, env=self.hub.env()).stdout)}
        self.assertNotIn("lfs", info["config.json"])
        self.assertEqual(info["weights/large.bin"]["lfs"]["oid"], hashlib.sha256(files["weights/large.bin"]).hexdigest())

    def test_upload_as_pull_request_leaves_main_alone(self):
        self.upload("tester/js-pr", {"a.txt": b"a\n"}, "--create")
        main_before = self.hub.refs("tester/js-pr")["branches"]["main"]
        answer = self.upload("tester/js-pr", {"b.txt": b"b\n"}, "--pr")
        self.assertRegex(answer["pullRequestUrl"], r"/tester/js-pr/discussions/1$")
        refs = self.hub.refs("tester/js-pr")
        self.assertEqual(refs["branches"]["main"], main_before)
        self.assertEqual(refs["pulls"]["1"], answer["commit"])

    def test_scan_cache_reads_a_cache_the_js_client_wrote(self):
        cache = tempfile.mkdtemp(dir=self.work)
        self.node("snapshot-download.mjs", "--repo", "hubdeps-demo/tiny-bert", "--revision", "v1.0", "--cache-dir", cache)
        scan = self.node("scan-cache.mjs", "--cache-dir", cache)
        self.assertEqual(scan["warnings"], [])
        (repo,) = scan["repos"]
        self.assertEqual(repo["id"], {"name": "hubdeps-demo/tiny-bert", "type": "model"})
        (revision,) = repo["revisions"]
        self.assertEqual(revision["refs"], ["v1.0"])
        snapshot = os.path.join(cache, "models--hubdeps-demo--tiny-bert", "snapshots", revision["commitOid"])
        self.assertIn("model.safetensors", {os.path.relpath(f["path"], snapshot) for f in revision["files"]})


if __name__ == "__main__":
    unittest.main()
