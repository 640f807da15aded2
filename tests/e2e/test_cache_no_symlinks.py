"""A cache without symbolic links (issue #16): what Windows without Developer Mode, FAT disks and Wine give, and what
HF_HUB_DISABLE_SYMLINKS asks for. A snapshot entry is then a file: hubdeps makes it a hard link to the blob (a copy
where hard links fail), and proves an entry that is a file by its inode (the blob itself) or else by its content.
huggingface_hub in that mode MOVES a new blob into the snapshot, so its cache has files and no blobs; both clients
must share it. HF_HUB_DISABLE_SYMLINKS is how these Linux tests reach that path.

The Python client is the source in <shared>/peers (as for test_python_client_cache); without it those tests skip."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import unittest

from support import HubTestCase, blob_etag
from test_cache_edges import tree_state
from test_python_client_cache import DRIVER, PYTHON, PYTHONPATH

MiB = 1 << 20
CONFIG = '{"hidden_size": 768, "name": "copies"}\n'
NO_SYMLINKS = {"HF_HUB_DISABLE_SYMLINKS": "1"}
OFFLINE = {"HF_HUB_DISABLE_SYMLINKS": "1", "HF_HUB_OFFLINE": "1"}


class CacheBase(HubTestCase):
    def setUp(self):
        super().setUp()
        self.repo = f"acme/{self._testMethodName[-40:].replace('_', '-').strip('-')}"
        self.hub.create_repo(self.repo)
        self.details = self.hub.commit_details(self.repo, {
            "config.json": CONFIG, "model.safetensors": {"generate": {"size": 2 * MiB, "seed": 31}, "lfs": True}})
        self.commit = self.details["commit"]
        self.snapshot = os.path.join(self.repo_dir(self.repo), "snapshots", self.commit)
        self.paths = (".gitattributes", "config.json", "model.safetensors")

    def fetch_locked(self, env=NO_SYMLINKS):
        return self.fetch(self.repo, "--lock", "hubdeps.lock", "--name", "model", env=env)

    def entry(self, path):
        return os.path.join(self.snapshot, path)

    def blob(self, path):
        info = self.details["files"].get(path)
        if info is None:  # .gitattributes, from the repo's first commit: its etag is the git blob sha1
            with open(self.entry(path), "rb") as f:
                from support import git_blob_sha1
                return os.path.join(self.repo_dir(self.repo), "blobs", git_blob_sha1(f.read()))
        return os.path.join(self.repo_dir(self.repo), "blobs", info["etag"])

    def downloads(self):
        return [e["path"] for e in self.hub.log() if "/resolve/" in e["path"]]

    def assert_hard_linked(self, path):
        """The entry is a regular file (no link) that is the blob itself: one inode, no second copy."""
        entry = self.entry(path)
        self.assertFalse(os.path.islink(entry), entry)
        self.assertTrue(os.path.isfile(entry), entry)
        self.assertEqual(os.stat(entry).st_ino, os.stat(self.blob(path)).st_ino, entry)

    def replace_entry(self, path, content: bytes):
        """The entry becomes a file of its own (a new inode), as a copy or a moved blob is."""
        entry = self.entry(path)
        os.remove(entry)
        with open(entry, "wb") as f:
            f.write(content)

    def content(self, path) -> bytes:
        with open(self.blob(path), "rb") as f:
            return f.read()


class NoSymlinkCache(CacheBase):
    def test_entries_are_hard_links_and_a_second_fetch_rewrites_nothing(self):
        self.assertExit(self.fetch_locked(), 0)
        for path in self.paths:
            self.assert_hard_linked(path)
        before = tree_state(self.cache)
        self.hub.clear_log()
        for env in (NO_SYMLINKS, {"HF_HUB_DISABLE_SYMLINKS": "On"}, OFFLINE):
            with self.subTest(env=env):
                self.assertExit(self.fetch_locked(env=env), 0)
                self.assertEqual(self.hub.log(), [])
                self.assertEqual(tree_state(self.cache), before)  # same inodes, same mtimes: nothing rewritten

    def test_an_unpinned_cache_is_proven_offline_without_a_rewrite(self):
        self.assertExit(self.fetch(self.repo, env=NO_SYMLINKS), 0)
        for path in self.paths:
            self.assert_hard_linked(path)
        before = tree_state(self.cache)
        self.hub.clear_log()
        result = self.fetch(self.repo, env=OFFLINE)
        self.assertExit(result, 0)
        self.assertEqual(self.hub.log(), [])
        self.assertEqual(tree_state(self.cache), before)
        with open(self.entry("config.json"), encoding="utf-8") as f:
            self.assertEqual(f.read(), CONFIG)

    def test_a_tampered_entry_is_caught_by_verify_and_repaired(self):
        self.assertExit(self.fetch_locked(), 0)
        # In place: the entry and its blob are one file, so both change; verify hashes it and names it.
        with open(self.entry("config.json"), "r+b") as f:
            f.write(b"X")
        result = self.run_hubdeps("verify", "--lock", "hubdeps.lock", env=NO_SYMLINKS)
        self.assertExit(result, 6)
        self.assertIn("config.json", result.stderr)
        self.assertIn("3 cached file(s) checked, 1 corrupt", result.stdout)
        self.hub.clear_log()
        self.assertExit(self.run_hubdeps("verify", "--lock", "hubdeps.lock", "--repair", env=NO_SYMLINKS), 0)
        self.assertEqual(self.downloads(), [f"/{self.repo}/resolve/{self.commit}/config.json"])
        self.assert_hard_linked("config.json")
        self.assertEqual(self.content("config.json").decode(), CONFIG)
        self.assertExit(self.run_hubdeps("verify", "--lock", "hubdeps.lock", env=NO_SYMLINKS), 0)

        # Replaced by another file: a fetch hashes it, and links the good blob again with no download.
        self.replace_entry("model.safetensors", b"\0" * (2 * MiB))
        self.assertExit(self.run_hubdeps("verify", "--lock", "hubdeps.lock", env=NO_SYMLINKS), 6)
        self.hub.clear_log()
        self.assertExit(self.fetch_locked(), 0)
        self.assertEqual(self.hub.log(), [])
        self.assert_hard_linked("model.safetensors")
        self.assertEqual(blob_etag(self.entry("model.safetensors"), True),
                         self.details["files"]["model.safetensors"]["sha256"])
        self.assertExit(self.run_hubdeps("verify", "--lock", "hubdeps.lock", env=NO_SYMLINKS), 0)

    def copies_without_blobs(self):
        """Every entry a plain copy and no blob: what a cache without hard links (or Python's) holds."""
        self.assertExit(self.fetch_locked(), 0)
        for path in self.paths:
            content = self.content(path)
            os.remove(self.blob(path))
            self.replace_entry(path, content)
        os.rmdir(os.path.join(self.repo_dir(self.repo), "blobs"))  # not even the folder
        return tree_state(self.snapshot)

    def test_a_copy_without_its_blob_is_hashed_and_adopted(self):
        for env in (NO_SYMLINKS, OFFLINE):
            with self.subTest(env=env):
                shutil.rmtree(self.cache, ignore_errors=True)
                entries = self.copies_without_blobs()
                self.hub.clear_log()
                result = self.fetch_locked(env=env)
                self.assertExit(result, 0)
                self.assertEqual(self.hub.log(), [])  # no download, no listing: the content is the proof
                self.assertEqual(tree_state(self.snapshot), entries)  # the copies stay as they are
                for path in self.paths:
                    self.assert_hard_linked(path)  # the blob was made again, as a link to the copy
                self.assert_cache_clean(self.repo)
                # Now proven by the inode, not by hashing: the next run writes nothing either.
                before = tree_state(self.cache)
                self.assertExit(self.fetch_locked(env=env), 0)
                self.assertEqual(tree_state(self.cache), before)
                self.assertExit(self.run_hubdeps("verify", "--lock", "hubdeps.lock", env=env), 0)

    def test_a_wrong_copy_without_its_blob_is_replaced_online_and_refused_offline(self):
        self.copies_without_blobs()
        self.replace_entry("model.safetensors", b"\1" * (2 * MiB))
        result = self.fetch_locked(env=OFFLINE)
        self.assertExit(result, 6)  # integrity, not "not in the cache"
        self.assertIn(self.entry("model.safetensors"), result.stderr)
        self.hub.clear_log()
        self.assertExit(self.fetch_locked(), 0)
        self.assertEqual(self.downloads(), [f"/{self.repo}/resolve/{self.commit}/model.safetensors"])
        for path in self.paths:
            self.assert_hard_linked(path)
        self.assertEqual(blob_etag(self.entry("model.safetensors"), True),
                         self.details["files"]["model.safetensors"]["sha256"])

    def test_cache_ls_and_prune_take_a_hard_linked_entry_for_its_blob(self):
        self.assertExit(self.fetch_locked(), 0)  # the lock pins the first commit
        second = self.hub.commit_details(self.repo, {"config.json": '{"hidden_size": 1024}\n'})
        self.assertExit(self.fetch(self.repo, env=NO_SYMLINKS), 0)  # main, kept by --keep-refs only
        blobs = os.path.join(self.repo_dir(self.repo), "blobs")
        listing = self.run_hubdeps("cache", "ls", "--json")
        self.assertExit(listing, 0)
        (repo,) = listing.json()["repos"]
        # Each file once, not the entry and its blob.
        self.assertEqual(repo["size"], sum(os.path.getsize(os.path.join(blobs, n)) for n in os.listdir(blobs)))
        prune = self.run_hubdeps("cache", "prune", "--keep-lock", "hubdeps.lock", "--keep-refs", "--json")
        self.assertExit(prune, 0)
        self.assertEqual(prune.json()["removed"], [])  # main's snapshot is kept, so is the blob it is made of
        new_config = os.path.join(self.repo_dir(self.repo), "snapshots", second["commit"], "config.json")
        self.assertEqual(os.stat(new_config).st_ino,
                         os.stat(os.path.join(blobs, second["files"]["config.json"]["etag"])).st_ino)


@unittest.skipIf(PYTHON is None, PYTHONPATH if PYTHON is None else "")
class PythonClientWithoutSymlinks(CacheBase):
    def client(self, call, **args):
        env = self.hub.env(cache_dir=self.cache, HF_HUB_DISABLE_TELEMETRY=1, HF_HUB_DISABLE_PROGRESS_BARS=1,
                           HF_HUB_DISABLE_XET=1, HF_HUB_DISABLE_SYMLINKS_WARNING=1, **NO_SYMLINKS)
        env.pop("PYTHONPATH", None)
        if PYTHONPATH:
            env["PYTHONPATH"] = PYTHONPATH
        done = subprocess.run([PYTHON, "-c", DRIVER, call, json.dumps(args)], env=env, capture_output=True,
                              text=True, timeout=120, cwd=self.work)
        self.assertEqual(done.returncode, 0, done.stderr)
        return json.loads(done.stdout)

    def test_hubdeps_uses_a_cache_the_python_client_filled_without_symlinks(self):
        self.client("snapshot_download", repo_id=self.repo)
        for path in self.paths:  # Python moved each new blob into the snapshot: files, and no blob
            self.assertFalse(os.path.islink(self.entry(path)))
            self.assertFalse(os.path.exists(self.blob(path)))
        self.hub.clear_log()
        result = self.fetch_locked(env=OFFLINE)
        self.assertExit(result, 0)
        self.assertEqual(self.hub.log(), [])
        for path in self.paths:
            self.assert_hard_linked(path)
        self.assertExit(self.run_hubdeps("verify", "--lock", "hubdeps.lock"), 0)
        self.hub.clear_log()
        self.assertExit(self.fetch_locked(), 0)  # online too: nothing to download
        self.assertEqual(self.hub.log(), [])
        scan = self.client("scan", cache_dir=self.cache)
        self.assertEqual(scan["warnings"], [])

    def test_the_python_client_reads_the_cache_hubdeps_filled_without_symlinks(self):
        self.assertExit(self.fetch(self.repo, env=NO_SYMLINKS), 0)
        for path in self.paths:
            self.assertFalse(os.path.islink(self.entry(path)))
        self.hub.clear_log()
        path = self.client("hf_hub_download", repo_id=self.repo, filename="model.safetensors",
                           local_files_only=True)
        self.assertEqual(path, self.entry("model.safetensors"))
        self.assertEqual(blob_etag(path, True), self.details["files"]["model.safetensors"]["sha256"])
        folder = self.client("snapshot_download", repo_id=self.repo, local_files_only=True)
        self.assertEqual(folder, self.snapshot)
        with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
            self.assertEqual(f.read(), CONFIG)
        self.assertEqual(self.hub.log(), [])
        scan = self.client("scan", cache_dir=self.cache)
        self.assertEqual(scan["warnings"], [])
        revisions = scan["repos"][f"model:{self.repo}"]["revisions"]
        self.assertEqual(revisions, {self.commit: {"refs": ["main"], "files": sorted(self.paths)}})


if __name__ == "__main__":
    unittest.main()
