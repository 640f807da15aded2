"""The pin is a proof: a lockfile that disagrees with the cache or the Hub never passes for a good one.

Each test is a way a real team breaks the promise (a hand edit, a bad merge, a truncated blob, a typo in CI)
and checks what the helper does about it, end to end against the local test Hub.
"""

from __future__ import annotations

import json
import os
import shutil
import unittest

from support import HubTestCase

LOCK_ARGS = ("--lock", "hubdeps.lock")
FAKE_COMMIT = "0123456789abcdef0123456789abcdef01234567"


class PinTrust(HubTestCase):
    def setUp(self):
        super().setUp()
        self.repo = f"acme/{self._testMethodName[-40:].replace('_', '-').strip('-')}"
        self.hub.create_repo(self.repo)
        self.commit = self.hub.commit(self.repo, {
            "config.json": '{"hidden_size": 768, "name": "trust"}\n',
            "model.safetensors": {"generate": {"size": 1 << 20, "seed": 5}, "lfs": True},
        })
        self.lock = os.path.join(self.work, "hubdeps.lock")

    # ---- helpers ----
    def fetch_locked(self, *extra, name="model", **kwargs):
        return self.fetch(self.repo, *LOCK_ARGS, "--name", name, *extra, **kwargs)

    def read_lock(self) -> dict:
        with open(self.lock, encoding="utf-8") as f:
            return json.load(f)

    def write_lock(self, lock: dict):
        with open(self.lock, "w", encoding="utf-8") as f:
            f.write(json.dumps(lock, indent=2, sort_keys=True) + "\n")

    def edit_file_entry(self, path: str, **changes):
        lock = self.read_lock()
        entry = next(f for f in lock["entries"]["model"]["files"] if f["path"] == path)
        entry.update(changes)
        self.write_lock(lock)

    def snapshots(self):
        folder = os.path.join(self.repo_dir(self.repo), "snapshots")
        return sorted(os.listdir(folder)) if os.path.isdir(folder) else []

    def blob_of(self, result, path):
        file = next(f for f in result.json()["files"] if f["path"] == path)
        return os.path.join(self.repo_dir(self.repo), "blobs", file.get("sha256") or file["git_sha1"])

    # ---- a hand-edited commit ----
    def test_a_commit_the_hub_does_not_have_fails_with_exit_7_and_makes_no_snapshot(self):
        self.assertExit(self.fetch_locked(), 0)
        lock = self.read_lock()
        lock["entries"]["model"]["commit"] = FAKE_COMMIT
        self.write_lock(lock)
        for extra in ((), ("--locked",)):
            result = self.fetch_locked(*extra)
            self.assertExit(result, 7)
            self.assertIn(FAKE_COMMIT, result.stderr)
            self.assertIn("hubdeps lock --update model", result.stderr)
            self.assertEqual(self.snapshots(), [self.commit])
        self.assertEqual(self.read_lock()["entries"]["model"]["commit"], FAKE_COMMIT)  # left for the user to fix

    # ---- hand-edited hashes and sizes ----
    def test_a_hand_edited_sha256_over_a_warm_cache_fails_with_exit_7(self):
        self.assertExit(self.fetch_locked(), 0)
        self.edit_file_entry("model.safetensors", sha256="ab" * 32)
        result = self.fetch_locked()
        self.assertExit(result, 7)
        self.assertIn("model.safetensors", result.stderr)
        self.assertIn("ab" * 32, result.stderr)
        self.assertIn("hubdeps lock --update model", result.stderr)

    def test_a_hand_edited_git_sha1_or_size_fails_with_exit_7(self):
        self.assertExit(self.fetch_locked(), 0)
        original = self.read_lock()
        for changes in ({"git_sha1": "cd" * 20}, {"size": 12345}):
            with self.subTest(changes=changes):
                self.write_lock(original)
                self.edit_file_entry("config.json", **changes)
                result = self.fetch_locked()
                self.assertExit(result, 7)
                self.assertIn("config.json", result.stderr)

    def test_a_hand_edited_sha256_over_a_cold_cache_fails_with_exit_7_not_6(self):
        self.assertExit(self.fetch_locked(), 0)
        self.edit_file_entry("model.safetensors", sha256="ab" * 32)
        shutil.rmtree(self.cache)
        result = self.fetch_locked()
        self.assertExit(result, 7)
        self.assertIn("hubdeps lock --update model", result.stderr)
        self.assertNotIn("--repair", result.stderr)

    def test_offline_a_cache_that_disagrees_with_the_lock_fails_with_exit_6_naming_the_file(self):
        self.assertExit(self.fetch_locked(), 0)
        self.edit_file_entry("model.safetensors", sha256="ab" * 32)
        result = self.fetch_locked(env={"HF_HUB_OFFLINE": "1"})
        self.assertExit(result, 6)
        self.assertIn("model.safetensors", result.stderr)

    def test_verify_reports_a_snapshot_that_links_to_another_blob_than_the_lock_names(self):
        self.assertExit(self.fetch_locked(), 0)
        self.edit_file_entry("model.safetensors", sha256="ab" * 32)
        result = self.run_hubdeps("verify", *LOCK_ARGS)
        self.assertExit(result, 6)
        self.assertIn("model.safetensors", result.stderr)

    # ---- a snapshot entry that is a file, not a link ----
    # Where links cannot be made (Windows without the privilege, FAT, Wine) the snapshot holds a copy of the blob,
    # huggingface_hub's fallback; a file can also be put there by hand. Either way it is what the build reads.
    def replace_link_by_file(self, result, path, content: str) -> str:
        entry = os.path.join(result.json()["snapshot_dir"], path)
        os.remove(entry)
        with open(entry, "w", encoding="utf-8") as f:
            f.write(content)
        return entry

    def test_verify_hashes_a_snapshot_file_that_is_not_a_link_and_repair_replaces_only_it(self):
        first = self.fetch_locked()
        self.assertExit(first, 0)
        entry = self.replace_link_by_file(first, "config.json", '{"hidden_size": 1, "name": "evil"}\n')
        result = self.run_hubdeps("verify", *LOCK_ARGS)
        self.assertExit(result, 6)
        self.assertIn("config.json", result.stderr)
        self.assertIn(entry, result.stderr)  # the file found bad, not its (good) blob
        self.assertIn("3 cached file(s) checked, 1 corrupt", result.stdout)
        blob = self.blob_of(first, "config.json")
        blob_inode = os.stat(blob).st_ino
        self.hub.clear_log()
        repaired = self.run_hubdeps("verify", *LOCK_ARGS, "--repair")
        self.assertExit(repaired, 0)
        with open(entry, encoding="utf-8") as f:
            self.assertEqual(f.read(), '{"hidden_size": 768, "name": "trust"}\n')
        self.assertEqual(os.stat(blob).st_ino, blob_inode)  # the good blob was kept, not fetched again
        self.assertFalse([e for e in self.hub.log() if "/resolve/" in e["path"]])
        self.assertExit(self.run_hubdeps("verify", *LOCK_ARGS), 0)

    def test_verify_accepts_a_snapshot_copy_with_the_pinned_bytes_even_without_its_blob(self):
        first = self.fetch_locked()
        self.assertExit(first, 0)
        self.replace_link_by_file(first, "config.json", '{"hidden_size": 768, "name": "trust"}\n')
        os.remove(self.blob_of(first, "config.json"))  # huggingface_hub's fallback may move the blob there
        result = self.run_hubdeps("verify", *LOCK_ARGS, "--json")
        self.assertExit(result, 0)
        self.assertEqual(json.loads(result.stdout), {"checked": 3, "corrupt": [], "not_cached": [],
                                                     "repaired": False})

    # ---- a truncated blob ----
    def test_a_truncated_blob_is_repaired_online_and_refused_offline(self):
        first = self.fetch_locked()
        self.assertExit(first, 0)
        blob = self.blob_of(first, "config.json")
        with open(blob, "r+b") as f:
            f.truncate(19)
        offline = self.fetch_locked(env={"HF_HUB_OFFLINE": "1"})
        self.assertExit(offline, 6)
        self.assertIn("config.json", offline.stderr)
        online = self.fetch_locked()
        self.assertExit(online, 0)
        with open(os.path.join(online.json()["snapshot_dir"], "config.json"), encoding="utf-8") as f:
            self.assertEqual(f.read(), '{"hidden_size": 768, "name": "trust"}\n')
        self.assert_cache_clean(self.repo)

    # ---- a typo in CI checks nothing ----
    def test_verify_and_lock_without_a_lockfile_exit_2(self):
        for args in (("verify",), ("verify", "--lock", "missing.lock"), ("lock", "--update", "--lock", "missing.lock"),
                     ("lock", "--prune", "model", "--lock", "missing.lock")):
            with self.subTest(args=args):
                result = self.run_hubdeps(*args)
                self.assertExit(result, 2)
                self.assertIn("missing.lock" if "missing.lock" in args else "hubdeps.lock", result.stderr)

    def test_verify_repair_fetches_a_file_missing_from_the_cache(self):
        first = self.fetch_locked()
        self.assertExit(first, 0)
        os.remove(self.blob_of(first, "model.safetensors"))
        result = self.run_hubdeps("verify", *LOCK_ARGS, "--repair")
        self.assertExit(result, 0)
        self.assertTrue(os.path.isfile(os.path.join(first.json()["snapshot_dir"], "model.safetensors")))
        self.assertExit(self.run_hubdeps("verify", *LOCK_ARGS), 0)
        self.assert_cache_clean(self.repo)

    # ---- machine-readable results ----
    def test_verify_and_lock_speak_json(self):
        first = self.fetch_locked()
        self.assertExit(first, 0)
        # Not cached at all: the blob and the snapshot's entry (a copy of it where links cannot be made, which
        # verify would find good on its own).
        os.remove(self.blob_of(first, "config.json"))
        os.remove(os.path.join(first.json()["snapshot_dir"], "config.json"))
        found = self.run_hubdeps("verify", *LOCK_ARGS, "--json")
        self.assertExit(found, 0)
        self.assertEqual(json.loads(found.stdout), {"checked": 2, "corrupt": [], "repaired": False,
                                                    "not_cached": [{"entry": "model", "path": "config.json"}]})
        repaired = self.run_hubdeps("verify", *LOCK_ARGS, "--json", "--repair")
        self.assertExit(repaired, 0)
        self.assertEqual(json.loads(repaired.stdout)["not_cached"], [])
        self.assertTrue(json.loads(repaired.stdout)["repaired"])
        moved = self.hub.commit(self.repo, {"config.json": '{"hidden_size": 1}\n'})
        update = self.run_hubdeps("lock", "--update", *LOCK_ARGS, "--json")
        self.assertExit(update, 0)
        self.assertEqual(json.loads(update.stdout)["updated"]["model"],
                         {"old_commit": self.commit, "new_commit": moved, "added": [], "removed": [],
                          "changed": ["config.json"]})
        self.assertExit(self.fetch_locked(name="old"), 0)
        prune = self.run_hubdeps("lock", "--prune", "old", *LOCK_ARGS, "--json")
        self.assertEqual(json.loads(prune.stdout), {"removed": ["old"]})

    # ---- --force ----
    def test_force_downloads_every_selected_file_again(self):
        first = self.fetch_locked()
        self.assertExit(first, 0)
        self.hub.clear_log()
        again = self.fetch_locked("--force")
        self.assertExit(again, 0)
        downloads = {e["path"].rsplit("/", 1)[1] for e in self.hub.log()
                     if "/resolve/" in e["path"] and e["method"] == "GET"}
        self.assertEqual(downloads, {f["path"] for f in first.json()["files"]})
        self.assert_cache_clean(self.repo)

    # ---- cheap checks first ----
    def test_bad_header_arguments_fail_before_any_request_and_write_no_lock(self):
        header = os.path.join(self.work, "model.hpp")
        cases = [
            (("--namespace", "hf::class"), 2),
            (("--namespace", "hf::bad-name"), 2),
            (("--namespace", "hf::ok", "--header-config", "weights.bin"), 2),
            (("--namespace", "hf::ok", "--header-config", "../config.json"), 2),
        ]
        for args, code in cases:
            with self.subTest(args=args):
                self.hub.clear_log()
                result = self.fetch_locked("--header", header, *args)
                self.assertExit(result, code)
                self.assertEqual(self.hub.log(), [])
                self.assertFalse(os.path.exists(self.lock))

    def test_a_header_config_that_is_not_selected_fails_before_downloading(self):
        self.hub.clear_log()
        result = self.fetch_locked("--include", "*.safetensors", "--header", os.path.join(self.work, "m.hpp"),
                                   "--namespace", "hf::m", "--header-config", "config.json")
        self.assertExit(result, 3)
        self.assertIn("config.json", result.stderr)
        self.assertFalse(any(e for e in self.hub.log() if "/resolve/" in e["path"]))
        self.assertFalse(os.path.exists(self.lock))

    def test_a_header_that_cannot_be_generated_writes_no_lock(self):
        self.hub.commit(self.repo, {"broken.json": '{"a": '})
        result = self.fetch_locked("--header", os.path.join(self.work, "m.hpp"), "--namespace", "hf::m",
                                   "--header-config", "broken.json")
        self.assertNotEqual(result.code, 0)
        self.assertIn("broken.json", result.stderr)
        self.assertFalse(os.path.exists(self.lock))

    # ---- paths and the Hub are absolute and explicit ----
    def test_a_relative_cache_is_made_absolute_against_the_working_folder(self):
        result = self.fetch(self.repo, env={"HF_HUB_CACHE": "relative-cache"})
        self.assertExit(result, 0)
        out = result.json()
        expected = os.path.join(self.work, "relative-cache")
        self.assertEqual(out["cache_dir"], expected)
        self.assertTrue(out["snapshot_dir"].startswith(expected + os.sep), out["snapshot_dir"])
        self.assertIn("relative-cache", result.stderr)

    def test_the_json_names_the_endpoint_and_endpoint_overrides_hf_endpoint(self):
        result = self.fetch(self.repo, "--endpoint", self.hub.endpoint + "/",
                            env={"HF_ENDPOINT": "http://127.0.0.1:9"})
        self.assertExit(result, 0)
        self.assertEqual(result.json()["endpoint"], self.hub.endpoint)
        self.assertEqual(result.json()["cache_dir"], self.cache)

    # ---- lock --prune ----
    def test_lock_prune_removes_the_named_entries_only(self):
        self.assertExit(self.fetch_locked(name="keep"), 0)
        self.assertExit(self.fetch_locked(name="old"), 0)
        result = self.run_hubdeps("lock", "--prune", "old", *LOCK_ARGS)
        self.assertExit(result, 0)
        self.assertIn("old", result.stdout)
        self.assertEqual(sorted(self.read_lock()["entries"]), ["keep"])
        self.assertExit(self.run_hubdeps("lock", "--prune", "nope", *LOCK_ARGS), 2)
        self.assertExit(self.run_hubdeps("lock", "--prune", *LOCK_ARGS), 2)
        self.assertEqual(sorted(self.read_lock()["entries"]), ["keep"])

    # ---- hints ----
    def test_a_dataset_fetched_as_a_model_gets_a_hint(self):
        self.hub.create_repo("acme/a-dataset", type="dataset")
        result = self.fetch("acme/a-dataset")
        self.assertIn(result.code, (3, 4))
        self.assertIn("--repo-type dataset", result.stderr)

    def test_a_literal_include_naming_a_folder_gets_a_hint(self):
        self.hub.commit(self.repo, {"onnx/model.onnx": "x", "onnx/config.json": "{}"})
        result = self.fetch(self.repo, "--include", "onnx")
        self.assertExit(result, 3)
        self.assertIn("'onnx/'", result.stderr)

    def test_the_offline_error_names_what_made_it_offline(self):
        flag = self.fetch(self.repo, "--offline")
        self.assertExit(flag, 8)
        self.assertIn("--offline", flag.stderr)
        self.assertNotIn("HF_HUB_OFFLINE", flag.stderr)
        env = self.fetch(self.repo, env={"HF_HUB_OFFLINE": "1"})
        self.assertExit(env, 8)
        self.assertIn("HF_HUB_OFFLINE", env.stderr)


if __name__ == "__main__":
    unittest.main()
