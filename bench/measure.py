"""Running one client command and measuring that process alone, and summarizing repetitions.

Wall time comes from the parent's monotonic clock around the child's whole life; CPU time comes from
os.wait4 on that one child, so nothing else on the machine (the test Hub, other peers, an earlier
repetition) is counted in it. Peak resident memory comes from GNU time, which starts the command: Linux
folds the resident size a child had before exec (a copy of its parent) into its ru_maxrss, so a child
forked by this Python process would report at least Python's own size; one forked by `time` reports the
command's own peak plus about 1 MiB.
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field


def _gnu_time() -> str | None:
    return "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else shutil.which("gtime")


GNU_TIME = _gnu_time()


def use_gnu_time_if_installed() -> bool:
    """Looks for GNU time again (after installing it); False when peak RSS comes from wait4 alone."""
    global GNU_TIME
    GNU_TIME = _gnu_time()
    return GNU_TIME is not None


@dataclass
class Sample:
    """One run of one command."""

    wall: float  # seconds, start of the process to its exit
    user: float  # CPU seconds in user mode
    system: float  # CPU seconds in the kernel on its behalf
    peak_rss: int  # bytes: the largest resident set the process (or a child it waited for) reached
    stdout: str = field(default="", repr=False)
    extra: dict = field(default_factory=dict)  # scenario-specific facts (requests seen, bytes served...)

    @property
    def cpu(self) -> float:
        return self.user + self.system


class CommandFailed(RuntimeError):
    def __init__(self, command: list[str], status: int, stderr: str):
        tail = stderr.strip().splitlines()[-12:]
        super().__init__(f"{' '.join(command)} exited with {status}:\n  " + "\n  ".join(tail))
        self.status = status


def run_measured(command: list[str], *, env: dict | None = None, cwd: str | None = None,
                 timeout: float = 1800, peak_rss: bool = True) -> Sample:
    """Runs `command` to completion and measures it. Raises CommandFailed when it does not exit 0.
    Without `peak_rss` the command is started directly, not through GNU time, whose own start would add
    about a millisecond to commands that take a few."""
    # Output goes to unnamed temporary files, not pipes: a chatty child can never block on a full pipe
    # while we sit in wait4, and reading it afterwards costs the measurement nothing.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(mode="r", suffix=".rss") as rss:
        through_time = GNU_TIME is not None and peak_rss
        launch = [GNU_TIME, "-f", "%M", "-o", rss.name, *command] if through_time else command
        start = time.perf_counter()
        # Its own session, so a timeout stops the command and anything it started, not only `time`.
        process = subprocess.Popen(launch, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                   start_new_session=True)
        timer = threading.Timer(timeout, lambda: os.killpg(process.pid, signal.SIGKILL))
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
        peak_kib = usage.ru_maxrss
        if through_time:
            # Its last line is %M (KiB); a line before it says so when the command failed.
            lines = rss.read().strip().splitlines()
            peak_kib = int(lines[-1]) if lines and lines[-1].isdigit() else 0
    if process.returncode != 0:
        if wall >= timeout:
            stderr += f"\n(killed after the {timeout:.0f} s time limit)"
        raise CommandFailed(command, process.returncode, stderr)
    return Sample(wall, usage.ru_utime, usage.ru_stime, peak_kib * 1024, stdout)


@dataclass
class Summary:
    median: float
    low: float
    high: float
    q1: float
    q3: float
    count: int


def summarize(values: list[float]) -> Summary:
    if not values:
        raise ValueError("no values to summarize")
    ordered = sorted(values)
    if len(ordered) >= 4:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1, q3 = ordered[0], ordered[-1]
    return Summary(statistics.median(ordered), ordered[0], ordered[-1], q1, q3, len(ordered))


def rotated(items: list, repetition: int) -> list:
    """The peers in a different order each repetition, so none always runs first (cold) or last."""
    shift = repetition % len(items) if items else 0
    return items[shift:] + items[:shift]
