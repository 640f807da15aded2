"""Scenarios 3 and 4: a CMake project that declares many models with hf_fetch_model(), warm (every file in
the cache) and locked (hubdeps.lock pins every commit), against the same project without them.

3. What the declarations add to a configure: fresh build folders (what CI does on a checkout) and
   re-configures of an existing one (what a developer's IDE does), both projects alternating, and the Hub's
   request log, which must stay empty.
4. After a build, a re-configure must leave Ninja nothing to do: no header rewritten, nothing recompiled.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time

import machine
from common import Check, Context, ScenarioReport, Table, seconds, settled_log
from measure import Sample, rotated, run_measured, summarize
from peers import REPO_DIR

MODULE = os.path.join(REPO_DIR, "cmake", "HubDeps.cmake")
WITH = "with the models"
WITHOUT = "without them"
SLUG = {WITH: "with", WITHOUT: "without"}


def model_repos(ctx: Context) -> list[str]:
    if "models" in ctx.facts:
        return ctx.facts["models"]
    count = 3 if ctx.quick else 20
    repos = []
    ctx.log(f"creating {count} model repos")
    for i in range(1, count + 1):
        repo = f"bench/model-{i:02d}"
        ctx.hub.create_repo(repo)
        config = {"model_type": "bert", "hidden_size": 64 * i, "num_hidden_layers": 2 + i % 4,
                  "vocab_size": 30522, "layer_norm_eps": 1e-12, "architectures": ["BertModel"]}
        ctx.hub.commit(repo, {
            "config.json": json.dumps(config, indent=2) + "\n",
            "tokenizer_config.json": json.dumps({"model_max_length": 512, "do_lower_case": True}) + "\n",
            "model.safetensors": {"generate": {"size": (64 << 10) if ctx.quick else (1 << 20), "seed": repo},
                                  "lfs": True},
        })
        repos.append(repo)
    ctx.facts["models"] = repos
    return repos


def write_projects(ctx: Context, repos: list[str]) -> dict[str, str]:
    """Two source folders, identical but for the hf_fetch_model() calls and what main.cpp reads from them."""
    root = os.path.join(ctx.scratch, "projects")
    shutil.rmtree(root, ignore_errors=True)
    folders = {WITH: os.path.join(root, "with-models"), WITHOUT: os.path.join(root, "without-models")}
    names = [f"model{i + 1:02d}" for i in range(len(repos))]
    declarations = "".join(f"hf_fetch_model({name} REPO {repo} HEADERS config.json)\n"
                           for name, repo in zip(names, repos))
    for kind, folder in folders.items():
        os.makedirs(folder)
        with_models = kind == WITH
        cmake = ["cmake_minimum_required(VERSION 3.20)", "project(bench_models LANGUAGES CXX)", ""]
        if with_models:
            cmake += [f'include("{MODULE}")', declarations]
        cmake += ["add_executable(app main.cpp)", "target_compile_features(app PRIVATE cxx_std_17)"]
        if with_models:
            cmake.append("target_link_libraries(app PRIVATE " + " ".join(f"hf::{n}" for n in names) + ")")
        with open(os.path.join(folder, "CMakeLists.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(cmake) + "\n")
        with open(os.path.join(folder, "main.cpp"), "w", encoding="utf-8") as f:
            if with_models:
                f.write("".join(f'#include "hf/{n}.hpp"\n' for n in names))
                f.write("#include <cstdio>\n\nint main() {\n  long total = 0;\n")
                f.write("".join(f"  total += hf::{n}::config::hidden_size;\n" for n in names))
                f.write('  std::printf("%ld\\n", total);\n}\n')
            else:
                f.write("#include <cstdio>\n\nint main() {\n  std::printf(\"0\\n\");\n}\n")
    return folders


def configure_command(ctx: Context, source: str, build: str, locked: bool, helper: str | None = None) -> list[str]:
    command = ["cmake", "-S", source, "-B", build, "-G", "Ninja", f"-DHUBDEPS_EXECUTABLE={helper or ctx.tools.hubdeps}",
               f"-DHUBDEPS_CACHE_DIR={os.path.join(ctx.scratch, 'hf-cache')}"]
    if locked:
        command.append("-DHUBDEPS_LOCKED=ON")
    return command


def scenario_warm_configure(ctx: Context) -> ScenarioReport:
    repos = model_repos(ctx)
    report = ScenarioReport("3", f"Warm, locked, fully cached: configure a CMake project declaring {len(repos)} models")
    folders = write_projects(ctx, repos)
    builds = os.path.join(ctx.scratch, "builds")
    reps = ctx.reps(7)
    report.load = machine.load_average()

    # Once, cold: fills the cache and writes hubdeps.lock. Not measured; this is what makes the rest warm.
    ctx.log("first configure: fills the cache and the lockfile")
    for kind, source in folders.items():
        run_measured(configure_command(ctx, source, os.path.join(builds, f"warm-{SLUG[kind]}"), locked=False),
                     env=ctx.env())
    lockfile = os.path.join(folders[WITH], "hubdeps.lock")
    if not os.path.isfile(lockfile):
        raise AssertionError(f"the first configure wrote no {lockfile}")

    settled_log(ctx.hub)  # the first configure's last requests, before counting starts
    ctx.hub.clear_log()
    fresh: dict[str, list[Sample]] = {WITH: [], WITHOUT: []}
    again: dict[str, list[Sample]] = {WITH: [], WITHOUT: []}
    kinds = list(folders)
    for rep in range(reps):
        for kind in rotated(kinds, rep):
            # A new build folder: compiler checks and all, as on a CI checkout.
            build = os.path.join(builds, f"fresh-{rep}-{SLUG[kind]}")
            fresh[kind].append(run_measured(configure_command(ctx, folders[kind], build, locked=True), env=ctx.env(),
                                            peak_rss=False))
            # The same folder again: only the project's own CMake code runs.
            again[kind].append(run_measured(configure_command(ctx, folders[kind], build, locked=True), env=ctx.env(),
                                            peak_rss=False))
            shutil.rmtree(build)
        ctx.log(f"  run {rep + 1}/{reps}: fresh {fresh[WITH][-1].wall:.3f} vs {fresh[WITHOUT][-1].wall:.3f} s, "
                f"again {again[WITH][-1].wall:.3f} vs {again[WITHOUT][-1].wall:.3f} s")
    requests = settled_log(ctx.hub)
    helper = time_helper_calls(ctx, folders[WITH], len(repos), reps)

    count = len(repos)
    report.setup = [
        f"Two projects that differ only in {count} `hf_fetch_model(modelNN REPO bench/model-NN HEADERS "
        f"config.json)` calls (each repo: `config.json`, `tokenizer_config.json`, an LFS `model.safetensors`), "
        f"the `include(HubDeps.cmake)` and the `hf::` targets `main.cpp` links; `-G Ninja -DHUBDEPS_LOCKED=ON`, "
        f"`HUBDEPS_EXECUTABLE` = the measured hubdeps. A first, unmeasured configure filled the cache and wrote "
        f"`hubdeps.lock`. Then {reps} rounds, alternating the two projects: a configure into a new build folder "
        f"(CI on a fresh checkout), then a re-configure of that folder (an IDE re-running CMake).",
    ]
    rows = []
    for label, runs in (("fresh build folder", fresh), ("re-configure", again)):
        for kind in kinds:
            walls = [s.wall for s in runs[kind]]
            stats = summarize(walls)
            rows.append([label, kind] + [seconds(w) for w in walls] + [seconds(stats.median),
                                                                         f"{seconds(stats.low)}-{seconds(stats.high)}"])
    report.tables.append(Table("Configure wall time (s)", ["configure", "project"] +
                               [f"run {i + 1}" for i in range(reps)] + ["median", "min-max"], rows))
    for label, runs in (("a fresh build folder", fresh), ("a re-configure", again)):
        added = summarize([s.wall for s in runs[WITH]]).median - summarize([s.wall for s in runs[WITHOUT]]).median
        report.checks.append(Check(f"{count} models add under 100 ms to {label}",
                                   f"+{added * 1000:.0f} ms ({added * 1000 / count:.1f} ms per model)", added < 0.1))
    report.checks.append(Check("Zero requests to the Hub while warm and locked",
                               f"{len(requests)} requests in {4 * reps} configures",
                               len(requests) == 0))
    median = {label: {kind: summarize([s.wall for s in runs[kind]]).median for kind in kinds}
              for label, runs in (("fresh", fresh), ("again", again))}
    per_model = {label: (m[WITH] - m[WITHOUT]) / count for label, m in median.items()}
    report.tables.append(Table("The helper call of one hf_fetch_model, run alone (ms per call)",
                               ["call", "median", "min-max"],
                               [[name, f"{summarize(v).median * 1000:.2f}",
                                 f"{min(v) * 1000:.2f}-{max(v) * 1000:.2f}"] for name, v in helper.items()]))
    started = count_helper_starts(ctx, folders[WITH], os.path.join(builds, "counted"))
    report.tables.append(Table("Helper processes a configure of the project with the models starts",
                               ["configure", "processes", "by subcommand"],
                               [[label, str(sum(calls.values())),
                                 ", ".join(f"`{name}` x{n}" for name, n in sorted(calls.items()))]
                                for label, calls in started.items()]))
    start_ms = summarize(helper[START]).median * 1000
    fetch_ms = summarize(helper[FETCH]).median * 1000
    with_header_ms = summarize(helper[FETCH_AND_HEADER]).median * 1000
    fresh_calls = started["fresh build folder"]
    again_calls = sum(started["re-configure"].values())
    per_model_calls = sum(n for name, n in fresh_calls.items() if name != "--version") / count
    report.analysis.append(
        f"In a fresh build folder each warm, locked `hf_fetch_model` adds {per_model['fresh'] * 1000:.1f} ms. It "
        f"starts the helper {per_model_calls:g} time(s): `hubdeps fetch --lock ... --locked --json --header ...` "
        f"({with_header_ms:.1f} ms alone: it reads the lockfile, finds each pinned file in the cache with a "
        f"`stat`, asks the Hub nothing, then reads `config.json` and writes the header; {fetch_ms:.1f} ms without "
        f"the header). A bare start of the helper (`--version`) costs {start_ms:.1f} ms: the dynamic loader and "
        f"libstdc++, as libcurl and libcrypto are only loaded by a process that makes a request or hashes. The rest "
        f"is CMake's own work: parsing the JSON with `string(JSON)`, writing the fetch result and its stamp.")
    again_what = ", ".join(f"`{name}` x{n}" for name, n in sorted(started["re-configure"].items()))
    report.analysis.append(
        f"A re-configure adds {per_model['again'] * 1000:.1f} ms per model and started {again_calls} helper "
        f"process(es) in all ({again_what or 'none'}): the module reuses the previous fetch result and header of a "
        f"model whose declaration, lockfile and cache settings did not change, after checking that its files are "
        f"still in the cache.")
    return report


def count_helper_starts(ctx: Context, source: str, build: str) -> dict[str, dict[str, int]]:
    """How many helper processes, by subcommand, a configure into a new build folder and then a re-configure
    start: the module is pointed at a wrapper that logs each start, then runs the real helper. Not timed."""
    log = os.path.join(ctx.scratch, "helper-starts.log")
    wrapper = os.path.join(ctx.scratch, "hubdeps-logging-starts")
    with open(wrapper, "w", encoding="utf-8") as f:
        f.write(f'#!/bin/sh\nprintf \'%s\\n\' "$1" >> "{log}"\nexec "{ctx.tools.hubdeps}" "$@"\n')
    os.chmod(wrapper, 0o755)
    starts = {}
    for label in ("fresh build folder", "re-configure"):
        open(log, "w", encoding="utf-8").close()
        run_measured(configure_command(ctx, source, build, locked=True, helper=wrapper), env=ctx.env(),
                     peak_rss=False)
        with open(log, encoding="utf-8") as f:
            calls = [line.strip() for line in f if line.strip()]
        starts[label] = {name: calls.count(name) for name in set(calls)}
    shutil.rmtree(build)
    return starts


START = "hubdeps --version (a process start)"
FETCH = "hubdeps fetch --locked --json"
FETCH_AND_HEADER = "hubdeps fetch --locked --json --header (what the module runs)"


def time_helper_calls(ctx: Context, source: str, count: int, reps: int) -> dict[str, list[float]]:
    """The helper command the module runs for one model, timed alone, without its header, and a bare start."""
    hubdeps = ctx.tools.hubdeps
    cache = os.path.join(ctx.scratch, "hf-cache")
    out = ctx.fresh_dir("headers")
    times: dict[str, list[float]] = {START: [], FETCH: [], FETCH_AND_HEADER: []}
    for _ in range(reps):
        times[START].append(run_measured([hubdeps, "--version"], peak_rss=False).wall)
        for i in range(1, count + 1):
            name = f"model{i:02d}"
            fetch = [hubdeps, "fetch", f"bench/model-{i:02d}", "--revision", "main", "--repo-type", "model",
                     "--json", "--lock", os.path.join(source, "hubdeps.lock"), "--name", name, "--locked",
                     "--cache-dir", cache]
            times[FETCH].append(run_measured(fetch, env=ctx.env(), peak_rss=False).wall)
            header = ["--header", os.path.join(out, f"{name}.hpp"), "--namespace", f"hf::{name}",
                      "--header-config", "config.json"]
            times[FETCH_AND_HEADER].append(run_measured(fetch + header, env=ctx.env(), peak_rss=False).wall)
    return times


def ninja_explain(build: str) -> tuple[str, Sample]:
    sample = run_measured(["ninja", "-C", build, "-d", "explain"], peak_rss=False)
    return sample.stdout, sample


def scenario_noop_rebuild(ctx: Context) -> ScenarioReport:
    report = ScenarioReport("4", "No-op rebuild after a re-configure")
    repos = model_repos(ctx)
    folders = write_projects(ctx, repos)  # the scratch folder is emptied between scenarios
    reps = ctx.reps(5)
    report.load = machine.load_average()
    build = os.path.join(ctx.scratch, "builds", "noop")
    source = folders[WITH]
    run_measured(configure_command(ctx, source, build, locked=False), env=ctx.env())
    run_measured(["ninja", "-C", build], env=ctx.env())
    headers = os.path.join(build, "hubdeps", "include", "hf")
    watched = [os.path.join(headers, name) for name in sorted(os.listdir(headers))] + [os.path.join(build, "app")]
    before = {path: os.stat(path).st_mtime_ns for path in watched}

    settled_log(ctx.hub)
    ctx.hub.clear_log()
    rows, outcomes = [], []
    for rep in range(reps):
        time.sleep(0.01)  # so a rewritten file would get a visibly newer timestamp
        configure = run_measured(configure_command(ctx, source, build, locked=True), env=ctx.env(), peak_rss=False)
        output, build_sample = ninja_explain(build)
        no_work = "ninja: no work to do." in output
        explained = [line for line in output.splitlines() if line.startswith("ninja explain:")]
        steps = re.findall(r"^\[\d+/\d+\]", output, re.MULTILINE)
        outcomes.append(no_work)
        rows.append([str(rep + 1), seconds(configure.wall), seconds(build_sample.wall),
                     "no work to do" if no_work else f"{len(steps)} step(s) ran", str(len(explained))])
        ctx.log(f"  run {rep + 1}/{reps}: re-configure {configure.wall:.3f} s, ninja {build_sample.wall:.3f} s, "
                f"{'no work to do' if no_work else output.strip().splitlines()[-1]}")
    after = {path: os.stat(path).st_mtime_ns for path in watched}
    touched = [os.path.relpath(p, build) for p in watched if after[p] != before[p]]
    requests = settled_log(ctx.hub)

    report.setup = [
        f"The project with {len(repos)} models, configured and built once with Ninja. Then {reps} times: "
        f"re-configure (`cmake -S . -B build -DHUBDEPS_LOCKED=ON`), then `ninja -C build -d explain`.",
    ]
    report.tables.append(Table("Re-configure, then build", ["run", "re-configure (s)", "ninja (s)", "ninja did",
                                                            "`-d explain` lines"], rows))
    report.checks.append(Check("Ninja has no work to do after a re-configure",
                               f"{sum(outcomes)} of {reps} builds: \"no work to do\"; files rewritten: "
                               f"{', '.join(touched) if touched else 'none'}", all(outcomes) and not touched))
    report.checks.append(Check("Zero requests to the Hub", f"{len(requests)} requests", len(requests) == 0))
    report.analysis.append(
        "The module writes each generated header through a temporary file and a rename only when its content "
        "changed, and the lockfile is only rewritten when an entry changes, so a re-configure leaves every "
        "input of the build with its old timestamp: CMake regenerates build.ninja, Ninja compares and finds "
        "nothing to do.")
    return report
