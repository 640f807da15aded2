"""The cache's edges, told truthfully: a cache another user filled (read-only to us), and a disk too small.

Both need root here: to run the helper as another user (root ignores permissions), and to mount a small tmpfs.
Where that is not possible the tests skip with a message.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import tempfile
import unittest

from support import HUBDEPS, HubTestCase

NOBODY = 65534


def tree_state(root: str) -> dict:
    """Every entry below root with what identifies its content and its inode: any write shows."""
    state = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            state[os.path.relpath(path, root)] = (info.st_ino, info.st_mtime_ns, info.st_size, info.st_mode,
                                                  os.readlink(path) if os.path.islink(path) else None)
    return state


@unittest.skipUnless(hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("setpriv"),
                     "needs root and setpriv to run the helper as another user")
class ACacheAnotherUserFilled(HubTestCase):
    def setUp(self):
        super().setUp()
        os.chmod(self.work, 0o755)  # others may read the cache, as with umask 022
        self.repo = f"acme/{self._testMethodName[-40:].replace('_', '-').strip('-')}"
        self.hub.create_repo(self.repo)
        self.hub.commit(self.repo, {"config.json": '{"a": 1}\n',
                                        "model.safetensors": {"generate": {"size": 1 << 20, "seed": 1}, "lfs": True}})

    def run_as_nobody(self, *args):
        env = self.hub.env(cache_dir=self.cache, HF_HOME=os.path.join(self.work, "nobody-home"))
        return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", HUBDEPS,
                               *args], env=env, capture_output=True, text=True, timeout=120, cwd="/",
                              stdin=subprocess.DEVNULL)

    def test_an_online_fetch_of_a_cached_revision_writes_nothing_and_succeeds(self):
        self.assertExit(self.fetch(self.repo), 0)  # root fills the cache
        before = tree_state(self.cache)
        for args in (("fetch", self.repo, "--json"), ("fetch", self.repo, "--include", "*.json")):
            with self.subTest(args=args):
                result = self.run_as_nobody(*args)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(tree_state(self.cache), before)

    def test_a_download_into_a_read_only_cache_fails_with_the_io_exit_code(self):
        self.assertExit(self.fetch(self.repo, "--include", "*.json"), 0)
        result = self.run_as_nobody("fetch", self.repo)
        self.assertEqual(result.returncode, 9, result.stderr)
        self.assertIn("cache", result.stderr)


class AFullDisk(HubTestCase):
    def setUp(self):
        super().setUp()
        self.small = os.path.join(self.work, "small-disk")
        os.mkdir(self.small)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", self.small],
                                 capture_output=True, text=True)
        if mounted.returncode != 0:
            self.skipTest(f"cannot mount a small tmpfs here ({mounted.stderr.strip()})")
        self.addCleanup(subprocess.run, ["umount", "-l", self.small], capture_output=True)

    def test_a_download_larger_than_the_free_space_fails_before_it_starts(self):
        self.hub.create_repo("acme/big")
        self.hub.commit("acme/big", {"big.safetensors": {"generate": {"size": 512 << 20, "seed": 2}, "lfs": True}})
        cache = os.path.join(self.small, "cache")
        self.hub.clear_log()
        result = self.fetch("acme/big", env={"HF_HUB_CACHE": cache})
        self.assertExit(result, 9)
        self.assertIn("512.0 MiB", result.stderr)
        self.assertIn("free", result.stderr)
        self.assertFalse([e for e in self.hub.log() if "/resolve/" in e["path"]])
        used = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(cache) for f in fs)
        self.assertLess(used, 1 << 20)

    def test_a_disk_that_fills_during_the_download_names_the_partial_file_and_resume_works(self):
        cache = os.path.join(self.small, "cache")
        self.hub.create_repo("acme/fills")
        self.hub.commit("acme/fills", {"w.bin": {"generate": {"size": 40 << 20, "seed": 8}, "lfs": True}})
        self.hub.fault("throttle", origin="cdn", count=-1, rate=8 << 20)
        env = self.hub.env(cache_dir=cache)
        process = subprocess.Popen([HUBDEPS, "fetch", "acme/fills"], env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
        blobs = os.path.join(cache, "models--acme--fills", "blobs")
        deadline = time.monotonic() + 30
        partial = []
        while time.monotonic() < deadline and not partial:
            partial = [os.path.join(blobs, n) for n in (os.listdir(blobs) if os.path.isdir(blobs) else [])
                       if n.endswith(".incomplete") and os.path.getsize(os.path.join(blobs, n)) > 0]
            time.sleep(0.05)
        filler = os.path.join(self.small, "filler")
        with open(filler, "wb") as f:  # something else takes the space meanwhile
            try:
                f.write(b"\0" * (40 << 20))
            except OSError:
                pass
        _, stderr = process.communicate(timeout=60)
        self.assertEqual(process.returncode, 9, stderr)
        self.assertIn("the disk filled up while downloading into " + partial[0], stderr)
        self.assertIn(f"rm '{partial[0]}'", stderr)
        os.remove(filler)
        self.hub.clear_faults()
        again = self.fetch("acme/fills", env={"HF_HUB_CACHE": cache})
        self.assertExit(again, 0)


class ProgressOffATerminal(HubTestCase):
    """CMake and CI pipe the helper's stderr: a large download must still show that it moves."""

    def test_a_large_download_prints_a_start_line_and_steady_progress_lines(self):
        self.hub.create_repo("acme/slow")
        self.hub.commit("acme/slow", {"big.safetensors": {"generate": {"size": 96 << 20, "seed": 4}, "lfs": True}})
        # 96 MiB at 12 MiB/s per connection: several seconds whatever the number of connections.
        self.hub.fault("throttle", origin="cdn", count=-1, rate=12 << 20)
        result = self.fetch("acme/slow")
        self.assertExit(result, 0)
        lines = result.stderr.splitlines()
        self.assertIn("hubdeps: downloading big.safetensors (96.0 MiB)", lines)
        steps = [line for line in lines if line.startswith("hubdeps: big.safetensors: ") and "%" in line]
        self.assertGreaterEqual(len(steps), 2, result.stderr)
        percents = [int(line.split(": ")[2].split("%")[0]) for line in steps]
        self.assertEqual(percents, sorted(percents))
        self.assertTrue(all(0 < p < 100 for p in percents), percents)

    def test_a_retry_is_told_with_its_reason_and_pause(self):
        self.hub.create_repo("acme/busy")
        self.hub.commit("acme/busy", {"weights.bin": {"generate": {"size": 1 << 20, "seed": 7}, "lfs": True}})
        self.hub.fault("status", origin="cdn", count=1, status=503, retry_after=1)
        result = self.fetch("acme/busy")
        self.assertExit(result, 0)
        notes = [line for line in result.stderr.splitlines() if line.startswith("hubdeps: retrying to ")]
        self.assertEqual(len(notes), 1, result.stderr)
        self.assertIn("weights.bin", notes[0])
        self.assertIn("in 1.0 s (attempt 2 of 6): HTTP 503", notes[0])


class Interrupted(HubTestCase):
    def test_an_interrupted_fetch_says_that_running_it_again_resumes_and_it_does(self):
        self.hub.create_repo("acme/stop")
        self.hub.commit("acme/stop", {"big.safetensors": {"generate": {"size": 32 << 20, "seed": 6}, "lfs": True}})
        self.hub.fault("throttle", origin="cdn", count=-1, rate=4 << 20)
        env = self.hub.env(cache_dir=self.cache)
        process = subprocess.Popen([HUBDEPS, "fetch", "acme/stop"], env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
        blobs = os.path.join(self.repo_dir("acme/stop"), "blobs")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(
                name.endswith(".incomplete") and os.path.getsize(os.path.join(blobs, name)) > 0
                for name in (os.listdir(blobs) if os.path.isdir(blobs) else [])):
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
        self.assertEqual(process.returncode, -signal.SIGINT, stderr)
        self.assertIn("interrupted", stderr)
        self.assertIn("run the same command again to resume", stderr)
        self.hub.clear_faults()
        again = self.fetch("acme/stop")
        self.assertExit(again, 0)
        self.assert_cache_clean("acme/stop")


if __name__ == "__main__":
    unittest.main()
