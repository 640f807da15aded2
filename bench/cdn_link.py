#!/usr/bin/env python3
"""Scenario 9 (issue 15, item 7): speed on a link shaped like the Hub's CDN. On loopback the CPU is the limit;
over the internet it is each connection's throughput and the round trip. The test Hub's `link_rate` and
`link_delay_ms` switches cap every TCP connection at 100 MB/s and hold every answer 20 ms, on every origin.

Measured there: one large LFS file (HubDeps, verifying SHA-256, against `curl -o`, `aria2c -x16 -s16` and
`@huggingface/hub`, none of which verifies anything), and a dataset of 2,500 small files (HubDeps against
huggingface_hub's `snapshot_download`, 8 workers).

Scenario 10: the same dataset over HTTP/2, through Debian's nghttpx in front of the Hub (tests/hub/h2proxy.py):
HubDeps multiplexing small files over one connection, HubDeps with HUBDEPS_HTTP_MULTIPLEX=0 (a connection per
worker), and snapshot_download.

Part of `python3 bench/run.py` (scenarios 9 and 10). On its own, `python3 bench/cdn_link.py` runs just scenario 9
(`--http2`: just scenario 10) and replaces its section (and its summary rows) in bench/REPORT.md, leaving the other
scenarios' numbers as they are.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import shutil
import sys
import time

sys.dont_write_bytecode = True
BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH_DIR)
sys.path.insert(0, os.path.join(os.path.dirname(BENCH_DIR), "tests", "hub"))

import machine  # noqa: E402
import report  # noqa: E402
from common import (MiB, Check, Context, ScenarioReport, Table, median_wall, paired_ratios,  # noqa: E402
                    samples_table, server_cpu_seconds, settled_log, size_text)
from downloads import big_file_repo, check_file, downloaded_file  # noqa: E402
from measure import Sample, rotated, run_measured, summarize  # noqa: E402
from peers import (ARIA2_16, CURL, HUBDEPS, JS, PYTHON_HUB, REPO_DIR, Tools, find_python_client,  # noqa: E402
                   python_hub_env, repo_command, single_file_command)

KEY = "9"
TITLE = "A link shaped like the Hub's CDN: each connection capped at 100 MB/s, 20 ms per answer"
LINK_RATE = 100 * 1000 * 1000  # bytes per second per TCP connection
LINK_DELAY_MS = 20
SMALL_FILES = 2500
DATASET = "bench/cdn-small-files"
# HubDeps against each peer: at least this many times as fast.
FILE_TARGETS = {CURL: 5.0, ARIA2_16: 1.0, JS: 5.0}
DATASET_TARGET = 3.0
KEY_HTTP2 = "10"
TITLE_HTTP2 = "2,500 small files over HTTP/2 behind 20 ms per answer: multiplexed, one connection per worker, Python"
HUBDEPS_ONE_PER_WORKER = "HubDeps, HUBDEPS_HTTP_MULTIPLEX=0"
HUBDEPS_STREAMS = 64  # small files in flight when multiplexed: 16 workers x kStreamsPerWorker (src/fetch.cpp)


def link_rate(ctx: Context) -> int:
    return LINK_RATE // 8 if ctx.quick else LINK_RATE  # --quick: the small file still takes a second


@contextlib.contextmanager
def shaped_link(hub, rate: int, delay_ms: int):
    hub.set_config(link_rate=rate, link_delay_ms=delay_ms)
    try:
        yield
    finally:
        hub.set_config(link_rate=0, link_delay_ms=0)


def dataset_repo(ctx: Context) -> dict:
    count = 50 if ctx.quick else SMALL_FILES
    ctx.log(f"creating dataset {DATASET}: {count} small files")
    ctx.hub.create_repo(DATASET, type="dataset")
    # 1-32 KiB, spread deterministically, as in scenario 2: a sharded JSONL dataset.
    files = {f"data/part-{i:05d}.jsonl": {"generate": {"size": 1024 + (i * 7919) % (31 * 1024), "seed": f"cdn-{i}"}}
             for i in range(count)}
    details = ctx.hub.commit_details(DATASET, files, type="dataset")
    return {"commit": details["commit"], "count": count,
            "files": {path: entry["size"] for path, entry in details["files"].items() if path in files}}


def check_snapshot(peer: str, out_dir: str, files: dict) -> None:
    folders = glob.glob(os.path.join(out_dir, "datasets--" + DATASET.replace("/", "--"), "snapshots", "*"))
    if len(folders) != 1:
        raise AssertionError(f"{peer} left {len(folders)} snapshot folders in {out_dir}")
    for path, size in files.items():
        check_file(peer, os.path.join(folders[0], path), size, None)


def measure_series(ctx: Context, peers: list[str], reps: int, warm_up: bool, command_for, check, touch: int,
                   label: str, extra_env=None, proxy=None) -> dict[str, list[Sample]]:
    """`reps` rounds of every peer, the order rotating, each into an empty folder after `touch` bytes were written
    and deleted (scenario 1); every download is checked. Records the Hub's CPU, requests and connections, and
    with an HTTP/2 `proxy` in front of the Hub, the client's connections to it. `extra_env(peer)`: variables
    added to that peer's environment."""
    runs: dict[str, list[Sample]] = {peer: [] for peer in peers}
    for rep in range(-1 if warm_up else 0, reps):
        for peer in rotated(peers, max(rep, 0)):
            out = ctx.fresh_dir("download")
            command = command_for(peer, out)
            env = python_hub_env(ctx.tools, ctx.env()) if peer == PYTHON_HUB else ctx.env()
            env.update(extra_env(peer) if extra_env else {})
            machine.touch_memory(out, touch)
            ctx.hub.clear_log()
            if proxy:
                proxy.clear_log()
            server_before = server_cpu_seconds(ctx.hub)
            sample = run_measured(command, env=env)
            sample.extra["server_cpu"] = server_cpu_seconds(ctx.hub) - server_before
            log = settled_log(ctx.hub)
            sample.extra["requests"] = len(log)
            sample.extra["connections"] = len({(e["origin"], e.get("connection")) for e in log})
            sample.extra["cdn_connections"] = len({e.get("connection") for e in log if e["origin"] == "cdn"})
            if proxy:
                time.sleep(0.2)  # nghttpx logs a request once its answer is sent, before the client exits
                front = proxy.log()
                sample.extra["client_connections"] = len({e["remote_port"] for e in front})
                sample.extra["protocols"] = sorted({e["alpn"] for e in front})
            check(peer, out, rep == 0)
            if rep >= 0:
                runs[peer].append(sample)
            ctx.log(f"  {label} {'warm-up' if rep < 0 else f'run {rep + 1}/{reps}'} {peer}: {sample.wall:.3f} s, "
                    f"cpu {sample.cpu:.2f} s, {len(log)} requests over {sample.extra['connections']} connections")
            ctx.discard(out)
    return runs


def connections_table(title: str, runs: dict[str, list[Sample]]) -> Table:
    rows = [[peer, ", ".join(str(s.extra["requests"]) for s in samples),
             ", ".join(str(s.extra["connections"]) for s in samples),
             ", ".join(str(s.extra["cdn_connections"]) for s in samples)] for peer, samples in runs.items() if samples]
    return Table(title, ["client", "requests per run", "TCP connections per run", "of them to the CDN origin"], rows)


def ratio_check(target: float, peer: str, runs: dict, what: str) -> Check:
    ours, theirs = median_wall(runs[HUBDEPS]), median_wall(runs[peer])
    paired = paired_ratios(runs[peer], runs[HUBDEPS])
    return Check(f"{what}: HubDeps at least {target:g}x `{peer}`",
                 f"{theirs / ours:.2f}x ({theirs:.2f} s against {ours:.2f} s; round by round "
                 f"{min(paired):.2f}x-{max(paired):.2f}x)", ours * target <= theirs)


def big_file_part(ctx: Context, result: ScenarioReport, reps: int) -> None:
    info = big_file_repo(ctx)
    size = info["size"]
    peers = ctx.peers([HUBDEPS, CURL, ARIA2_16, JS])

    def command_for(peer, out):
        return single_file_command(peer, ctx.tools, endpoint=ctx.hub.endpoint, repo=info["repo"], path=info["path"],
                                   url=info["url"], out_dir=out)

    def check(peer, out, full):
        file = downloaded_file(peer, out, "models--" + info["repo"].replace("/", "--"), info["path"])
        check_file(peer, file, size, info["sha256"] if full else None)

    runs = measure_series(ctx, peers, reps, not ctx.quick, command_for, check, size, "file")
    result.setup.append(
        f"One file: `{info['repo']}`'s {size_text(size)} LFS `{info['path']}` (scenario 1's), into an empty folder "
        f"or cache each run. HubDeps: `hubdeps fetch` (listing call, download, SHA-256 verification, publish). curl: "
        f"`curl -sSfL -o` (one connection). aria2c: `-x16 -s16 --file-allocation=falloc`. @huggingface/hub: "
        f"`downloadFileToCacheDir`. None of the three peers verifies the bytes. {reps} rounds, the order rotating"
        + (", after one that is not counted." if not ctx.quick else "."))
    result.tables.append(samples_table(f"One {size_text(size)} file (wall seconds per run)", runs, size))
    result.tables.append(connections_table("What each client asked of the Hub (one file)", runs))
    if CURL in runs:
        rate, cap = size / median_wall(runs[CURL]), link_rate(ctx)
        result.checks.append(Check(f"The link is shaped: one connection (curl -o) gets about {cap / 1e6:g} MB/s",
                                   f"{rate / 1e6:.0f} MB/s", 0.8 * cap <= rate <= 1.05 * cap))
    if HUBDEPS not in runs:
        return
    for peer, target in FILE_TARGETS.items():
        if peer in runs:
            result.checks.append(ratio_check(target, peer, runs, f"{size_text(size)} file"))
    ours = runs[HUBDEPS]
    wall, cpu = median_wall(ours), summarize([s.cpu for s in ours]).median
    server = summarize([s.extra["server_cpu"] for s in ours]).median
    connections = summarize([s.extra["cdn_connections"] for s in ours]).median
    cpus = ctx.facts["cpus"]
    sha = ctx.facts.get("sha256_rate") or machine.sha256_rate(1 if ctx.quick else 3)
    ctx.facts["sha256_rate"] = sha
    result.analysis.append(
        f"HubDeps opened {connections:.0f} connections to the CDN origin (median; it starts with 2 and doubles them "
        f"every 250 ms while each is slower than 128 MiB/s and the last ones added raised the total by half their "
        f"share, up to 16): a link ceiling of {connections * LINK_RATE / 1e9:.1f} GB/s. It reached "
        f"{size / wall / 1e9:.2f} GB/s.")
    result.analysis.append(
        f"CPU: HubDeps used {cpu:.2f} s and the Hub {server:.2f} s per run; on {cpus} cores that alone takes at "
        f"least {(cpu + server) / cpus:.2f} s of the {wall:.2f} s run ({(cpu + server) / cpus / wall:.0%}). SHA-256 "
        f"is {size / sha:.2f} s of HubDeps' CPU ({sha / 1e9:.2f} GB/s on one core); the rest is receiving the bytes "
        f"(the loopback TCP copy), writing them into the page cache and reading back the pieces that arrived ahead "
        f"of the hash. At N x 100 MB/s the link would take {size / LINK_RATE / connections:.2f} s with "
        f"{connections:.0f} connections; what is above that is the CPU, the ramp-up (the first 0.5 s run 2, then "
        f"4 connections) and the last pieces, which finish on fewer connections.")
    if CURL in runs:
        goal = median_wall(runs[CURL]) / FILE_TARGETS[CURL]
        result.analysis.append(
            f"HubDeps and the Hub kept {(cpu + server) / wall:.2f} of the {cpus} cores busy on average; other work had "
            f"the rest (the load average is in the first paragraph). 5x curl means {goal:.2f} s: the same CPU in that "
            f"time needs {(cpu + server) / goal:.2f} cores, {(cpu + server) / goal / cpus:.0%} of the machine. With the "
            f"machine to themselves, the {(cpu + server) / cpus:.2f} s that CPU takes on {cpus} cores would be "
            f"{median_wall(runs[CURL]) * cpus / (cpu + server):.1f}x curl: the target is missed for want of CPU time "
            f"on a shared machine, not for the link or the number of connections."
            if wall > goal else
            f"HubDeps and the Hub kept {(cpu + server) / wall:.2f} of the {cpus} cores busy on average.")
    if CURL in runs and JS in runs:
        result.analysis.append(
            f"curl and the JS client use one connection each: {median_wall(runs[CURL]):.2f} s and "
            f"{median_wall(runs[JS]):.2f} s, the link's {size / LINK_RATE:.2f} s for one connection plus their "
            f"start. Their speed does not depend on the CPU here; HubDeps' does.")
    if ARIA2_16 in runs:
        aria = runs[ARIA2_16]
        result.analysis.append(
            f"aria2c opened {summarize([s.extra['cdn_connections'] for s in aria]).median:.0f} connections to the "
            f"CDN and used {summarize([s.cpu for s in aria]).median:.2f} s of CPU (verifying nothing): with 16 "
            f"connections from the start, it too is bound by the CPU, not the link.")


def dataset_part(ctx: Context, result: ScenarioReport, reps: int) -> None:
    info = dataset_repo(ctx)
    peers = ctx.peers([HUBDEPS, PYTHON_HUB])
    total = sum(info["files"].values())

    def command_for(peer, out):
        return repo_command(peer, ctx.tools, endpoint=ctx.hub.endpoint, repo=DATASET, repo_type="dataset", urls={},
                            out_dir=out, list_dir=ctx.scratch)

    ctx.facts["dataset"] = info  # the HTTP/2 rows fetch it again
    runs = measure_series(ctx, peers, reps, False, command_for, lambda peer, out, _: check_snapshot(
        peer, out, info["files"]), total, "dataset")
    python = ctx.tools.python_hub
    source = "the source in <shared>/peers" if python and python[1] else "the installed copy"
    result.setup.append(
        f"A dataset: `{DATASET}`, {info['count']} regular (non-LFS) files of 1-32 KiB ({total / MiB:.1f} MiB), "
        f"into an empty cache each run. HubDeps: `hubdeps fetch --repo-type dataset` (its default workers). "
        f"huggingface_hub: `snapshot_download` (its default of 8 workers; progress bars off), from "
        f"{source}. "
        f"{reps} rounds, the order rotating.")
    result.tables.append(samples_table(f"{info['count']} small files (wall seconds per run)", runs, None))
    result.tables.append(connections_table("What each client asked of the Hub (dataset)", runs))
    if HUBDEPS not in runs or PYTHON_HUB not in runs:
        return
    result.checks.append(ratio_check(DATASET_TARGET, PYTHON_HUB, runs, f"{info['count']} small files"))
    count = info["count"]
    for peer, samples in runs.items():
        wall = median_wall(samples)
        requests = summarize([s.extra["requests"] for s in samples]).median
        cpu = summarize([s.cpu for s in samples]).median
        server = summarize([s.extra["server_cpu"] for s in samples]).median
        result.analysis.append(
            f"{peer}: {requests:.0f} requests ({requests / count:.2f} per file) over "
            f"{summarize([s.extra['connections'] for s in samples]).median:.0f} connections in {wall:.2f} s; each "
            f"answer waits {LINK_DELAY_MS} ms, so the round trips alone take {requests * LINK_DELAY_MS / 1000:.1f} s "
            f"one after another, {requests * LINK_DELAY_MS / 1000 / wall:.1f} at a time on average. CPU: the client "
            f"{cpu:.2f} s ({cpu / count * 1000:.2f} ms per file), the Hub {server:.2f} s.")


def scenario_http2(ctx: Context) -> ScenarioReport:
    """Scenario 10: scenario 9's dataset and link, through HTTP/2."""
    result = ScenarioReport(KEY_HTTP2, TITLE_HTTP2)
    if ctx.tools.python_hub is None and PYTHON_HUB not in ctx.tools.missing:
        ctx.tools.python_hub, why = find_python_client()
        if ctx.tools.python_hub is None:
            ctx.tools.missing[PYTHON_HUB] = why
    result.load = machine.load_average()
    if "dataset" not in ctx.facts:  # scenario 9 made it when it ran first, in the same Hub
        ctx.facts["dataset"] = dataset_repo(ctx)
    with shaped_link(ctx.hub, link_rate(ctx), LINK_DELAY_MS):
        http2_part(ctx, result, ctx.reps(3))
    loopback_part(ctx, result, ctx.reps(5))
    end = machine.load_average()
    result.setup.insert(0, (
        f"Scenario 9's link (`link_rate` {link_rate(ctx):,} bytes per second per connection, `link_delay_ms` "
        f"{LINK_DELAY_MS}) and dataset. The machine has {ctx.facts['cpus']} cores shared with other work: load "
        f"average {result.load[0]:.2f} / {result.load[1]:.2f} / {result.load[2]:.2f} at the start, "
        f"{end[0]:.2f} / {end[1]:.2f} / {end[2]:.2f} at the end."))
    if PYTHON_HUB in ctx.tools.missing:
        result.setup.append(f"{PYTHON_HUB} not measured: {ctx.tools.missing[PYTHON_HUB]}")
    return result


def loopback_part(ctx: Context, result: ScenarioReport, reps: int) -> None:
    """Where multiplexing cannot help: the test Hub directly, HTTP/1.1, no shaping (the CPU is the limit, and the
    multiplexer's one thread writes and hashes every small file). It must not cost anything there."""
    info = ctx.facts["dataset"]
    peers = [HUBDEPS, HUBDEPS_ONE_PER_WORKER]

    def command_for(peer, out):
        return repo_command(HUBDEPS, ctx.tools, endpoint=ctx.hub.endpoint, repo=DATASET, repo_type="dataset",
                            urls={}, out_dir=out, list_dir=ctx.scratch)

    runs = measure_series(ctx, peers, reps, False, command_for, lambda peer, out, _: check_snapshot(
        peer, out, info["files"]), 0, "dataset on loopback",
        extra_env=lambda peer: {"HUBDEPS_HTTP_MULTIPLEX": "0"} if peer == HUBDEPS_ONE_PER_WORKER else {})
    result.setup.append(
        f"On loopback, for contrast: the same dataset from the test Hub directly (HTTP/1.1, no link shaping, so the "
        f"CPU is the limit), HubDeps multiplexed against `HUBDEPS_HTTP_MULTIPLEX=0`. {reps} rounds, the order "
        f"rotating.")
    result.tables.append(samples_table(f"{info['count']} small files on loopback, HTTP/1.1 (wall seconds per run)",
                                       runs, None))
    ours, before = median_wall(runs[HUBDEPS]), median_wall(runs[HUBDEPS_ONE_PER_WORKER])
    paired = paired_ratios(runs[HUBDEPS_ONE_PER_WORKER], runs[HUBDEPS])
    result.checks.append(Check(
        f"{info['count']} small files on loopback (HTTP/1.1): multiplexed no slower than a connection per worker "
        f"(within 5%)", f"{before / ours:.2f}x ({before:.2f} s against {ours:.2f} s; round by round "
        f"{min(paired):.2f}x-{max(paired):.2f}x)", ours <= before * 1.05))


def http2_part(ctx: Context, result: ScenarioReport, reps: int) -> None:
    """The dataset again, through Debian's nghttpx in front of the Hub (HTTP/2 over TLS, as the real Hub speaks;
    HTTP/1.1 from nghttpx to the test Hub, one backend connection per request in flight, so each answer still
    waits 20 ms): HubDeps multiplexing its small files over one connection, HubDeps with
    HUBDEPS_HTTP_MULTIPLEX=0 (one connection per worker, as before), and snapshot_download (HTTP/1.1, 8
    workers)."""
    from h2proxy import Http2Proxy, nghttpx_path  # tests/hub, on the path above
    if nghttpx_path() is None:
        result.setup.append("HTTP/2 rows not measured: nghttpx is not installed (apt-get install nghttp2-proxy)")
        return
    peers = ctx.peers([HUBDEPS, HUBDEPS_ONE_PER_WORKER, PYTHON_HUB])
    info = ctx.facts["dataset"]
    with Http2Proxy(ctx.hub) as proxy:
        def command_for(peer, out):
            return repo_command(HUBDEPS if peer == HUBDEPS_ONE_PER_WORKER else peer, ctx.tools,
                                endpoint=proxy.endpoint, repo=DATASET, repo_type="dataset", urls={}, out_dir=out,
                                list_dir=ctx.scratch)

        def extra_env(peer):
            return {**proxy.env(), **({"HUBDEPS_HTTP_MULTIPLEX": "0"} if peer == HUBDEPS_ONE_PER_WORKER else {})}

        runs = measure_series(ctx, peers, reps, False, command_for, lambda peer, out, _: check_snapshot(
            peer, out, info["files"]), 0, "dataset over h2", extra_env=extra_env, proxy=proxy)
    result.setup.append(
        f"The same dataset through HTTP/2: Debian's nghttpx in front of the Hub (TLS, ALPN h2; to the Hub HTTP/1.1, "
        f"one backend connection per request in flight, so every answer still waits {LINK_DELAY_MS} ms). HubDeps "
        f"(small files multiplexed over its connection), HubDeps with `HUBDEPS_HTTP_MULTIPLEX=0` (a connection per "
        f"worker, as before) and huggingface_hub (httpx speaks HTTP/1.1 here). {reps} rounds, the order rotating.")
    result.tables.append(samples_table(f"{info['count']} small files over HTTP/2 (wall seconds per run)", runs, None))
    rows = [[peer, ", ".join(str(s.extra["requests"]) for s in samples),
             ", ".join(str(s.extra["client_connections"]) for s in samples),
             " ".join(sorted({p for s in samples for p in s.extra["protocols"]}))] for peer, samples in runs.items()
            if samples]
    result.tables.append(Table("What each client asked over HTTP/2 (nghttpx's access log)",
                               ["client", "requests per run", "client connections per run", "protocol"], rows))
    if HUBDEPS in runs and PYTHON_HUB in runs:
        result.checks.append(ratio_check(DATASET_TARGET, PYTHON_HUB, runs, f"{info['count']} small files over h2"))
    if HUBDEPS in runs and HUBDEPS_ONE_PER_WORKER in runs:
        ours, before = median_wall(runs[HUBDEPS]), median_wall(runs[HUBDEPS_ONE_PER_WORKER])
        result.checks.append(Check(f"{info['count']} small files over h2: multiplexed no slower than a connection "
                                   f"per worker", f"{before / ours:.2f}x ({before:.2f} s against {ours:.2f} s)",
                                   ours <= before * 1.05))
        cpu = summarize([s.cpu for s in runs[HUBDEPS]]).median
        server = summarize([s.extra["server_cpu"] for s in runs[HUBDEPS]]).median
        result.analysis.append(
            f"Over HTTP/2 HubDeps kept up to {HUBDEPS_STREAMS} small files in flight over one connection: "
            f"{info['count']} answers of {LINK_DELAY_MS} ms each are {info['count'] * LINK_DELAY_MS / 1000:.0f} s "
            f"one after another, {info['count'] * LINK_DELAY_MS / 1000 / ours:.0f} at a time on average in "
            f"{ours:.2f} s (a connection per worker: {before:.2f} s, 16 at a time at most). CPU then bounds it: "
            f"HubDeps {cpu:.2f} s, the test Hub {server:.2f} s, and nghttpx's TLS beside them on {ctx.facts['cpus']} "
            f"cores.")


def scenario_cdn_link(ctx: Context) -> ScenarioReport:
    result = ScenarioReport(KEY, TITLE)
    if ctx.tools.python_hub is None and PYTHON_HUB not in ctx.tools.missing:
        ctx.tools.python_hub, why = find_python_client()
        if ctx.tools.python_hub is None:
            ctx.tools.missing[PYTHON_HUB] = why
    result.load = machine.load_average()
    reps = ctx.reps(3)
    with shaped_link(ctx.hub, link_rate(ctx), LINK_DELAY_MS):
        big_file_part(ctx, result, reps)
        dataset_part(ctx, result, reps)
    end = machine.load_average()
    result.setup.insert(0, (
        f"The test Hub with `link_rate` {link_rate(ctx):,} bytes per second per TCP "
        f"connection (across the answers sent on it; sendfile in slices of 1/50 s with sleeps between, so the "
        f"server's CPU stays low) and `link_delay_ms` {LINK_DELAY_MS} (every answer, every origin). The machine "
        f"has {ctx.facts['cpus']} cores shared with other work: load average {result.load[0]:.2f} / "
        f"{result.load[1]:.2f} / {result.load[2]:.2f} at the start, {end[0]:.2f} / {end[1]:.2f} / {end[2]:.2f} "
        f"at the end."))
    for peer, why in ctx.tools.missing.items():
        if peer in (PYTHON_HUB, JS, ARIA2_16):
            result.setup.append(f"{peer} not measured: {why}")
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run scenario 9 (or 10) alone and update its section of the "
                                                 "report.")
    parser.add_argument("--http2", action="store_true", help="run scenario 10 (small files over HTTP/2) instead")
    parser.add_argument("--hubdeps", default=os.path.join(REPO_DIR, "build", "tool", "hubdeps"))
    parser.add_argument("--reps", type=int, help="counted rounds (default 3)")
    parser.add_argument("--quick", action="store_true", help="16 MiB and 50 files, 2 rounds: checks the harness")
    parser.add_argument("--work-dir", default="/tmp/hubdeps-bench-cdn")
    parser.add_argument("--js-dir", help="a folder with node_modules/@huggingface/hub (default: <work-dir>/js)")
    parser.add_argument("--report", default=os.path.join(BENCH_DIR, "REPORT.md"))
    parser.add_argument("--max-load", type=float, default=1.0)
    parser.add_argument("--max-wait", type=float, default=600)
    args = parser.parse_args(argv)
    started = time.monotonic()

    def log(message: str) -> None:
        print(f"[bench {time.monotonic() - started:7.1f}s] {message}", flush=True)

    hubdeps = os.path.abspath(args.hubdeps)
    if not os.access(hubdeps, os.X_OK):
        print(f"bench: no hubdeps binary at {hubdeps}; build it or pass --hubdeps PATH", file=sys.stderr)
        return 2
    from hubtest import TestHub  # noqa: E402  (tests/hub, on the path above)
    from measure import use_gnu_time_if_installed  # noqa: E402
    from peers import ensure_debian_package, ensure_js_client  # noqa: E402

    use_gnu_time_if_installed()
    for name in os.listdir(args.work_dir) if os.path.isdir(args.work_dir) else []:
        if name != "js":  # the npm install of the JS client is kept, as bench/run.py does
            shutil.rmtree(os.path.join(args.work_dir, name), ignore_errors=True)
    scratch, trash = os.path.join(args.work_dir, "scratch"), os.path.join(args.work_dir, "trash")
    os.makedirs(scratch)
    os.makedirs(trash)
    missing = {}
    if not ensure_debian_package("aria2c", "aria2", True, log)[0]:
        missing[ARIA2_16] = "aria2c is not installed (apt-get install -y aria2)"
    js_dir, why = ensure_js_client(args.work_dir, args.js_dir, True, log)
    if not js_dir:
        missing[JS] = why
    load = machine.wait_for_quiet(args.max_load, 0 if args.quick else args.max_wait, log)
    with TestHub(root=os.path.join(args.work_dir, "hub")) as hub:
        ctx = Context(hub=hub, tools=Tools(hubdeps=hubdeps, js_dir=js_dir, missing=missing), scratch=scratch,
                      trash=trash, quick=args.quick, repetitions=args.reps, log=log,
                      facts={"cpus": os.cpu_count()})
        result = scenario_http2(ctx) if args.http2 else scenario_cdn_link(ctx)
    rendered = report.render(command="python3 bench/cdn_link.py", facts=machine.machine_facts(args.work_dir),
                             versions={}, loads={"start": load}, reports=[result], notes=[], quick=args.quick)
    report_path = args.report if not args.quick else os.path.join(args.work_dir, "REPORT.md")
    report.replace_section(report_path, result.key, rendered,
                           "python3 bench/cdn_link.py" + (" --http2" if args.http2 else ""))
    for name in ("hub", "scratch", "trash"):
        shutil.rmtree(os.path.join(args.work_dir, name), ignore_errors=True)
    log(f"wrote {report_path}")
    return 0 if all(check.passed is not False for check in result.checks) else 1


if __name__ == "__main__":
    sys.exit(main())
