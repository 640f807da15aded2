"""Lockfile pinning end to end: `hubdeps fetch --lock`, `hubdeps lock --update`, `hubdeps verify`."""

from __future__ import annotations

import fcntl
import glob
import json
import os
import shutil
import subprocess
import threading
import time
import unittest

from support import HUBDEPS, HubTestCase

LOCK_ARGS = ("--lock", "hubdeps.lock")


class LockfilePinning(HubTestCase):
    def setUp(self):
        super().setUp()
        # A repo per test: tests move branches and vanish commits.
        self.repo = f"acme/{self._testMethodName[-40:].replace('_', '-').strip('-')}"
        self.hub.create_repo(self.repo)
        self.first = self.hub.commit(self.repo, {"config.json": '{"hidden_size": 8}\n',
                                                 "model.safetensors": {"generate": {"size": 2 << 20, "seed": 3},
                                                                       "lfs": True}})
        self.lock = os.path.join(self.work, "hubdeps.lock")

    def fetch_locked(self, *extra, name="model", **kwargs):
        return self.fetch(self.repo, *LOCK_ARGS, "--name", name, *extra, **kwargs)

    def read_lock(self):
        with open(self.lock, encoding="utf-8") as f:
            return f.read()

    def test_first_fetch_writes_a_deterministic_entry(self):
        result = self.fetch_locked("--include", "*.json", "--include", "*.safetensors")
        self.assertExit(result, 0)
        text = self.read_lock()
        lock = json.loads(text)
        entry = lock["entries"]["model"]
        self.assertEqual(lock["version"], 1)
        self.assertEqual(entry["repo_id"], self.repo)
        self.assertEqual(entry["revision"], "main")
        self.assertEqual(entry["commit"], self.first)
        self.assertEqual(entry["include"], ["*.json", "*.safetensors"])
        self.assertEqual([f["path"] for f in entry["files"]], ["config.json", "model.safetensors"])
        self.assertIn("sha256", entry["files"][1])
        self.assertIn("git_sha1", entry["files"][0])
        self.assertTrue(text.endswith("}\n"))
        self.assertEqual(text, json.dumps(lock, indent=2, sort_keys=True) + "\n")
        self.assertNotIn(self.work, text)  # no absolute path
        # A second machine (fresh cache) writes the same bytes.
        os.rename(self.lock, self.lock + ".first")
        shutil.rmtree(self.cache)
        self.assertExit(self.fetch_locked("--include", "*.safetensors", "--include", "*.json"), 0)
        with open(self.lock + ".first", encoding="utf-8") as f:
            self.assertEqual(self.read_lock(), f.read())

    def test_a_matching_entry_with_a_warm_cache_makes_zero_requests(self):
        self.assertExit(self.fetch_locked(), 0)
        before = os.stat(self.lock)
        self.hub.clear_log()
        result = self.fetch_locked()
        self.assertExit(result, 0)
        self.assertEqual(self.hub.log(), [])
        after = os.stat(self.lock)
        self.assertEqual((before.st_ino, before.st_mtime_ns), (after.st_ino, after.st_mtime_ns))

    def test_a_moved_branch_never_changes_a_locked_build(self):
        self.assertExit(self.fetch_locked(), 0)
        moved = self.hub.commit(self.repo, {"config.json": '{"hidden_size": 999}\n'})
        self.assertNotEqual(moved, self.first)
        shutil.rmtree(self.cache)  # even a cold cache gets the pinned bytes
        result = self.fetch_locked()
        self.assertExit(result, 0)
        self.assertEqual(result.json()["commit"], self.first)
        with open(os.path.join(result.json()["snapshot_dir"], "config.json")) as f:
            self.assertEqual(f.read(), '{"hidden_size": 8}\n')
        self.assertEqual(json.loads(self.read_lock())["entries"]["model"]["commit"], self.first)

    def test_locked_fails_with_exit_7_on_a_changed_declaration_and_changes_nothing(self):
        self.assertExit(self.fetch_locked("--include", "*.json"), 0)
        before = self.read_lock()
        self.hub.clear_log()
        result = self.fetch_locked("--include", "*.safetensors", "--locked")
        self.assertExit(result, 7)
        self.assertIn("model", result.stderr)
        self.assertIn("include", result.stderr)
        self.assertEqual(self.read_lock(), before)
        self.assertEqual(self.hub.log(), [])

    def test_locked_fails_with_exit_7_on_a_missing_entry(self):
        result = self.fetch_locked("--locked")
        self.assertExit(result, 7)
        self.assertFalse(os.path.exists(self.lock))

    def test_a_changed_declaration_without_locked_is_resolved_and_recorded(self):
        self.assertExit(self.fetch_locked("--include", "*.json"), 0)
        self.assertExit(self.fetch_locked("--include", "*.safetensors"), 0)
        entry = json.loads(self.read_lock())["entries"]["model"]
        self.assertEqual([f["path"] for f in entry["files"]], ["model.safetensors"])

    def test_lock_update_moves_the_pin_and_prints_what_changed(self):
        self.assertExit(self.fetch_locked(), 0)
        second = self.hub.commit(self.repo, {"config.json": '{"hidden_size": 16}\n', "extra.txt": "new"},
                                 delete=["model.safetensors"])
        result = self.run_hubdeps("lock", "--update", *LOCK_ARGS)
        self.assertExit(result, 0)
        self.assertIn(f"{self.first} -> {second}", result.stdout)
        self.assertIn("added    extra.txt", result.stdout)
        self.assertIn("removed  model.safetensors", result.stdout)
        self.assertIn("changed  config.json", result.stdout)
        self.assertEqual(json.loads(self.read_lock())["entries"]["model"]["commit"], second)
        unknown = self.run_hubdeps("lock", "--update", "nope", *LOCK_ARGS)
        self.assertExit(unknown, 2)

    def test_verify_detects_a_tampered_blob_and_repair_restores_it(self):
        result = self.fetch_locked()
        self.assertExit(result, 0)
        model = [f for f in result.json()["files"] if f["path"] == "model.safetensors"][0]
        blob = os.path.join(self.repo_dir(self.repo), "blobs", model["sha256"])
        with open(blob, "r+b") as f:
            f.seek(1000)
            f.write(b"tampered")
        bad = self.run_hubdeps("verify", *LOCK_ARGS)
        self.assertExit(bad, 6)
        self.assertIn("model.safetensors", bad.stderr)
        repaired = self.run_hubdeps("verify", *LOCK_ARGS, "--repair")
        self.assertExit(repaired, 0)
        self.assertExit(self.run_hubdeps("verify", *LOCK_ARGS), 0)

    def test_offline_rebuild_from_a_fresh_clone_even_after_the_commit_vanished(self):
        self.assertExit(self.fetch_locked(), 0)
        clone = os.path.join(self.work, "clone")
        os.mkdir(clone)
        shutil.copy(self.lock, clone)
        self.hub.commit(self.repo, {"config.json": "{}\n"})
        self.hub.vanish(self.repo, self.first)
        self.hub.clear_log()
        result = self.fetch_locked("--locked", env={"HF_HUB_OFFLINE": "1"}, cwd=clone)
        self.assertExit(result, 0)
        self.assertEqual(result.json()["commit"], self.first)
        self.assertEqual(self.hub.log(), [])

    def test_a_malformed_lockfile_is_an_error_naming_the_line_and_is_left_alone(self):
        self.assertExit(self.fetch_locked(), 0)
        lines = self.read_lock().splitlines(keepends=True)
        commit_line = next(i for i, line in enumerate(lines) if '"commit"' in line)
        lines[commit_line] = lines[commit_line].replace(self.first, "not-a-commit")
        damaged = "".join(lines)
        with open(self.lock, "w", encoding="utf-8") as f:
            f.write(damaged)
        result = self.fetch_locked()
        self.assertExit(result, 2)
        self.assertIn(f"hubdeps.lock:{commit_line + 1}:", result.stderr)
        self.assertEqual(self.read_lock(), damaged)

    def test_two_concurrent_writers_both_land(self):
        # Four writers at once, three rounds: they wait on hubdeps.lock.lock beside the lockfile (the lockfile
        # itself is only ever replaced by a rename, with no handle open on it: Windows off NTFS and Wine too).
        def run(name, results):
            environment = self.hub.env(cache_dir=self.cache)
            results[name] = subprocess.run([HUBDEPS, "fetch", self.repo, "--quiet", *LOCK_ARGS, "--name", name],
                                           env=environment, cwd=self.work, capture_output=True, text=True,
                                           timeout=120)
        for round_number in range(3):
            results = {}
            names = [f"writer{round_number}_{i}" for i in range(4)]
            threads = [threading.Thread(target=run, args=(name, results)) for name in names]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            for name in names:
                self.assertEqual(results[name].returncode, 0, results[name].stderr)
            entries = json.loads(self.read_lock())["entries"]
            self.assertTrue(set(names) <= set(entries), sorted(entries))
            # The write lock's own file (hubdeps.lock.lock) goes with the lock: nothing is left in the tree.
            self.assertFalse(os.path.exists(self.lock + ".lock"), sorted(os.listdir(self.work)))

    def test_a_writer_waits_while_the_write_lock_is_held_then_removes_its_file(self):
        # Held here as hubdeps takes it: flock on POSIX; under Wine (tests/wine) LockFileEx on the first byte,
        # which Wine keeps as a POSIX record lock. The file already exists, as a writer killed on POSIX leaves it.
        lock_file = self.lock + ".lock"
        environment = self.hub.env(cache_dir=self.cache)
        with open(lock_file, "w") as held:
            if os.environ.get("HUBDEPS_WINE_EXE"):
                fcntl.lockf(held, fcntl.LOCK_EX, 1, 0)
            else:
                fcntl.flock(held, fcntl.LOCK_EX)
            writer = subprocess.Popen([HUBDEPS, "fetch", self.repo, "--quiet", *LOCK_ARGS, "--name", "waiting"],
                                      env=environment, cwd=self.work, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True)
            try:
                # Its files are fetched without the lock; only recording the pin waits for it.
                pattern = os.path.join(self.cache, "models--acme--*", "snapshots", self.first, "model.safetensors")
                deadline = time.monotonic() + 60
                while not glob.glob(pattern) and writer.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.1)
                time.sleep(2)
                self.assertIsNone(writer.poll(), "the writer did not wait for the lock")
                self.assertFalse(os.path.exists(self.lock))
            except BaseException:
                writer.kill()
                raise
        _, stderr = writer.communicate(timeout=120)
        self.assertEqual(writer.returncode, 0, stderr)
        self.assertIn("waiting", json.loads(self.read_lock())["entries"])
        self.assertFalse(os.path.exists(lock_file), sorted(os.listdir(self.work)))


if __name__ == "__main__":
    unittest.main()
