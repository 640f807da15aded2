"""`hubdeps fetch` end to end: the real binary, a real local Hub, a real cache folder."""

from __future__ import annotations

import json
import os
import subprocess
import time
import unittest

from support import HUBDEPS, READ_TOKEN, WRITE_TOKEN, OUTSIDER_TOKEN, HubTestCase, TestHub, blob_etag, git_blob_sha1

CONFIG = '{"hidden_size": 64, "num_hidden_layers": 2}\n'


class FetchRevisions(HubTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        hub = cls.hub
        hub.create_repo("acme/tiny")
        cls.first = hub.commit("acme/tiny", {"config.json": CONFIG, "onnx/deep/notes.txt": "deep-bytes",
                                             "model.safetensors": {"generate": {"size": 3 << 20, "seed": 1},
                                                                   "lfs": True}})
        hub.set_ref("acme/tiny", "v1.0", cls.first, kind="tag")
        cls.second = hub.commit("acme/tiny", {"config.json": '{"hidden_size": 128}\n'})
        cls.pr = hub.commit_details("acme/tiny", {"config.json": '{"hidden_size": 256}\n'}, create_pr=True)

    def test_branch_resolves_to_its_newest_commit_and_writes_the_ref(self):
        result = self.fetch("acme/tiny")
        self.assertExit(result, 0)
        out = result.json()
        self.assertEqual(out["commit"], self.second)
        self.assertEqual(out["revision"], "main")
        with open(os.path.join(self.repo_dir("acme/tiny"), "refs", "main")) as f:
            self.assertEqual(f.read(), self.second)  # no trailing newline, like huggingface_hub
        with open(os.path.join(out["snapshot_dir"], "config.json")) as f:
            self.assertEqual(f.read(), '{"hidden_size": 128}\n')

    def test_tag_commit_and_pull_request_revisions(self):
        for revision, commit, hidden in (("v1.0", self.first, 64), (self.first, self.first, 64),
                                         ("refs/pr/1", self.pr["commit"], 256)):
            with self.subTest(revision=revision):
                result = self.fetch("acme/tiny", "--revision", revision, "--include", "config.json")
                self.assertExit(result, 0)
                self.assertEqual(result.json()["commit"], commit)
                with open(os.path.join(result.json()["snapshot_dir"], "config.json")) as f:
                    self.assertEqual(json.load(f)["hidden_size"], hidden)
        self.assertTrue(os.path.isfile(os.path.join(self.repo_dir("acme/tiny"), "refs", "refs", "pr", "1")))
        self.assertFalse(os.path.exists(os.path.join(self.repo_dir("acme/tiny"), "refs", self.first)))

    def test_stdout_is_the_snapshot_folder_without_json(self):
        result = self.run_hubdeps("fetch", "acme/tiny", "--include", "config.json")
        self.assertExit(result, 0)
        self.assertEqual(result.stdout, os.path.join(self.repo_dir("acme/tiny"), "snapshots", self.second) + "\n")

    def test_json_describes_every_file_with_its_hash(self):
        result = self.fetch("acme/tiny", "--revision", "v1.0")
        self.assertExit(result, 0)
        files = {f["path"]: f for f in result.json()["files"]}
        self.assertEqual(set(files), {".gitattributes", "config.json", "onnx/deep/notes.txt", "model.safetensors"})
        model = files["model.safetensors"]
        self.assertTrue(model["lfs"])
        self.assertEqual(model["size"], 3 << 20)
        self.assertEqual(model["sha256"], blob_etag(self.hub.object_path(model["sha256"]), True))
        self.assertEqual(files["config.json"], {"path": "config.json", "size": len(CONFIG), "lfs": False,
                                                "git_sha1": git_blob_sha1(CONFIG.encode())})

    def test_nested_paths_are_relative_symlinks_of_the_right_depth(self):
        result = self.fetch("acme/tiny", "--revision", "v1.0")
        self.assertExit(result, 0)
        link = os.path.join(result.json()["snapshot_dir"], "onnx", "deep", "notes.txt")
        self.assertEqual(os.readlink(link), "../../../../blobs/" + git_blob_sha1(b"deep-bytes"))
        with open(link) as f:
            self.assertEqual(f.read(), "deep-bytes")
        top = os.path.join(result.json()["snapshot_dir"], "config.json")
        self.assertEqual(os.readlink(top), "../../blobs/" + git_blob_sha1(CONFIG.encode()))

    def test_include_and_exclude_select_like_allow_and_ignore_patterns(self):
        cases = [(["--include", "*.json"], {"config.json"}),
                 (["--include", "onnx/"], {"onnx/deep/notes.txt"}),
                 (["--exclude", "*.safetensors", "--exclude", ".git*"], {"config.json", "onnx/deep/notes.txt"}),
                 (["--include", "*", "--exclude", "onnx/"], {".gitattributes", "config.json", "model.safetensors"})]
        for args, expected in cases:
            with self.subTest(args=args):
                result = self.fetch("acme/tiny", "--revision", "v1.0", *args)
                self.assertExit(result, 0)
                self.assertEqual({f["path"] for f in result.json()["files"]}, expected)
                present = set()
                for root, _, names in os.walk(result.json()["snapshot_dir"]):
                    present |= {os.path.relpath(os.path.join(root, n), result.json()["snapshot_dir"]) for n in names}
                self.assertTrue(expected <= present)

    def test_a_cached_pinned_commit_costs_zero_requests(self):
        self.assertExit(self.fetch("acme/tiny", "--revision", self.first), 0)
        self.hub.clear_log()
        again = self.fetch("acme/tiny", "--revision", self.first)
        self.assertExit(again, 0)
        self.assertEqual(self.hub.log(), [])

    def test_files_already_cached_are_not_downloaded_again(self):
        self.assertExit(self.fetch("acme/tiny", "--revision", "v1.0"), 0)
        self.hub.clear_log()
        self.assertExit(self.fetch("acme/tiny", "--revision", "v1.0"), 0)
        paths = [e["path"] for e in self.hub.log()]
        self.assertEqual(len(paths), 1, paths)  # the one listing call; no file transfer
        self.assertIn("/api/models/acme/tiny/revision/v1.0", paths[0])

    def test_one_listing_call_then_one_get_per_file(self):
        self.hub.clear_log()
        self.assertExit(self.fetch("acme/tiny", "--revision", "v1.0"), 0)
        hub_requests = self.hub.log(origin="hub")
        self.assertEqual(sum("/api/" in e["path"] for e in hub_requests), 1, hub_requests)
        self.assertFalse(any(e["method"] == "HEAD" for e in self.hub.log()))
        resolves = [e for e in hub_requests if "/resolve/" in e["path"]]
        self.assertEqual(len(resolves), 4)
        self.assertEqual(len(self.hub.log(origin="cdn")), 1)  # the LFS file, once

    def test_missing_repo_revision_and_file_exit_3_naming_them(self):
        missing_repo = self.fetch("acme/nope", token=READ_TOKEN)
        self.assertExit(missing_repo, 3)
        self.assertIn("acme/nope", missing_repo.stderr)
        # Without a token the Hub answers 401 for a missing repo and a private one alike.
        anonymous = self.fetch("acme/nope")
        self.assertExit(anonymous, 4)
        self.assertIn("HF_TOKEN", anonymous.stderr)
        missing_revision = self.fetch("acme/tiny", "--revision", "v9")
        self.assertExit(missing_revision, 3)
        self.assertIn("v9", missing_revision.stderr)
        missing_file = self.fetch("acme/tiny", "--include", "tokenizer.json")
        self.assertExit(missing_file, 3)
        self.assertIn("tokenizer.json", missing_file.stderr)
        marker = os.path.join(self.repo_dir("acme/tiny"), ".no_exist", self.second, "tokenizer.json")
        self.assertTrue(os.path.isfile(marker))

    def test_invalid_input_is_rejected_before_any_request(self):
        self.hub.clear_log()
        for args in (["../etc"], ["acme/tiny", "--revision", "../../x"], ["a--b/c"], ["acme/tiny", "--jobs", "0"],
                     ["acme/tiny", "--repo-type", "models"]):
            with self.subTest(args=args):
                self.assertExit(self.run_hubdeps("fetch", *args), 2)
        self.assertEqual(self.hub.log(), [])

    def test_offline_answers_from_the_cache_and_names_what_is_missing(self):
        self.assertExit(self.fetch("acme/tiny", "--revision", "v1.0", "--include", "*.json"), 0)
        self.hub.clear_log()
        hit = self.fetch("acme/tiny", "--revision", "v1.0", "--include", "*.json", "--offline")
        self.assertExit(hit, 0)
        self.assertEqual(hit.json()["commit"], self.first)
        env_hit = self.fetch("acme/tiny", "--revision", "v1.0", "--include", "*.json", env={"HF_HUB_OFFLINE": "1"})
        self.assertExit(env_hit, 0)
        miss_file = self.fetch("acme/tiny", "--revision", "v1.0", "--offline")
        self.assertExit(miss_file, 8)
        self.assertIn("model.safetensors", miss_file.stderr)
        miss_ref = self.fetch("acme/tiny", "--revision", "main", env={"HF_HUB_OFFLINE": "1"})
        self.assertExit(miss_ref, 8)
        self.assertEqual(self.hub.log(), [])


class FetchAccess(HubTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub.create_repo("tester/secret", private=True)
        cls.hub.commit("tester/secret", {"config.json": CONFIG})
        cls.hub.create_repo("acme/gated", gated=True, gated_access=[READ_TOKEN])
        cls.hub.commit("acme/gated", {"config.json": CONFIG})
        cls.hub.create_repo("acme/data", type="dataset")
        cls.hub.commit("acme/data", {"data/train/part-0.csv": "a,b\n1,2\n", "data/test/part-0.csv": "a,b\n3,4\n"},
                       type="dataset")
        cls.hub.create_repo("acme/big")
        cls.big = cls.hub.commit_details("acme/big", {"model.safetensors": {"generate": {"size": 8 << 20, "seed": 7},
                                                                            "lfs": True}})

    def test_private_repo_needs_a_token(self):
        without = self.fetch("tester/secret")
        self.assertExit(without, 4)
        self.assertIn("HF_TOKEN", without.stderr)
        self.assertExit(self.fetch("tester/secret", token=WRITE_TOKEN), 0)

    def test_a_token_file_works_like_hf_token(self):
        token_file = os.path.join(self.work, "token")
        with open(token_file, "w") as f:
            f.write(WRITE_TOKEN + "\n")
        self.assertExit(self.fetch("tester/secret", env={"HF_TOKEN_PATH": token_file}), 0)

    def test_bad_token_is_access_denied(self):
        result = self.fetch("tester/secret", token="hf_not_a_real_token")
        self.assertExit(result, 4)
        self.assertNotIn("hf_not_a_real_token", result.stderr + result.stdout)

    def test_gated_repo_says_to_accept_its_conditions(self):
        without = self.fetch("acme/gated")
        self.assertExit(without, 4)
        self.assertIn("acme/gated", without.stderr)
        self.assertIn("conditions", without.stderr)
        self.assertExit(self.fetch("acme/gated", token=OUTSIDER_TOKEN), 4)
        self.assertExit(self.fetch("acme/gated", token=READ_TOKEN), 0)

    def test_datasets_use_their_own_cache_folder_and_urls(self):
        result = self.fetch("acme/data", "--repo-type", "dataset", "--include", "data/train/")
        self.assertExit(result, 0)
        self.assertEqual([f["path"] for f in result.json()["files"]], ["data/train/part-0.csv"])
        self.assertTrue(result.json()["snapshot_dir"].startswith(self.repo_dir("acme/data", "dataset")))
        self.assertTrue(any(e["path"].startswith("/datasets/acme/data/resolve/") for e in self.hub.log()))

    def test_the_token_never_reaches_the_cdn(self):
        self.hub.clear_log()
        self.assertExit(self.fetch("acme/big", token=WRITE_TOKEN), 0)
        hub_calls = self.hub.log(origin="hub")
        self.assertTrue(hub_calls and all(e["authorization"] for e in hub_calls))
        cdn_calls = self.hub.log(origin="cdn")
        self.assertTrue(cdn_calls)
        self.assertFalse(any(e["authorization"] for e in cdn_calls))

    def test_a_redirect_to_a_foreign_host_gets_no_token(self):
        self.hub.fault("redirect_foreign", origin="hub", path="/resolve/", count=1)
        self.hub.clear_log()
        self.fetch("acme/big", token=WRITE_TOKEN)  # the foreign host serves nothing useful
        foreign = self.hub.log(origin="foreign")
        self.assertTrue(foreign, "the redirect was not followed")
        self.assertFalse(any(e["authorization"] for e in foreign))
        self.assert_cache_clean("acme/big")

    def test_an_interrupted_download_resumes_with_range(self):
        sha = self.big["files"]["model.safetensors"]["sha256"]
        self.hub.fault("drop_after_bytes", origin="cdn", bytes=3 << 20, count=1)
        self.hub.clear_log()
        result = self.fetch("acme/big")
        self.assertExit(result, 0)
        cdn = self.hub.log(origin="cdn")
        self.assertEqual(len(cdn), 2, cdn)
        self.assertEqual(cdn[1]["range"], "bytes=%d-" % (3 << 20))
        self.assertLess(sum(e["bytes_sent"] for e in cdn), (8 << 20) + (1 << 20))
        blob = os.path.join(self.repo_dir("acme/big"), "blobs", sha)
        self.assertEqual(blob_etag(blob, True), sha)

    def test_server_errors_are_retried_honouring_retry_after(self):
        self.hub.fault("status", origin="hub", path="/api/", status=503, count=2)
        self.hub.fault("status", origin="cdn", status=429, retry_after=1, count=1)
        self.hub.clear_log()
        result = self.fetch("acme/big")
        self.assertExit(result, 0)
        statuses = [e["status"] for e in self.hub.log()]
        self.assertEqual(statuses.count(503), 2)
        self.assertEqual(statuses.count(429), 1)

    def test_persistent_server_failure_exits_5(self):
        self.hub.fault("status", origin="hub", path="/api/", status=500, count=-1)
        result = self.fetch("acme/big", env={"HF_HUB_ETAG_TIMEOUT": "2"})
        self.assertExit(result, 5)
        self.assertIn("500", result.stderr)

    def test_wrong_bytes_exit_6_and_nothing_is_cached(self):
        self.hub.fault("corrupt", origin="cdn", count=-1)
        result = self.fetch("acme/big")
        self.assertExit(result, 6)
        self.assertIn("model.safetensors", result.stderr)
        sha = self.big["files"]["model.safetensors"]["sha256"]
        self.assertFalse(os.path.exists(os.path.join(self.repo_dir("acme/big"), "blobs", sha)))
        self.assert_cache_clean("acme/big")
        snapshot = os.path.join(self.repo_dir("acme/big"), "snapshots", self.big["commit"], "model.safetensors")
        self.assertFalse(os.path.lexists(snapshot))

    def test_a_redirect_loop_is_an_error_not_a_hang(self):
        self.hub.fault("redirect_loop", origin="hub", path="/resolve/", count=-1)
        result = self.fetch("acme/big", timeout=60)
        self.assertExit(result, 5)
        self.assertIn("redirect", result.stderr)

    def test_a_hostile_listing_is_rejected_and_nothing_is_written(self):
        self.hub.fault("hostile_listing", origin="hub", count=1)
        result = self.fetch("acme/big")
        self.assertExit(result, 5)
        self.assertFalse(os.path.exists(os.path.join(self.work, "evil")))
        self.assertFalse(os.path.exists(os.path.join(self.cache, "evil")))


class FetchBehaviour(HubTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub.create_repo("acme/files")
        cls.hub.commit("acme/files", {"config.json": CONFIG, "weights.bin": {"generate": {"size": 4 << 20}, "lfs": True}})

    def test_off_a_terminal_progress_is_a_line_per_file_and_a_summary(self):
        result = self.fetch("acme/files")
        self.assertExit(result, 0)
        self.assertIn("hubdeps: downloaded weights.bin (4.0 MiB)", result.stderr)
        self.assertIn("3 file(s) downloaded, 0 already cached", result.stderr)
        self.assertNotIn("\x1b[", result.stderr)
        again = self.fetch("acme/files")
        self.assertIn("0 file(s) downloaded, 3 already cached", again.stderr)

    def test_quiet_prints_nothing_but_the_result(self):
        result = self.fetch("acme/files", "--quiet")
        self.assertExit(result, 0)
        self.assertEqual(result.stderr, "")
        self.assertEqual(result.json()["repo_id"], "acme/files")

    def test_on_a_terminal_progress_draws_live_bars_with_rate_and_a_total(self):
        import pty
        import subprocess as sp
        primary, secondary = pty.openpty()
        environment = self.hub.env(cache_dir=self.cache)
        self.hub.fault("stall", origin="cdn", seconds=0.6, after_headers=True, count=1)  # keep one bar alive
        process = sp.Popen([os.environ.get("HUBDEPS_BIN", "hubdeps"), "fetch", "acme/files"], env=environment,
                           stdin=sp.DEVNULL, stdout=sp.DEVNULL, stderr=secondary)
        os.close(secondary)
        output = b""
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        process.wait(timeout=60)
        os.close(primary)
        text = output.decode(errors="replace")
        self.assertEqual(process.returncode, 0, text)
        self.assertIn("\x1b[1A", text)     # redrawn in place
        self.assertIn("total", text)
        self.assertIn("/s", text)
        self.assertIn("[", text)

    def test_a_stalled_body_times_out_and_resumes(self):
        import time
        self.hub.fault("stall", origin="cdn", seconds=8, after_headers=True, count=1)
        started = time.monotonic()
        result = self.fetch("acme/files", env={"HF_HUB_DOWNLOAD_TIMEOUT": "1"}, timeout=60)
        elapsed = time.monotonic() - started
        self.assertExit(result, 0)
        # Cut off after ~1 s of silence and resumed, long before the 8 s stall ends.
        self.assertGreater(elapsed, 1.0)
        self.assertLess(elapsed, 6.0)

    def test_a_renamed_repo_is_followed_through_its_relative_redirect(self):
        self.hub.create_repo("acme/old-name")
        commit = self.hub.commit("acme/old-name", {"config.json": CONFIG})
        self.hub.rename("acme/old-name", "acme/new-name")
        result = self.fetch("acme/old-name")
        self.assertExit(result, 0)
        self.assertEqual(result.json()["commit"], commit)
        self.assertTrue(any(e["status"] == 307 for e in self.hub.log()))


class FetchWritesTheModelHeader(HubTestCase):
    """`fetch --header`: what CMake's hf_fetch_model runs, one process per model instead of two."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub.create_repo("acme/header")
        cls.hub.commit("acme/header", {"config.json": CONFIG, "weights.bin": {"generate": {"size": 1 << 20}, "lfs": True}})

    def test_the_header_is_the_one_model_header_writes_from_the_json(self):
        header = os.path.join(self.work, "fetch", "hf", "m.hpp")
        result = self.fetch("acme/header", "--header", header, "--namespace", "hf::m", "--header-config", "config.json")
        self.assertExit(result, 0)
        fetch_json = os.path.join(self.work, "fetch.json")
        with open(fetch_json, "w") as f:
            f.write(result.stdout)
        separate = os.path.join(self.work, "separate.hpp")
        config = os.path.join(result.json()["snapshot_dir"], "config.json")
        made = self.run_hubdeps("model-header", "--fetch-json", fetch_json, "--namespace", "hf::m",
                                "--config", config, "--out", separate)
        self.assertExit(made, 0)
        with open(header) as f, open(separate) as g:
            text = f.read()
            self.assertEqual(text, g.read())
        self.assertIn("hidden_size = 64", text)
        self.assertIn(result.json()["commit"], text)

        before = os.stat(header).st_mtime_ns
        os.utime(header, ns=(before - 10**9, before - 10**9))
        again = self.fetch("acme/header", "--header", header, "--namespace", "hf::m", "--header-config", "config.json")
        self.assertExit(again, 0)
        self.assertEqual(os.stat(header).st_mtime_ns, before - 10**9, "an unchanged header is not rewritten")

    def test_a_config_that_is_not_selected_fails_before_the_download_and_writes_no_header(self):
        header = os.path.join(self.work, "m.hpp")
        self.hub.clear_log()
        result = self.fetch("acme/header", "--include", "*.bin", "--header", header, "--namespace", "hf::m",
                            "--header-config", "config.json")
        self.assertExit(result, 3)
        self.assertEqual(result.stdout, "")  # nothing fetched, nothing described
        self.assertFalse([e for e in self.hub.log() if "/resolve/" in e["path"]])
        self.assertIn("header config 'config.json' is not among the files selected from model 'acme/header'",
                      result.stderr)
        self.assertIn("Selected: weights.bin", result.stderr)
        self.assertFalse(os.path.exists(header))

    def test_header_options_need_each_other(self):
        self.hub.clear_log()
        for args in (("--header", "x.hpp"), ("--namespace", "hf::m"), ("--header-config", "config.json")):
            with self.subTest(args=args):
                result = self.fetch("acme/header", *args)
                self.assertExit(result, 2)
                self.assertIn("requires", result.stderr)
        self.assertEqual(self.hub.log(), [])


class FetchThroughAMirrorPrefix(HubTestCase):
    @classmethod
    def setUpClass(cls):
        cls.hub = TestHub(prefix="/api/hf/remote", prefix_only=True).start()
        cls.hub.create_repo("acme/tiny")
        cls.hub.commit("acme/tiny", {"config.json": CONFIG, "model.safetensors": {"generate": {"size": 1 << 20},
                                                                                  "lfs": True}})

    def test_every_url_is_appended_to_the_endpoint_with_its_path(self):
        self.assertTrue(self.hub.endpoint.endswith("/api/hf/remote"))
        result = self.fetch("acme/tiny")
        self.assertExit(result, 0)
        hub_paths = [e["path"] for e in self.hub.log(origin="hub")]
        self.assertTrue(hub_paths and all(p.startswith("/api/hf/remote/") for p in hub_paths), hub_paths)

    def test_without_the_prefix_nothing_is_found(self):
        self.assertExit(self.fetch("acme/tiny", env={"HF_ENDPOINT": self.hub.hub}), 3)


class FetchAtLowPriority(HubTestCase):
    """--low-priority (the DEFER build step's): the whole download, every thread of it, yields to the compiler."""

    def nice_values_while_downloading(self, *args):
        """The nice value of each thread of a running `hubdeps fetch`, read from /proc mid-download."""
        self.hub.fault("throttle", origin="cdn", count=-1, rate=4 << 20)
        environment = self.hub.env(cache_dir=self.cache)
        process = subprocess.Popen([HUBDEPS, "fetch", "acme/slow", "--quiet", *args], env=environment,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   stdin=subprocess.DEVNULL)
        self.addCleanup(process.kill)
        blobs = os.path.join(self.repo_dir("acme/slow"), "blobs")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the big file's download has started: its threads run
            if os.path.isdir(blobs) and any(n.endswith(".incomplete") for n in os.listdir(blobs)):
                break
            time.sleep(0.02)
        values = {}
        for thread in os.listdir(f"/proc/{process.pid}/task"):
            with open(f"/proc/{process.pid}/task/{thread}/stat") as f:
                # Field 19 is the nice value; the command name (field 2) may hold spaces, so split after it.
                values[thread] = int(f.read().rsplit(")", 1)[1].split()[16])
        process.kill()
        process.wait()
        return values

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub.create_repo("acme/slow")
        cls.hub.commit("acme/slow", {"w.bin": {"generate": {"size": 64 << 20, "seed": 3}, "lfs": True}})

    def setUp(self):
        super().setUp()
        if not os.path.isdir("/proc/self/task"):
            self.skipTest("needs Linux's /proc to read a running process's priority")

    def test_every_thread_of_the_download_runs_below_normal_priority(self):
        values = self.nice_values_while_downloading("--low-priority")
        self.assertGreater(len(values), 1, "the download's worker threads were running")
        self.assertEqual(set(values.values()), {max(5, os.getpriority(os.PRIO_PROCESS, 0))}, values)

    def test_without_it_the_download_keeps_the_callers_priority(self):
        values = self.nice_values_while_downloading()
        self.assertEqual(set(values.values()), {os.getpriority(os.PRIO_PROCESS, 0)}, values)


if __name__ == "__main__":
    unittest.main()
