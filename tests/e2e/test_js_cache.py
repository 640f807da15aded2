"""The shared cache, both ways, with the official JS client @huggingface/hub (pinned in tests/interop).

- files HubDeps fetched are found by the JS client's cache-aware download without a file transfer;
- a cache the JS client filled is used by `hubdeps fetch --offline`;
- the JS client's cache scanner reads HubDeps' cache without warnings.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import unittest

from support import HubTestCase, blob_etag

INTEROP_DIR = os.environ.get("HUBDEPS_INTEROP_DIR", "")
NODE = os.environ.get("HUBDEPS_NODE") or shutil.which("node") or "node"


def setUpModule():
    if not os.path.isdir(os.path.join(INTEROP_DIR, "node_modules", "@huggingface", "hub")):
        raise RuntimeError(f"HUBDEPS_INTEROP_DIR={INTEROP_DIR!r} has no @huggingface/hub: run ctest -R interop first")


class SharedCacheWithTheJsClient(HubTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub.create_repo("acme/shared")
        cls.details = cls.hub.commit_details("acme/shared", {
            "config.json": '{"hidden_size": 32}\n',
            "nested/vocab.txt": "a\nb\nc\n",
            "model.safetensors": {"generate": {"size": 1 << 20, "seed": 11}, "lfs": True}})
        cls.commit = cls.details["commit"]

    def node(self, script, *args):
        completed = subprocess.run([NODE, os.path.join(INTEROP_DIR, script), *args],
                                   env=self.hub.env(), capture_output=True, text=True, timeout=120)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        return json.loads(completed.stdout)

    def test_the_js_client_finds_what_hubdeps_fetched_without_a_transfer(self):
        fetched = self.fetch("acme/shared")
        self.assertExit(fetched, 0)
        self.hub.clear_log()
        for path in ("config.json", "nested/vocab.txt", "model.safetensors"):
            with self.subTest(path=path):
                answer = self.node("download-to-cache.mjs", "--endpoint", self.hub.endpoint, "--repo", "acme/shared",
                                   "--file", path, "--cache-dir", self.cache)
                self.assertEqual(answer["pointer"], os.path.join(fetched.json()["snapshot_dir"], path))
                self.assertEqual(answer["sha256"], blob_etag(answer["blob"], True))
        transfers = [e for e in self.hub.log() if "/resolve/" in e["path"] and e["method"] == "GET"]
        self.assertEqual(transfers, [])
        self.assertEqual(self.hub.log(origin="cdn"), [])

    def test_hubdeps_uses_offline_what_the_js_client_downloaded(self):
        self.node("snapshot-download.mjs", "--endpoint", self.hub.endpoint, "--repo", "acme/shared",
                  "--cache-dir", self.cache)
        self.hub.clear_log()
        result = self.fetch("acme/shared", "--offline")
        self.assertExit(result, 0)
        self.assertEqual(result.json()["commit"], self.commit)
        files = {f["path"]: f for f in result.json()["files"]}
        self.assertEqual(set(files), {".gitattributes", "config.json", "nested/vocab.txt", "model.safetensors"})
        self.assertEqual(files["model.safetensors"]["sha256"], self.details["files"]["model.safetensors"]["sha256"])
        self.assertEqual(files["config.json"]["git_sha1"], self.details["files"]["config.json"]["git_sha1"])
        self.assertEqual(self.hub.log(), [])

    def test_the_js_cache_scanner_sees_a_hubdeps_cache_as_it_sees_its_own(self):
        self.assertExit(self.fetch("acme/shared"), 0)
        ours = self.node("scan-cache.mjs", "--cache-dir", self.cache)
        js_cache = os.path.join(self.work, "js-cache")
        self.node("snapshot-download.mjs", "--endpoint", self.hub.endpoint, "--repo", "acme/shared",
                  "--cache-dir", js_cache)
        theirs = self.node("scan-cache.mjs", "--cache-dir", js_cache)
        self.assertEqual(ours["warnings"], [])
        [repo] = ours["repos"]
        self.assertEqual(repo["id"], {"name": "acme/shared", "type": "model"})
        [revision] = repo["revisions"]
        self.assertEqual(revision["commitOid"], self.commit)
        self.assertEqual(revision["refs"], ["main"])

        def relative(scan, root):
            # scanCacheDir (2.17.5) lists only a snapshot's top-level files: compare what it sees.
            return [(os.path.relpath(f["path"], root), os.path.relpath(f["blob"], root), f["size"])
                    for r in scan["repos"] for v in r["revisions"] for f in sorted(v["files"], key=lambda f: f["path"])]
        self.assertEqual(relative(ours, self.cache), relative(theirs, js_cache))
        self.assertTrue(relative(ours, self.cache))


if __name__ == "__main__":
    unittest.main()
