"""`hubdeps push` end to end: the real binary pushes real files to the local Hub, and what arrives is checked
on the Hub's side (its refs, commits, listings and request log) and read back with `hubdeps fetch` and with the
official JS client @huggingface/hub.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request

import yaml

from support import HUBDEPS, OUTSIDER_TOKEN, READ_TOKEN, WRITE_TOKEN, HubTestCase, git_blob_sha1

INTEROP_DIR = os.environ.get("HUBDEPS_INTEROP_DIR", "")
NODE = os.environ.get("HUBDEPS_NODE") or shutil.which("node") or "node"
# Small, so a test file goes multipart without being large (the Hub's defaults are 16 MiB / 8 MiB).
MULTIPART_THRESHOLD = 500_000
CHUNK_SIZE = 200_000
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def sha256_of(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def card_metadata(text: str) -> dict:
    """The YAML header of a model card, parsed the way the Hub's Python tooling parses it."""
    match = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    assert match, f"no metadata block in:\n{text}"
    return yaml.safe_load(match.group(1))


class PushTestCase(HubTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub.set_config(multipart_threshold=MULTIPART_THRESHOLD, multipart_chunk_size=CHUNK_SIZE)

    def setUp(self):
        super().setUp()
        # No token file from the developer's own HF_HOME: a test's token is only the one it passes.
        self.home = os.path.join(self.work, "hf-home")
        os.makedirs(self.home)

    def artifact(self, files: dict, name: str = "artifact") -> str:
        """A folder holding `files` ({relative path: str | bytes})."""
        folder = os.path.join(self.work, name)
        for relative, content in files.items():
            path = os.path.join(folder, relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(content.encode() if isinstance(content, str) else content)
        return folder

    def push(self, repo: str, *args: str, token: str | None = WRITE_TOKEN, json_output: bool = True, **kwargs):
        env = {"HF_HOME": self.home, **kwargs.pop("env", {})}
        extra = ("--json",) if json_output else ()
        return self.run_hubdeps("push", repo, *args, *extra, token=token, env=env, **kwargs)

    def api(self, path: str, *, token: str | None = WRITE_TOKEN, body=None):
        request = urllib.request.Request(f"{self.hub.endpoint}{path}", method="POST" if body is not None else "GET",
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Content-Type": "application/json",
                                                  **({"Authorization": f"Bearer {token}"} if token else {})})
        with _OPENER.open(request, timeout=30) as answer:
            return json.load(answer)

    def head(self, repo: str, branch: str = "main") -> str:
        return self.hub.refs(repo)["branches"][branch]

    def commits(self, repo: str, revision: str = "main") -> list:
        return self.api(f"/api/models/{repo}/commits/{revision}")

    def tree(self, repo: str, revision: str) -> dict:
        """{path: git blob id, or SHA-256 for LFS files} at a revision, from the Hub's listing."""
        listing = self.api(f"/api/models/{repo}/revision/{revision}?blobs=true")
        return {s["rfilename"]: s["lfs"]["sha256"] if "lfs" in s else s["blobId"] for s in listing["siblings"]}

    def hub_file(self, repo: str, revision: str, path: str) -> bytes:
        request = urllib.request.Request(f"{self.hub.endpoint}/{repo}/resolve/{revision}/{path}",
                                         headers={"Authorization": f"Bearer {WRITE_TOKEN}"})
        with _OPENER.open(request, timeout=30) as answer:
            return answer.read()

    def local_ids(self, folder: str, lfs: set) -> dict:
        """What the Hub must list for each file of a local folder."""
        ids = {}
        for root, _, names in os.walk(folder):
            for name in names:
                path = os.path.join(root, name)
                relative = os.path.relpath(path, folder).replace(os.sep, "/")
                ids[relative] = sha256_of(path) if relative in lfs else git_blob_sha1(read(path))
        return ids

    def uploads(self) -> list:
        return [e for e in self.hub.log(origin="cdn") if e["method"] in ("PUT", "POST")]

    def hub_calls(self, fragment: str) -> list:
        return [e for e in self.hub.log(origin="hub") if fragment in e["path"]]


class PushNewAndExistingRepos(PushTestCase):
    def test_a_new_repo_is_created_and_gets_every_file_in_one_commit(self):
        folder = self.artifact({"config.json": '{"hidden_size": 8}\n', "nested/vocab.txt": "a\nb\n",
                                "model.safetensors": os.urandom(64 << 10), "empty.txt": ""})
        self.hub.clear_log()
        result = self.push("tester/fresh", folder, "--card-project", "trainer", "--base-model", "acme/base",
                           "--license", "mit")
        self.assertExit(result, 0)
        out = result.json()
        self.assertTrue(out["committed"] and out["repo_created"] and out["model_card_generated"], out)
        head = self.head("tester/fresh")
        self.assertEqual(out["commit_oid"], head)
        self.assertEqual(out["commit_url"], f"{self.hub.endpoint}/tester/fresh/commit/{head}")
        self.assertIsNone(out["pr_url"])
        # One commit on top of the repo's initial one, holding everything.
        history = self.commits("tester/fresh")
        self.assertEqual([c["id"] for c in history][:1], [head])
        self.assertEqual(len(history), 2)
        self.assertEqual(history[0]["title"], "Upload 5 file(s) with hubdeps")
        tree = self.tree("tester/fresh", head)
        expected = self.local_ids(folder, lfs={"model.safetensors"})
        self.assertEqual({p: tree[p] for p in expected}, expected)
        self.assertEqual(set(tree), set(expected) | {".gitattributes", "README.md"})

        # Read back with `hubdeps fetch`: byte for byte.
        fetched = self.fetch("tester/fresh")
        self.assertExit(fetched, 0)
        snapshot = fetched.json()["snapshot_dir"]
        for path in expected:
            self.assertEqual(read(os.path.join(snapshot, path)), read(os.path.join(folder, path)), path)

        # The generated card parses as model-card metadata and says what it should.
        card = read(os.path.join(snapshot, "README.md")).decode()
        metadata = card_metadata(card)
        self.assertEqual(metadata["library_name"], "hubdeps")
        self.assertIn("hubdeps", metadata["tags"])
        self.assertEqual(metadata["base_model"], "acme/base")
        self.assertEqual(metadata["license"], "mit")
        self.assertIn("`trainer`", card)
        # The Hub checked it before any byte of the push was uploaded.
        log = self.hub.log()
        validate = next(i for i, e in enumerate(log) if e["path"] == "/api/validate-yaml")
        first_upload = next(i for i, e in enumerate(log) if e["origin"] == "cdn")
        self.assertLess(validate, first_upload)

    def test_without_json_stdout_is_the_commit_url(self):
        result = self.push("tester/plain", self.artifact({"config.json": "{}"}), json_output=False)
        self.assertExit(result, 0)
        self.assertEqual(result.stdout, f"{self.hub.endpoint}/tester/plain/commit/{self.head('tester/plain')}\n")

    def test_endpoint_names_the_hub_instead_of_hf_endpoint(self):
        result = self.push("tester/elsewhere", self.artifact({"config.json": "{}"}), "--endpoint",
                           self.hub.endpoint + "/", json_output=False, env={"HF_ENDPOINT": "http://127.0.0.1:9"})
        self.assertExit(result, 0)
        self.assertEqual(result.stdout,
                         f"{self.hub.endpoint}/tester/elsewhere/commit/{self.head('tester/elsewhere')}\n")

    def test_a_private_repo_is_readable_only_with_a_token(self):
        folder = self.artifact({"config.json": '{"secret": true}\n'})
        self.assertExit(self.push("tester/secret", folder, "--private"), 0)
        with self.assertRaises(urllib.error.HTTPError) as anonymous:
            self.api("/api/models/tester/secret", token=None)
        self.assertEqual(anonymous.exception.code, 401)
        self.assertExit(self.fetch("tester/secret"), 4)
        fetched = self.fetch("tester/secret", token=READ_TOKEN)
        self.assertExit(fetched, 0)
        self.assertEqual(read(os.path.join(fetched.json()["snapshot_dir"], "config.json")), b'{"secret": true}\n')

    def test_an_existing_repo_keeps_its_files_and_its_handwritten_card(self):
        self.hub.create_repo("tester/existing")
        before = self.hub.commit("tester/existing", {"README.md": "# Written by hand\n", "old.txt": "old\n"})
        folder = self.artifact({"weights.bin": os.urandom(4096), "config.json": "{}"})
        result = self.push("tester/existing", folder, "--message", "Nightly", "--description", "from CI")
        self.assertExit(result, 0)
        self.assertFalse(result.json()["repo_created"])
        self.assertFalse(result.json()["model_card_generated"])
        head = self.head("tester/existing")
        self.assertEqual(self.commits("tester/existing")[1]["id"], before)
        self.assertEqual(self.commits("tester/existing")[0]["title"], "Nightly")
        self.assertEqual(self.hub_file("tester/existing", head, "README.md"), b"# Written by hand\n")
        self.assertEqual(self.hub_file("tester/existing", head, "old.txt"), b"old\n")
        self.assertEqual(self.hub_file("tester/existing", head, "weights.bin"), read(os.path.join(folder, "weights.bin")))

    def test_path_in_repo_and_patterns_place_and_select_files(self):
        folder = self.artifact({"onnx/model.onnx": os.urandom(2048), "logs/train.log": "loss 1\n", "config.json": "{}"})
        result = self.push("tester/placed", folder, "--path-in-repo", "v2/", "--exclude", "logs/", "--no-model-card")
        self.assertExit(result, 0)
        tree = self.tree("tester/placed", self.head("tester/placed"))
        self.assertEqual(set(tree), {".gitattributes", "v2/onnx/model.onnx", "v2/config.json"})
        self.assertEqual(tree["v2/onnx/model.onnx"], sha256_of(os.path.join(folder, "onnx", "model.onnx")))

    def test_a_model_card_file_becomes_the_readme(self):
        card = os.path.join(self.work, "CARD.md")
        with open(card, "w") as f:
            f.write("---\nlicense: apache-2.0\ntags:\n- demo\n---\n# Demo\n")
        result = self.push("tester/carded", self.artifact({"config.json": "{}"}), "--model-card", card)
        self.assertExit(result, 0)
        self.assertEqual(self.hub_file("tester/carded", "main", "README.md"), read(card))

    def test_a_dataset_repo_gets_its_files_and_no_made_up_card(self):
        folder = self.artifact({"data/train.csv": "a,b\n1,2\n", "data/features.parquet": os.urandom(5000)})
        result = self.push("tester/table", folder, "--repo-type", "dataset")
        self.assertExit(result, 0)
        self.assertTrue(result.json()["repo_created"])
        self.assertFalse(result.json()["model_card_generated"])
        self.assertEqual(result.json()["commit_url"],
                         f"{self.hub.endpoint}/datasets/tester/table/commit/{result.json()['commit_oid']}")
        fetched = self.fetch("tester/table", "--repo-type", "dataset")
        self.assertExit(fetched, 0)
        snapshot = fetched.json()["snapshot_dir"]
        self.assertEqual(sorted(f["path"] for f in fetched.json()["files"]),
                         [".gitattributes", "data/features.parquet", "data/train.csv"])
        for path in ("data/train.csv", "data/features.parquet"):
            self.assertEqual(read(os.path.join(snapshot, path)), read(os.path.join(folder, path)), path)

    def test_files_the_repos_gitignore_ignores_are_left_out(self):
        self.hub.create_repo("tester/ignoring")
        self.hub.commit("tester/ignoring", {".gitignore": "*.log\n"})
        folder = self.artifact({"train.log": "x\n", "config.json": "{}"})
        result = self.push("tester/ignoring", folder, "--no-model-card")
        self.assertExit(result, 0)
        statuses = {f["path"]: f["status"] for f in result.json()["files"]}
        self.assertEqual(statuses, {"train.log": "ignored", "config.json": "committed"})
        self.assertNotIn("train.log", self.tree("tester/ignoring", "main"))


class PushOnlyWhatChanged(PushTestCase):
    def test_an_unchanged_repush_uploads_nothing_and_makes_no_commit(self):
        folder = self.artifact({"config.json": '{"v": 1}\n', "model.safetensors": os.urandom(32 << 10)})
        self.assertExit(self.push("tester/same", folder), 0)
        head = self.head("tester/same")
        self.hub.clear_log()
        again = self.push("tester/same", folder)
        self.assertExit(again, 0)
        self.assertFalse(again.json()["committed"])
        self.assertEqual(again.json()["commit_oid"], head)
        self.assertIn("nothing to push", again.stderr)
        self.assertEqual(self.head("tester/same"), head)
        self.assertEqual(self.uploads(), [])
        self.assertEqual(self.hub_calls(".git/info/lfs"), [])
        self.assertEqual(self.hub_calls("/commit/"), [])

    def test_only_changed_files_are_committed_and_unchanged_lfs_is_not_sent(self):
        folder = self.artifact({"config.json": '{"v": 1}\n', "model.safetensors": os.urandom(32 << 10)})
        self.assertExit(self.push("tester/partly", folder), 0)
        first = self.head("tester/partly")
        with open(os.path.join(folder, "config.json"), "w") as f:
            f.write('{"v": 2}\n')
        self.hub.clear_log()
        result = self.push("tester/partly", folder)
        self.assertExit(result, 0)
        statuses = {f["path"]: f["status"] for f in result.json()["files"]}
        self.assertEqual(statuses, {"config.json": "committed", "model.safetensors": "unchanged"})
        self.assertEqual(self.uploads(), [])
        # On the Hub's side: the weights were last changed by the first push, the config by the second.
        info = self.api("/api/models/tester/partly/paths-info/main",
                        body={"paths": ["config.json", "model.safetensors"], "expand": True})
        last = {entry["path"]: entry["lastCommit"]["id"] for entry in info}
        self.assertEqual(last, {"config.json": self.head("tester/partly"), "model.safetensors": first})

    def test_lfs_content_the_storage_has_is_not_uploaded_again(self):
        weights = os.urandom(48 << 10)
        self.assertExit(self.push("tester/first-home", self.artifact({"w.bin": weights}, "one")), 0)
        self.hub.clear_log()
        result = self.push("tester/second-home", self.artifact({"copy/w.bin": weights}, "two"))
        self.assertExit(result, 0)
        self.assertEqual(result.json()["lfs_already_stored"], 1)
        self.assertEqual(result.json()["lfs_uploaded"], 0)
        self.assertEqual(len(self.hub_calls(".git/info/lfs/objects/batch")), 1)
        self.assertEqual(self.uploads(), [])
        self.assertEqual(self.hub_file("tester/second-home", "main", "copy/w.bin"), weights)


class PushBranchesAndPullRequests(PushTestCase):
    def test_a_new_branch_is_created_from_main_and_main_stays(self):
        self.hub.create_repo("tester/branchy")
        main = self.hub.commit("tester/branchy", {"config.json": "{}"})
        folder = self.artifact({"experiment.bin": os.urandom(1024)})
        result = self.push("tester/branchy", folder, "--revision", "exp/1", "--create-branch", "--no-model-card")
        self.assertExit(result, 0)
        self.assertTrue(result.json()["branch_created"])
        self.assertEqual(self.head("tester/branchy"), main)
        branch_head = self.head("tester/branchy", "exp/1")
        self.assertEqual(result.json()["commit_oid"], branch_head)
        self.assertEqual(self.commits("tester/branchy", "exp%2F1")[1]["id"], main)
        fetched = self.fetch("tester/branchy", "--revision", "exp/1")
        self.assertExit(fetched, 0)
        self.assertEqual(read(os.path.join(fetched.json()["snapshot_dir"], "experiment.bin")),
                         read(os.path.join(folder, "experiment.bin")))

    def test_a_missing_branch_without_create_branch_is_not_found_and_nothing_is_sent(self):
        self.hub.create_repo("tester/nobranch")
        self.hub.clear_log()
        result = self.push("tester/nobranch", self.artifact({"a.txt": "a"}), "--revision", "dev")
        self.assertExit(result, 3)
        self.assertIn("--create-branch", result.stderr)
        self.assertEqual(self.hub_calls("preupload"), [])
        self.assertEqual(self.hub_calls("/branch/"), [])
        self.assertEqual(self.hub.refs("tester/nobranch")["branches"].keys(), {"main"})

    def test_a_pull_request_leaves_main_alone(self):
        self.hub.create_repo("tester/reviewed")
        main = self.hub.commit("tester/reviewed", {"config.json": '{"v": 1}\n'})
        folder = self.artifact({"config.json": '{"v": 2}\n'})
        result = self.push("tester/reviewed", folder, "--create-pr", "--no-model-card")
        self.assertExit(result, 0)
        out = result.json()
        self.assertEqual(out["pr_url"], f"{self.hub.endpoint}/tester/reviewed/discussions/1")
        self.assertEqual(self.head("tester/reviewed"), main)
        self.assertEqual(self.hub.refs("tester/reviewed")["pulls"], {"1": out["commit_oid"]})
        fetched = self.fetch("tester/reviewed", "--revision", "refs/pr/1")
        self.assertExit(fetched, 0)
        self.assertEqual(read(os.path.join(fetched.json()["snapshot_dir"], "config.json")), b'{"v": 2}\n')


class PushLargeFilesAndRaces(PushTestCase):
    def test_a_file_over_the_multipart_threshold_goes_in_parallel_parts(self):
        size = MULTIPART_THRESHOLD * 2 + 12345
        folder = self.artifact({"big.safetensors": os.urandom(size)})
        self.hub.clear_log()
        result = self.push("tester/big", folder, "--no-model-card", "--jobs", "4")
        self.assertExit(result, 0)
        uploads = self.uploads()
        parts = sorted(int(e["path"].rsplit("/", 1)[1]) for e in uploads if "/part/" in e["path"])
        self.assertEqual(parts, list(range(1, math.ceil(size / CHUNK_SIZE) + 1)))
        completions = [e for e in uploads if e["method"] == "POST"]
        self.assertEqual(len(completions), 1)
        self.assertFalse([e for e in uploads if e["method"] == "PUT" and "/part/" not in e["path"]])
        self.assertFalse([e for e in uploads if e["authorization"]], "the token went to the storage")
        local = os.path.join(folder, "big.safetensors")
        self.assertEqual(sha256_of(self.hub.object_path(sha256_of(local))), sha256_of(local))
        fetched = self.fetch("tester/big")
        self.assertExit(fetched, 0)
        self.assertEqual(sha256_of(os.path.join(fetched.json()["snapshot_dir"], "big.safetensors")), sha256_of(local))

    def test_a_concurrent_push_is_detected_not_overwritten(self):
        self.hub.create_repo("tester/raced")
        self.hub.commit("tester/raced", {"config.json": "{}"})
        folder = self.artifact({"mine.bin": os.urandom(8192)})
        # The storage makes our upload wait two seconds; meanwhile someone else commits.
        self.hub.fault("status", origin="cdn", method="PUT", status=503, retry_after=2)
        self.hub.clear_log()
        process = subprocess.Popen([HUBDEPS, "push", "tester/raced", folder, "--no-model-card"],
                                   env={**self.hub.env(token=WRITE_TOKEN, cache_dir=self.cache), "HF_HOME": self.home},
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while not any(e["fault"] for e in self.hub.log(origin="cdn")):
            self.assertIsNone(process.poll(), "the push ended before its upload was held")
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        theirs = self.hub.commit("tester/raced", {"theirs.txt": "theirs\n"}, message="A concurrent push")
        stdout, stderr = process.communicate(timeout=60)
        self.assertEqual(process.returncode, 5, stderr)
        self.assertIn("moved while pushing", stderr)
        self.assertEqual(stdout, "")
        self.assertEqual(self.head("tester/raced"), theirs)
        self.assertNotIn("mine.bin", self.tree("tester/raced", "main"))


class PushCommitAnswers(PushTestCase):
    """The commit request goes out once; a lost answer is settled by what the branch shows; a Hub that is busy
    before committing is waited for."""

    def existing_repo(self, repo: str) -> str:
        self.hub.create_repo(repo)
        return self.hub.commit(repo, {"config.json": "{}"})

    def commit_calls(self) -> list:
        return [e for e in self.hub_calls("/commit/") if e["method"] == "POST"]

    def test_a_commit_whose_answer_is_lost_is_sent_once_and_found_on_the_branch(self):
        before = self.existing_repo("tester/lost-answer")
        folder = self.artifact({"weights.bin": os.urandom(4096), "notes.txt": "v1\n"})
        self.hub.fault("lose_answer", method="POST", path="/commit/")
        self.hub.clear_log()
        result = self.push("tester/lost-answer", folder, "--no-model-card", "--message", "Nightly")
        self.assertExit(result, 0)
        self.assertEqual([e["fault"] for e in self.commit_calls()], ["lose_answer"])
        head = self.head("tester/lost-answer")
        out = result.json()
        self.assertTrue(out["committed"])
        self.assertEqual(out["commit_oid"], head)
        self.assertEqual(out["commit_url"], f"{self.hub.endpoint}/tester/lost-answer/commit/{head}")
        self.assertEqual([c["id"] for c in self.commits("tester/lost-answer")[:2]], [head, before])
        self.assertIn("answer", result.stderr)
        self.assertIn("was made", result.stderr)
        self.assertNotIn("Nothing was committed", result.stderr)

    def test_a_pull_request_whose_answer_is_lost_is_opened_once_and_its_url_printed(self):
        main = self.existing_repo("tester/lost-pr")
        self.hub.fault("lose_answer", method="POST", path="/commit/")
        self.hub.clear_log()
        result = self.push("tester/lost-pr", self.artifact({"config.json": '{"v": 2}\n'}), "--create-pr",
                           "--no-model-card", json_output=False)
        self.assertExit(result, 0)
        self.assertEqual(len(self.commit_calls()), 1)
        pulls = self.hub.refs("tester/lost-pr")["pulls"]
        self.assertEqual(list(pulls), ["1"])
        self.assertEqual(self.commits("tester/lost-pr", "refs%2Fpr%2F1")[1]["id"], main)
        self.assertEqual(result.stdout, f"{self.hub.endpoint}/tester/lost-pr/discussions/1\n")
        self.assertEqual(self.head("tester/lost-pr"), main)

    def test_a_connection_cut_before_the_hub_commits_is_an_unknown_outcome_and_a_rerun_commits(self):
        before = self.existing_repo("tester/cut")
        folder = self.artifact({"weights.bin": os.urandom(4096)})
        # The Hub reads the request, then the connection closes: nothing is committed, and no answer comes.
        self.hub.fault("stall", method="POST", path="/commit/", seconds=0.2)
        self.hub.clear_log()
        result = self.push("tester/cut", folder, "--no-model-card")
        self.assertExit(result, 10)
        self.assertEqual(len(self.commit_calls()), 1)
        self.assertEqual(result.stdout, "")
        self.assertIn("unknown", result.stderr)
        self.assertIn("safe", result.stderr)
        self.assertEqual(self.head("tester/cut"), before)
        again = self.push("tester/cut", folder, "--no-model-card")
        self.assertExit(again, 0)
        self.assertTrue(again.json()["committed"])
        self.assertEqual(self.commits("tester/cut")[1]["id"], before)

    def test_a_server_error_to_the_commit_is_checked_on_the_branch_before_it_is_reported(self):
        before = self.existing_repo("tester/bad-gateway")
        self.hub.fault("status", method="POST", path="/commit/", status=502, message="Bad gateway")
        self.hub.clear_log()
        result = self.push("tester/bad-gateway", self.artifact({"weights.bin": os.urandom(4096)}),
                           "--no-model-card")
        # A 502 may come from a gateway while the Hub behind it commits: not retried, not called a failure.
        self.assertExit(result, 10)
        self.assertEqual(len(self.commit_calls()), 1)
        self.assertIn("HTTP 502", result.stderr)
        self.assertIn(f"still points at {before}", result.stderr)
        self.assertEqual(self.head("tester/bad-gateway"), before)

    def test_a_lost_answer_to_a_commit_refused_for_a_moved_branch_says_nothing_was_committed(self):
        self.existing_repo("tester/lost-race")
        folder = self.artifact({"mine.bin": os.urandom(8192)})
        # Our upload is held two seconds; meanwhile someone else commits, then our commit's 412 is lost.
        self.hub.fault("status", origin="cdn", method="PUT", status=503, retry_after=2)
        self.hub.fault("lose_answer", method="POST", path="/commit/")
        self.hub.clear_log()
        process = subprocess.Popen([HUBDEPS, "push", "tester/lost-race", folder, "--no-model-card"],
                                   env={**self.hub.env(token=WRITE_TOKEN, cache_dir=self.cache), "HF_HOME": self.home},
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while not any(e["fault"] for e in self.hub.log(origin="cdn")):
            self.assertIsNone(process.poll(), "the push ended before its upload was held")
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        theirs = self.hub.commit("tester/lost-race", {"theirs.txt": "theirs\n"}, message="A concurrent push")
        stdout, stderr = process.communicate(timeout=60)
        self.assertEqual(process.returncode, 5, stderr)
        self.assertEqual([e["status"] for e in self.commit_calls()], [412])
        self.assertIn("Nothing was committed", stderr)
        self.assertIn(theirs, stderr)
        self.assertEqual(stdout, "")
        self.assertEqual(self.head("tester/lost-race"), theirs)

    def test_a_busy_hub_is_waited_for_before_the_commit_and_the_commit_lands_once(self):
        before = self.existing_repo("tester/busy")
        self.hub.fault("status", method="POST", path="/commit/", status=429, retry_after=1)
        self.hub.fault("status", method="POST", path="/commit/", status=503, retry_after=1)
        self.hub.clear_log()
        started = time.monotonic()
        result = self.push("tester/busy", self.artifact({"weights.bin": os.urandom(4096)}), "--no-model-card")
        self.assertExit(result, 0)
        self.assertGreaterEqual(time.monotonic() - started, 2.0, "Retry-After was not honoured")
        self.assertEqual([e["status"] for e in self.commit_calls()], [429, 503, 200])
        history = self.commits("tester/busy")
        self.assertEqual(history[0]["id"], result.json()["commit_oid"])
        self.assertEqual(history[1]["id"], before)

    def test_a_hub_busy_to_the_end_fails_saying_nothing_was_committed(self):
        before = self.existing_repo("tester/too-busy")
        self.hub.fault("status", method="POST", path="/commit/", status=503, retry_after=0, count=-1)
        self.hub.clear_log()
        result = self.push("tester/too-busy", self.artifact({"weights.bin": os.urandom(4096)}), "--no-model-card")
        self.assertExit(result, 5)
        self.assertEqual([e["status"] for e in self.commit_calls()], [503] * 6)
        self.assertIn("503", result.stderr)
        self.assertIn("nothing was committed", result.stderr.lower())
        self.assertEqual(self.head("tester/too-busy"), before)


class PushLinksAndOutput(PushTestCase):
    def test_a_link_to_a_file_outside_the_folder_is_refused_unless_allowed(self):
        outside = self.artifact({"secret.bin": b"outside the pushed folder"}, "elsewhere")
        folder = self.artifact({"config.json": "{}", "sub/real.txt": "inside\n"})
        os.symlink(os.path.join(outside, "secret.bin"), os.path.join(folder, "weights.bin"))
        os.symlink(os.path.join("sub", "real.txt"), os.path.join(folder, "alias.txt"))  # inside: fine
        self.hub.clear_log()
        refused = self.push("tester/linked", folder, "--no-model-card")
        self.assertExit(refused, 2)
        self.assertIn("weights.bin", refused.stderr)
        self.assertIn(os.path.join(outside, "secret.bin"), refused.stderr)
        self.assertIn("--follow-external-links", refused.stderr)
        self.assertEqual(self.hub.log(), [])
        allowed = self.push("tester/linked", folder, "--no-model-card", "--follow-external-links")
        self.assertExit(allowed, 0)
        self.assertEqual(self.hub_file("tester/linked", "main", "weights.bin"), b"outside the pushed folder")
        self.assertEqual(self.hub_file("tester/linked", "main", "alias.txt"), b"inside\n")

    def test_skipped_dangling_links_and_links_to_folders_are_named(self):
        folder = self.artifact({"config.json": "{}", "sub/a.txt": "a\n"})
        os.symlink(os.path.join(self.work, "gone.bin"), os.path.join(folder, "dangling.bin"))
        os.symlink("sub", os.path.join(folder, "sub-link"))
        result = self.push("tester/dangling", folder, "--no-model-card")
        self.assertExit(result, 0)
        self.assertIn("dangling.bin", result.stderr)
        self.assertIn("sub-link", result.stderr)
        self.assertEqual(set(self.tree("tester/dangling", "main")), {".gitattributes", "config.json", "sub/a.txt"})

    def test_with_create_pr_stdout_is_the_pull_requests_url(self):
        self.hub.create_repo("tester/pr-url")
        self.hub.commit("tester/pr-url", {"config.json": '{"v": 1}\n'})
        result = self.push("tester/pr-url", self.artifact({"config.json": '{"v": 2}\n'}), "--create-pr",
                           "--no-model-card", json_output=False)
        self.assertExit(result, 0)
        self.assertEqual(result.stdout, f"{self.hub.endpoint}/tester/pr-url/discussions/1\n")


class PushInBoundedMemory(PushTestCase):
    """A file far larger than what the push may hold in memory: it is hashed and sent in slices."""

    FILE_SIZE = 96 << 20
    RSS_LIMIT_KIB = 48 << 10

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub.set_config(multipart_threshold=16 << 20, multipart_chunk_size=16 << 20)

    def test_memory_stays_bounded_whatever_the_file_size(self):
        with open(HUBDEPS, "rb") as f:
            if b"__asan_init" in f.read():
                self.skipTest("AddressSanitizer's shadow memory and quarantine make the process size meaningless")
        folder = os.path.join(self.work, "large")
        os.makedirs(folder)
        big = os.path.join(folder, "weights.bin")
        with open(big, "wb") as f:
            f.write(b"\x00hubdeps")
            f.truncate(self.FILE_SIZE)  # sparse: quick to make, but every byte is read, hashed and sent
        # A tiny wrapper reports its child's peak resident size (in KiB on Linux).
        measure = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:]); "
                   "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
                   "sys.exit(done.returncode)")
        environment = {**self.hub.env(token=WRITE_TOKEN, cache_dir=self.cache), "HF_HOME": self.home}
        done = subprocess.run([sys.executable, "-c", measure, HUBDEPS, "push", "tester/large", folder, "--quiet",
                               "--no-model-card"], env=environment, capture_output=True, text=True, timeout=300)
        self.assertEqual(done.returncode, 0, done.stderr)
        peak_kib = int(done.stderr.strip().splitlines()[-1])
        self.assertLess(peak_kib, self.RSS_LIMIT_KIB, f"peak {peak_kib} KiB while pushing {self.FILE_SIZE} bytes")
        self.assertEqual(self.tree("tester/large", "main")["weights.bin"], sha256_of(big))
        self.assertEqual(len([e for e in self.uploads() if "/part/" in e["path"]]), self.FILE_SIZE // (16 << 20))


class PushTokens(PushTestCase):
    def test_no_token_fails_before_any_request(self):
        self.hub.clear_log()
        result = self.push("tester/tokenless", self.artifact({"a.txt": "a"}), token=None)
        self.assertExit(result, 4)
        self.assertIn("HF_TOKEN", result.stderr)
        self.assertEqual(self.hub.log(), [])

    def test_a_read_token_fails_after_the_identity_check_only(self):
        self.hub.clear_log()
        result = self.push("tester/readonly", self.artifact({"a.txt": "a"}), token=READ_TOKEN)
        self.assertExit(result, 4)
        self.assertIn("read-only", result.stderr)
        self.assertEqual([e["path"] for e in self.hub.log()], ["/api/whoami-v2"])
        self.assertNotIn(READ_TOKEN, result.stderr + result.stdout)

    def test_an_invalid_token_is_reported_as_such(self):
        result = self.push("tester/badtoken", self.artifact({"a.txt": "a"}), token="hf_not_a_real_token")
        self.assertExit(result, 4)
        self.assertIn("invalid or expired", result.stderr)
        self.assertNotIn("hf_not_a_real_token", result.stderr)

    def test_a_token_without_rights_on_the_namespace_uploads_nothing(self):
        self.hub.clear_log()
        result = self.push("hubdeps-test/not-yours", self.artifact({"w.bin": os.urandom(1024)}), token=OUTSIDER_TOKEN)
        self.assertExit(result, 4)
        self.assertIn("hubdeps-test", result.stderr)
        self.assertEqual(self.uploads(), [])

    def test_a_readme_with_broken_metadata_stops_the_push_before_any_upload(self):
        folder = self.artifact({"README.md": "---\nthis line is not yaml\n---\n# Model\n", "w.bin": os.urandom(1024)})
        self.hub.clear_log()
        result = self.push("tester/badcard", folder)
        self.assertExit(result, 2)
        self.assertIn("README.md", result.stderr)
        self.assertIn("metadata", result.stderr)
        self.assertEqual(self.uploads(), [])
        self.assertEqual(self.hub_calls("preupload"), [])
        self.assertEqual(self.hub_calls("/commit/"), [])


@unittest.skipUnless(hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("setpriv"),
                     "needs root and setpriv to run the helper as a user who cannot read a file")
class PushUnreadableFiles(PushTestCase):
    NOBODY = 65534

    def test_a_file_that_cannot_be_read_is_a_local_io_error_and_nothing_is_committed(self):
        os.chmod(self.work, 0o755)  # the folder is listed and stat'ed by the other user...
        folder = self.artifact({"config.json": '{"a": 1}\n', "secret.bin": os.urandom(4096)})
        os.chmod(os.path.join(folder, "secret.bin"), 0)  # ...but this file cannot be read
        self.hub.clear_log()
        env = self.hub.env(token=WRITE_TOKEN, HF_HOME=self.home)
        completed = subprocess.run(["setpriv", f"--reuid={self.NOBODY}", f"--regid={self.NOBODY}", "--clear-groups",
                                    HUBDEPS, "push", "tester/unreadable", folder, "--json"],
                                   env=env, capture_output=True, text=True, timeout=120, cwd="/",
                                   stdin=subprocess.DEVNULL)
        self.assertEqual(completed.returncode, 9, completed.stderr)  # local I/O, not "usage error" (2)
        self.assertIn("secret.bin", completed.stderr)
        self.assertIn("cannot read", completed.stderr)
        self.assertEqual(self.uploads(), [])
        self.assertEqual(self.hub_calls("/commit/"), [])


class PushReadBackWithTheJsClient(PushTestCase):
    def setUp(self):
        if not os.path.isdir(os.path.join(INTEROP_DIR, "node_modules", "@huggingface", "hub")):
            self.skipTest("HUBDEPS_INTEROP_DIR has no @huggingface/hub (CTest sets it when node and npm exist)")
        super().setUp()

    def node(self, script: str, *args: str) -> dict:
        completed = subprocess.run([NODE, os.path.join(INTEROP_DIR, script), *args],
                                   env=self.hub.env(token=WRITE_TOKEN), capture_output=True, text=True, timeout=120)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        return json.loads(completed.stdout)

    def test_pushed_files_download_byte_identical_with_the_js_client(self):
        folder = self.artifact({"config.json": '{"n": 1}\n', "sub/tokenizer.txt": "t\n",
                                "model.safetensors": os.urandom(MULTIPART_THRESHOLD + 1000),
                                "small.bin": os.urandom(3000)})
        self.assertExit(self.push("tester/js-read", folder), 0)
        for path in ("config.json", "sub/tokenizer.txt", "model.safetensors", "small.bin"):
            with self.subTest(path=path):
                out = os.path.join(self.work, "js-" + path.replace("/", "_"))
                answer = self.node("download-file.mjs", "--endpoint", self.hub.endpoint, "--repo", "tester/js-read",
                                   "--file", path, "--out", out)
                self.assertTrue(answer["found"])
                self.assertEqual(read(out), read(os.path.join(folder, path)))

    def test_files_the_js_client_uploaded_count_as_unchanged(self):
        folder = self.artifact({"config.json": '{"n": 2}\n', "model.safetensors": os.urandom(20000)})
        self.node("upload-files.mjs", "--endpoint", self.hub.endpoint, "--repo", "tester/js-wrote", "--create",
                  *(f"{os.path.join(folder, p)}={p}" for p in ("config.json", "model.safetensors")))
        head = self.head("tester/js-wrote")
        self.hub.clear_log()
        result = self.push("tester/js-wrote", folder, "--no-model-card")
        self.assertExit(result, 0)
        self.assertFalse(result.json()["committed"])
        self.assertEqual(self.head("tester/js-wrote"), head)
        self.assertEqual(self.uploads(), [])


if __name__ == "__main__":
    unittest.main()
