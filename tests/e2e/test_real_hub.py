"""The Hub as it really is (issue #15): the real `hubdeps` binary against the local test Hub with the switches that
model how huggingface.co and its mirrors differ from the protocol as documented (tests/hub/README.md, "The Hub as it
really is"): a revision answer whose file list is cut short, mirrors that ignore `Range` or drop its headers or gzip
API answers, and errors with the Hub's own headers and texts."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import unittest

from support import READ_TOKEN, HubTestCase, blob_etag

MiB = 1 << 20
SWITCHES_OFF = {"siblings_limit": -1, "mirror_ignore_range": 0, "mirror_omit_range_headers": 0, "gzip_api": 0,
                "real_hub_errors": 0, "omit_error_message": 0, "tree_page_size": 1000}


class RealHubCase(HubTestCase):
    def setUp(self):
        super().setUp()
        self.hub.set_config(**SWITCHES_OFF)
        self.addCleanup(self.hub.set_config, **SWITCHES_OFF)
        self.hub.clear_log()

    def api_calls(self, action):
        return [e for e in self.hub.log(origin="hub") if f"/{action}/" in e["path"] and e["path"].startswith("/api/")]


class LargeListings(RealHubCase):
    """A 2,500-file dataset: the revision answer's siblings are not trusted past 1,000 files or when empty, and
    the tree listing of the resolved commit, page by page, gives every file; the snapshot and the lock are
    complete, or the fetch fails."""

    FILES = 2500
    REPO = "acme/many-files"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub.create_repo(cls.REPO, type="dataset")
        files = {f"data/part-{i // 100:02d}/row-{i:05d}.txt": f"row {i}\n" for i in range(cls.FILES)}
        files["weights/big.bin"] = {"generate": {"size": 2 * MiB, "seed": "many"}, "lfs": True}
        cls.details = cls.hub.commit_details(cls.REPO, files, type="dataset")
        cls.commit = cls.details["commit"]
        cls.all_paths = sorted([*files, ".gitattributes"])

    def fetch_locked(self, *args):
        lock = os.path.join(self.work, "hubdeps.lock")
        started = time.monotonic()
        result = self.fetch(self.REPO, "--repo-type", "dataset", "--lock", lock, "--name", "many", *args, timeout=600)
        return result, time.monotonic() - started, lock

    def assert_complete(self, result, lock):
        self.assertExit(result, 0)
        out = result.json()
        self.assertEqual(out["commit"], self.commit)
        self.assertEqual([f["path"] for f in out["files"]], self.all_paths)
        with open(lock) as f:
            entry = json.load(f)["entries"]["many"]
        self.assertEqual(entry["commit"], self.commit)
        self.assertEqual([f["path"] for f in entry["files"]], self.all_paths)
        big = next(f for f in entry["files"] if f["path"] == "weights/big.bin")
        self.assertEqual(big["sha256"], self.details["files"]["weights/big.bin"]["sha256"])
        snapshot = out["snapshot_dir"]
        on_disk = sorted(os.path.relpath(os.path.join(root, name), snapshot).replace(os.sep, "/")
                         for root, _, names in os.walk(snapshot) for name in names)
        self.assertEqual(on_disk, self.all_paths)
        with open(os.path.join(snapshot, "data", "part-24", "row-02499.txt")) as f:
            self.assertEqual(f.read(), "row 2499\n")
        self.assert_cache_clean(self.REPO, "dataset")
        # The listing cached for the Python client is complete too.
        with open(os.path.join(self.repo_dir(self.REPO, "dataset"), "trees", self.commit + ".json")) as f:
            self.assertEqual(sorted(json.load(f)["files"]), self.all_paths)

    def test_siblings_cut_to_1000_are_completed_from_the_tree_pages_of_the_commit(self):
        self.hub.set_config(siblings_limit=1000)
        result, elapsed, lock = self.fetch_locked()
        self.assert_complete(result, lock)
        pages = self.api_calls("tree")
        self.assertEqual(len(pages), 3)  # 2,502 entries of files, plus the folders, 1,000 a page
        # By commit, so a branch moving between the pages cannot mix two trees.
        self.assertTrue(all(f"/tree/{self.commit}" in e["path"] for e in pages), pages)
        self.assertEqual(len(self.api_calls("revision")), 1)
        print(f"\n  2,501 files fetched from a cut-down listing in {elapsed:.1f} s", end=" ")
        self.assertLess(elapsed, 120)

    def test_an_empty_siblings_list_is_not_taken_for_an_empty_repo(self):
        self.hub.set_config(siblings_limit=0)
        result, _, lock = self.fetch_locked("--include", "data/part-07/*")
        self.assertExit(result, 0)
        self.assertEqual(len(result.json()["files"]), 100)
        with open(lock) as f:
            self.assertEqual(len(json.load(f)["entries"]["many"]["files"]), 100)

    def test_a_complete_list_of_2500_siblings_is_still_checked_against_the_tree(self):
        result, _, lock = self.fetch_locked()
        self.assert_complete(result, lock)
        self.assertEqual(len(self.api_calls("tree")), 3)

    def test_listing_overhead_stays_small(self):
        # Every blob cached: what is left is the listing (one revision call and three tree pages).
        self.hub.set_config(siblings_limit=1000)
        self.assertExit(self.fetch_locked()[0], 0)
        os.remove(os.path.join(self.work, "hubdeps.lock"))
        started = time.monotonic()
        again = self.fetch(self.REPO, "--repo-type", "dataset", timeout=300)
        elapsed = time.monotonic() - started
        self.assertExit(again, 0)
        self.assertEqual(len(again.json()["files"]), len(self.all_paths))
        print(f"\n  listing and proving 2,501 cached files: {elapsed:.2f} s", end=" ")
        self.assertLess(elapsed, 20)

    def test_a_hub_without_the_tree_listing_fails_the_fetch_and_writes_nothing(self):
        self.hub.set_config(siblings_limit=1000)
        self.hub.fault("status", origin="hub", path="/tree/", status=404, message="Not Found", count=-1)
        result, _, lock = self.fetch_locked()
        self.assertExit(result, 5)
        self.assertIn("/tree/", result.stderr)
        self.assertIn("nothing was downloaded", result.stderr)
        self.assertFalse(os.path.exists(lock))
        self.assertFalse(os.path.exists(os.path.join(self.repo_dir(self.REPO, "dataset"), "snapshots")))

    def test_a_small_repo_needs_one_listing_call(self):
        self.hub.create_repo("acme/few-files")
        self.hub.commit("acme/few-files", {"a.txt": "a\n", "b.txt": "b\n"})
        self.assertExit(self.fetch("acme/few-files"), 0)
        self.assertEqual(self.api_calls("tree"), [])


class Mirrors(RealHubCase):
    """Artifactory, Nexus and hf-mirror style mirrors: the download completes, verified, without fetching a file
    several times over, and the progress says what really happened."""

    REPO = "acme/mirrored"
    SIZE = 80 * MiB  # over the 64 MiB from which hubdeps downloads a file as parallel ranges

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub.create_repo(cls.REPO)
        cls.details = cls.hub.commit_details(cls.REPO, {
            "config.json": '{"hidden_size": 8}\n',
            "model.safetensors": {"generate": {"size": cls.SIZE, "seed": "mirror"}, "lfs": True},
            "small.bin": {"generate": {"size": 8 * MiB, "seed": "mirror-small"}, "lfs": True}})
        cls.weights = cls.details["files"]["model.safetensors"]

    def bytes_sent(self, path_part):
        return sum(e["bytes_sent"] for e in self.hub.log() if path_part in e["path"] and e["method"] == "GET")

    def assert_verified_download(self, result):
        self.assertExit(result, 0)
        path = os.path.join(result.json()["snapshot_dir"], "model.safetensors")
        self.assertEqual(blob_etag(os.path.realpath(path), True), self.weights["sha256"])
        self.assert_cache_clean(self.REPO)

    def test_a_mirror_that_ignores_range_is_read_once_not_once_per_range(self):
        self.hub.set_config(mirror_ignore_range=1)
        result = self.fetch(self.REPO)
        self.assert_verified_download(result)
        # One whole body (plus at most what was in flight when the parallel ranges were dropped).
        self.assertLess(self.bytes_sent(self.weights["sha256"]), 2 * self.SIZE)

    def test_an_interrupted_download_from_a_mirror_that_ignores_range_starts_over_and_completes(self):
        self.hub.set_config(mirror_ignore_range=1)
        self.hub.fault("drop_after_bytes", origin="cdn", bytes=5 * MiB)
        result = self.fetch(self.REPO)
        self.assert_verified_download(result)
        self.assertLess(self.bytes_sent(self.weights["sha256"]), 3 * self.SIZE)

    def test_a_mirror_without_accept_ranges_or_content_range(self):
        self.hub.set_config(mirror_omit_range_headers=1)
        result = self.fetch(self.REPO)
        self.assert_verified_download(result)
        # A 206 of exactly the length asked for is taken without its Content-Range: parallel ranges, no byte twice.
        self.assertEqual(self.bytes_sent(self.weights["sha256"]), self.SIZE)
        self.assertTrue(any(e["status"] == 206 for e in self.hub.log(origin="cdn")))

    def test_a_download_resumed_from_a_mirror_without_content_range_completes_verified(self):
        # One stream (under 64 MiB), cut after 3 MiB, resumed with Range: the 206 carries no Content-Range.
        self.hub.set_config(mirror_omit_range_headers=1)
        self.hub.fault("drop_after_bytes", origin="cdn", bytes=3 * MiB)
        result = self.fetch(self.REPO, "--include", "small.bin")
        self.assertExit(result, 0)
        small = self.details["files"]["small.bin"]
        path = os.path.realpath(os.path.join(result.json()["snapshot_dir"], "small.bin"))
        self.assertEqual(blob_etag(path, True), small["sha256"])
        served = [e for e in self.hub.log(origin="cdn") if small["sha256"] in e["path"]]
        self.assertEqual(len(served), 2, served)  # the cut, then the rest: no byte twice
        self.assertEqual(sum(e["bytes_sent"] for e in served), small["size"], served)

    def test_a_mirror_that_gzips_api_answers(self):
        self.hub.set_config(gzip_api=1)
        result = self.fetch(self.REPO)
        self.assert_verified_download(result)
        self.assertEqual(len(result.json()["files"]), 4)
        # Errors come gzipped too, and still say what is wrong.
        missing = self.fetch(self.REPO, "--revision", "no-such-branch")
        self.assertExit(missing, 3)
        self.assertIn("no-such-branch", missing.stderr)

    def test_progress_says_each_file_and_byte_once_on_mirrors(self):
        for switch in ("mirror_ignore_range", "mirror_omit_range_headers"):
            with self.subTest(switch=switch):
                self.hub.set_config(**{**SWITCHES_OFF, switch: 1})
                shutil.rmtree(self.cache, ignore_errors=True)
                result = self.fetch(self.REPO, "--include", "model.safetensors")
                self.assert_verified_download(result)
                # Off a terminal: a start line, lines at 10% steps, a done line, a summary; the parallel ranges
                # the mirror refused and the one stream that replaced them are one download to the reader.
                lines = result.stderr.splitlines()
                self.assertEqual(lines.count("hubdeps: downloading model.safetensors (80.0 MiB)"), 1, lines)
                self.assertEqual(lines.count("hubdeps: downloaded model.safetensors (80.0 MiB)"), 1, lines)
                for line in lines:
                    step = re.search(r": (\d+)% \(([\d.]+) MiB / 80.0 MiB", line)
                    if step:
                        self.assertLessEqual(int(step.group(1)), 100, line)
                        self.assertLessEqual(float(step.group(2)), 80.0, line)
                self.assertIn("1 file(s) downloaded, 0 already cached, 80.0 MiB in", lines[-1])


class ErrorsAsTheHubSendsThem(RealHubCase):
    """X-Error-Code and X-Error-Message read as huggingface_hub's hf_raise_for_status reads them, with the Hub's
    texts and lower-case header names, so the exit code and message are right on the real Hub."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub.create_repo("acme/errors")
        cls.commit = cls.hub.commit("acme/errors", {"config.json": "{}\n"})
        cls.hub.create_repo("acme/gated-errors", gated="manual", gated_access=[])
        cls.hub.commit("acme/gated-errors", {"config.json": "{}\n"})

    def setUp(self):
        super().setUp()
        self.hub.set_config(real_hub_errors=1)

    def test_a_missing_repo_without_a_token_says_missing_or_private(self):
        result = self.fetch("acme/no-such-repo")
        self.assertExit(result, 4)
        self.assertIn("acme/no-such-repo", result.stderr)
        self.assertIn("HF_TOKEN", result.stderr)

    def test_a_missing_repo_with_a_token_is_not_found(self):
        result = self.fetch("acme/no-such-repo", token=READ_TOKEN)
        self.assertExit(result, 3)
        self.assertIn("acme/no-such-repo", result.stderr)

    def test_a_missing_revision_is_not_found_and_named(self):
        result = self.fetch("acme/errors", "--revision", "no-such-branch")
        self.assertExit(result, 3)
        self.assertIn("revision 'no-such-branch'", result.stderr)

    def test_a_missing_file_is_not_found_and_named(self):
        result = self.fetch("acme/errors", "--include", "missing.json")
        self.assertExit(result, 3)
        self.assertIn("missing.json", result.stderr)

    def test_a_gated_repo_says_where_to_accept_its_conditions(self):
        result = self.fetch("acme/gated-errors")
        self.assertExit(result, 4)
        self.assertIn("gated", result.stderr)
        self.assertIn("/acme/gated-errors", result.stderr)

    def test_an_invalid_token_is_named_as_the_cause(self):
        result = self.fetch("acme/errors", token="hf_not_a_real_token")
        self.assertExit(result, 4)
        self.assertIn("token", result.stderr)
        self.assertNotIn("hf_not_a_real_token", result.stderr)

    def test_a_renamed_repo_is_followed_with_gzip_and_real_errors_on(self):
        self.hub.set_config(gzip_api=1)
        self.hub.create_repo("acme/old-errors")
        commit = self.hub.commit("acme/old-errors", {"config.json": "{}\n"})
        self.hub.rename("acme/old-errors", "acme/new-errors")
        result = self.fetch("acme/old-errors")
        self.assertExit(result, 0)
        self.assertEqual(result.json()["commit"], commit)
        self.assertTrue(any(e["status"] == 307 for e in self.hub.log()))


class ErrorsWithoutTheMessageHeader(RealHubCase):
    """A proxy or mirror that drops X-Error-Message: the message is read from the body, as hf_raise_for_status
    reads it (JSON "error", or plain text), so the exit code, the advice and the Hub's words still reach the user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub.create_repo("acme/quiet-errors")
        cls.hub.commit("acme/quiet-errors", {"config.json": "{}\n"})
        cls.hub.create_repo("acme/quiet-disabled")
        cls.hub.commit("acme/quiet-disabled", {"config.json": "{}\n"})
        cls.hub.update_repo("acme/quiet-disabled", disabled=True)

    def setUp(self):
        super().setUp()
        self.hub.set_config(omit_error_message=1)

    def test_an_invalid_token_is_named_from_the_json_body(self):
        result = self.fetch("acme/quiet-errors", token="hf_not_a_real_token")
        self.assertExit(result, 4)
        self.assertIn("rejected the token", result.stderr)
        self.assertNotIn("hf_not_a_real_token", result.stderr)

    def test_a_disabled_repo_is_named_from_the_json_body_and_from_a_plain_text_one(self):
        for real in (0, 1):  # JSON {"error"}; the Hub's plain text outside /api/
            with self.subTest(real_hub_errors=real):
                self.hub.set_config(real_hub_errors=real)
                result = self.fetch("acme/quiet-disabled")
                self.assertExit(result, 4)
                self.assertIn("has been disabled on the Hub", result.stderr)

    def test_the_hubs_words_reach_the_user(self):
        self.hub.fault("status", origin="hub", path="/revision/", status=400,
                       message="Revision names cannot contain '..' (checked by the mirror)")
        result = self.fetch("acme/quiet-errors")
        self.assertNotEqual(result.code, 0)
        self.assertIn("Revision names cannot contain '..' (checked by the mirror)", result.stderr)
        self.assertTrue(any(e["status"] == 400 for e in self.hub.log()))


if __name__ == "__main__":
    unittest.main()
