#!/usr/bin/env python3
"""Builds the libFuzzer targets in a small build of their own, and runs one for a bounded time.

  run_fuzzer.py build --source-dir S --build-dir B --cmake C --generator G [--make-program M] --clang CXX
  run_fuzzer.py run --fuzzer BIN --corpus DIR [--seeds DIR]... [--dict FILE] --seconds N --artifacts DIR

`build` configures fuzz/CMakeLists.txt on its own with clang (it needs only nlohmann/json and compiles only the
fuzzed engine files, instrumented), so the main build stays untouched and cheap. `run` starts from the seed
folders plus what earlier runs kept in the corpus folder, and fails on any crash, sanitizer report, leak,
timeout or memory blow-up, naming the input that caused it. Exit 77 (CTest's "skipped"): no clang here.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys

SKIPPED = 77


def build(args: argparse.Namespace) -> int:
    clang = shutil.which(args.clang) if args.clang else None
    if clang is None:
        print("SKIPPED: clang++ is not installed, and libFuzzer comes with it; scripts/install-deps.sh installs "
              "it (then configure again)")
        return SKIPPED
    configure = [args.cmake, "-S", os.path.join(args.source_dir, "fuzz"), "-B", args.build_dir, "-G", args.generator,
                 f"-DCMAKE_CXX_COMPILER={clang}", "-DCMAKE_BUILD_TYPE=RelWithDebInfo"]
    if args.make_program:
        configure.append(f"-DCMAKE_MAKE_PROGRAM={args.make_program}")
    for command in (configure, [args.cmake, "--build", args.build_dir, "--parallel", "2"]):
        print("$", " ".join(command), flush=True)
        if subprocess.run(command).returncode != 0:
            print(f"FAILED: {' '.join(command[:2])} for the fuzz targets")
            return 1
    return 0


def run(args: argparse.Namespace) -> int:
    if not os.path.isfile(args.fuzzer):
        print(f"SKIPPED: {args.fuzzer} was not built (no clang++ here; see the fuzz_build test)")
        return SKIPPED
    os.makedirs(args.corpus, exist_ok=True)
    os.makedirs(args.artifacts, exist_ok=True)
    # The first folder receives new inputs; the seed folders are only read (libFuzzer walks them recursively).
    command = [args.fuzzer, args.corpus, *[seeds for seeds in args.seeds if os.path.isdir(seeds)],
               f"-max_total_time={args.seconds}", "-rss_limit_mb=1024", "-timeout=10", "-print_final_stats=1",
               f"-artifact_prefix={os.path.join(args.artifacts, '')}"]
    if args.dict:
        command.append(f"-dict={args.dict}")
    print("$", " ".join(command), flush=True)
    try:
        completed = subprocess.run(command, capture_output=True, text=True, errors="replace",
                                   timeout=args.seconds + 300)
    except subprocess.TimeoutExpired:
        print(f"FAILED: {os.path.basename(args.fuzzer)} did not stop within {args.seconds + 300} s")
        return 1
    output = completed.stdout + completed.stderr
    runs = re.search(r"stat::number_of_executed_units:\s*(\d+)", output)
    if completed.returncode != 0:
        tail = "\n".join(output.splitlines()[-60:])
        print(f"{tail}\nFAILED: {os.path.basename(args.fuzzer)} exit {completed.returncode}; the input that "
              f"failed is in {args.artifacts} (reproduce: {args.fuzzer} <that file>)")
        return 1
    if runs is None or int(runs.group(1)) == 0:
        print(f"{output[-3000:]}\nFAILED: {os.path.basename(args.fuzzer)} ran no inputs")
        return 1
    corpus_size = len(os.listdir(args.corpus))
    print(f"{os.path.basename(args.fuzzer)}: {runs.group(1)} inputs in about {args.seconds} s, no failure; "
          f"corpus of {corpus_size} inputs kept in {args.corpus}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build")
    build_parser.add_argument("--source-dir", required=True)
    build_parser.add_argument("--build-dir", required=True)
    build_parser.add_argument("--cmake", required=True)
    build_parser.add_argument("--generator", required=True)
    build_parser.add_argument("--make-program", default="")
    build_parser.add_argument("--clang", default="")
    run_parser = commands.add_parser("run")
    run_parser.add_argument("--fuzzer", required=True)
    run_parser.add_argument("--corpus", required=True)
    run_parser.add_argument("--seeds", action="append", default=[])
    run_parser.add_argument("--dict", default="")
    run_parser.add_argument("--seconds", type=int, default=15)
    run_parser.add_argument("--artifacts", required=True)
    args = parser.parse_args()
    return build(args) if args.command == "build" else run(args)


if __name__ == "__main__":
    sys.exit(main())
