"""Proves the local test Hub speaks the protocol the official clients expect (tests/hub/README.md).

Run: python3 -m unittest -v test_hubserver   (from tests/hub; CTest runs it as `hub_server`)
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

from hubtest import OUTSIDER_TOKEN, READ_TOKEN, WRITE_TOKEN, TestHub


def git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.body)


def call(method, url, *, token=None, headers=None, body=None, json_body=None, timeout=10):
    """One HTTP request, redirects NOT followed, so tests see exactly what the server answered."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if json_body is not None:
        body = json.dumps(json_body).encode()
        headers.setdefault("Content-Type", "application/json")
    try:
        connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        connection.close()


def raw_exchange(url, request_headers="", timeout=5.0, method="GET", body=b""):
    """Send a request on a plain socket and read until the server closes: what a client sees of a cut body.
    A connection closed before any answer gives (None, {}, b"")."""
    parts = urllib.parse.urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        length = f"Content-Length: {len(body)}\r\n" if body else ""
        sock.sendall(f"{method} {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n{length}{request_headers}\r\n".encode()
                     + body)
        received = b""
        while True:
            chunk = sock.recv(1 << 16)
            if not chunk:
                break
            received += chunk
    if not received:
        return None, {}, b""
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


MODEL = "hubdeps-test/protocol"
CONFIG = b'{"hidden_size": 32, "num_hidden_layers": 2}\n'
WEIGHTS_SIZE = 3 * 1024 * 1024 + 17


class ProtocolTest(unittest.TestCase):
    """Download side: listings, resolve, errors, ranges, pagination, auth."""

    @classmethod
    def setUpClass(cls):
        cls.hub = TestHub().start()
        cls.initial = cls.hub.create_repo(MODEL)
        cls.first = cls.hub.commit_details(MODEL, {
            "config.json": CONFIG.decode(),
            "model.safetensors": {"generate": {"size": WEIGHTS_SIZE, "seed": "protocol"}},
            "nested/deeper/notes.txt": "notes\n",
        }, message="Add model")
        cls.hub.set_ref(MODEL, "v1.0", cls.first["commit"], kind="tag")
        cls.second = cls.hub.commit(MODEL, {"README.md": "# protocol\n"}, message="Add README")
        cls.pr = cls.hub.commit_details(MODEL, {"config.json": '{"hidden_size": 64}\n'}, create_pr=True,
                                        message="Bigger model")
        cls.weights = cls.first["files"]["model.safetensors"]

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()

    def url(self, path):
        return self.hub.endpoint + path

    def test_generated_lfs_file_is_tracked_by_default_gitattributes_and_hashed_correctly(self):
        self.assertTrue(self.weights["lfs"], "*.safetensors is in the default .gitattributes")
        with open(self.hub.object_path(self.weights["sha256"]), "rb") as f:
            data = f.read()
        self.assertEqual(len(data), WEIGHTS_SIZE)
        self.assertEqual(hashlib.sha256(data).hexdigest(), self.weights["sha256"])
        self.assertEqual(git_sha1(data), self.weights["git_sha1"])

    def test_generated_content_is_deterministic_and_has_no_repeated_blocks(self):
        again = self.hub.generate(WEIGHTS_SIZE, "protocol")
        self.assertEqual(again["sha256"], self.weights["sha256"])
        other = self.hub.generate(WEIGHTS_SIZE, "another seed")
        self.assertNotEqual(other["sha256"], self.weights["sha256"])
        with open(again["path"], "rb") as f:
            first_block, second_block = f.read(1 << 20), f.read(1 << 20)
        self.assertNotEqual(first_block, second_block)

    def test_repo_info_lists_siblings_and_with_blobs_their_sizes_and_hashes(self):
        plain = call("GET", self.url(f"/api/models/{MODEL}")).json()
        self.assertEqual(plain["sha"], self.second)
        self.assertEqual(sorted(s["rfilename"] for s in plain["siblings"]),
                         [".gitattributes", "README.md", "config.json", "model.safetensors", "nested/deeper/notes.txt"])
        self.assertNotIn("size", plain["siblings"][0])
        detailed = {s["rfilename"]: s for s in call("GET", self.url(f"/api/models/{MODEL}?blobs=true")).json()["siblings"]}
        self.assertEqual(detailed["config.json"]["blobId"], git_sha1(CONFIG))
        self.assertEqual(detailed["config.json"]["size"], len(CONFIG))
        self.assertNotIn("lfs", detailed["config.json"])
        lfs = detailed["model.safetensors"]["lfs"]
        self.assertEqual((lfs["sha256"], lfs["size"]), (self.weights["sha256"], WEIGHTS_SIZE))
        pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{lfs['sha256']}\nsize {WEIGHTS_SIZE}\n".encode()
        self.assertEqual(lfs["pointerSize"], len(pointer))
        self.assertEqual(detailed["model.safetensors"]["blobId"], git_sha1(pointer))

    def test_revision_info_resolves_branches_tags_commits_and_percent_encoded_pr_refs(self):
        for revision, expected in (("main", self.second), ("v1.0", self.first["commit"]), ("HEAD", self.second),
                                   (self.first["commit"], self.first["commit"]), ("refs%2Fpr%2F1", self.pr["commit"])):
            with self.subTest(revision=revision):
                answer = call("GET", self.url(f"/api/models/{MODEL}/revision/{revision}"))
                self.assertEqual(answer.status, 200, answer.body)
                self.assertEqual(answer.json()["sha"], expected)

    def test_regular_file_resolve_answers_body_quoted_git_sha1_etag_and_repo_commit(self):
        answer = call("GET", self.url(f"/{MODEL}/resolve/main/config.json"))
        self.assertEqual(answer.status, 200)
        self.assertEqual(answer.body, CONFIG)
        self.assertEqual(answer.header("ETag"), f'"{git_sha1(answer.body)}"')
        self.assertEqual(answer.header("X-Repo-Commit"), self.second)
        self.assertEqual(int(answer.header("Content-Length")), len(CONFIG))

    def test_head_answers_the_same_headers_without_a_body(self):
        get = call("GET", self.url(f"/{MODEL}/resolve/v1.0/config.json"))
        head = call("HEAD", self.url(f"/{MODEL}/resolve/v1.0/config.json"), headers={"Accept-Encoding": "identity"})
        self.assertEqual(head.body, b"")
        for name in ("ETag", "X-Repo-Commit", "Content-Length"):
            self.assertEqual(head.header(name), get.header(name), name)
        self.assertEqual(head.header("X-Repo-Commit"), self.first["commit"])

    def test_lfs_resolve_redirects_to_the_cdn_with_linked_etag_and_size(self):
        answer = call("HEAD", self.url(f"/{MODEL}/resolve/main/model.safetensors"), token=WRITE_TOKEN)
        self.assertEqual(answer.status, 302)
        self.assertEqual(answer.header("X-Linked-Etag"), f'"{self.weights["sha256"]}"')
        self.assertEqual(int(answer.header("X-Linked-Size")), WEIGHTS_SIZE)
        self.assertEqual(answer.header("X-Repo-Commit"), self.second)
        location = answer.header("Location")
        self.assertTrue(location.startswith(self.hub.cdn + "/objects/"), location)
        content = call("GET", location)
        self.assertEqual(content.status, 200)
        self.assertEqual(hashlib.sha256(content.body).hexdigest(), self.weights["sha256"])
        self.assertEqual(content.header("ETag"), f'"{self.weights["sha256"]}"')

    def test_raw_serves_the_lfs_pointer_instead_of_the_content(self):
        answer = call("GET", self.url(f"/{MODEL}/raw/main/model.safetensors"))
        self.assertEqual(answer.status, 200)
        self.assertIn(f"oid sha256:{self.weights['sha256']}".encode(), answer.body)

    def test_range_requests_answer_206_on_hub_and_cdn_and_416_when_unsatisfiable(self):
        location = call("HEAD", self.url(f"/{MODEL}/resolve/main/model.safetensors")).header("Location")
        with open(self.hub.object_path(self.weights["sha256"]), "rb") as f:
            weights = f.read()
        cases = [("bytes=0-0", weights[:1], f"bytes 0-0/{WEIGHTS_SIZE}"),
                 ("bytes=1000-", weights[1000:], f"bytes 1000-{WEIGHTS_SIZE - 1}/{WEIGHTS_SIZE}"),
                 ("bytes=10-19", weights[10:20], f"bytes 10-19/{WEIGHTS_SIZE}"),
                 ("bytes=-5", weights[-5:], f"bytes {WEIGHTS_SIZE - 5}-{WEIGHTS_SIZE - 1}/{WEIGHTS_SIZE}")]
        for header, expected, content_range in cases:
            with self.subTest(range=header):
                answer = call("GET", location, headers={"Range": header})
                self.assertEqual(answer.status, 206)
                self.assertEqual(answer.body, expected)
                self.assertEqual(answer.header("Content-Range"), content_range)
        hub_range = call("GET", self.url(f"/{MODEL}/resolve/main/config.json"), headers={"Range": "bytes=2-"})
        self.assertEqual((hub_range.status, hub_range.body), (206, CONFIG[2:]))
        self.assertIsNotNone(hub_range.header("X-Repo-Commit"))
        beyond = call("GET", location, headers={"Range": f"bytes={WEIGHTS_SIZE}-"})
        self.assertEqual(beyond.status, 416)
        self.assertEqual(beyond.header("Content-Range"), f"bytes */{WEIGHTS_SIZE}")

    def test_missing_file_is_entry_not_found_and_still_names_the_commit(self):
        answer = call("HEAD", self.url(f"/{MODEL}/resolve/main/missing.bin"))
        self.assertEqual(answer.status, 404)
        self.assertEqual(answer.header("X-Error-Code"), "EntryNotFound")
        self.assertEqual(answer.header("X-Repo-Commit"), self.second)

    def test_unknown_revision_is_revision_not_found(self):
        for url in (f"/{MODEL}/resolve/nope/config.json", f"/api/models/{MODEL}/revision/nope",
                    f"/{MODEL}/resolve/{'0' * 40}/config.json"):
            answer = call("GET", self.url(url))
            self.assertEqual((answer.status, answer.header("X-Error-Code")), (404, "RevisionNotFound"), url)
            self.assertIn("error", answer.json())

    def test_missing_repo_is_401_without_a_token_and_404_with_one(self):
        anonymous = call("GET", self.url("/hubdeps-test/missing/resolve/main/config.json"))
        self.assertEqual((anonymous.status, anonymous.header("X-Error-Code")), (401, "RepoNotFound"))
        with_token = call("GET", self.url("/api/models/hubdeps-test/missing"), token=READ_TOKEN)
        self.assertEqual((with_token.status, with_token.header("X-Error-Code")), (404, "RepoNotFound"))

    def test_private_repo_looks_missing_to_anyone_without_access(self):
        self.hub.create_repo("hubdeps-test/secret", private=True)
        self.hub.commit("hubdeps-test/secret", {"config.json": "{}"})
        url = self.url("/hubdeps-test/secret/resolve/main/config.json")
        self.assertEqual(call("GET", url).status, 401)
        outsider = call("GET", url, token=OUTSIDER_TOKEN)
        self.assertEqual((outsider.status, outsider.header("X-Error-Code")), (404, "RepoNotFound"))
        self.assertEqual(call("GET", url, token=READ_TOKEN).body, b"{}")

    def test_unknown_token_is_rejected_with_the_invalid_credentials_message(self):
        answer = call("GET", self.url(f"/{MODEL}/resolve/main/config.json"), token="hf_not_a_real_token")
        self.assertEqual(answer.status, 401)
        self.assertEqual(answer.header("X-Error-Message"), "Invalid credentials in Authorization header")

    def test_gated_repo_files_need_a_token_on_its_access_list(self):
        self.hub.create_repo("hubdeps-test/gated", gated="manual", gated_access=[READ_TOKEN])
        self.hub.commit("hubdeps-test/gated", {"config.json": "{}"})
        url = self.url("/hubdeps-test/gated/resolve/main/config.json")
        anonymous, outsider = call("GET", url), call("GET", url, token=OUTSIDER_TOKEN)
        self.assertEqual((anonymous.status, anonymous.header("X-Error-Code")), (401, "GatedRepo"))
        self.assertEqual((outsider.status, outsider.header("X-Error-Code")), (403, "GatedRepo"))
        self.assertEqual(call("GET", url, token=READ_TOKEN).status, 200)
        self.assertEqual(call("GET", self.url("/api/models/hubdeps-test/gated")).json()["gated"], "manual")

    def test_tree_pages_follow_absolute_next_links_and_cover_every_entry_once(self):
        files = {f"many/file-{i:03d}.txt": f"{i}\n" for i in range(23)}
        self.hub.create_repo("hubdeps-test/paged")
        commit = self.hub.commit("hubdeps-test/paged", files)
        self.hub.set_config(tree_page_size=5)
        try:
            url, seen, pages = self.url("/api/models/hubdeps-test/paged/tree/main?recursive=true"), [], 0
            while url:
                answer = call("GET", url)
                self.assertEqual(answer.status, 200, answer.body)
                seen += [entry["path"] for entry in answer.json()]
                pages += 1
                link = answer.header("Link")
                url = link[link.index("<") + 1: link.index(">")] if link else None
                if url:
                    self.assertTrue(url.startswith("http://") and 'rel="next"' in link, link)
                # Moving the branch mid-listing must not change what the cursor lists.
                self.hub.commit("hubdeps-test/paged", {f"late-{pages}.txt": "late\n"})
        finally:
            self.hub.set_config(tree_page_size=1000)
        self.assertEqual(sorted(seen), sorted([".gitattributes", "many", *files]))
        self.assertEqual(len(seen), len(set(seen)))
        self.assertEqual(pages, 5)
        self.assertNotEqual(commit, self.hub.refs("hubdeps-test/paged")["branches"]["main"])

    def test_tree_without_recursion_lists_one_folder_level_with_lfs_details(self):
        top = call("GET", self.url(f"/api/models/{MODEL}/tree/main")).json()
        self.assertEqual({(e["type"], e["path"]) for e in top},
                         {("file", ".gitattributes"), ("file", "README.md"), ("file", "config.json"),
                          ("file", "model.safetensors"), ("directory", "nested")})
        weights = next(e for e in top if e["path"] == "model.safetensors")
        self.assertEqual(weights["lfs"]["oid"], self.weights["sha256"])
        self.assertEqual(weights["size"], WEIGHTS_SIZE)
        inner = call("GET", self.url(f"/api/models/{MODEL}/tree/main/nested")).json()
        self.assertEqual([(e["type"], e["path"]) for e in inner], [("directory", "nested/deeper")])
        missing = call("GET", self.url(f"/api/models/{MODEL}/tree/main/nowhere"))
        self.assertEqual((missing.status, missing.header("X-Error-Code")), (404, "EntryNotFound"))

    def test_paths_info_accepts_json_and_form_bodies_and_expands_last_commit(self):
        url = self.url(f"/api/models/{MODEL}/paths-info/main")
        as_json = call("POST", url, json_body={"paths": ["config.json", "missing", "nested"], "expand": True}).json()
        form = urllib.parse.urlencode([("paths", "config.json"), ("paths", "missing"), ("paths", "nested"),
                                       ("expand", "true")]).encode()
        as_form = call("POST", url, body=form, headers={"Content-Type": "application/x-www-form-urlencoded"}).json()
        self.assertEqual(as_json, as_form)
        self.assertEqual([(e["type"], e["path"]) for e in as_json], [("file", "config.json"), ("directory", "nested")])
        # config.json last changed in "Add model", not in the later "Add README".
        self.assertEqual(as_json[0]["lastCommit"]["id"], self.first["commit"])
        self.assertEqual(as_json[0]["lastCommit"]["title"], "Add model")

    def test_renamed_repo_answers_307_with_a_relative_location(self):
        self.hub.create_repo("hubdeps-test/old-name")
        self.hub.commit("hubdeps-test/old-name", {"config.json": "{}"})
        self.hub.rename("hubdeps-test/old-name", "hubdeps-test/new-name")
        answer = call("HEAD", self.url("/hubdeps-test/old-name/resolve/main/config.json"))
        self.assertEqual(answer.status, 307)
        self.assertEqual(answer.header("Location"), "/hubdeps-test/new-name/resolve/main/config.json")
        api = call("GET", self.url("/api/models/hubdeps-test/old-name/revision/main?blobs=true"))
        self.assertEqual(api.header("Location"), "/api/models/hubdeps-test/new-name/revision/main?blobs=true")
        self.assertEqual(call("GET", self.url(answer.header("Location"))).body, b"{}")

    def test_whoami_names_the_user_and_the_token_role(self):
        me = call("GET", self.url("/api/whoami-v2"), token=READ_TOKEN).json()
        self.assertEqual((me["name"], me["auth"]["accessToken"]["role"]), ("tester", "read"))
        self.assertEqual(call("GET", self.url("/api/whoami-v2")).status, 401)

    def test_validate_yaml_accepts_key_value_front_matter_and_rejects_garbage(self):
        good = call("POST", self.url("/api/validate-yaml"),
                    json_body={"content": "---\nlicense: mit\ntags:\n- a\n---\n# hi\n", "repoType": "model"})
        bad = call("POST", self.url("/api/validate-yaml"), json_body={"content": "---\nnot yaml at all\n---\n"})
        self.assertEqual((good.status, bad.status), (200, 400))

    def test_disabled_repo_says_access_is_disabled(self):
        self.hub.create_repo("hubdeps-test/disabled")
        self.hub.update_repo("hubdeps-test/disabled", disabled=True)
        answer = call("GET", self.url("/hubdeps-test/disabled/resolve/main/.gitattributes"))
        self.assertEqual((answer.status, answer.header("X-Error-Message")), (403, "Access to this resource is disabled."))

    def test_vanished_commit_answers_revision_not_found(self):
        self.hub.create_repo("hubdeps-test/forced")
        lost = self.hub.commit("hubdeps-test/forced", {"a.txt": "a"})
        self.assertEqual(call("GET", self.url(f"/api/models/hubdeps-test/forced/revision/{lost}")).status, 200)
        parent = self.hub.refs("hubdeps-test/forced")["commits"][0]
        self.hub.set_ref("hubdeps-test/forced", "main", parent)  # force push back
        self.hub.vanish("hubdeps-test/forced", lost)
        gone = call("GET", self.url(f"/hubdeps-test/forced/resolve/{lost}/a.txt"))
        self.assertEqual((gone.status, gone.header("X-Error-Code")), (404, "RevisionNotFound"))


class MirrorPrefixTest(unittest.TestCase):
    def test_hub_is_served_under_a_path_prefix_and_links_keep_it(self):
        with TestHub(seed=True, prefix="/api/hf/remote", prefix_only=True) as hub:
            self.assertEqual(hub.endpoint, hub.hub + "/api/hf/remote")
            info = call("GET", hub.endpoint + "/api/models/hubdeps-demo/tiny-bert")
            self.assertEqual(info.status, 200)
            self.assertEqual(call("GET", hub.hub + "/api/models/hubdeps-demo/tiny-bert").status, 404)
            config = call("GET", hub.endpoint + "/hubdeps-demo/tiny-bert/resolve/v1.0/config.json")
            self.assertEqual(json.loads(config.body)["hidden_size"], 768)
            hub.set_config(tree_page_size=2)
            listing = call("GET", hub.endpoint + "/api/datasets/hubdeps-demo/tiny-dataset/tree/main?recursive=true")
            self.assertIn(hub.endpoint + "/api/datasets/", listing.header("Link"))
            dataset_file = call("GET", hub.endpoint + "/datasets/hubdeps-demo/tiny-dataset/resolve/main/data/test/part-0.csv")
            self.assertTrue(dataset_file.body.startswith(b"id,text,label\n"))


class UploadFlowTest(unittest.TestCase):
    """Upload side: create repo, preupload, LFS batch (basic and multipart), commit, branches, PRs."""

    REPO = "tester/uploads"

    @classmethod
    def setUpClass(cls):
        cls.hub = TestHub().start()
        cls.hub.set_config(lfs_threshold=1000, multipart_threshold=300_000, multipart_chunk_size=100_000)
        created = call("POST", cls.hub.endpoint + "/api/repos/create", token=WRITE_TOKEN,
                       json_body={"name": "uploads", "type": "model", "private": False})
        assert created.status == 200, created.body

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()

    def api(self, path):
        return f"{self.hub.endpoint}/api/models/{self.REPO}{path}"

    def lfs_batch(self, objects, transfers=("basic", "multipart"), token=WRITE_TOKEN):
        return call("POST", f"{self.hub.endpoint}/{self.REPO}.git/info/lfs/objects/batch", token=token,
                    headers={"Accept": "application/vnd.git-lfs+json", "Content-Type": "application/vnd.git-lfs+json"},
                    body=json.dumps({"operation": "upload", "transfers": list(transfers), "hash_algo": "sha256",
                                     "ref": {"name": "main"}, "objects": objects}).encode())

    def commit(self, lines, revision="main", query="", token=WRITE_TOKEN):
        body = "\n".join(json.dumps(line) for line in lines).encode()
        return call("POST", self.api(f"/commit/{revision}{query}"), token=token, body=body,
                    headers={"Content-Type": "application/x-ndjson"})

    def test_create_repo_twice_answers_409(self):
        again = call("POST", self.hub.endpoint + "/api/repos/create", token=WRITE_TOKEN,
                     json_body={"name": "uploads", "organization": "tester"})
        self.assertEqual(again.status, 409)

    def test_read_token_cannot_write_and_no_token_cannot_either(self):
        read = self.commit([{"key": "header", "value": {"summary": "x"}}], token=READ_TOKEN)
        self.assertEqual(read.status, 403)
        anonymous = self.commit([{"key": "header", "value": {"summary": "x"}}], token=None)
        self.assertEqual(anonymous.status, 401)
        create = call("POST", self.hub.endpoint + "/api/repos/create", token=READ_TOKEN, json_body={"name": "nope"})
        self.assertEqual(create.status, 403)

    def test_preupload_decides_lfs_by_size_binary_sample_and_gitattributes(self):
        text_sample = base64.b64encode(b"hello\n").decode()
        answer = call("POST", self.api("/preupload/main"), token=WRITE_TOKEN, json_body={"files": [
            {"path": "small.txt", "size": 6, "sample": text_sample},
            {"path": "big.txt", "size": 5000, "sample": text_sample},
            {"path": "blob.dat", "size": 10, "sample": base64.b64encode(b"\x00\x01\x02").decode()},
            {"path": "weights.bin", "size": 6, "sample": text_sample},
            {"path": ".gitattributes", "size": 6, "sample": text_sample},
        ]})
        self.assertEqual(answer.status, 200, answer.body)
        modes = {f["path"]: (f["uploadMode"], f["oid"], f["shouldIgnore"]) for f in answer.json()["files"]}
        with open(self.hub.object_path(hashlib.sha256(self._gitattributes()).hexdigest()), "rb") as f:
            existing_oid = git_sha1(f.read())
        self.assertEqual(modes, {"small.txt": ("regular", None, False), "big.txt": ("lfs", None, False),
                                 "blob.dat": ("lfs", None, False), "weights.bin": ("lfs", None, False),
                                 ".gitattributes": ("regular", existing_oid, False)})

    def _gitattributes(self):
        return call("GET", f"{self.hub.endpoint}/{self.REPO}/resolve/main/.gitattributes").body

    def upload_lfs(self, data: bytes):
        oid = hashlib.sha256(data).hexdigest()
        batch = self.lfs_batch([{"oid": oid, "size": len(data)}])
        self.assertEqual(batch.status, 200, batch.body)
        self.assertEqual(batch.header("Content-Type"), "application/vnd.git-lfs+json")
        obj = batch.json()["objects"][0]
        upload = obj["actions"]["upload"]
        self.assertTrue(upload["href"].startswith(self.hub.cdn))
        header = upload.get("header", {})
        if "chunk_size" in header:
            size = int(header["chunk_size"])
            numbers = sorted(int(k) for k in header if k.isdigit())
            self.assertEqual(numbers, list(range(1, -(-len(data) // size) + 1)))
            parts = []
            for number in numbers:
                put = call("PUT", header[str(number)], body=data[(number - 1) * size: number * size])
                self.assertEqual(put.status, 200, put.body)
                parts.append({"partNumber": number, "etag": put.header("ETag")})
            done = call("POST", upload["href"], json_body={"oid": oid, "parts": parts},
                        headers={"Content-Type": "application/vnd.git-lfs+json"})
            self.assertEqual(done.status, 200, done.body)
        else:
            put = call("PUT", upload["href"], body=data)
            self.assertEqual(put.status, 200, put.body)
        verify = call("POST", obj["actions"]["verify"]["href"], token=WRITE_TOKEN, json_body={"oid": oid, "size": len(data)})
        self.assertEqual(verify.status, 200, verify.body)
        return oid, header

    def download(self, path, revision="main"):
        answer = call("GET", f"{self.hub.endpoint}/{self.REPO}/resolve/{revision}/{path}")
        if answer.status == 302:
            answer = call("GET", answer.header("Location"))
        self.assertEqual(answer.status, 200, answer.body)
        return answer.body

    def test_basic_and_multipart_lfs_uploads_then_commit_are_downloadable_byte_identical(self):
        small, large = os.urandom(50_000), os.urandom(350_007)
        small_oid, small_header = self.upload_lfs(small)
        large_oid, large_header = self.upload_lfs(large)
        self.assertNotIn("chunk_size", small_header)
        self.assertEqual(large_header["chunk_size"], "100000")
        again = self.lfs_batch([{"oid": large_oid, "size": len(large)}]).json()["objects"][0]
        self.assertNotIn("actions", again, "an object already stored needs no upload")
        answer = self.commit([
            {"key": "header", "value": {"summary": "Upload weights", "description": "two LFS files"}},
            {"key": "lfsFile", "value": {"path": "weights/small.bin", "algo": "sha256", "oid": small_oid, "size": len(small)}},
            {"key": "lfsFile", "value": {"path": "large.data", "algo": "sha256", "oid": large_oid, "size": len(large)}},
            {"key": "file", "value": {"path": "config.json", "content": base64.b64encode(b"{}").decode(), "encoding": "base64"}},
        ])
        self.assertEqual(answer.status, 200, answer.body)
        commit = answer.json()["commitOid"]
        self.assertTrue(answer.json()["commitUrl"].endswith(f"/{self.REPO}/commit/{commit}"))
        self.assertEqual(self.download("weights/small.bin", commit), small)
        self.assertEqual(self.download("large.data", commit), large)
        self.assertEqual(self.download("config.json", commit), b"{}")
        # large.data matches no pattern: the commit adds it to .gitattributes, as the Hub does.
        self.assertIn(b"large.data filter=lfs", self.download(".gitattributes", commit))

    def test_cdn_refuses_an_upload_whose_content_does_not_match_its_sha256(self):
        data = os.urandom(20_000)
        oid = hashlib.sha256(data).hexdigest()
        href = self.lfs_batch([{"oid": oid, "size": len(data)}]).json()["objects"][0]["actions"]["upload"]["href"]
        wrong = call("PUT", href, body=data[:-1] + bytes([data[-1] ^ 1]))
        self.assertEqual(wrong.status, 400)
        self.assertIn("SHA-256 mismatch", wrong.json()["error"])
        self.assertFalse(os.path.exists(self.hub.object_path(oid)))
        short = call("PUT", href, body=data[:-1])
        self.assertEqual(short.status, 400)
        missing = self.commit([{"key": "header", "value": {"summary": "x"}},
                               {"key": "lfsFile", "value": {"path": "x.bin", "algo": "sha256", "oid": oid, "size": len(data)}}])
        self.assertEqual(missing.status, 400)
        self.assertIn("x.bin", missing.json()["error"])

    def test_cdn_accepts_a_chunked_upload_body(self):
        data = os.urandom(70_000)
        oid = hashlib.sha256(data).hexdigest()
        href = self.lfs_batch([{"oid": oid, "size": len(data)}]).json()["objects"][0]["actions"]["upload"]["href"]
        parts = urllib.parse.urlsplit(href)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        connection.request("PUT", parts.path, body=iter([data[:1000], data[1000:]]), encode_chunked=True)
        self.assertEqual(connection.getresponse().status, 200)
        connection.close()
        with open(self.hub.object_path(oid), "rb") as f:
            self.assertEqual(f.read(), data)

    def test_regular_file_over_the_lfs_threshold_is_refused_by_commit(self):
        big = base64.b64encode(b"x" * 2000).decode()
        answer = self.commit([{"key": "header", "value": {"summary": "too big"}},
                              {"key": "file", "value": {"path": "big.txt", "content": big, "encoding": "base64"}}])
        self.assertEqual(answer.status, 400)
        self.assertIn("big.txt", answer.json()["error"])

    def test_multipart_completion_with_a_wrong_etag_is_refused(self):
        data = os.urandom(320_000)
        oid = hashlib.sha256(data).hexdigest()
        upload = self.lfs_batch([{"oid": oid, "size": len(data)}]).json()["objects"][0]["actions"]["upload"]
        parts = []
        for number in range(1, 5):
            put = call("PUT", upload["header"][str(number)], body=data[(number - 1) * 100_000: number * 100_000])
            parts.append({"partNumber": number, "etag": put.header("ETag")})
        parts[2]["etag"] = '"0000"'
        refused = call("POST", upload["href"], json_body={"oid": oid, "parts": parts})
        self.assertEqual(refused.status, 400)
        self.assertFalse(os.path.exists(self.hub.object_path(oid)))

    def test_commit_with_a_stale_parent_answers_412(self):
        tip = call("GET", self.api("/revision/main")).json()["sha"]
        self.hub.commit(self.REPO, {"moved.txt": "moved"})
        stale = self.commit([{"key": "header", "value": {"summary": "late", "parentCommit": tip}},
                             {"key": "file", "value": {"path": "late.txt", "content": "bGF0ZQ==", "encoding": "base64"}}])
        self.assertEqual(stale.status, 412)
        self.assertIn("A commit has happened since", stale.json()["error"])

    def test_lose_answer_on_the_commit_commits_then_closes_without_a_byte(self):
        tip = call("GET", self.api("/revision/main")).json()["sha"]
        self.hub.fault("lose_answer", method="POST", path="/commit/")
        self.hub.clear_log()
        body = b'{"key": "header", "value": {"summary": "Lost"}}\n' \
               b'{"key": "file", "value": {"path": "lost.txt", "content": "bG9zdA==", "encoding": "base64"}}\n'
        status, headers, answer = raw_exchange(
            self.api("/commit/main"), method="POST", body=body,
            request_headers=f"Authorization: Bearer {WRITE_TOKEN}\r\nContent-Type: application/x-ndjson\r\n")
        self.assertEqual((status, headers, answer), (None, {}, b""))
        head = call("GET", self.api("/revision/main")).json()["sha"]
        self.assertNotEqual(head, tip)
        history = call("GET", self.api("/commits/main")).json()
        self.assertEqual([c["id"] for c in history[:2]], [head, tip])
        self.assertEqual(history[0]["title"], "Lost")
        self.assertEqual(self.download("lost.txt"), b"lost")
        (entry,) = [e for e in self.hub.log() if "/commit/" in e["path"]]
        self.assertEqual((entry["fault"], entry["aborted"], entry["status"], entry["bytes_sent"]),
                         ("lose_answer", True, 200, 0))
        # Disarmed after one hit: the next commit is answered.
        again = self.commit([{"key": "header", "value": {"summary": "Answered", "parentCommit": head}},
                             {"key": "file", "value": {"path": "answered.txt", "content": "YQ==", "encoding": "base64"}}])
        self.assertEqual(again.status, 200, again.body)

    def test_a_status_fault_on_the_commit_answers_before_anything_is_committed(self):
        tip = call("GET", self.api("/revision/main")).json()["sha"]
        self.hub.fault("status", method="POST", path="/commit/", status=503, retry_after=1, count=2)
        lines = [{"key": "header", "value": {"summary": "Busy", "parentCommit": tip}},
                 {"key": "file", "value": {"path": "busy.txt", "content": "Yg==", "encoding": "base64"}}]
        for _ in range(2):
            busy = self.commit(lines)
            self.assertEqual((busy.status, busy.header("Retry-After")), (503, "1"))
            self.assertEqual(call("GET", self.api("/revision/main")).json()["sha"], tip)
        # The same commit, with the same parent, goes through once the fault is used up.
        done = self.commit(lines)
        self.assertEqual(done.status, 200, done.body)
        self.assertEqual(call("GET", self.api("/revision/main")).json()["sha"], done.json()["commitOid"])

    def test_create_pr_commits_to_a_new_pr_ref_and_leaves_the_branch_alone(self):
        tip = call("GET", self.api("/revision/main")).json()["sha"]
        answer = self.commit([{"key": "header", "value": {"summary": "Propose"}},
                              {"key": "file", "value": {"path": "proposal.txt", "content": "cA==", "encoding": "base64"}}],
                             query="?create_pr=1")
        self.assertEqual(answer.status, 200, answer.body)
        url = answer.json()["pullRequestUrl"]
        number = url.rsplit("/", 1)[-1]
        self.assertIn(f"/{self.REPO}/discussions/", url)
        self.assertEqual(call("GET", self.api("/revision/main")).json()["sha"], tip)
        self.assertEqual(self.download("proposal.txt", f"refs%2Fpr%2F{number}"), b"p")

    def test_branches_are_created_from_a_starting_point_and_conflict_when_they_exist(self):
        tag_source = call("GET", self.api("/revision/main")).json()["sha"]
        created = call("POST", self.api("/branch/feature"), token=WRITE_TOKEN, json_body={"startingPoint": tag_source})
        self.assertEqual(created.status, 200, created.body)
        self.assertEqual(call("POST", self.api("/branch/feature"), token=WRITE_TOKEN, json_body={}).status, 409)
        self.assertEqual(call("GET", self.api("/revision/feature")).json()["sha"], tag_source)
        tag = call("POST", self.api("/tag/feature"), token=WRITE_TOKEN, json_body={"tag": "v9"})
        self.assertEqual(tag.status, 200)
        self.assertEqual(call("GET", self.api("/revision/v9")).json()["sha"], tag_source)

    def test_deleted_files_and_folders_leave_the_tree(self):
        self.hub.commit(self.REPO, {"trash/a.txt": "a", "trash/b/c.txt": "c", "gone.txt": "g"})
        answer = self.commit([{"key": "header", "value": {"summary": "Clean up"}},
                              {"key": "deletedFile", "value": {"path": "gone.txt"}},
                              {"key": "deletedFolder", "value": {"path": "trash"}}])
        self.assertEqual(answer.status, 200, answer.body)
        names = [s["rfilename"] for s in call("GET", self.api("")).json()["siblings"]]
        self.assertFalse([n for n in names if n.startswith("trash/") or n == "gone.txt"], names)
        missing = self.commit([{"key": "header", "value": {"summary": "x"}}, {"key": "deletedFile", "value": {"path": "gone.txt"}}])
        self.assertEqual((missing.status, missing.header("X-Error-Code")), (404, "EntryNotFound"))


class FaultTest(unittest.TestCase):
    """Each fault switch does what it says, hits only matching requests, and disarms after its count."""

    @classmethod
    def setUpClass(cls):
        cls.hub = TestHub(seed=True).start()
        cls.resolve = cls.hub.endpoint + "/hubdeps-demo/tiny-bert/resolve/main/model.safetensors"
        cls.location = call("HEAD", cls.resolve).header("Location")
        cls.sha256 = call("HEAD", cls.resolve).header("X-Linked-Etag").strip('"')
        cls.size = int(call("HEAD", cls.resolve).header("X-Linked-Size"))

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()

    def setUp(self):
        self.hub.clear_faults()
        self.hub.clear_log()

    def test_drop_after_bytes_cuts_the_body_and_disarms(self):
        self.hub.fault("drop_after_bytes", origin="cdn", path=r"^/objects/", bytes=1000)
        status, headers, body = raw_exchange(self.location)
        self.assertEqual((status, int(headers["content-length"]), len(body)), (200, self.size, 1000))
        whole = call("GET", self.location)
        self.assertEqual(hashlib.sha256(whole.body).hexdigest(), self.sha256)
        first, second = self.hub.log(origin="cdn")
        self.assertEqual((first["fault"], first["aborted"], first["bytes_sent"]), ("drop_after_bytes", True, 1000))
        self.assertEqual((second["fault"], second["bytes_sent"]), (None, self.size))

    def test_status_fault_answers_the_status_with_retry_after_for_count_requests(self):
        self.hub.fault("status", origin="hub", method="HEAD", path="resolve", status=429, retry_after=2, count=2)
        answers = [call("HEAD", self.resolve) for _ in range(3)]
        self.assertEqual([a.status for a in answers], [429, 429, 302])
        self.assertEqual(answers[0].header("Retry-After"), "2")
        self.assertEqual(call("GET", self.hub.endpoint + "/api/models/hubdeps-demo/tiny-bert").status, 200)

    def test_stall_before_headers_makes_a_client_time_out(self):
        self.hub.fault("stall", origin="cdn", seconds=3)
        started = time.monotonic()
        with self.assertRaises((socket.timeout, TimeoutError)):
            call("GET", self.location, timeout=0.5)
        self.assertLess(time.monotonic() - started, 2.5)

    def test_stall_after_headers_sends_headers_then_nothing(self):
        self.hub.fault("stall", origin="cdn", seconds=3, after_headers=True)
        parts = urllib.parse.urlsplit(self.location)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=0.5)
        connection.request("GET", f"{parts.path}?{parts.query}")
        response = connection.getresponse()
        self.assertEqual(response.status, 200)
        with self.assertRaises((socket.timeout, TimeoutError)):
            response.read()
        connection.close()

    def test_corrupt_sends_the_right_length_with_the_wrong_bytes(self):
        self.hub.fault("corrupt", origin="cdn")
        answer = call("GET", self.location)
        self.assertEqual(len(answer.body), self.size)
        self.assertNotEqual(hashlib.sha256(answer.body).hexdigest(), self.sha256)

    def test_truncate_announces_the_full_length_and_sends_less(self):
        self.hub.fault("truncate", origin="hub", path="config.json")
        status, headers, body = raw_exchange(self.hub.endpoint + "/hubdeps-demo/tiny-bert/resolve/main/config.json")
        self.assertEqual(status, 200)
        self.assertLess(len(body), int(headers["content-length"]))

    def test_redirect_loop_points_back_at_the_same_url(self):
        self.hub.fault("redirect_loop", origin="hub", count=-1)
        first = call("HEAD", self.resolve)
        second = call("HEAD", self.hub.hub + first.header("Location"))
        self.assertEqual((first.status, second.status), (302, 302))
        self.assertEqual(first.header("Location"), urllib.parse.urlsplit(self.resolve).path)

    def test_redirect_foreign_sends_clients_to_the_third_host_and_the_log_shows_who_sent_a_token(self):
        self.hub.fault("redirect_foreign", origin="cdn")
        # curl drops a custom Authorization header when a redirect changes host: the log must say so.
        result = subprocess.run(["curl", "-sS", "-L", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                                 "-H", f"Authorization: Bearer {WRITE_TOKEN}", self.resolve],
                                capture_output=True, text=True, timeout=30, env=self.hub.env())
        self.assertEqual(result.stdout, f"200 {self.size}", result.stderr)
        by_origin = {e["origin"]: e for e in self.hub.log()}
        self.assertTrue(by_origin["hub"]["authorization"])
        self.assertEqual(by_origin["cdn"]["status"], 302)
        self.assertEqual((by_origin["foreign"]["status"], by_origin["foreign"]["authorization"]), (200, False))

    def test_malformed_and_oversized_json_answers(self):
        info = self.hub.endpoint + "/api/models/hubdeps-demo/tiny-bert"
        self.hub.fault("malformed_json", path="/api/models/")
        with self.assertRaises(ValueError):
            call("GET", info).json()
        self.hub.fault("oversized_json", path="/api/models/", bytes=3_000_000)
        big = call("GET", info)
        self.assertEqual(len(big.body), 3_000_000)
        self.assertEqual(len(big.json()["padding"]), 3_000_000 - len('{"padding": ""}'))

    def test_hostile_listing_adds_escaping_paths_to_tree_and_paths_info(self):
        self.hub.fault("hostile_listing", count=2)
        tree = call("GET", self.hub.endpoint + "/api/models/hubdeps-demo/tiny-bert/tree/main?recursive=true").json()
        info = call("POST", self.hub.endpoint + "/api/models/hubdeps-demo/tiny-bert/paths-info/main",
                    json_body={"paths": ["config.json"]}).json()
        for listing in (tree, info):
            paths = [e["path"] for e in listing]
            self.assertIn("../evil", paths)
            self.assertIn("/abs/evil", paths)
            self.assertIn("a\\b", paths)
            self.assertIn("nul\0byte", paths)
        clean = call("GET", self.hub.endpoint + "/api/models/hubdeps-demo/tiny-bert/tree/main").json()
        self.assertNotIn("../evil", [e["path"] for e in clean])

    def test_log_records_every_origin_and_never_the_token(self):
        call("HEAD", self.resolve, token=READ_TOKEN)
        call("GET", self.location, headers={"Range": "bytes=5-"})
        hub_entry, cdn_entry = self.hub.log()
        self.assertEqual((hub_entry["origin"], hub_entry["method"], hub_entry["status"], hub_entry["authorization"]),
                         ("hub", "HEAD", 302, True))
        self.assertEqual((cdn_entry["origin"], cdn_entry["range"], cdn_entry["status"], cdn_entry["bytes_sent"]),
                         ("cdn", "bytes=5-", 206, self.size - 5))
        with open(os.path.join(self.hub.data_dir, "requests.log"), encoding="utf-8") as f:
            written = f.read()
        self.assertIn('"origin": "cdn"', written)
        self.assertNotIn(READ_TOKEN, written)
        self.assertNotIn("_hubtest", written)


class RealHubSwitchesTest(unittest.TestCase):
    """The Hub as it really is: each config switch, off by default, models one way the real Hub or a mirror
    differs from the protocol as documented."""

    @classmethod
    def setUpClass(cls):
        cls.hub = TestHub().start()
        cls.hub.create_repo("tester/many")
        cls.files = {f"shard-{i:02d}.txt": f"{i}\n" for i in range(30)}
        cls.commit = cls.hub.commit_details("tester/many", {**cls.files, "weights.bin": {
            "generate": {"size": 100_000, "seed": "switches"}, "lfs": True}})
        cls.weights = cls.commit["files"]["weights.bin"]

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()

    def setUp(self):
        self.addCleanup(self.hub.set_config, siblings_limit=-1, mirror_ignore_range=0, mirror_omit_range_headers=0,
                        gzip_api=0, real_hub_errors=0)

    def url(self, path):
        return self.hub.endpoint + path

    def test_siblings_limit_cuts_repo_info_silently_and_leaves_the_tree_whole(self):
        self.assertEqual(len(call("GET", self.url("/api/models/tester/many?blobs=true")).json()["siblings"]), 32)
        self.hub.set_config(siblings_limit=10, tree_page_size=7)
        info = call("GET", self.url("/api/models/tester/many/revision/main?blobs=true")).json()
        self.assertEqual((len(info["siblings"]), info["sha"]), (10, self.commit["commit"]))
        self.hub.set_config(siblings_limit=0)
        self.assertEqual(call("GET", self.url("/api/models/tester/many")).json()["siblings"], [])
        paths, url = [], self.url("/api/models/tester/many/tree/main?recursive=true")
        while url:
            page = call("GET", url)
            paths += [entry["path"] for entry in page.json()]
            link = page.header("Link")
            url = link[1:link.index(">")] if link else None
        self.hub.set_config(tree_page_size=1000)
        self.assertEqual(sorted(paths), sorted([".gitattributes", "weights.bin", *self.files]))

    def test_mirror_ignore_range_answers_200_with_the_whole_body(self):
        self.hub.set_config(mirror_ignore_range=1)
        location = call("HEAD", self.url("/tester/many/resolve/main/weights.bin")).header("Location")
        for url in (location, self.url("/tester/many/resolve/main/shard-01.txt")):
            answer = call("GET", url, headers={"Range": "bytes=1-"})
            self.assertEqual(answer.status, 200, url)
            self.assertIsNone(answer.header("Content-Range"))
        self.assertEqual(len(call("GET", location, headers={"Range": "bytes=10-19"}).body), 100_000)

    def test_mirror_omit_range_headers_serves_ranges_without_accept_ranges_or_content_range(self):
        self.hub.set_config(mirror_omit_range_headers=1)
        head = call("HEAD", self.url("/tester/many/resolve/main/weights.bin"))
        self.assertIsNone(head.header("Accept-Ranges"))
        answer = call("GET", head.header("Location"), headers={"Range": "bytes=10-19"})
        self.assertEqual((answer.status, len(answer.body)), (206, 10))
        self.assertIsNone(answer.header("Content-Range"))
        self.assertIsNone(answer.header("Accept-Ranges"))

    def test_gzip_api_compresses_every_json_answer_of_the_api_asked_for_or_not(self):
        import gzip
        self.hub.set_config(gzip_api=1)
        answer = call("GET", self.url("/api/models/tester/many?blobs=true"))
        self.assertEqual(answer.header("Content-Encoding"), "gzip")
        self.assertEqual(json.loads(gzip.decompress(answer.body))["sha"], self.commit["commit"])
        missing = call("GET", self.url("/api/models/tester/many/revision/nope"))
        self.assertEqual((missing.status, missing.header("Content-Encoding")), (404, "gzip"))
        file = call("GET", self.url("/tester/many/resolve/main/shard-01.txt"))
        self.assertEqual((file.header("Content-Encoding"), file.body), (None, b"1\n"))

    def test_real_hub_errors_send_the_hubs_texts_under_lower_case_header_names(self):
        self.hub.set_config(real_hub_errors=1)
        cases = [("/hubdeps-test/missing/resolve/main/a.txt", None, 401, "RepoNotFound", "Invalid username or password."),
                 ("/api/models/hubdeps-test/missing", READ_TOKEN, 404, "RepoNotFound", "Repository not found"),
                 ("/tester/many/resolve/nope/a.txt", None, 404, "RevisionNotFound", "Invalid rev id: nope"),
                 ("/tester/many/resolve/main/missing.txt", None, 404, "EntryNotFound", "Entry not found")]
        for path, token, status, code, message in cases:
            with self.subTest(path=path):
                status_line, headers, body = raw_exchange(
                    self.url(path), "Connection: close\r\n" + (f"Authorization: Bearer {token}\r\n" if token else ""))
                self.assertEqual((status_line, headers["x-error-code"], headers["x-error-message"]),
                                 (status, code, message))
        connection = http.client.HTTPConnection("127.0.0.1", urllib.parse.urlsplit(self.hub.endpoint).port, timeout=10)
        connection.request("HEAD", "/tester/many/resolve/main/missing.txt")
        names = dict(connection.getresponse().getheaders())
        connection.close()
        self.assertEqual((names["x-error-code"], names["x-repo-commit"]), ("EntryNotFound", self.commit["commit"]))
        self.assertNotIn("X-Error-Code", names)
        answer = call("GET", self.url("/api/models/tester/many/revision/nope"))
        self.assertEqual(answer.json(), {"error": "Invalid rev id: nope"})

    def test_omit_error_message_leaves_the_message_in_the_body_only(self):
        self.addCleanup(self.hub.set_config, omit_error_message=0, real_hub_errors=0)
        self.hub.set_config(omit_error_message=1)
        missing = call("GET", self.url("/api/models/tester/many/revision/nope"))
        self.assertEqual((missing.status, missing.header("X-Error-Code")), (404, "RevisionNotFound"))
        self.assertIsNone(missing.header("X-Error-Message"))
        self.assertIn("nope", missing.json()["error"])
        self.hub.set_config(real_hub_errors=1)
        entry = call("GET", self.url("/tester/many/resolve/main/missing.txt"))
        self.assertEqual((entry.status, entry.header("x-error-code"), entry.body), (404, "EntryNotFound", b"Entry not found"))
        self.assertIsNone(entry.header("x-error-message"))


class LinkShapeTest(unittest.TestCase):
    """link_rate and link_delay_ms: a link shaped like the Hub's CDN, where each connection's throughput and the
    round trip, not the machine, set the pace. The cap is set at start (--config), the delay through the API."""

    RATE = 8 << 20  # bytes per second per connection
    SIZE = 4 << 20

    @classmethod
    def setUpClass(cls):
        cls.hub = TestHub(config={"link_rate": cls.RATE}).start()
        cls.hub.create_repo("tester/link")
        cls.hub.commit("tester/link", {"small.txt": "small\n", "weights.bin": {
            "generate": {"size": cls.SIZE, "seed": "link"}, "lfs": True}})
        cls.location = call("HEAD", cls.hub.endpoint + "/tester/link/resolve/main/weights.bin").header("Location")

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()

    def setUp(self):
        self.addCleanup(self.hub.set_config, link_rate=self.RATE, link_delay_ms=0)
        self.hub.clear_log()

    def get_ranges(self, ranges, pause=0.0):
        """GETs the ranges one after another on one keep-alive connection; the seconds each took."""
        parts = urllib.parse.urlsplit(self.location)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        took = []
        try:
            for first, last in ranges:
                began = time.monotonic()
                connection.request("GET", f"{parts.path}?{parts.query}", headers={"Range": f"bytes={first}-{last}"})
                response = connection.getresponse()
                self.assertEqual((response.status, len(response.read())), (206, last - first + 1))
                took.append(time.monotonic() - began)
                time.sleep(pause)
        finally:
            connection.close()
        return took

    def test_link_rate_is_set_at_start_and_reported(self):
        self.assertEqual(self.hub.set_config()["link_rate"], self.RATE)

    def test_one_connection_delivers_at_about_the_cap_across_its_answers_and_idle_time_earns_no_credit(self):
        half = self.SIZE // 2
        first, second = self.get_ranges([(0, half - 1), (half, self.SIZE - 1)], pause=0.3)
        for took in (first, second):  # 2 MiB at 8 MiB/s: 0.25 s (less 1/50 s of credit); load only adds to it
            self.assertGreater(took, 0.85 * half / self.RATE)
            self.assertLess(took, 4 * half / self.RATE)
        cdn = [e for e in settled_log(self.hub) if e["origin"] == "cdn"]
        self.assertEqual(len({e["connection"] for e in cdn}), 1, cdn)
        whole = self.get_ranges([(0, self.SIZE - 1)])[0]
        self.assertGreater(whole, 0.9 * self.SIZE / self.RATE)

    def test_two_connections_get_twice_the_rate(self):
        took = []
        threads = [threading.Thread(target=lambda: took.extend(self.get_ranges([(0, self.SIZE - 1)])))
                   for _ in range(2)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - began
        self.assertEqual(len(took), 2)
        self.assertTrue(all(t > 0.9 * self.SIZE / self.RATE for t in took), took)  # each still capped
        self.assertGreater(2 * self.SIZE / wall, 1.4 * self.RATE, f"{wall:.2f} s for both")  # ...side by side
        cdn = [e for e in settled_log(self.hub) if e["origin"] == "cdn"]
        self.assertEqual(len({e["connection"] for e in cdn}), 2, cdn)

    def test_link_delay_ms_delays_every_answer_on_every_origin_but_not_the_test_controls(self):
        self.hub.set_config(link_delay_ms=300)
        began = time.monotonic()
        self.hub.log()
        controls = time.monotonic() - began
        for url in (self.hub.endpoint + "/tester/link/resolve/main/small.txt", self.location):
            began = time.monotonic()
            answer = call("HEAD", url)
            self.assertIn(answer.status, (200, 302))
            self.assertGreaterEqual(time.monotonic() - began, 0.3, url)
        self.assertLess(controls, 0.3)
        self.hub.set_config(link_delay_ms=0)
        began = time.monotonic()
        call("HEAD", self.location)
        self.assertLess(time.monotonic() - began, 0.3)


def settled_log(hub) -> list:
    """The request log once the server has logged the last answer (it logs after answering)."""
    entries = hub.log()
    for _ in range(40):
        time.sleep(0.05)
        again = hub.log()
        if len(again) == len(entries):
            return again
        entries = again
    return entries


class XetStorageTest(unittest.TestCase):
    """xet_min_size: LFS files served as the Hub serves files that live in Xet storage, bytes from the bridge."""

    @classmethod
    def setUpClass(cls):
        cls.hub = TestHub().start()
        cls.hub.set_config(xet_min_size=1 << 20)
        cls.hub.create_repo("tester/xet", private=True)
        cls.files = cls.hub.commit_details("tester/xet", {
            "big.safetensors": {"generate": {"size": 2 << 20, "seed": "xet"}, "lfs": True},
            "small.bin": {"generate": {"size": 1000, "seed": "xet-small"}, "lfs": True}})
        cls.commit, cls.big = cls.files["commit"], cls.files["files"]["big.safetensors"]

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()

    def resolve(self, path, method="HEAD"):
        return call(method, f"{self.hub.endpoint}/tester/xet/resolve/main/{path}", token=READ_TOKEN)

    def test_resolve_answers_the_xet_headers_and_redirects_to_the_bridge_with_a_signed_url(self):
        head = self.resolve("big.safetensors")
        self.assertEqual(head.status, 302)
        self.assertEqual((head.header("X-Linked-Etag"), head.header("X-Linked-Size")),
                         (f'"{self.big["sha256"]}"', str(self.big["size"])))
        self.assertEqual(head.header("X-Repo-Commit"), self.commit)
        xet = head.header("X-Xet-Hash")
        self.assertRegex(xet, r"^[0-9a-f]{64}$")
        route = f"{self.hub.endpoint}/api/models/tester/xet/xet-read-token/{self.commit}"
        self.assertEqual(head.header("Link"), f'<{route}>; rel="xet-auth"')
        self.assertEqual(head.header("X-Xet-Refresh-Route"), route)
        location = head.header("Location")
        self.assertTrue(location.startswith(self.hub.bridge + "/xet-bridge-us/"), location)
        self.assertIn(f"/{xet}?", location)
        self.assertIn("X-Amz-Signature=", location)
        # The GET answers the same, and the bridge serves the bytes (ranges too) without a token.
        self.assertEqual(self.resolve("big.safetensors", "GET").header("X-Xet-Hash"), xet)
        whole = call("GET", location)
        self.assertEqual((whole.status, hashlib.sha256(whole.body).hexdigest()), (200, self.big["sha256"]))
        self.assertIn("big.safetensors", whole.header("Content-Disposition"))
        part = call("GET", location, headers={"Range": "bytes=10-19"})
        self.assertEqual((part.status, part.body), (206, whole.body[10:20]))
        # Smaller LFS files stay with the CDN.
        small = self.resolve("small.bin")
        self.assertTrue(small.header("Location").startswith(self.hub.cdn + "/objects/"))
        self.assertIsNone(small.header("X-Xet-Hash"))

    def test_the_bridge_refuses_a_changed_or_expired_url_as_a_storage_host_does(self):
        location = self.resolve("big.safetensors").header("Location")
        tampered = call("GET", location.replace("Expires=", "Expires=9"))  # a later expiry, the same signature
        self.assertEqual(tampered.status, 403)
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", tampered.body)
        self.assertIsNone(tampered.header("X-Error-Code"))
        self.hub.set_config(xet_url_ttl=-5)
        try:
            expired = call("GET", self.resolve("big.safetensors").header("Location"))
        finally:
            self.hub.set_config(xet_url_ttl=3600)
        self.assertEqual(expired.status, 403)
        self.assertIn(b"Request has expired", expired.body)

    def test_the_tree_lists_the_xet_hash_and_the_token_route_answers(self):
        head = self.resolve("big.safetensors")
        tree = call("GET", f"{self.hub.endpoint}/api/models/tester/xet/tree/main", token=READ_TOKEN).json()
        entries = {e["path"]: e for e in tree}
        self.assertEqual(entries["big.safetensors"]["xetHash"], head.header("X-Xet-Hash"))
        self.assertNotIn("xetHash", entries["small.bin"])
        token = call("GET", head.header("X-Xet-Refresh-Route"), token=READ_TOKEN)
        self.assertEqual(token.status, 200)
        self.assertEqual(token.header("X-Xet-Cas-Url"), self.hub.bridge)
        self.assertTrue(token.header("X-Xet-Access-Token"))
        self.assertGreater(int(token.header("X-Xet-Token-Expiration")), time.time())
        self.assertEqual(call("GET", head.header("X-Xet-Refresh-Route")).status, 401)  # private: the Hub's token


class PersistenceTest(unittest.TestCase):
    def test_a_restarted_server_serves_what_the_data_folder_holds(self):
        root = tempfile.mkdtemp(prefix="hubtest-persist-")
        try:
            with TestHub(root=root) as hub:
                hub.create_repo("tester/kept")
                commit = hub.commit("tester/kept", {"a.txt": "kept\n"})
            with TestHub(root=root) as hub:
                answer = call("GET", hub.endpoint + "/tester/kept/resolve/main/a.txt")
                self.assertEqual((answer.body, answer.header("X-Repo-Commit")), (b"kept\n", commit))
        finally:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
