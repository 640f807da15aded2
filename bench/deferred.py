#!/usr/bin/env python3
"""Scenario 8 (issue 18): weights at build time. A project that compiles for a while (a few translation units that
instantiate std::regex, seconds each at -O2) declares a model with a 2 GiB LFS file; the time from an empty build
folder and an empty cache to the linked program, with and without `DEFER`, against the two things it is made of:
the same project without the model (compiling), and `hubdeps fetch` of the same files into an empty cache
(downloading). Target: with DEFER, no longer than the larger of the two plus 10%; without it, about their sum.

Measured twice: on the local Hub as it is (loopback: the download is bound by CPU, which the compiler needs too), and
on a Hub whose CDN sends each connection at a fixed rate, as a real link does (the download is bound by the link).

Part of `python3 bench/run.py` (scenario 8). On its own, `python3 bench/deferred.py` runs just this scenario and
replaces its section (and its summary rows) in bench/REPORT.md, leaving the other scenarios' numbers as they are.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time

sys.dont_write_bytecode = True
BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH_DIR)
sys.path.insert(0, os.path.join(os.path.dirname(BENCH_DIR), "tests", "hub"))

import machine  # noqa: E402
import report  # noqa: E402
from common import GiB, MiB, Check, Context, ScenarioReport, Table, seconds, size_text  # noqa: E402
from measure import Sample, rotated, run_measured, summarize, use_gnu_time_if_installed  # noqa: E402
from peers import REPO_DIR, Tools  # noqa: E402

KEY = "8"
TITLE = "Weights at build time: a project that compiles for a while and declares a 2 GiB model"
MODULE = os.path.join(REPO_DIR, "cmake", "HubDeps.cmake")
REPO = "bench/deferred-model"
UNITS = 4  # slow translation units of the project: about as long to compile as the download on loopback
LINK_RATE = 16 * MiB  # bytes per second per connection, for the link-bound Hub: the download is the longer
TARGET = 1.10  # DEFER's time over the larger of compiling and downloading

PLAIN = "without DEFER"
DEFER = "with DEFER"
COMPILE = "compiling only (no model)"
DOWNLOAD = "downloading only (hubdeps fetch)"

UNIT = r"""#include <algorithm>
#include <map>
#include <regex>
#include <string>
#include <vector>

// Seconds of compiling at -O2: std::regex's templates, instantiated for this unit's pattern.
std::size_t work_{i}(const std::string& text) {{
  const std::regex word("([a-z]+)_{i}([0-9]*)");
  std::map<std::string, std::vector<std::size_t>> seen;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), word); it != std::sregex_iterator(); ++it) {{
    seen[(*it)[1].str()].push_back(static_cast<std::size_t>(it->position()));
  }}
  std::vector<std::pair<std::string, std::size_t>> counts;
  for (const auto& [key, at] : seen) counts.emplace_back(key, at.size());
  std::sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) {{ return a.second > b.second; }});
  return counts.empty() ? 0 : counts.front().second;
}}
"""

# --quick checks the harness only: units that compile at once.
QUICK_UNIT = "#include <string>\nstd::size_t work_{i}(const std::string& text) {{ return text.size() + {i}; }}\n"

MAIN_WITH_MODEL = r"""#include <cstdio>
#include <filesystem>
#include <string>

#include "hf/model.hpp"

std::size_t total(const std::string& text);

int main() {
  const std::string weights(hf::model::path("model.safetensors"));
  std::printf("%lld %ju %zu\n", static_cast<long long>(hf::model::config::hidden_size),
              static_cast<std::uintmax_t>(std::filesystem::file_size(weights)), total("abc_1 abc_2"));
}
"""

MAIN_WITHOUT_MODEL = r"""#include <cstdio>
#include <string>

std::size_t total(const std::string& text);

int main() { std::printf("%zu\n", total("abc_1 abc_2")); }
"""


def model_repo(ctx: Context) -> dict:
    if "deferred_model" in ctx.facts:
        return ctx.facts["deferred_model"]
    size = 16 * MiB if ctx.quick else 2 * GiB
    ctx.log(f"creating {REPO} with a {size_text(size)} LFS file")
    ctx.hub.create_repo(REPO)
    ctx.hub.commit(REPO, {"config.json": json.dumps({"hidden_size": 768, "num_hidden_layers": 12}, indent=2) + "\n",
                          "model.safetensors": {"generate": {"size": size, "seed": "bench-deferred"}, "lfs": True}})
    ctx.facts["deferred_model"] = {"size": size}
    return ctx.facts["deferred_model"]


def write_projects(ctx: Context, units: int, unit: str) -> dict[str, str]:
    """Three source folders with the same translation units: the model declared without DEFER, with it, and not at
    all. The two with the model share one committed lock (the first, unmeasured round writes it)."""
    root = os.path.join(ctx.scratch, "projects")
    shutil.rmtree(root, ignore_errors=True)
    folders = {PLAIN: os.path.join(root, "plain"), DEFER: os.path.join(root, "defer"),
               COMPILE: os.path.join(root, "no-model")}
    sources = [f"unit_{i}.cpp" for i in range(units)]
    for kind, folder in folders.items():
        os.makedirs(folder)
        for i, source in enumerate(sources):
            with open(os.path.join(folder, source), "w", encoding="utf-8") as f:
                f.write(unit.format(i=i))
        with open(os.path.join(folder, "total.cpp"), "w", encoding="utf-8") as f:
            f.write("#include <string>\n" + "".join(f"std::size_t work_{i}(const std::string&);\n"
                                                    for i in range(units)))
            f.write("std::size_t total(const std::string& text) {\n  return 0"
                    + "".join(f" + work_{i}(text)" for i in range(units)) + ";\n}\n")
        cmake = ["cmake_minimum_required(VERSION 3.20)", "project(bench_deferred LANGUAGES CXX)",
                 "set(CMAKE_CXX_STANDARD 17)"]
        with_model = kind != COMPILE
        if with_model:
            defer = " DEFER" if kind == DEFER else ""
            cmake += [f'include("{MODULE}")',
                      f"hf_fetch_model(model REPO {REPO} INCLUDE config.json model.safetensors "
                      f"HEADERS config.json{defer})"]
        cmake.append(f"add_executable(app main.cpp total.cpp {' '.join(sources)})")
        if with_model:
            cmake.append("target_link_libraries(app PRIVATE hf::model)")
        with open(os.path.join(folder, "CMakeLists.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(cmake) + "\n")
        with open(os.path.join(folder, "main.cpp"), "w", encoding="utf-8") as f:
            f.write(MAIN_WITH_MODEL if with_model else MAIN_WITHOUT_MODEL)
    return folders


class Runner:
    """One round's four runs, each from an empty build folder and (for those that download) an empty cache."""

    def __init__(self, ctx: Context, folders: dict[str, str], size: int):
        self.ctx, self.folders, self.size = ctx, folders, size

    def cmake_runs(self, kind: str, build: str, cache: str) -> tuple[Sample, Sample, str]:
        configure = ["cmake", "-S", self.folders[kind], "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                     f"-DHUBDEPS_EXECUTABLE={self.ctx.tools.hubdeps}", f"-DHUBDEPS_CACHE_DIR={cache}"]
        first = run_measured(configure, env=self.ctx.env(), peak_rss=False)
        second = run_measured(["cmake", "--build", build], env=self.ctx.env(), peak_rss=False)
        again = run_measured(["cmake", "--build", build], env=self.ctx.env(), peak_rss=False).stdout
        return first, second, again

    def run(self, kind: str, name: str) -> dict:
        build = self.ctx.fresh_dir(f"build-{name}")
        cache = self.ctx.fresh_dir(f"cache-{name}")
        machine.touch_memory(cache, self.size)
        if kind == DOWNLOAD:
            command = [self.ctx.tools.hubdeps, "fetch", REPO, "--include", "config.json", "--include",
                       "model.safetensors", "--cache-dir", cache, "--quiet"]
            sample = run_measured(command, env=self.ctx.env(), peak_rss=False)
            result = {"total": sample.wall, "cpu": sample.cpu}
        else:
            configure, build_run, again = self.cmake_runs(kind, build, cache)
            program = run_measured([os.path.join(build, "app")], peak_rss=False).stdout.split()
            if kind != COMPILE and int(program[1]) != self.size:
                raise AssertionError(f"{kind}: the program found {program[1]} bytes of weights, not {self.size}")
            result = {"total": configure.wall + build_run.wall, "configure": configure.wall, "build": build_run.wall,
                      "cpu": configure.cpu + build_run.cpu, "no_work": "no work to do" in again}
        self.ctx.discard(build)
        self.ctx.discard(cache)
        os.sync()
        return result


def measure_series(ctx: Context, folders: dict[str, str], size: int, reps: int, label: str,
                   warm_up: bool) -> dict[str, list[dict]]:
    runner = Runner(ctx, folders, size)
    kinds = [PLAIN, DEFER, COMPILE, DOWNLOAD]
    runs: dict[str, list[dict]] = {kind: [] for kind in kinds}
    # One round not counted: it writes the locks the others use, and warms the compiler's files.
    for rep in range(-1 if warm_up else 0, reps):
        for kind in rotated(kinds, max(rep, 0)):
            result = runner.run(kind, re.sub(r"\W+", "-", kind))
            if rep >= 0:
                runs[kind].append(result)
            ctx.log(f"  {label} {'warm-up' if rep < 0 else f'run {rep + 1}/{reps}'} {kind}: "
                    f"{result['total']:.2f} s")
    return runs


def series_table(title: str, runs: dict[str, list[dict]]) -> Table:
    reps = max(len(r) for r in runs.values())
    rows = []
    for kind, results in runs.items():
        totals = [r["total"] for r in results]
        stats = summarize(totals)
        configure = summarize([r["configure"] for r in results]).median if "configure" in results[0] else None
        rows.append([kind] + [seconds(t) for t in totals] + [seconds(stats.median), f"{seconds(stats.low)}-"
                    f"{seconds(stats.high)}", seconds(configure) if configure is not None else "",
                    seconds(summarize([r["cpu"] for r in results]).median)])
    return Table(title, ["run"] + [f"run {i + 1} (s)" for i in range(reps)] +
                 ["median (s)", "min-max (s)", "of it, configure (s)", "CPU user+sys (s)"], rows)


def checks_for(label: str, runs: dict[str, list[dict]], cpus: int) -> tuple[list[Check], list[str]]:
    median = {kind: summarize([r["total"] for r in results]).median for kind, results in runs.items()}
    larger = max(median[COMPILE], median[DOWNLOAD])
    total = median[COMPILE] + median[DOWNLOAD]
    per_round = [d["total"] / max(c["total"], f["total"]) for d, c, f in zip(runs[DEFER], runs[COMPILE],
                                                                               runs[DOWNLOAD])]
    checks = [
        Check(f"{label}: DEFER takes no longer than the larger of compiling and downloading + 10%",
              f"{seconds(median[DEFER])} s against max({seconds(median[COMPILE])}, {seconds(median[DOWNLOAD])}) s: "
              f"{median[DEFER] / larger:.2f}x (round by round {min(per_round):.2f}x-{max(per_round):.2f}x); "
              f"without DEFER {seconds(median[PLAIN])} s, {median[PLAIN] / total:.2f}x their sum",
              median[DEFER] <= TARGET * larger),
        Check(f"{label}: with DEFER a second build has no work to do",
              f"`ninja: no work to do` after {sum(r['no_work'] for r in runs[DEFER])} of {len(runs[DEFER])} builds",
              all(r["no_work"] for r in runs[DEFER])),
    ]
    defer_cpu = summarize([r["cpu"] for r in runs[DEFER]]).median
    compile_cpu = summarize([r["cpu"] for r in runs[COMPILE]]).median
    download_cpu = summarize([r["cpu"] for r in runs[DOWNLOAD]]).median
    configure = {kind: summarize([r["configure"] for r in runs[kind]]).median for kind in (PLAIN, DEFER, COMPILE)}
    analysis = [
        f"{label}: the configure took {seconds(configure[DEFER])} s with DEFER, {seconds(configure[PLAIN])} s without "
        f"(which downloads the weights), {seconds(configure[COMPILE])} s for the project without the model. "
        f"Without DEFER minus with it: {median[PLAIN] - median[DEFER]:+.2f} s; the most it can save, the shorter "
        f"of compiling and downloading, is {seconds(total - larger)} s.",
        f"{label}: CPU seconds of the project's processes (the helper's included, the Hub's not): compiling only "
        f"{compile_cpu:.1f}, downloading only {download_cpu:.1f}, with DEFER {defer_cpu:.1f}. On {cpus} cores the "
        f"run with DEFER cannot take less than {defer_cpu / cpus:.1f} s, compiling only {compile_cpu / cpus:.1f} s: "
        f"the download's CPU, shared with the compiler, alone adds {(defer_cpu - compile_cpu) / cpus:.1f} s, "
        f"{(defer_cpu - compile_cpu) / cpus / median[COMPILE] * 100:.0f}% of compiling only's time.",
    ]
    return checks, analysis


def scenario_deferred(ctx: Context) -> ScenarioReport:
    result = ScenarioReport(KEY, TITLE)
    size = model_repo(ctx)["size"]
    units = 2 if ctx.quick else UNITS
    folders = write_projects(ctx, units, QUICK_UNIT if ctx.quick else UNIT)
    # --quick: one round and no warm-up, to keep the CTest smoke run short.
    reps = 1 if ctx.quick and not ctx.repetitions else ctx.reps(3)
    result.load = machine.load_average()
    result.setup = [
        f"`{REPO}`: `config.json` and a {size_text(size)} LFS `model.safetensors`. Three projects with the same "
        f"{units + 2} translation units ({units} of them instantiate `std::regex` and take seconds each at "
        f"`-O2 -g`): `hf_fetch_model(model REPO {REPO} INCLUDE config.json model.safetensors HEADERS config.json "
        f"[DEFER])` linked by the program, which reads the weights' size at run time, and the same project "
        f"without the model. Each run: `cmake -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo` into an empty build "
        f"folder with an empty cache (`HUBDEPS_CACHE_DIR`), then `cmake --build` (Ninja's default -j, "
        f"`HUBDEPS_DOWNLOAD_JOBS` 1); the time is the two together, and the program's output is checked. "
        f"Downloading only: `hubdeps fetch {REPO} --include config.json --include model.safetensors` into an "
        f"empty cache. Each project with the model has its `hubdeps.lock`, written by a first round that is not "
        f"counted. {reps} rounds per Hub, the order rotating; before each run {size_text(size)} are written and "
        f"deleted (see scenario 1).",
    ]

    ctx.log("the Hub as it is (loopback)")
    loopback = measure_series(ctx, folders, size, reps, "loopback", warm_up=not ctx.quick)
    result.tables.append(series_table("Loopback: empty build folder and cache to linked program (wall s)", loopback))
    checks, analysis = checks_for("loopback", loopback, ctx.facts["cpus"])
    result.checks += checks
    result.analysis += analysis

    rate = LINK_RATE // 2 if ctx.quick else LINK_RATE
    ctx.log(f"a CDN that sends each connection at {rate // MiB} MiB/s")
    ctx.hub.fault("throttle", origin="cdn", path=r"path=model\.safetensors", count=-1, rate=rate)
    try:
        link = measure_series(ctx, folders, size, reps, "link", warm_up=False)
    finally:
        ctx.hub.clear_faults()
    result.tables.append(series_table(f"A CDN that sends each connection at {rate // MiB} MiB/s (a per-flow limit; "
                                      f"the helper opens more connections while each is slow): the same runs (wall s)",
                                      link))
    checks, analysis = checks_for(f"{rate // MiB} MiB/s per connection", link, ctx.facts["cpus"])
    result.checks += checks
    result.analysis += analysis
    result.analysis.append(
        "On loopback, downloading is bound by CPU (scenario 1: receiving, writing and hashing 2 GiB keep both cores "
        "busy, and the Hub's process needs CPU too); the compiler needs the same cores, so running both at once "
        "saves only the part of each that waited on something else. Behind a link, as with any real Hub, the "
        "download waits on the network and leaves the cores to the compiler: then the build takes about as long "
        "as the longer of the two. Ninja runs the download in a job pool of one (`HUBDEPS_DOWNLOAD_JOBS`), so it "
        "takes one of Ninja's job slots, never more.")
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run scenario 8 alone and update its section of the report.")
    parser.add_argument("--hubdeps", default=os.path.join(REPO_DIR, "build", "tool", "hubdeps"))
    parser.add_argument("--reps", type=int, help="counted rounds (default 3)")
    parser.add_argument("--quick", action="store_true", help="16 MiB, 2 units, 2 rounds: checks the harness")
    parser.add_argument("--work-dir", default="/tmp/hubdeps-bench-deferred")
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

    use_gnu_time_if_installed()
    shutil.rmtree(args.work_dir, ignore_errors=True)
    scratch, trash = os.path.join(args.work_dir, "scratch"), os.path.join(args.work_dir, "trash")
    os.makedirs(scratch)
    os.makedirs(trash)
    load = machine.wait_for_quiet(args.max_load, 0 if args.quick else args.max_wait, log)
    with TestHub(root=os.path.join(args.work_dir, "hub")) as hub:
        ctx = Context(hub=hub, tools=Tools(hubdeps=hubdeps, js_dir=None, missing={}), scratch=scratch, trash=trash,
                      quick=args.quick, repetitions=args.reps, log=log, facts={"cpus": os.cpu_count()})
        result = scenario_deferred(ctx)
    rendered = report.render(command="python3 bench/deferred.py", facts=machine.machine_facts(args.work_dir),
                             versions={}, loads={"start": load}, reports=[result], notes=[], quick=args.quick)
    report_path = args.report if not args.quick else os.path.join(args.work_dir, "REPORT.md")
    report.replace_section(report_path, KEY, rendered, "python3 bench/deferred.py")
    if not args.quick:
        shutil.rmtree(args.work_dir, ignore_errors=True)
    log(f"wrote {report_path}")
    return 0 if all(check.passed is not False for check in result.checks) else 1


if __name__ == "__main__":
    sys.exit(main())
