"""The clients compared with HubDeps, how each is installed, and the command each runs for a download.

Every peer downloads the same bytes from the same local Hub:
- curl: one stream, no verification (the baseline: what moving the bytes alone costs);
- aria2c -x8: parallel byte ranges (Debian package aria2);
- @huggingface/hub: the official JS client, with its cache download (npm, the version tests/interop pins);
- huggingface_hub: the official Python client's snapshot_download (8 workers), from the source in
  <shared>/peers (see its README) or an installed copy;
- hubdeps: `hubdeps fetch`, which also resolves the revision, verifies every hash and fills the HF cache.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)
INTEROP_DIR = os.path.join(REPO_DIR, "tests", "interop")

HUBDEPS = "HubDeps"
CURL = "curl"
ARIA2 = "aria2c -x8"
ARIA2_16 = "aria2c -x16 -s16"
JS = "@huggingface/hub"
PYTHON_HUB = "huggingface_hub"
SHARED_DIR = os.environ.get("HUBDEPS_SHARED_DIR", os.path.join(REPO_DIR, "..", "shared"))


@dataclass
class Tools:
    hubdeps: str
    js_dir: str | None  # a folder with node_modules/@huggingface/hub and the bench scripts
    missing: dict  # peer -> why it is not measured
    python_hub: tuple | None = None  # (interpreter, PYTHONPATH or None) that imports huggingface_hub


def ensure_debian_package(program: str, package: str, install: bool, log) -> tuple[bool, str]:
    """`program` on PATH, installing Debian `package` if allowed (apt-get update only when the first try fails)."""
    if shutil.which(program):
        return True, ""
    if not install:
        return False, f"{program} is not installed (run without --no-install, or apt-get install -y {package})"
    log(f"installing {package} (apt-get install -y {package})")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = subprocess.run(["apt-get", "install", "-y", package], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        subprocess.run(["apt-get", "update"], capture_output=True, text=True, env=env)
        result = subprocess.run(["apt-get", "install", "-y", package], capture_output=True, text=True, env=env)
    if result.returncode != 0 or not shutil.which(program):
        return False, f"apt-get install -y {package} failed: " + (result.stderr.strip().splitlines() or ["?"])[-1]
    return True, ""


def _js_installed(folder: str) -> bool:
    return os.path.isfile(os.path.join(folder, "node_modules", "@huggingface", "hub", "package.json"))


def ensure_js_client(work_dir: str, given_dir: str | None, install: bool, log) -> tuple[str | None, str]:
    """A folder where `node <script>` finds @huggingface/hub, with the bench's scripts copied in.

    Either the folder given (e.g. the CTest interop fixture's), or <work>/js installed with `npm ci` from
    tests/interop's package-lock.json, so the benchmark runs the same client version the interop tests pin."""
    if not shutil.which("node"):
        return None, "node is not installed (apt-get install -y nodejs npm)"
    folder = given_dir or os.path.join(work_dir, "js")
    if given_dir is None:
        os.makedirs(folder, exist_ok=True)
        lock = os.path.join(INTEROP_DIR, "package-lock.json")
        installed_lock = os.path.join(folder, "package-lock.json")
        fresh = (_js_installed(folder) and os.path.exists(installed_lock)
                 and filecmp.cmp(lock, installed_lock, shallow=False))
        if not fresh:
            if not install:
                return None, "@huggingface/hub is not installed (run without --no-install, or pass --js-dir)"
            if not shutil.which("npm"):
                return None, "npm is not installed (apt-get install -y npm)"
            for name in ("package.json", "package-lock.json"):
                shutil.copyfile(os.path.join(INTEROP_DIR, name), os.path.join(folder, name))
            log(f"installing @huggingface/hub into {folder} (npm ci)")
            result = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=folder, capture_output=True,
                                    text=True)
            if result.returncode != 0:
                return None, "npm ci failed: " + (result.stderr.strip().splitlines() or ["?"])[-1]
    if not _js_installed(folder):
        return None, f"{folder} has no node_modules/@huggingface/hub"
    for name in os.listdir(os.path.join(BENCH_DIR, "js")):
        if name.endswith(".mjs"):
            shutil.copyfile(os.path.join(BENCH_DIR, "js", name), os.path.join(folder, "bench-" + name))
    return folder, ""


def find_python_client() -> tuple[tuple | None, str]:
    """((interpreter, PYTHONPATH or None), "") for an interpreter that imports huggingface_hub: Debian's python3
    with the source in <shared>/peers first, else an installed copy; or (None, why not)."""
    peers = os.path.join(SHARED_DIR, "peers")
    source = [os.path.join(peers, "filelock", "src"), os.path.join(peers, "huggingface_hub", "src")]
    candidates = []
    for python in ("/usr/bin/python3", sys.executable):
        if all(os.path.isdir(path) for path in source):
            candidates.append((python, os.pathsep.join(source)))
        candidates.append((python, None))
    for python, pythonpath in candidates:
        if not os.path.exists(python):
            continue
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        if pythonpath:
            env["PYTHONPATH"] = pythonpath
        probe = subprocess.run([python, "-c", "import huggingface_hub"], env=env, capture_output=True, cwd="/")
        if probe.returncode == 0:
            return (python, pythonpath), ""
    return None, (f"huggingface_hub is not importable, neither from {peers} (see its README: apt-get install "
                  f"python3-httpx python3-fsspec python3-tqdm python3-yaml python3-packaging) nor installed")


def python_hub_env(tools: Tools, env: dict) -> dict:
    """The environment the Python client runs in: its PYTHONPATH, no progress bars, no telemetry."""
    env = {k: v for k, v in env.items() if k != "PYTHONPATH"}
    if tools.python_hub and tools.python_hub[1]:
        env["PYTHONPATH"] = tools.python_hub[1]
    return {**env, "HF_HUB_DISABLE_PROGRESS_BARS": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}


# ---- one file ------------------------------------------------------------------------------------------
def single_file_command(peer: str, tools: Tools, *, endpoint: str, repo: str, path: str, url: str,
                        out_dir: str) -> list[str]:
    """The command that downloads `path` of model `repo` into `out_dir` (a plain folder for curl and
    aria2c, an HF cache for the clients that fill one)."""
    if peer == HUBDEPS:
        return [tools.hubdeps, "fetch", repo, "--include", path, "--cache-dir", out_dir, "--quiet"]
    if peer == CURL:
        return ["curl", "-sSfL", "-o", os.path.join(out_dir, os.path.basename(path)), url]
    if peer in (ARIA2, ARIA2_16):
        # falloc: aria2's own advice for ext4; its default (prealloc) would write the file twice.
        connections = "16" if peer == ARIA2_16 else "8"
        return ["aria2c", f"-x{connections}", f"-s{connections}", "--file-allocation=falloc",
                "--allow-overwrite=true", "--auto-file-renaming=false", "--console-log-level=error",
                "--summary-interval=0", "--download-result=hide", "-d", out_dir, "-o", os.path.basename(path), url]
    if peer == JS:
        return ["node", os.path.join(tools.js_dir, "bench-download-file.mjs"), "--endpoint", endpoint,
                "--repo", repo, "--file", path, "--cache-dir", out_dir]
    raise ValueError(peer)


# ---- a whole repo ----------------------------------------------------------------------------------------
def repo_command(peer: str, tools: Tools, *, endpoint: str, repo: str, repo_type: str, urls: dict,
                 out_dir: str, list_dir: str, include: str | None = None) -> list[str]:
    """The command that downloads every file of `repo` (paths -> URLs in `urls`) into `out_dir`.

    curl and aria2c get the file list handed to them (they cannot list a repo), so they skip the listing call
    the Hub clients make."""
    if peer == HUBDEPS:
        command = [tools.hubdeps, "fetch", repo, "--repo-type", repo_type, "--cache-dir", out_dir, "--quiet"]
        if include:
            command += ["--include", include]
        return command
    if peer == PYTHON_HUB:
        return [tools.python_hub[0], os.path.join(BENCH_DIR, "py", "snapshot.py"), "--repo", repo, "--type",
                repo_type, "--cache-dir", out_dir]
    if peer == JS:
        return ["node", os.path.join(tools.js_dir, "bench-snapshot.mjs"), "--endpoint", endpoint, "--repo", repo,
                "--type", repo_type, "--cache-dir", out_dir]
    if peer == CURL:
        # One curl, one connection, the files one after another: the per-request floor of a plain client.
        config = os.path.join(list_dir, "curl-files.txt")
        with open(config, "w", encoding="utf-8") as f:
            for path, url in urls.items():
                f.write(f'url = "{url}"\noutput = "{os.path.join(out_dir, path)}"\n')
        return ["curl", "-sSfL", "--create-dirs", "-K", config]
    if peer == ARIA2:
        listing = os.path.join(list_dir, "aria2-files.txt")
        with open(listing, "w", encoding="utf-8") as f:
            for path, url in urls.items():
                f.write(f"{url}\n  out={path}\n")
        return ["aria2c", "-x8", "-s8", "-j8", "--file-allocation=falloc", "--allow-overwrite=true",
                "--auto-file-renaming=false", "--console-log-level=error", "--summary-interval=0",
                "--download-result=hide", "-d", out_dir, "-i", listing]
    raise ValueError(peer)
