"""`hubdeps cache ls | prune | key` end to end: the real binary, a cache the real fetch filled from the local Hub."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
import unittest

from support import HUBDEPS, HubTestCase, blob_etag

MiB = 1 << 20


def tree_state(root: str) -> dict:
    """Every entry below `root` with its type, mode, modification time and content (or link target)."""
    state = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            what = (info.st_mode, info.st_mtime_ns, info.st_size)
            if os.path.islink(path):
                what += ("->", os.readlink(path))
            elif os.path.isfile(path):
                with open(path, "rb") as f:
                    what += (hashlib.sha256(f.read()).hexdigest(),)
            state[os.path.relpath(path, root)] = what
    return state


class CacheHousekeeping(HubTestCase):
    def setUp(self):
        super().setUp()
        # A repo per test; two commits that share the weights, the first tagged v1.
        self.repo = f"acme/{self._testMethodName[-40:].replace('_', '-').strip('-')}"
        self.hub.create_repo(self.repo)
        weights = {"generate": {"size": 2 * MiB, "seed": 11}, "lfs": True}
        self.first = self.hub.commit_details(self.repo, {"config.json": '{"hidden_size": 8}\n',
                                                         "model.safetensors": weights})
        self.hub.set_ref(self.repo, "v1", self.first["commit"], kind="tag")
        self.second = self.hub.commit_details(self.repo, {"config.json": '{"hidden_size": 16}\n'})
        self.old_lock = os.path.join(self.work, "old.lock")
        self.lock = os.path.join(self.work, "hubdeps.lock")
        self.assertExit(self.fetch(self.repo, "--revision", "v1", "--lock", self.old_lock, "--name", "bert"), 0)
        self.assertExit(self.fetch(self.repo, "--lock", self.lock, "--name", "bert"), 0)
        self.folder = "models--" + self.repo.replace("/", "--")
        self.repo_path = self.repo_dir(self.repo)

    def blob(self, files: dict, path: str) -> str:
        return os.path.join(self.repo_path, "blobs", files["files"][path]["etag"])

    def snapshot(self, commit: dict) -> str:
        return os.path.join(self.repo_path, "snapshots", commit["commit"])

    def cache_cmd(self, *args, **kwargs):
        return self.run_hubdeps("cache", *args, **kwargs)

    def test_ls_lists_revisions_with_shared_blobs_counted_once_and_the_entries_they_serve(self):
        result = self.cache_cmd("ls", "--json", "--lock", "hubdeps.lock", "--lock", "old.lock")
        self.assertExit(result, 0)
        listing = result.json()
        self.assertEqual(listing["cache_dir"], os.path.abspath(self.cache))
        (repo,) = listing["repos"]
        self.assertEqual((repo["repo_id"], repo["repo_type"], repo["folder"]), (self.repo, "model", self.folder))
        sizes = {path: os.path.getsize(os.path.join(self.repo_path, "blobs", name))
                 for path, name in [("w", self.first["files"]["model.safetensors"]["etag"]),
                                    ("c1", self.first["files"]["config.json"]["etag"]),
                                    ("c2", self.second["files"]["config.json"]["etag"])]}
        gitattributes = sum(os.path.getsize(os.path.join(self.repo_path, "blobs", name))
                            for name in os.listdir(os.path.join(self.repo_path, "blobs"))) - sum(sizes.values())
        self.assertGreater(gitattributes, 0)  # .gitattributes, the same blob in both commits
        self.assertEqual(repo["size"], sizes["w"] + sizes["c1"] + sizes["c2"] + gitattributes)  # weights once
        self.assertEqual(listing["size"], repo["size"])
        self.assertEqual(repo["refs"], {"main": self.second["commit"], "v1": self.first["commit"]})
        revisions = {r["commit"]: r for r in repo["revisions"]}
        old, new = revisions[self.first["commit"]], revisions[self.second["commit"]]
        self.assertEqual(old["refs"], ["v1"])
        self.assertEqual(new["refs"], ["main"])
        self.assertEqual(old["size"], sizes["w"] + sizes["c1"] + gitattributes)
        self.assertEqual(new["size"], sizes["w"] + sizes["c2"] + gitattributes)
        self.assertEqual(new["files"], 3)
        self.assertEqual(new["serves"], [{"lockfile": "hubdeps.lock", "entry": "bert", "files": 3, "cached": 3}])
        self.assertEqual(old["serves"], [{"lockfile": "old.lock", "entry": "bert", "files": 3, "cached": 3}])
        self.assertEqual(listing["not_cached"], [])

        text = self.cache_cmd("ls", "--lock", "hubdeps.lock")
        self.assertExit(text, 0)
        self.assertIn(f"model {self.repo}", text.stdout)
        self.assertIn(f"  {self.second['commit']}  main  3 file(s)", text.stdout)
        self.assertIn("serves hubdeps.lock: bert (3 of 3 locked file(s) cached)", text.stdout)

    def test_prune_with_two_lockfiles_sharing_blobs_keeps_both_then_one(self):
        self.hub.create_repo("acme/other-data", type="dataset")
        self.hub.commit("acme/other-data", {"x.csv": "a,b\n1,2\n"}, type="dataset")
        self.assertExit(self.fetch("acme/other-data", "--repo-type", "dataset"), 0)
        other = self.repo_dir("acme/other-data", "dataset")

        both = self.cache_cmd("prune", "--keep-lock", "hubdeps.lock", "old.lock")
        self.assertExit(both, 0)
        self.assertFalse(os.path.exists(other))  # no lock names it
        self.assertIn(f"removed datasets--acme--other-data\n", both.stdout)
        self.assertTrue(os.path.isdir(self.snapshot(self.first)))
        self.assertTrue(os.path.isdir(self.snapshot(self.second)))
        self.assertTrue(os.path.exists(os.path.join(self.repo_path, "refs", "v1")))

        old_config = self.blob(self.first, "config.json")
        freed = os.path.getsize(old_config)
        freed += os.path.getsize(os.path.join(self.repo_path, "refs", "v1"))
        freed += os.path.getsize(os.path.join(self.repo_path, "trees", self.first["commit"] + ".json"))
        one = self.cache_cmd("prune", "--keep-lock", "hubdeps.lock")
        self.assertExit(one, 0)
        self.assertFalse(os.path.exists(self.snapshot(self.first)))
        self.assertFalse(os.path.exists(old_config))
        self.assertFalse(os.path.exists(os.path.join(self.repo_path, "refs", "v1")))
        self.assertTrue(os.path.isfile(self.blob(self.first, "model.safetensors")))  # shared with the second
        self.assertEqual(blob_etag(self.blob(self.first, "model.safetensors"), True),
                         self.first["files"]["model.safetensors"]["sha256"])
        self.assertIn(f"removed {self.folder}/snapshots/{self.first['commit']} (3 file(s))", one.stdout)
        self.assertIn(f"removed {self.folder}/refs/v1 ({self.first['commit']})", one.stdout)
        self.assertIn(f" ({freed} bytes), ", one.stdout)

        # Nothing is left to prune.
        again = self.cache_cmd("prune", "--keep-lock", "hubdeps.lock", "--json")
        self.assertExit(again, 0)
        self.assertEqual(again.json()["removed"], [])
        self.assertEqual(again.json()["freed"], 0)
        # What is kept is usable offline with no request; what went is gone.
        self.hub.clear_log()
        kept = self.fetch(self.repo, "--lock", self.lock, "--name", "bert", "--locked", "--offline")
        self.assertExit(kept, 0)
        self.assertEqual(self.hub.log(), [])
        self.assertExit(self.fetch(self.repo, "--revision", "v1", "--lock", self.old_lock, "--name", "bert",
                                   "--locked", "--offline"), 8)

    def test_dry_run_changes_nothing_byte_for_byte_and_announces_what_prune_does(self):
        with open(os.path.join(self.repo_path, "blobs", "f" * 64 + ".incomplete"), "wb") as f:
            f.write(b"left by a killed download")
        before = tree_state(self.cache)
        dry = self.cache_cmd("prune", "--keep-lock", "hubdeps.lock", "--dry-run", "--json")
        self.assertExit(dry, 0)
        self.assertEqual(tree_state(self.cache), before)
        self.assertTrue(dry.json()["dry_run"])
        text = self.cache_cmd("prune", "--keep-lock", "hubdeps.lock", "--dry-run")
        self.assertExit(text, 0)
        self.assertEqual(tree_state(self.cache), before)
        self.assertIn(f"would remove {self.folder}/snapshots/{self.first['commit']} (3 file(s))", text.stdout)
        self.assertIn("would free ", text.stdout)

        real = self.cache_cmd("prune", "--keep-lock", "hubdeps.lock", "--json")
        self.assertExit(real, 0)
        self.assertNotEqual(tree_state(self.cache), before)
        planned, done = dry.json(), real.json()
        self.assertFalse(done["dry_run"])
        self.assertEqual(planned["removed"], done["removed"])
        self.assertEqual(planned["freed"], done["freed"])
        kinds = sorted(item["kind"] for item in done["removed"])
        self.assertEqual(kinds, ["blob", "incomplete", "listing", "ref", "snapshot"])

    def test_an_interrupted_ranged_download_goes_with_its_resume_sidecar(self):
        # A file large enough to go as parallel ranges; with HUBDEPS_NO_XATTR=1 (as on a file system without
        # extended attributes) their state is kept in <part>.hubdeps.segments beside the part-file. The run is
        # killed; no kept lock needs that blob, so prune removes the part-file and its sidecar together.
        third = self.hub.commit_details(self.repo, {"large.safetensors": {"generate": {"size": 72 * MiB, "seed": 13},
                                                                          "lfs": True}})
        self.hub.fault("throttle", origin="cdn", rate=4 * MiB, count=-1)
        environment = dict(self.hub.env(cache_dir=self.cache), HUBDEPS_NO_XATTR="1")
        process = subprocess.Popen([HUBDEPS, "fetch", self.repo, "--include", "large.safetensors", "--quiet"],
                                   env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        part = os.path.join(self.repo_path, "blobs", third["files"]["large.safetensors"]["etag"] + ".incomplete")
        sidecar = part + ".hubdeps.segments"
        deadline = time.monotonic() + 30
        while not os.path.exists(sidecar) and time.monotonic() < deadline:
            time.sleep(0.05)
        process.kill()
        process.wait()
        self.hub.clear_faults()
        self.assertTrue(os.path.exists(part) and os.path.exists(sidecar), "the ranged download left no sidecar")
        on_disk = sum(os.path.getsize(path) for path in (part, sidecar, sidecar + ".tmp") if os.path.exists(path))

        prune = self.cache_cmd("prune", "--keep-lock", "hubdeps.lock", "--json")
        self.assertExit(prune, 0)
        removed = [item for item in prune.json()["removed"] if item["kind"] == "incomplete"]
        self.assertEqual([item["path"] for item in removed], ["blobs/" + os.path.basename(part)])
        self.assertEqual(removed[0]["bytes"], on_disk)  # the part-file and its sidecar(s)
        self.assertEqual([n for n in os.listdir(os.path.join(self.repo_path, "blobs")) if ".incomplete" in n], [])

    def test_keep_refs_keeps_what_the_cached_refs_point_to(self):
        self.hub.set_ref(self.repo, "v1", None, kind="tag")  # gone upstream; the cached ref stays
        result = self.cache_cmd("prune", "--keep-lock", "hubdeps.lock", "--keep-refs", "--json")
        self.assertExit(result, 0)
        self.assertEqual(result.json()["removed"], [])
        self.assertTrue(os.path.isdir(self.snapshot(self.first)))

    def test_prune_while_a_fetch_runs_leaves_the_fetch_whole(self):
        # main moves on to a commit with new, large weights; a slow fetch of it runs while prune runs.
        third = self.hub.commit_details(self.repo, {"model.safetensors": {"generate": {"size": 3 * MiB, "seed": 12},
                                                                          "lfs": True}})
        self.hub.create_repo("acme/unused")
        self.hub.commit("acme/unused", {"a.json": "{}"})
        self.assertExit(self.fetch("acme/unused"), 0)
        self.hub.fault("throttle", origin="cdn", count=-1, rate=256 * 1024)
        environment = self.hub.env(cache_dir=self.cache)
        fetch = subprocess.Popen([HUBDEPS, "fetch", self.repo, "--quiet"], env=environment, cwd=self.work,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: fetch.poll() is None and fetch.kill())
        partial = os.path.join(self.repo_path, "blobs", third["files"]["model.safetensors"]["etag"] + ".incomplete")
        deadline = time.monotonic() + 30
        while not os.path.exists(partial) and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertTrue(os.path.exists(partial), "the slow download did not start")

        prune = self.cache_cmd("prune", "--keep-lock", "hubdeps.lock")
        self.assertExit(prune, 0)
        self.assertIsNone(fetch.poll(), "the download ended before prune ran; the test proves nothing")
        self.assertIn(f"kept {self.folder}: the whole repo: a download is running", prune.stdout)
        self.assertIn("removed models--acme--unused\n", prune.stdout)  # prune did its work elsewhere
        self.assertTrue(os.path.exists(partial))
        self.assertTrue(os.path.isdir(self.snapshot(self.first)))

        stdout, stderr = fetch.communicate(timeout=120)
        self.assertEqual(fetch.returncode, 0, stderr)
        self.assertEqual(stdout.strip(), self.snapshot(third))
        self.hub.clear_faults()
        self.assert_cache_clean(self.repo)
        # The fetch's snapshot is whole: what it linked before the download is still there, and its ref.
        self.assertEqual(sorted(os.listdir(self.snapshot(third))), [".gitattributes", "config.json", "model.safetensors"])
        for name in os.listdir(self.snapshot(third)):
            self.assertTrue(os.path.isfile(os.path.join(self.snapshot(third), name)), name)
        with open(os.path.join(self.repo_path, "refs", "main"), encoding="utf-8") as f:
            self.assertEqual(f.read(), third["commit"])
        weights = os.path.join(self.snapshot(third), "model.safetensors")
        self.assertEqual(blob_etag(os.path.realpath(weights), True), third["files"]["model.safetensors"]["sha256"])

        # Once the download is done, the next prune takes what the lock does not pin, the new commit included.
        after = self.cache_cmd("prune", "--keep-lock", "hubdeps.lock", "--json")
        self.assertExit(after, 0)
        self.assertFalse(os.path.exists(self.snapshot(third)))
        self.assertFalse(os.path.exists(self.snapshot(self.first)))
        self.assertTrue(os.path.isdir(self.snapshot(self.second)))

    def test_key_follows_what_the_lock_pins_only(self):
        first = self.cache_cmd("key", "--lock", "hubdeps.lock")
        self.assertExit(first, 0)
        key = first.stdout.strip()
        self.assertRegex(key, r"^[0-9a-f]{16}$")
        self.assertExit(self.run_hubdeps("cache", "key"), 0)  # hubdeps.lock by default
        self.assertEqual(self.run_hubdeps("cache", "key").stdout.strip(), key)

        # Reformatted, the entry renamed, other patterns that select the same files: the same key.
        with open(self.lock, encoding="utf-8") as f:
            lock = json.load(f)
        entry = lock["entries"].pop("bert")
        entry["include"] = ["*.json", "*.safetensors", ".gitattributes"]
        lock["entries"]["encoder"] = entry
        with open(os.path.join(self.work, "other.lock"), "w", encoding="utf-8") as f:
            json.dump(lock, f, indent=4, sort_keys=True)
        self.assertEqual(self.cache_cmd("key", "--lock", "other.lock").stdout.strip(), key)

        # A moved pin moves the key; the old pin keeps its own.
        old = self.cache_cmd("key", "--lock", "old.lock").stdout.strip()
        self.assertNotEqual(old, key)
        self.assertEqual(self.cache_cmd("key", "--lock", "old.lock").stdout.strip(), old)

    def test_bad_input_is_said_clearly(self):
        missing = self.cache_cmd("prune", "--keep-lock", "nope.lock")
        self.assertExit(missing, 2)
        self.assertIn("lockfile 'nope.lock' does not exist", missing.stderr)
        self.assertTrue(os.path.isdir(self.snapshot(self.first)))
        for args in (("ls", "--lock", "nope.lock"), ("key", "--lock", "nope.lock")):
            result = self.cache_cmd(*args)
            self.assertExit(result, 2)
            self.assertIn("lockfile 'nope.lock' does not exist", result.stderr)
        self.assertExit(self.cache_cmd("prune"), 2)  # --keep-lock is required

        with open(os.path.join(self.work, "empty.lock"), "w", encoding="utf-8") as f:
            f.write('{\n  "entries": {},\n  "version": 1\n}\n')
        empty = self.cache_cmd("prune", "--keep-lock", "empty.lock")
        self.assertExit(empty, 2)
        self.assertIn("pins nothing", empty.stderr)
        with open(os.path.join(self.work, "broken.lock"), "w", encoding="utf-8") as f:
            f.write('{"entries": {')
        broken = self.cache_cmd("prune", "--keep-lock", "broken.lock")
        self.assertExit(broken, 2)
        self.assertIn("broken.lock:", broken.stderr)
        self.assertTrue(os.path.isdir(self.snapshot(self.first)))

        nowhere = os.path.join(self.work, "no-cache")
        for args in (("ls",), ("prune", "--keep-lock", "hubdeps.lock")):
            result = self.cache_cmd(*args, "--cache-dir", nowhere)
            self.assertExit(result, 2)
            self.assertIn(f"the cache folder '{nowhere}' does not exist", result.stderr)
            self.assertFalse(os.path.exists(nowhere))

    def test_a_lock_naming_repos_not_in_the_cache_lists_them_and_prunes_the_rest(self):
        stranger = os.path.join(self.work, "stranger.lock")
        self.hub.create_repo("acme/never-fetched")
        self.hub.commit("acme/never-fetched", {"a.json": "{}"})
        # Pinned in a lock on another machine; never fetched into this cache.
        other_cache = os.path.join(self.work, "elsewhere")
        self.assertExit(self.fetch("acme/never-fetched", "--lock", stranger, "--name", "never",
                                   "--cache-dir", other_cache), 0)
        listing = self.cache_cmd("ls", "--json", "--lock", "stranger.lock")
        self.assertExit(listing, 0)
        (missing,) = listing.json()["not_cached"]
        self.assertEqual((missing["entry"], missing["repo_id"], missing["why"]),
                         ("never", "acme/never-fetched", "the repo is not in the cache"))
        text = self.cache_cmd("ls", "--lock", "stranger.lock")
        self.assertIn("not cached:\n  stranger.lock: never (model acme/never-fetched at ", text.stdout)

        prune = self.cache_cmd("prune", "--keep-lock", "stranger.lock")
        self.assertExit(prune, 0)
        self.assertFalse(os.path.exists(self.repo_path))
        self.assertIn(f"removed {self.folder}\n", prune.stdout)


if __name__ == "__main__":
    unittest.main()
