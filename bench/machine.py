"""What the numbers were measured on: the machine, the tool versions, the load, and the machine's own limits
(how fast it can hash, and how fast it can move bytes over loopback and into the page cache)."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import time

from measure import run_measured, summarize


def _first_line(command: list[str]) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"
    text = (result.stdout or result.stderr).strip()
    return text.splitlines()[0] if text else "unknown"


def _cpuinfo() -> dict:
    info = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                info.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    return info


def _meminfo_bytes(key: str) -> int:
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def machine_facts(work_dir: str) -> dict:
    cpu = _cpuinfo()
    flags = cpu.get("flags", "").split()
    source, fstype, options = (_first_line(["findmnt", "-n", "-o", "SOURCE,FSTYPE,OPTIONS", "--target", work_dir])
                               .split() + ["?", "?", "?"])[:3]
    filesystem = f"{fstype} on {source}, {options}"
    if fstype == "ext4":
        # jbd2 lists one entry per journaled filesystem, named after its device.
        journals = os.listdir("/proc/fs/jbd2") if os.path.isdir("/proc/fs/jbd2") else []
        device = os.path.basename(source)
        filesystem += ", journal: " + ("yes" if any(j.startswith(device + "-") for j in journals) else "no")
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu.get("model name", platform.processor() or "unknown"),
        "sha_extensions": "sha_ni" in flags,
        "memory": _meminfo_bytes("MemTotal"),
        "kernel": platform.release(),
        "work_dir": work_dir,
        "work_filesystem": filesystem,
        "python": platform.python_version(),
    }


def _hubdeps_build(hubdeps: str, repo_dir: str) -> str:
    """The source commit (and whether the tree had changes) and the CMake build type of the measured binary."""
    commit = _first_line(["git", "-C", repo_dir, "rev-parse", "--short", "HEAD"])
    changed = subprocess.run(["git", "-C", repo_dir, "status", "--porcelain", "--untracked-files=no"],
                             capture_output=True, text=True).stdout.strip()
    build_type = "unknown"
    cache = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(hubdeps))), "CMakeCache.txt")
    if os.path.isfile(cache):
        with open(cache, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("CMAKE_BUILD_TYPE:"):
                    build_type = line.split("=", 1)[1].strip() or "none (no optimization)"
    return f"source {commit}{' with uncommitted changes' if changed else ''}, CMAKE_BUILD_TYPE {build_type}"


def tool_versions(hubdeps: str, js_dir: str | None, repo_dir: str) -> dict:
    versions = {
        "hubdeps": _first_line([hubdeps, "--version"]) + " (" + _hubdeps_build(hubdeps, repo_dir) + ")",
        "curl": _first_line(["curl", "--version"]),
        "aria2c": _first_line(["aria2c", "--version"]),
        "node": _first_line(["node", "--version"]),
        "openssl": _first_line(["openssl", "version"]),
        "cmake": _first_line(["cmake", "--version"]),
        "ninja": _first_line(["ninja", "--version"]),
    }
    versions["@huggingface/hub"] = "not installed"
    if js_dir:
        try:
            manifest = os.path.join(js_dir, "node_modules", "@huggingface", "hub", "package.json")
            with open(manifest, encoding="utf-8") as f:
                versions["@huggingface/hub"] = json.load(f)["version"]
        except (OSError, ValueError, KeyError):
            pass
    return versions


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def wait_for_quiet(limit: float, max_wait: float, log) -> tuple[float, float, float]:
    """Waits (up to max_wait seconds) until the 1-minute load average is under `limit`: other work on the
    machine's cores shows up directly in the numbers. Returns the load average it started with."""
    deadline = time.monotonic() + max_wait
    load = load_average()
    if load[0] >= limit and max_wait > 0:
        log(f"load average {load[0]:.2f} >= {limit}: waiting up to {max_wait:.0f} s for the machine to quieten")
    while load[0] >= limit and time.monotonic() < deadline:
        time.sleep(5)
        load = load_average()
    return load


def sha256_rate(seconds: int = 3) -> float:
    """SHA-256 bytes per second on one core, 1 MiB blocks, OpenSSL EVP (what hubdeps uses)."""
    output = subprocess.run(["openssl", "speed", "-evp", "sha256", "-bytes", str(1 << 20), "-seconds", str(seconds)],
                            capture_output=True, text=True, timeout=120).stdout
    # The result line: "sha256   1844019.20k" (thousands of bytes per second for the one block size).
    match = re.search(r"^sha256\s+([\d.]+)k\s*$", output, re.MULTILINE)
    if not match:
        raise RuntimeError("could not read the rate from `openssl speed -evp sha256`:\n" + output)
    return float(match.group(1)) * 1000


def loopback_read_rates(url: str, env: dict, repetitions: int) -> list[float]:
    """curl reading one blob from the test Hub's CDN origin into /dev/null: the loopback + server limit."""
    rates = []
    for _ in range(repetitions):
        sample = run_measured(["curl", "-sSf", "-o", "/dev/null", "-w", "%{size_download}", url], env=env)
        rates.append(float(sample.stdout) / sample.wall)
    return rates


def touch_memory(folder: str, size: int) -> None:
    """Writes `size` bytes into a file and deletes it (not timed), so that the next run writes into memory
    the guest has just used. On this kind of virtual machine, memory freed and left idle for a few seconds
    goes back to the hypervisor, and the first run to write into it pays for getting it back: dd lands 2 GiB
    in the page cache at about 0.45 GB/s then, 5 GB/s otherwise. Every client gets the same start."""
    target = os.path.join(folder, "touch-memory.bin")
    block = 1 << 20
    run_measured(["dd", "if=/dev/zero", f"of={target}", f"bs={block}", f"count={size // block}", "status=none"],
                 peak_rss=False)
    os.unlink(target)


def page_cache_write_rates(folder: str, size: int, repetitions: int) -> list[float]:
    """dd writing `size` bytes into a new file (page cache, no sync): the cost of landing bytes in a file,
    each run after touch_memory() like every client's run."""
    rates = []
    target = os.path.join(folder, "page-cache-write.bin")
    block = 1 << 20
    for _ in range(repetitions):
        os.sync()
        touch_memory(folder, size)
        sample = run_measured(["dd", "if=/dev/zero", f"of={target}", f"bs={block}", f"count={size // block}",
                               "status=none"])
        rates.append(size / sample.wall)
        os.unlink(target)
    os.sync()
    return rates


def page_cache_write_rate_after_idle(folder: str, size: int, idle_seconds: float = 10.0) -> float:
    """The same dd into memory freed `idle_seconds` before: what touch_memory() spares each run."""
    os.sync()
    time.sleep(idle_seconds)
    target = os.path.join(folder, "page-cache-write.bin")
    block = 1 << 20
    sample = run_measured(["dd", "if=/dev/zero", f"of={target}", f"bs={block}", f"count={size // block}",
                           "status=none"])
    os.unlink(target)
    os.sync()
    return size / sample.wall


def summarize_rates(rates: list[float]) -> dict:
    s = summarize(rates)
    return {"median": s.median, "low": s.low, "high": s.high, "runs": rates}


def have(program: str) -> bool:
    return shutil.which(program) is not None
