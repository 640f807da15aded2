"""Scenarios 1, 2 and 5: cold downloads. Each sets up its repo on the local Hub, runs HubDeps and its peers
alternating for several repetitions, and checks every download before counting it."""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil

import machine
from common import (GiB, MiB, Check, Context, ScenarioReport, Table, gbps, median_wall, mib, open_url,
                    paired_ratios, ratio_range, samples_table, seconds, server_cpu_seconds, settled_log, size_text)
from measure import Sample, rotated, run_measured, summarize
from peers import ARIA2, CURL, HUBDEPS, JS, repo_command, single_file_command


# ---- checking what a peer downloaded -------------------------------------------------------------------
def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(4 * MiB):
            digest.update(chunk)
    return digest.hexdigest()


def downloaded_file(peer: str, out_dir: str, repo_folder: str, path: str) -> str:
    """Where a peer put `path`: the snapshot entry in an HF cache, or the plain output folder."""
    if peer in (HUBDEPS, JS):
        matches = glob.glob(os.path.join(out_dir, repo_folder, "snapshots", "*", path))
        if len(matches) != 1:
            raise AssertionError(f"{peer} left {len(matches)} snapshot entries for {path} in {out_dir}")
        return matches[0]
    return os.path.join(out_dir, path)


def check_file(peer: str, file: str, size: int, sha256: str | None) -> None:
    actual = os.path.getsize(file)
    if actual != size:
        raise AssertionError(f"{peer} wrote {actual} bytes to {file}, expected {size}")
    if sha256 and sha256_of(file) != sha256:
        raise AssertionError(f"{peer} wrote wrong bytes to {file}")


def served_bytes(entries: list) -> int:
    return sum(e.get("bytes_sent") or 0 for e in entries)


# ---- 1 and 5: one 2 GiB LFS file, cold ------------------------------------------------------------------
def measure_limits(ctx: Context, url: str, size: int) -> dict:
    """The machine's ceilings for scenario 1, measured on the same blob the peers download."""
    if "limits" in ctx.facts:
        return ctx.facts["limits"]
    ctx.log("measuring the machine's limits: SHA-256 rate, loopback read, page-cache write")
    reps = 2 if ctx.quick else 3
    limits = {
        "sha256": [machine.sha256_rate(1 if ctx.quick else 3) for _ in range(1 if ctx.quick else 2)],
        "loopback": machine.loopback_read_rates(url, ctx.env(), reps),
        "page_cache": machine.page_cache_write_rates(ctx.fresh_dir("dd"), size, reps),
        "size": size,
    }
    limits["page_cache_after_idle"] = machine.page_cache_write_rate_after_idle(
        os.path.join(ctx.scratch, "dd"), size, 1.0 if ctx.quick else 10.0)
    shutil.rmtree(os.path.join(ctx.scratch, "dd"), ignore_errors=True)
    ctx.facts["limits"] = limits
    return limits


def big_file_repo(ctx: Context) -> dict:
    if "big_file" in ctx.facts:
        return ctx.facts["big_file"]
    size = 16 * MiB if ctx.quick else 2 * GiB
    repo = "bench/one-big-file"
    ctx.log(f"creating {repo} with a {size_text(size)} LFS file")
    ctx.hub.create_repo(repo)
    details = ctx.hub.commit_details(repo, {"model.safetensors": {"generate": {"size": size, "seed": "bench-big"},
                                                                  "lfs": True}})
    info = {"repo": repo, "path": "model.safetensors", "size": size,
            "sha256": details["files"]["model.safetensors"]["sha256"], "commit": details["commit"]}
    info["url"] = f"{ctx.hub.endpoint}/{repo}/resolve/main/model.safetensors"
    info["cdn_url"] = f"{ctx.hub.cdn}/objects/{info['sha256']}"
    ctx.facts["big_file"] = info
    return info


def run_big_file_downloads(ctx: Context, peers: list[str], reps: int) -> dict[str, list[Sample]]:
    info = big_file_repo(ctx)
    runs: dict[str, list[Sample]] = {peer: [] for peer in peers}
    # A first round that is not counted: the first download after the blob was made ran 30-50% slower
    # whichever client it was (the blob's own pages still being written back, the server's first reads).
    for rep in range(-1, reps):
        for peer in rotated(peers, max(rep, 0)):
            out = ctx.fresh_dir("download")
            command = single_file_command(peer, ctx.tools, endpoint=ctx.hub.endpoint, repo=info["repo"],
                                          path=info["path"], url=info["url"], out_dir=out)
            machine.touch_memory(out, info["size"])
            ctx.hub.clear_log()
            server_before = server_cpu_seconds(ctx.hub)
            sample = run_measured(command, env=ctx.env())
            sample.extra["server_cpu"] = server_cpu_seconds(ctx.hub) - server_before
            sample.extra["served"] = served_bytes(settled_log(ctx.hub, "cdn"))
            # Every peer's bytes are checked; the full hash once per peer (it takes a second per GiB).
            file = downloaded_file(peer, out, "models--bench--one-big-file", info["path"])
            check_file(peer, file, info["size"], info["sha256"] if rep == 0 else None)
            if rep >= 0:
                runs[peer].append(sample)
            ctx.log(f"  {'warm-up' if rep < 0 else f'run {rep + 1}/{reps}'} {peer}: {sample.wall:.3f} s, {gbps(info['size'] / sample.wall)}, "
                    f"cpu {sample.cpu:.2f} s, rss {mib(sample.peak_rss)}")
            shutil.rmtree(out)
            os.sync()  # the deleted file's pages must not be written back during the next run
    return runs


def scenario_cold_big_file(ctx: Context) -> ScenarioReport:
    report = ScenarioReport("1", "Cold download of one large LFS file into an empty cache")
    info = big_file_repo(ctx)
    size = info["size"]
    limits = measure_limits(ctx, info["cdn_url"], size)
    peers = ctx.peers([HUBDEPS, CURL, ARIA2, JS])
    # 7 runs: one run's time moves by up to 20% on this machine (the order of the clients, the VM's memory),
    # and HubDeps and curl are within a few percent of each other.
    reps = ctx.reps(7)
    report.load = machine.load_average()
    runs = run_big_file_downloads(ctx, peers, reps)
    ctx.facts["big_file_runs"] = runs

    sha = summarize(limits["sha256"]).median
    loop = summarize(limits["loopback"])
    cache = summarize(limits["page_cache"])
    report.setup = [
        f"`{info['repo']}`: one {size_text(size)} LFS file (`{info['path']}`); each run starts from an empty "
        f"folder/cache and the file is deleted (and `sync` run) after each run. {reps} runs per client, "
        f"alternating: the order rotates every run, after one round that is not counted. Before each run {size_text(size)} are written to a file and "
        f"deleted (not timed), so that every client writes into memory the machine has just used: on this virtual "
        f"machine memory left free for a few seconds goes back to the hypervisor, and writing into it again is "
        f"about ten times slower (the page-cache rows below).",
        "HubDeps: `hubdeps fetch bench/one-big-file --include model.safetensors --cache-dir <empty> --quiet` "
        "(listing call, download, SHA-256 verification, publish into the HF cache). curl: `curl -sSfL -o FILE "
        "<resolve URL>` (follows the redirect to the CDN origin; verifies nothing). aria2c: `-x8 -s8 "
        "--file-allocation=falloc` (verifies nothing). @huggingface/hub: `downloadFileToCacheDir` (checks no "
        "hash).",
    ]
    report.tables.append(Table("Machine limits (same blob, same run)", ["limit", "runs", "median"], [
        ["SHA-256, one core (`openssl speed -evp sha256`, 1 MiB blocks)",
         ", ".join(gbps(r) for r in limits["sha256"]), gbps(sha)],
        ["the test Hub's raw serving rate: curl reading the blob from its CDN origin into /dev/null (one stream)",
         ", ".join(gbps(r) for r in limits["loopback"]), gbps(loop.median)],
        [f"writing {size_text(size)} into the page cache (`dd bs=1M`, no sync), into memory just used",
         ", ".join(gbps(r) for r in limits["page_cache"]), gbps(cache.median)],
        [f"the same into memory freed 10 s before (what the write before each run spares every client)",
         gbps(limits["page_cache_after_idle"]), gbps(limits["page_cache_after_idle"])],
    ]))
    report.tables.append(samples_table(f"Cold download of {size_text(size)} (wall seconds per run)", runs, size))
    served = {peer: max(s.extra.get("served", 0) for s in samples) for peer, samples in runs.items() if samples}
    report.tables.append(Table("Bytes the CDN origin served per run (most of any run)", ["client", "bytes", "× file"],
                               [[p, f"{b:,}", f"{b / size:.2f}"] for p, b in served.items()]))

    # Once a timed unit test (tests/hub/test_cdn_throughput.py): the server must not be what the clients are
    # measured against, and a rate belongs in the benchmark, measured on a quiet machine, not in CTest.
    report.checks.append(Check("The test Hub's CDN origin serves one stream at over 1 GB/s (curl into /dev/null)",
                               f"best {gbps(max(limits['loopback']))}, median {gbps(loop.median)}",
                               max(limits["loopback"]) > 1e9))
    if HUBDEPS in runs:
        hub_t = median_wall(runs[HUBDEPS])
        if CURL in runs:
            curl_t = median_wall(runs[CURL])
            paired = paired_ratios(runs[CURL], runs[HUBDEPS])
            report.checks.append(Check("HubDeps (verifies SHA-256) at least as fast as `curl -o` (verifies nothing)",
                                       f"HubDeps {gbps(size / hub_t)} vs curl {gbps(size / curl_t)}: "
                                       f"{curl_t / hub_t:.3f}x curl's speed (run by run, in the same round: "
                                       f"{ratio_range(paired, 1.0)})", hub_t <= curl_t))
        if JS in runs:
            js_t = median_wall(runs[JS])
            report.checks.append(Check("HubDeps at least 2x the JS client", f"{js_t / hub_t:.3f}x", js_t >= 2 * hub_t))
        cpus = ctx.facts["cpus"]
        hub_cpu = summarize([s.cpu for s in runs[HUBDEPS]]).median
        hub_server = summarize([s.extra["server_cpu"] for s in runs[HUBDEPS]]).median
        floor = (hub_cpu + hub_server) / cpus
        report.analysis.append(
            f"HubDeps moved {size_text(size)} at {gbps(size / hub_t)}: {hub_t / (size / loop.median):.2f}x the time "
            f"a bare loopback read takes ({gbps(loop.median)}, curl into /dev/null) and {hub_t / (size / sha):.2f}x "
            f"the time SHA-256 alone takes on one core ({gbps(sha)}). It used {hub_cpu:.2f} s of CPU: hashing is "
            f"{size / sha:.2f} s of it, the rest is receiving the bytes from the socket and writing them into the "
            f"page cache (in the kernel: ext4's buffered write path and the TCP receive copy, by `perf`), plus "
            f"reading back the pieces that arrived before the hash reached them.")
        report.analysis.append(
            f"The Hub is not the bottleneck: it serves this blob at {gbps(loop.median)} to a client that only reads "
            f"it, {loop.median / (size / hub_t):.1f}x the rate HubDeps reached, and used {hub_server:.2f} s of CPU "
            f"during HubDeps' {hub_t:.2f} s run.")
        report.analysis.append(
            f"On loopback the link is not the limit, CPU is: the machine has {cpus} cores for the server (its "
            f"sendfile and the loopback TCP stack), the client and the hash. HubDeps and the Hub together used "
            f"{hub_cpu + hub_server:.2f} s of CPU per run, so even spread perfectly over {cpus} cores the download "
            f"cannot take less than {floor:.2f} s here; it took {hub_t:.2f} s. HubDeps spreads the work: pieces of "
            f"the file over 2 connections (more are opened only while each connection is slower than 128 MiB/s, "
            f"i.e. when the network, not the machine, is the limit), the hash fed in order by the connection whose "
            f"piece it has reached, and a thread that reads back pieces that completed early.")
        if CURL in runs:
            curl_cpu = summarize([s.cpu for s in runs[CURL]]).median
            curl_server = summarize([s.extra["server_cpu"] for s in runs[CURL]]).median
            report.analysis.append(
                f"curl -o used {curl_cpu:.2f} s of CPU (the Hub {curl_server:.2f} s) and verifies nothing: one thread "
                f"receiving and writing, so its time is about its CPU time. HubDeps needs {hub_cpu - curl_cpu:+.2f} s "
                f"more CPU for the same bytes, mostly the SHA-256 a verifying client cannot skip. "
                + ("It keeps up with curl only because that work runs beside the transfer, on the other core."
                   if hub_t <= curl_t else
                   f"Run beside the transfer on the other core, that work still cost {hub_t - curl_t:.2f} s here: "
                   f"the other core is not free (it also runs the Hub, and the kernel's share of receiving and "
                   f"writing)."))
        if JS in runs:
            js = runs[JS]
            js_t = median_wall(js)
            report.analysis.append(
                f"The JS client took {js_t:.2f} s with {summarize([s.cpu for s in js]).median:.2f} s CPU and peaked at "
                f"{mib(max(s.peak_rss for s in js))}: Node streams the body through its event loop and writes it from "
                f"libuv's thread pool, so it too uses both cores, without verifying anything. "
                + (f"Twice its speed would mean {js_t / 2:.2f} s, less than the {floor:.2f} s the CPU HubDeps and "
                   f"the Hub used takes on {cpus} cores: out of reach on this machine unless receiving and writing "
                   f"the bytes gets cheaper, since the hash alone is {size / sha:.2f} s." if js_t / 2 < floor else
                   f"Twice its speed means {js_t / 2:.2f} s."))
    return report


def scenario_peak_memory(ctx: Context) -> ScenarioReport:
    report = ScenarioReport("5", "Peak memory while downloading the large file")
    info = big_file_repo(ctx)
    runs = ctx.facts.get("big_file_runs")
    report.load = machine.load_average()
    if not runs or HUBDEPS not in runs:
        runs = run_big_file_downloads(ctx, [HUBDEPS], ctx.reps(3))
        report.setup.append(f"{len(runs[HUBDEPS])} HubDeps runs of scenario 1's download, alone.")
    else:
        report.setup.append("The runs of scenario 1: the peak resident set size of each client process (GNU "
                            "time's maximum RSS of the command).")
    rows = [[peer] + [mib(s.peak_rss) for s in samples] + [mib(max(s.peak_rss for s in samples))]
            for peer, samples in runs.items() if samples]
    width = max(len(r) for r in rows)
    rows = [r[:-1] + [""] * (width - len(r)) + r[-1:] for r in rows]
    report.tables.append(Table(f"Peak RSS while downloading {size_text(info['size'])}",
                               ["client"] + [f"run {i + 1}" for i in range(width - 2)] + ["max"], rows))
    peak = max(s.peak_rss for s in runs[HUBDEPS])
    report.checks.append(Check("HubDeps peak RSS under 64 MiB", mib(peak), peak < 64 * MiB))
    report.analysis.append(
        f"HubDeps' memory does not grow with the file: it streams into `blobs/<sha256>.incomplete` through "
        f"fixed buffers and hashes as it goes. Its peak of {mib(peak)} is mostly the program and its libraries "
        f"(libcurl, OpenSSL, libstdc++), plus libcurl's 512 KiB receive buffer per connection and the 1 MiB "
        f"buffer that reads back pieces for the hash.")
    return report


# ---- 2: a dataset of many small files plus a few large ones --------------------------------------------
def dataset_repo(ctx: Context) -> dict:
    if "dataset" in ctx.facts:
        return ctx.facts["dataset"]
    count = 40 if ctx.quick else 2000
    large = [("data/features-0.parquet", 2 * MiB)] if ctx.quick else \
        [(f"data/features-{i}.parquet", 256 * MiB) for i in range(3)]
    repo = "bench/many-files"
    ctx.log(f"creating dataset {repo}: {count} small files and {len(large)} large LFS files")
    ctx.hub.create_repo(repo, type="dataset")
    files = {}
    for i in range(count):
        # 1-32 KiB, spread deterministically: a typical sharded JSONL/CSV dataset.
        files[f"data/train/part-{i:05d}.jsonl"] = {"generate": {"size": 1024 + (i * 7919) % (31 * 1024),
                                                                "seed": f"small-{i}"}}
    for path, size in large:
        files[path] = {"generate": {"size": size, "seed": path}, "lfs": True}
    details = ctx.hub.commit_details(repo, files, type="dataset")
    commit = details["commit"]
    with open_url(f"{ctx.hub.endpoint}/api/datasets/{repo}/revision/{commit}?blobs=true") as answer:
        siblings = json.load(answer)["siblings"]
    listing = {s["rfilename"]: s["size"] for s in siblings}
    urls = {path: f"{ctx.hub.endpoint}/datasets/{repo}/resolve/{commit}/{path}" for path in listing}
    info = {"repo": repo, "commit": commit, "files": listing, "urls": urls, "small_count": count,
            "small_bytes": sum(size for path, size in listing.items() if path.endswith(".jsonl")),
            "total_bytes": sum(listing.values()), "large": large}
    ctx.facts["dataset"] = info
    return info


def check_tree(peer: str, out_dir: str, info: dict, subset=None) -> None:
    """Every file of the repo (or of `subset`) is there with its size."""
    for path, size in info["files"].items():
        if subset and not subset(path):
            continue
        file = downloaded_file(peer, out_dir, "datasets--bench--many-files", path)
        check_file(peer, file, size, None)


def hub_serving_rates(ctx: Context, urls: dict, reps: int) -> dict[str, list[Sample]]:
    """The test Hub answering the small files to curl, bodies thrown away: what the server itself can do."""
    config = os.path.join(ctx.scratch, "curl-devnull.txt")
    with open(config, "w", encoding="utf-8") as f:
        for url in urls.values():
            f.write(f'url = "{url}"\noutput = "/dev/null"\n')
    commands = {"one connection (`curl -K`)": ["curl", "-sSf", "-K", config],
                "8 connections (`curl --parallel --parallel-max 8 -K`)":
                    ["curl", "-sSf", "--parallel", "--parallel-max", "8", "-K", config]}
    rates: dict[str, list[Sample]] = {name: [] for name in commands}
    for _ in range(reps):
        for name, command in commands.items():
            before = server_cpu_seconds(ctx.hub)
            sample = run_measured(command, env=ctx.env(), peak_rss=False)
            sample.extra["server_cpu"] = server_cpu_seconds(ctx.hub) - before
            rates[name].append(sample)
    return rates


SMALL_ONLY = "HubDeps, small files only"
CURL_SMALL_ONLY = "curl, small files only"


def scenario_many_files(ctx: Context) -> ScenarioReport:
    report = ScenarioReport("2", "Cold download of a dataset: many small files plus a few large ones")
    info = dataset_repo(ctx)
    peers = ctx.peers([HUBDEPS, CURL, ARIA2, JS])
    small_peers = ctx.peers([HUBDEPS, CURL])
    reps = ctx.reps(5)
    report.load = machine.load_average()
    is_small = lambda path: path.endswith(".jsonl")  # noqa: E731
    small_urls = {p: u for p, u in info["urls"].items() if is_small(p)}

    serving = hub_serving_rates(ctx, small_urls, 2 if ctx.quick else 3)
    runs: dict[str, list[Sample]] = {peer: [] for peer in peers}
    small_runs: dict[str, list[Sample]] = {SMALL_ONLY: [], CURL_SMALL_ONLY: []}
    for rep in range(reps):
        jobs = [(peer, None) for peer in peers] + [(peer, "small") for peer in small_peers]
        for peer, subset in rotated(jobs, rep):
            out = ctx.fresh_dir("download")
            command = repo_command(peer, ctx.tools, endpoint=ctx.hub.endpoint, repo=info["repo"], repo_type="dataset",
                                   urls=small_urls if subset else info["urls"], out_dir=out, list_dir=ctx.scratch,
                                   include="*.jsonl" if subset else None)
            machine.touch_memory(out, info["total_bytes"])
            ctx.hub.clear_log()
            server_before = server_cpu_seconds(ctx.hub)
            sample = run_measured(command, env=ctx.env())
            sample.extra["server_cpu"] = server_cpu_seconds(ctx.hub) - server_before
            log = settled_log(ctx.hub)
            sample.extra["requests"] = len(log)
            check_tree(peer, out, info, is_small if subset else None)
            name = peer if not subset else (SMALL_ONLY if peer == HUBDEPS else CURL_SMALL_ONLY)
            (small_runs if subset else runs)[name].append(sample)
            ctx.log(f"  run {rep + 1}/{reps} {name}: {sample.wall:.3f} s, {len(log)} requests, cpu {sample.cpu:.2f} s, "
                    f"server cpu {sample.extra['server_cpu']:.2f} s")
            ctx.discard(out)

    count = info["small_count"]
    report.setup = [
        f"Dataset `{info['repo']}`: {count} regular (non-LFS) files of 1-32 KiB "
        f"({info['small_bytes'] / MiB:.1f} MiB in all) and {len(info['large'])} LFS file(s) of "
        f"{size_text(info['large'][0][1])}; {len(info['files'])} files, {info['total_bytes'] / MiB:.0f} MiB. "
        f"{reps} runs per client, order rotating; before each, as in scenario 1, as many bytes as the dataset "
        f"holds are written to a file and deleted (not timed).",
        "HubDeps: `hubdeps fetch --repo-type dataset` (16 parallel workers over reused connections, one listing "
        "call). @huggingface/hub: `snapshotDownload`. curl: one process, one connection, the files one after "
        "another (`curl -K` with every URL; it is handed the list, so it makes no listing call). aria2c: `-j8 -x8 "
        "-i <list>`. The small-files-only runs (`--include '*.jsonl'`, and curl with those URLs) give the per-file "
        "cost without the large files' bytes.",
    ]
    serving_rows = []
    for name, samples in serving.items():
        wall = summarize([s.wall for s in samples]).median
        serving_rows.append([name, ", ".join(seconds(s.wall) for s in samples), f"{count / wall:,.0f}",
                             f"{wall / count * 1000:.3f}",
                             seconds(summarize([s.extra["server_cpu"] for s in samples]).median)])
    report.tables.append(Table(f"The local Hub's raw serving rate: the {count} small files to curl, into /dev/null",
                               ["client", "runs (s)", "files/s", "ms per file", "Hub server CPU (s)"], serving_rows))
    report.tables.append(samples_table("Whole dataset (wall seconds per run)", runs, info["total_bytes"]))
    report.tables.append(samples_table(f"Only the {count} small files (wall seconds per run)",
                                       {k: v for k, v in small_runs.items() if v}, None))
    requests = {peer: samples[0].extra["requests"] for peer, samples in {**runs, **small_runs}.items() if samples}
    report.tables.append(Table("Requests the Hub saw per run", ["client", "requests"],
                               [[p, str(n)] for p, n in requests.items()]))

    if small_runs[SMALL_ONLY]:
        per_file = median_wall(small_runs[SMALL_ONLY]) / count
        report.checks.append(Check("Per-file overhead under 1 ms",
                                   f"{per_file * 1000:.2f} ms per file ({count} files in "
                                   f"{median_wall(small_runs[SMALL_ONLY]):.2f} s, listing included)",
                                   per_file < 0.001))
        hub_runs = small_runs[SMALL_ONLY]
        wall = median_wall(hub_runs)
        server = summarize([s.extra["server_cpu"] for s in hub_runs]).median
        client = summarize([s.cpu for s in hub_runs]).median
        raw = {name: median_wall(samples) / count for name, samples in serving.items()}
        one, eight = list(raw.values())
        report.analysis.append(
            f"The local Hub serves these files to curl at {one * 1000:.3f} ms per file over one connection and "
            f"{eight * 1000:.3f} ms over eight: it is a Python server, and one process can use one core at a time "
            f"(the GIL). While HubDeps fetched them it used {server:.2f} s of CPU in a {wall:.2f} s run "
            f"({server / wall:.0%} of a core), HubDeps itself {client:.2f} s. "
            + ("So the server, not HubDeps, sets the pace here: on the real Hub, requests are served in parallel "
               "and the per-file cost is HubDeps' own CPU plus the network's round trips, which its 16 workers "
               "overlap." if server / wall > 0.7 else
               "The server had time to spare, so the pace is HubDeps' own work per file."))
        report.analysis.append(
            f"Per file, HubDeps takes the blob's lock file in `.locks/` (shared with huggingface_hub), writes "
            f"`blobs/<sha1>.incomplete` while hashing it, renames it into place, and links `snapshots/<commit>/"
            f"<path>`: {client / count * 1000:.2f} ms of CPU per file, spread over its 16 workers and the 2 cores.")
    if HUBDEPS in runs and JS in runs:
        ratio = median_wall(runs[JS]) / median_wall(runs[HUBDEPS])
        report.checks.append(Check("At least 5x the JS client", f"{ratio:.2f}x", ratio >= 5))
        report.analysis.append(
            f"The JS client's `snapshotDownload` fetches one file at a time and asks `paths-info` before each "
            f"download ({requests.get(JS, 0)} requests against HubDeps' {requests.get(HUBDEPS, 0)}), so it pays a "
            f"few round trips per file in sequence.")
    return report
