#!/usr/bin/env python3
"""HubDeps benchmarks (issue 8): one command runs every scenario against the local test Hub and writes
bench/REPORT.md with the machine, the versions, the raw numbers, the targets and what limits each number.

    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build build --target hubdeps
    python3 bench/run.py                          # everything, full sizes; writes bench/REPORT.md
    python3 bench/run.py --scenarios 1,2,5        # some scenarios
    python3 bench/run.py --quick                  # tiny sizes, 2 runs: a smoke check (report in the work folder)

Standard library only. Installs what the peers need when it is missing (apt-get install -y aria2; npm ci of
@huggingface/hub into the work folder) unless --no-install. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import time
import traceback

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH_DIR)
sys.path.insert(0, os.path.join(os.path.dirname(BENCH_DIR), "tests", "hub"))

import cdn_link  # noqa: E402
import cmake_project  # noqa: E402
import common  # noqa: E402
import deferred  # noqa: E402
import downloads  # noqa: E402
import headers  # noqa: E402
import machine  # noqa: E402
import push  # noqa: E402
import report  # noqa: E402
from hubtest import TestHub  # noqa: E402
from measure import use_gnu_time_if_installed  # noqa: E402
from peers import ARIA2, JS, REPO_DIR, Tools, ensure_debian_package, ensure_js_client  # noqa: E402

SCENARIOS = {
    "1": downloads.scenario_cold_big_file,
    "2": downloads.scenario_many_files,
    "3": cmake_project.scenario_warm_configure,
    "4": cmake_project.scenario_noop_rebuild,
    "5": downloads.scenario_peak_memory,
    "6": push.scenario_push,
    "7": headers.scenario_headers,
    "8": deferred.scenario_deferred,
    "9": cdn_link.scenario_cdn_link,
    "10": cdn_link.scenario_http2,
}
TITLES = {
    "1": "Cold download of one large LFS file into an empty cache",
    "2": "Cold download of a dataset: many small files plus a few large ones",
    "3": "Warm, locked, fully cached: configure a CMake project declaring 20 models",
    "4": "No-op rebuild after a re-configure",
    "5": "Peak memory while downloading the large file",
    "6": "Push of a large LFS artifact, and a re-push of the unchanged artifact",
    "7": headers.TITLE,
    "8": deferred.TITLE,
    "9": cdn_link.TITLE,
    "10": cdn_link.TITLE_HTTP2,
}


def prepare_work_dir(work_dir: str, report_path: str) -> None:
    """Empties the work folder but keeps js/ (the npm install of @huggingface/hub, reused while its lock
    file matches) and the report, when it is written there."""
    os.makedirs(work_dir, exist_ok=True)
    keep = {"js", os.path.relpath(os.path.abspath(report_path), os.path.abspath(work_dir))}
    for name in os.listdir(work_dir):
        if name in keep:
            continue
        path = os.path.join(work_dir, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Run the HubDeps benchmarks and write a report.")
    parser.add_argument("--hubdeps", default=os.path.join(REPO_DIR, "build", "tool", "hubdeps"),
                        help="the hubdeps binary to measure (default: build/tool/hubdeps; build it optimized)")
    parser.add_argument("--scenarios", default=",".join(sorted(SCENARIOS)),
                        help="comma-separated scenario numbers (default: all)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes and 2 runs: checks the harness works")
    parser.add_argument("--reps", type=int,
                        help="runs per client (default: 3 for the 2 GiB download, 5 to 7 for the others)")
    parser.add_argument("--work-dir", default="/tmp/hubdeps-bench",
                        help="scratch folder for the Hub, the downloads and the JS client (emptied first)")
    parser.add_argument("--report", help="where to write the report (default: bench/REPORT.md; with --quick: "
                                         "<work-dir>/REPORT.md, so a smoke run never replaces the real one)")
    parser.add_argument("--js-dir", help="a folder with node_modules/@huggingface/hub to use instead of npm ci")
    parser.add_argument("--no-install", action="store_true",
                        help="install nothing; peers that are missing are reported as not measured")
    parser.add_argument("--max-load", type=float, default=1.0,
                        help="wait for the 1-minute load average to drop below this before measuring")
    parser.add_argument("--max-wait", type=float, default=600,
                        help="seconds to wait for a quiet machine before measuring anyway (0: do not wait)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.monotonic()

    def log(message: str) -> None:
        print(f"[bench {time.monotonic() - started:7.1f}s] {message}", flush=True)

    hubdeps = os.path.abspath(args.hubdeps)
    if not os.access(hubdeps, os.X_OK):
        print(f"bench: no hubdeps binary at {hubdeps}; build it first (cmake -S . -B build -G Ninja "
              f"-DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build build --target hubdeps) or pass --hubdeps PATH",
              file=sys.stderr)
        return 2
    wanted = [key.strip() for key in args.scenarios.split(",") if key.strip()]
    unknown = [key for key in wanted if key not in SCENARIOS]
    if unknown:
        print(f"bench: unknown scenario(s) {', '.join(unknown)}; known: {', '.join(sorted(SCENARIOS))}",
              file=sys.stderr)
        return 2
    report_path = args.report or (os.path.join(args.work_dir, "REPORT.md") if args.quick
                                  else os.path.join(BENCH_DIR, "REPORT.md"))

    prepare_work_dir(args.work_dir, report_path)
    notes = []
    missing = {}
    aria2_ok, why = ensure_debian_package("aria2c", "aria2", not args.no_install, log)
    if not aria2_ok:
        missing[ARIA2] = why
    ensure_debian_package("/usr/bin/time", "time", not args.no_install, log)
    if not use_gnu_time_if_installed():
        notes.append("GNU time is not installed (apt-get install -y time): peak RSS is wait4's ru_maxrss, which "
                     "includes the size of this Python process the command was forked from.")
    js_dir, why = ensure_js_client(args.work_dir, args.js_dir, not args.no_install, log)
    if not js_dir:
        missing[JS] = why
    for peer, why in missing.items():
        notes.append(f"{peer} not measured: {why}")
    tools = Tools(hubdeps=hubdeps, js_dir=js_dir, missing=missing)

    facts = machine.machine_facts(args.work_dir)
    versions = machine.tool_versions(hubdeps, js_dir, REPO_DIR)
    loads = {"before waiting": machine.load_average()}
    scratch = os.path.join(args.work_dir, "scratch")
    trash = os.path.join(args.work_dir, "trash")
    os.makedirs(scratch)
    os.makedirs(trash)
    reports = []
    with TestHub(root=os.path.join(args.work_dir, "hub")) as hub:
        ctx = common.Context(hub=hub, tools=tools, scratch=scratch, trash=trash, quick=args.quick,
                             repetitions=args.reps, log=log, facts={"cpus": facts["cpus"]})
        loads["start"] = machine.wait_for_quiet(args.max_load, 0 if args.quick else args.max_wait, log)
        if loads["start"][0] >= args.max_load and not args.quick:
            notes.append(f"The machine never got quiet: the 1-minute load average was {loads['start'][0]:.2f} "
                         f"(other work on its {facts['cpus']} cores) when measuring started, after waiting up to "
                         f"{args.max_wait:.0f} s. Expect slower and noisier numbers than on an idle machine.")
        for key in sorted(set(wanted), key=int):
            log(f"scenario {key}")
            try:
                reports.append(SCENARIOS[key](ctx))
            except Exception as err:  # noqa: BLE001  (one scenario failing must not lose the others' numbers)
                traceback.print_exc()
                reports.append(common.ScenarioReport(key, TITLES[key], skipped=f"the run failed: {err}"))
            shutil.rmtree(scratch, ignore_errors=True)
            os.makedirs(scratch)
        loads["end"] = machine.load_average()

    command = "python3 bench/run.py " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    text = report.render(command=command.strip(), facts=facts, versions=versions, loads=loads, reports=reports,
                         notes=notes, quick=args.quick)
    report.write(report_path, text)
    prepare_work_dir(args.work_dir, report_path)  # the gigabytes go; the JS client install stays for the next run
    log(f"wrote {report_path}")
    return 1 if any(r.skipped for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
