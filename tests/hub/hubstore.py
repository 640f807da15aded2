"""State of the local test Hub: blobs, repositories, commits and refs, persisted under a data folder.

The data folder is the truth: `state.json` holds repositories, commits, refs, tokens and settings, and
`objects/<sha256>` holds every blob's bytes (regular and LFS alike), so the HTTP layer can serve a body
straight from a file with sendfile. Everything here is Python standard library only.

The model is git-like on purpose, because the clients under test care about exactly these properties:
a commit is immutable and holds a full tree `{path: (sha256, is_lfs)}`; branches, tags and `refs/pr/N`
point to commits; a regular file's identity is its git blob SHA-1, an LFS file's is its SHA-256.
"""

from __future__ import annotations

import codecs
import datetime
import fnmatch
import hashlib
import json
import os
import re
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

# One stored blob: enough to answer every listing and resolve header without reading the bytes.
@dataclass(frozen=True)
class Blob:
    sha256: str
    size: int
    git_sha1: str


class HubError(Exception):
    """An answer the Hub gives as an error: status, `X-Error-Code`, `X-Error-Message`."""

    def __init__(self, status: int, message: str, code: str | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})


REPO_TYPES = ("model", "dataset", "space")
DEFAULT_BRANCH = "main"
COPY_CHUNK = 1 << 20
GENERATE_CHUNK = 4 << 20

# The git-lfs pointer file that git stores in place of an LFS file (spec v1).
def lfs_pointer(sha256: str, size: int) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


DEFAULT_GITATTRIBUTES = "".join(
    f"{pattern} filter=lfs diff=lfs merge=lfs -text\n"
    for pattern in (
        "*.7z", "*.arrow", "*.bin", "*.bz2", "*.ckpt", "*.ftz", "*.gz", "*.h5", "*.joblib", "*.lfs.*",
        "*.mlmodel", "*.model", "*.msgpack", "*.npy", "*.npz", "*.onnx", "*.ot", "*.parquet", "*.pb",
        "*.pickle", "*.pkl", "*.pt", "*.pth", "*.rar", "*.safetensors", "saved_model/**/*", "*.tar.*",
        "*.tar", "*.tflite", "*.tgz", "*.wasm", "*.xz", "*.zip", "*.zst", "*tfevents*", "*.gguf",
    )
)

DEFAULT_CONFIG = {
    # Preupload answers "lfs" above this size (the Hub's rule is 10 MB); tests lower it to use small files.
    "lfs_threshold": 10 * 1024 * 1024,
    # LFS batch answers "multipart" for objects of at least this size, in parts of multipart_chunk_size.
    "multipart_threshold": 16 * 1024 * 1024,
    "multipart_chunk_size": 8 * 1024 * 1024,
    "tree_page_size": 1000,
    # The Hub as it really is (tests/hub/README.md, "The Hub as it really is"); each off by default.
    # Repo info lists at most this many siblings (-1: all; 0: none), as the Hub's cached answer may for big repos.
    "siblings_limit": -1,
    # A mirror that ignores Range: 200 with the whole body, no Content-Range.
    "mirror_ignore_range": 0,
    # A mirror that serves ranges but sends neither Accept-Ranges nor Content-Range.
    "mirror_omit_range_headers": 0,
    # A mirror that gzips every JSON answer of /api/ (Content-Encoding: gzip), asked for or not.
    "gzip_api": 0,
    # Errors exactly as the Hub sends them over HTTP/2: lower-case header names, the Hub's own texts.
    "real_hub_errors": 0,
    # A proxy or mirror that drops X-Error-Message: the message is left only in the body (JSON {"error"}, or text).
    "omit_error_message": 0,
    # Xet storage: LFS files of at least this many bytes (-1: none) are served as the Hub serves Xet-backed files
    # (X-Xet-Hash, Link rel="xet-auth", a redirect to the bridge origin), at URLs valid for xet_url_ttl seconds.
    "xet_min_size": -1,
    "xet_url_ttl": 3600,
    # A link shaped like the Hub's CDN: each TCP connection carries at most link_rate bytes per second (0: no cap),
    # across the answers sent on it, and every answer waits link_delay_ms before it goes out (a round trip).
    "link_rate": 0,
    "link_delay_ms": 0,
}

DEFAULT_TOKENS = {
    "hf_test_write_token": {"user": "tester", "role": "write", "orgs": ["hubdeps-demo", "hubdeps-test"]},
    "hf_test_read_token": {"user": "tester", "role": "read", "orgs": ["hubdeps-demo", "hubdeps-test"]},
    # A valid token of another user: sees public repos only, owns nothing here.
    "hf_test_outsider_token": {"user": "outsider", "role": "write", "orgs": []},
}

_REPO_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def validate_repo_id(repo_id: str) -> None:
    parts = repo_id.split("/")
    if not 1 <= len(parts) <= 2 or len(repo_id) > 96:
        raise HubError(400, f"Invalid repo id '{repo_id}': expected 'namespace/name' of at most 96 characters")
    for part in parts:
        if not _REPO_PART.match(part) or "--" in part or ".." in part or part.endswith(("-", ".")):
            raise HubError(400, f"Invalid repo id '{repo_id}': use letters, digits, '-', '_' and '.' only")


def validate_repo_path(path: str) -> None:
    """A path inside a repo: what a real Hub would accept in a commit. Hostile names only ever come
    from the hostile_listing fault, never from the store."""
    bad = (
        not path
        or path.startswith("/")
        or "\\" in path
        or "\0" in path
        or any(part in ("", ".", "..") for part in path.split("/"))
        or path == ".git"
        or path.startswith(".git/")
    )
    if bad:
        raise HubError(400, f"Invalid path in repository: {path!r}")


def is_binary_sample(sample: bytes) -> bool:
    """The Hub's rule of thumb: a NUL byte, or bytes that are not UTF-8, mean binary. The sample is cut
    at 512 bytes, so a multi-byte character split at the end is not held against it."""
    if b"\0" in sample:
        return True
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return True
    return False


def _attribute_patterns(gitattributes: str, attribute: str) -> list[str]:
    patterns = []
    for line in gitattributes.splitlines():
        fields = line.strip().split()
        if fields and not fields[0].startswith("#") and attribute in fields[1:]:
            patterns.append(fields[0])
    return patterns


def matches_git_pattern(pattern: str, path: str) -> bool:
    """gitattributes/gitignore matching, the subset that matters: a pattern without `/` matches the
    base name at any depth; one with `/` matches the whole path (`**` spans folders)."""
    pattern = pattern.rstrip("/") if pattern.endswith("/") else pattern
    if "/" not in pattern:
        return fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], pattern) or any(
            fnmatch.fnmatchcase(part, pattern) for part in path.split("/")[:-1]
        )
    pattern = pattern.lstrip("/")
    regex = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
    regex = regex.replace(r"\?", "[^/]")
    return re.fullmatch(regex, path) is not None or path.startswith(pattern + "/")


def is_lfs_tracked(gitattributes: str, path: str) -> bool:
    return any(matches_git_pattern(p, path) for p in _attribute_patterns(gitattributes, "filter=lfs"))


def is_git_ignored(gitignore: str, path: str) -> bool:
    ignored = False
    for line in gitignore.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        if matches_git_pattern(line[1:] if negate else line, path):
            ignored = not negate
    return ignored


def write_atomically(path: str, data: bytes) -> None:
    folder = os.path.dirname(path) or "."
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


class ObjectStore:
    """Blobs as files named by SHA-256 under `objects/`, written via a temporary file + rename."""

    def __init__(self, folder: str, index: dict):
        self.folder = folder
        self.index = index  # sha256 -> {"size", "git_sha1"}; owned and persisted by HubState
        os.makedirs(folder, exist_ok=True)

    def path(self, sha256: str) -> str:
        return os.path.join(self.folder, sha256)

    def get(self, sha256: str) -> Blob | None:
        entry = self.index.get(sha256)
        if entry is None or not os.path.exists(self.path(sha256)):
            return None
        return Blob(sha256, entry["size"], entry["git_sha1"])

    def put_bytes(self, data: bytes) -> Blob:
        return self.ingest([data], len(data))

    def ingest(self, chunks, expected_size: int | None, expected_sha256: str | None = None) -> Blob:
        """Stream chunks into a new object, hashing while writing; refuse (HubError 400) content whose
        size or SHA-256 differs from what was announced, so nothing unverified is ever stored."""
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".incoming-")
        sha256 = hashlib.sha256()
        sha1 = hashlib.sha1(b"blob %d\0" % expected_size) if expected_size is not None else None
        size = 0
        # The two digests run on worker threads while this one writes (hashlib releases the GIL on big
        # buffers), so a 1 GiB object costs about one pass instead of three.
        pending = []
        try:
            with os.fdopen(fd, "wb") as out, ThreadPoolExecutor(max_workers=2) as pool:
                for chunk in chunks:
                    for job in pending:
                        job.result()
                    size += len(chunk)
                    pending = [pool.submit(sha256.update, chunk)]
                    if sha1 is not None:
                        pending.append(pool.submit(sha1.update, chunk))
                    out.write(chunk)
                for job in pending:
                    job.result()
            digest = sha256.hexdigest()
            if expected_size is not None and size != expected_size:
                raise HubError(400, f"Size mismatch: announced {expected_size} bytes, received {size}")
            if expected_sha256 is not None and digest != expected_sha256:
                raise HubError(400, f"SHA-256 mismatch: announced {expected_sha256}, received content hashes to {digest}")
            git_sha1 = sha1.hexdigest() if sha1 is not None else self._git_sha1_of_file(temp, size)
            os.replace(temp, self.path(digest))
        except BaseException:
            if os.path.exists(temp):
                os.unlink(temp)
            raise
        self.index[digest] = {"size": size, "git_sha1": git_sha1}
        return Blob(digest, size, git_sha1)

    @staticmethod
    def _git_sha1_of_file(path: str, size: int) -> str:
        sha1 = hashlib.sha1(b"blob %d\0" % size)
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(COPY_CHUNK), b""):
                sha1.update(chunk)
        return sha1.hexdigest()

    def generate(self, size: int, seed: int | str) -> Blob:
        """Deterministic content of any size (tests use up to 2 GiB) without holding it in memory: one
        pseudo-random 1 MiB block from the seed, each copy stamped with its block number so no two
        blocks are alike (a resume at a wrong offset cannot go unnoticed)."""
        block = bytearray(hashlib.shake_256(f"hubtest-seed:{seed}".encode()).digest(COPY_CHUNK))

        def chunks():
            remaining, number = size, 0
            while remaining > 0:
                pieces = []
                for _ in range(GENERATE_CHUNK // COPY_CHUNK):
                    if remaining <= 0:
                        break
                    block[0:16] = f"{number:016x}".encode()
                    pieces.append(bytes(block[: min(remaining, COPY_CHUNK)]))
                    remaining -= len(pieces[-1])
                    number += 1
                yield b"".join(pieces)

        return self.ingest(chunks(), size)


@dataclass
class Commit:
    oid: str
    parents: list
    tree: dict  # path -> [sha256, is_lfs]
    title: str
    message: str
    date: str
    author: str

    def to_json(self) -> dict:
        return self.__dict__.copy()


@dataclass
class Repo:
    type: str
    id: str
    private: bool = False
    gated: object = False  # False | "auto" | "manual"
    gated_access: list = field(default_factory=list)
    created_at: str = field(default_factory=now_iso)
    commits: dict = field(default_factory=dict)  # oid -> Commit
    branches: dict = field(default_factory=dict)
    tags: dict = field(default_factory=dict)
    pulls: dict = field(default_factory=dict)  # "N" -> oid, the refs/pr/N refs
    disabled: bool = False

    @property
    def key(self) -> tuple:
        return (self.type, self.id)

    @property
    def namespace(self) -> str:
        return self.id.split("/")[0] if "/" in self.id else ""

    @property
    def url_path(self) -> str:
        """Where the repo lives in web and resolve URLs: no prefix for models."""
        return self.id if self.type == "model" else f"{self.type}s/{self.id}"

    def to_json(self) -> dict:
        data = {k: v for k, v in self.__dict__.items() if k != "commits"}
        data["commits"] = {oid: c.to_json() for oid, c in self.commits.items()}
        return data

    @staticmethod
    def from_json(data: dict) -> "Repo":
        data = dict(data)
        commits = {oid: Commit(**c) for oid, c in data.pop("commits").items()}
        repo = Repo(**data)
        repo.commits = commits
        return repo


class HubState:
    """Repositories, tokens and settings, behind one lock; every change is saved before it returns."""

    def __init__(self, root: str):
        self.root = root
        self.lock = threading.RLock()
        self.state_path = os.path.join(root, "state.json")
        os.makedirs(root, exist_ok=True)
        data = {}
        if os.path.exists(self.state_path):
            with open(self.state_path, encoding="utf-8") as f:
                data = json.load(f)
        self.config = {**DEFAULT_CONFIG, **data.get("config", {})}
        self.tokens = data.get("tokens", json.loads(json.dumps(DEFAULT_TOKENS)))
        self.counter = data.get("counter", 0)
        self.generated = data.get("generated", {})  # "size:seed" -> sha256
        self.renames = data.get("renames", {})  # "type:old_id" -> new_id
        self.repos = {}
        for repo_data in data.get("repos", []):
            repo = Repo.from_json(repo_data)
            self.repos[repo.key] = repo
        self.objects = ObjectStore(os.path.join(root, "objects"), data.get("blobs", {}))
        self._last_commit_memo = {}

    def save(self) -> None:
        with self.lock:
            data = {
                "config": self.config,
                "tokens": self.tokens,
                "counter": self.counter,
                "generated": self.generated,
                "renames": self.renames,
                "blobs": self.objects.index,
                "repos": [repo.to_json() for repo in self.repos.values()],
            }
            write_atomically(self.state_path, json.dumps(data, indent=1).encode())

    # ---- blobs -------------------------------------------------------------------------------------------
    def generate(self, size: int, seed) -> Blob:
        key = f"{size}:{seed}"
        with self.lock:
            known = self.generated.get(key)
            blob = self.objects.get(known) if known else None
        if blob is None:
            # Outside the lock: a 2 GiB object takes seconds and must not stall every other request.
            blob = self.objects.generate(size, seed)
            with self.lock:
                self.generated[key] = blob.sha256
                self.save()
        return blob

    def blob(self, sha256: str) -> Blob:
        blob = self.objects.get(sha256)
        if blob is None:
            raise HubError(500, f"Object {sha256} is missing from the test Hub's object store")
        return blob

    # ---- repos -------------------------------------------------------------------------------------------
    def get_repo(self, repo_type: str, repo_id: str) -> Repo | None:
        return self.repos.get((repo_type, repo_id))

    def renamed_to(self, repo_type: str, repo_id: str) -> str | None:
        return self.renames.get(f"{repo_type}:{repo_id}")

    def create_repo(self, repo_type: str, repo_id: str, private=False, gated=False, gated_access=(),
                    author="tester", gitattributes=True) -> Repo:
        if repo_type not in REPO_TYPES:
            raise HubError(400, f"Invalid repo type '{repo_type}': expected one of {', '.join(REPO_TYPES)}")
        validate_repo_id(repo_id)
        with self.lock:
            if (repo_type, repo_id) in self.repos:
                raise HubError(409, f"You already created this {repo_type} repo: {repo_id}")
            repo = Repo(repo_type, repo_id, bool(private), gated or False, list(gated_access))
            self.repos[repo.key] = repo
            self.renames.pop(f"{repo_type}:{repo_id}", None)
            # Like the Hub, a new repo starts with one commit holding the default .gitattributes.
            files = {".gitattributes": self.objects.put_bytes(DEFAULT_GITATTRIBUTES.encode())} if gitattributes else {}
            self._new_commit(repo, None, {p: [b.sha256, False] for p, b in files.items()}, "initial commit", "", author)
            self.save()
            return repo

    def delete_repo(self, repo: Repo) -> None:
        with self.lock:
            self.repos.pop(repo.key, None)
            self.save()

    def rename_repo(self, repo: Repo, new_id: str) -> Repo:
        validate_repo_id(new_id)
        with self.lock:
            if (repo.type, new_id) in self.repos:
                raise HubError(409, f"Cannot rename {repo.id}: {new_id} already exists")
            del self.repos[repo.key]
            self.renames[f"{repo.type}:{repo.id}"] = new_id
            # Old names that pointed at this repo follow it to the new name.
            for key, target in list(self.renames.items()):
                if target == repo.id and key.startswith(repo.type + ":"):
                    self.renames[key] = new_id
            repo.id = new_id
            self.repos[repo.key] = repo
            self.save()
            return repo

    # ---- revisions ---------------------------------------------------------------------------------------
    def resolve(self, repo: Repo, revision: str) -> str:
        with self.lock:
            if revision == "HEAD":
                revision = DEFAULT_BRANCH
            if revision in repo.branches:
                return repo.branches[revision]
            if revision in repo.tags:
                return repo.tags[revision]
            match = re.fullmatch(r"refs/pr/(\d+)", revision)
            if match and match.group(1) in repo.pulls:
                return repo.pulls[match.group(1)]
            if re.fullmatch(r"[0-9a-f]{40}", revision) and revision in repo.commits:
                return revision
            if revision.startswith("refs/heads/") and revision[11:] in repo.branches:
                return repo.branches[revision[11:]]
            raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")

    def commit_of(self, repo: Repo, oid: str) -> Commit:
        return repo.commits[oid]

    def last_commit(self, repo: Repo, oid: str, path: str) -> Commit:
        """The newest commit reachable from `oid` that changed `path` (a file or a folder)."""
        key = (repo.key, oid, path)
        if key in self._last_commit_memo:
            return self._last_commit_memo[key]

        def state_of(commit: Commit):
            if path in commit.tree:
                return tuple(commit.tree[path])
            prefix = path + "/"
            return tuple(sorted((p, tuple(v)) for p, v in commit.tree.items() if p.startswith(prefix)))

        with self.lock:
            current = repo.commits[oid]
            wanted = state_of(current)
            while current.parents and current.parents[0] in repo.commits:
                parent = repo.commits[current.parents[0]]
                if state_of(parent) != wanted:
                    break
                current = parent
        self._last_commit_memo[key] = current
        return current

    def _new_commit(self, repo: Repo, parent: str | None, tree: dict, title: str, message: str, author: str) -> Commit:
        self.counter += 1
        tree_digest = hashlib.sha1(json.dumps(sorted(tree.items())).encode()).hexdigest()
        oid = hashlib.sha1(f"{parent}\n{tree_digest}\n{title}\n{self.counter}".encode()).hexdigest()
        commit = Commit(oid, [parent] if parent else [], tree, title, message, now_iso(), author)
        repo.commits[oid] = commit
        if parent is None and DEFAULT_BRANCH not in repo.branches:
            repo.branches[DEFAULT_BRANCH] = oid
        return commit

    def apply_commit(self, repo: Repo, revision: str, operations: list, title: str, message: str = "",
                     parent_commit: str | None = None, create_pr: bool = False, author: str = "tester"):
        """Commit `operations` ([("put", path, sha256, is_lfs)], [("delete", path)], [("delete_folder",
        path)]) on a branch or `refs/pr/N`; returns (Commit, pr_number or None)."""
        with self.lock:
            pr_match = re.fullmatch(r"refs/pr/(\d+)", revision)
            if pr_match:
                if pr_match.group(1) not in repo.pulls:
                    raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
                tip = repo.pulls[pr_match.group(1)]
            elif revision in repo.branches:
                tip = repo.branches[revision]
            else:
                raise HubError(404, f"Invalid rev id: {revision} is not a branch of {repo.id}", "RevisionNotFound")
            if parent_commit and not create_pr and parent_commit != tip:
                raise HubError(412, "A commit has happened since. Please refresh and try again.")
            base = parent_commit if (create_pr and parent_commit) else tip
            if base not in repo.commits:
                raise HubError(404, f"Invalid rev id: {base}", "RevisionNotFound")
            tree = {p: list(v) for p, v in repo.commits[base].tree.items()}
            for op in operations:
                kind, path = op[0], op[1]
                if kind == "put":
                    validate_repo_path(path)
                    if self.objects.get(op[2]) is None:
                        raise HubError(400, f"Object {op[2]} for {path} is not in the object store")
                    # A file cannot also be a folder, and a folder cannot also be a file.
                    for other in tree:
                        if other.startswith(path + "/") or path.startswith(other + "/"):
                            raise HubError(400, f"Cannot add {path}: it conflicts with {other} in {repo.id}")
                    tree[path] = [op[2], bool(op[3])]
                elif kind == "delete":
                    if path not in tree:
                        raise HubError(404, f"Cannot delete {path}: entry not found in {repo.id}@{revision}", "EntryNotFound")
                    del tree[path]
                elif kind == "delete_folder":
                    prefix = path.rstrip("/") + "/"
                    doomed = [p for p in tree if p.startswith(prefix)]
                    if not doomed:
                        raise HubError(404, f"Cannot delete folder {path}: not found in {repo.id}@{revision}", "EntryNotFound")
                    for p in doomed:
                        del tree[p]
                else:
                    raise HubError(400, f"Unknown commit operation {kind!r}")
            commit = self._new_commit(repo, base, tree, title, message, author)
            pr_number = None
            if create_pr:
                pr_number = str(len(repo.pulls) + 1)
                while pr_number in repo.pulls:
                    pr_number = str(int(pr_number) + 1)
                repo.pulls[pr_number] = commit.oid
            elif pr_match:
                repo.pulls[pr_match.group(1)] = commit.oid
            else:
                repo.branches[revision] = commit.oid
            self.save()
            return commit, (int(pr_number) if pr_number else None)

    def set_ref(self, repo: Repo, kind: str, name: str, commit: str | None, create_only: bool = False) -> None:
        """Create, move (a force push for branches) or, with commit None, delete a branch or tag."""
        refs = {"branch": repo.branches, "tag": repo.tags}.get(kind)
        if refs is None:
            raise HubError(400, f"Invalid ref kind '{kind}': expected 'branch' or 'tag'")
        with self.lock:
            if commit is None:
                if name not in refs:
                    raise HubError(404, f"Invalid rev id: {name} is not a {kind} of {repo.id}", "RevisionNotFound")
                del refs[name]
            else:
                if create_only and name in refs:
                    raise HubError(409, f"{kind.capitalize()} {name} already exists in {repo.id}")
                if not re.fullmatch(r"[A-Za-z0-9._/-]+", name) or name.startswith("refs/") or ".." in name:
                    raise HubError(400, f"Invalid {kind} name '{name}'")
                refs[name] = self.resolve(repo, commit)
            self.save()

    def vanish_commit(self, repo: Repo, oid: str) -> None:
        """Make a commit unreachable, as after a force push and garbage collection upstream: asking for
        it answers RevisionNotFound. Refs still pointing at it are removed with it."""
        with self.lock:
            if oid not in repo.commits:
                raise HubError(404, f"Invalid rev id: {oid}", "RevisionNotFound")
            del repo.commits[oid]
            for refs in (repo.branches, repo.tags, repo.pulls):
                for name, target in list(refs.items()):
                    if target == oid:
                        del refs[name]
            self._last_commit_memo.clear()
            self.save()

    # ---- file helpers ------------------------------------------------------------------------------------
    def read_text(self, repo: Repo, oid: str, path: str) -> str:
        entry = repo.commits[oid].tree.get(path)
        if entry is None or entry[1]:
            return ""
        with open(self.objects.path(entry[0]), "rb") as f:
            return f.read().decode("utf-8", errors="replace")

    def entry_identity(self, sha256: str, is_lfs: bool) -> dict:
        """What listings say about a file: git oid (of the pointer for LFS files), size, lfs info."""
        blob = self.blob(sha256)
        if not is_lfs:
            return {"oid": blob.git_sha1, "size": blob.size}
        pointer = lfs_pointer(blob.sha256, blob.size)
        return {
            "oid": git_blob_sha1(pointer),
            "size": blob.size,
            "lfs": {"oid": blob.sha256, "size": blob.size, "pointerSize": len(pointer)},
        }
