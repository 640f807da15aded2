"""What every scenario shares: the context it runs in (the Hub, the tools, a scratch folder), what it reports
(tables of raw numbers, targets with pass/fail, an analysis computed from the measurements, so it stays true
when the numbers change), and number formatting."""

from __future__ import annotations

import os
import shutil
import time
import urllib.request
from dataclasses import dataclass, field

from measure import Sample, summarize
from peers import Tools

MiB = 1 << 20
GiB = 1 << 30


# ---- what a scenario reports ----------------------------------------------------------------------------
@dataclass
class Check:
    target: str
    measured: str
    passed: bool | None  # None: could not be measured


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]


@dataclass
class ScenarioReport:
    key: str
    title: str
    setup: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    analysis: list[str] = field(default_factory=list)
    load: tuple = ()
    skipped: str = ""


@dataclass
class Context:
    hub: object  # hubtest.TestHub
    tools: Tools
    scratch: str  # emptied between scenarios
    trash: str  # outputs kept until the end of the run (see discard)
    quick: bool
    repetitions: int | None  # None: each scenario's default
    log: object
    facts: dict = field(default_factory=dict)  # shared between scenarios: limits, scenario 1's samples...

    def reps(self, full: int) -> int:
        if self.repetitions:
            return self.repetitions
        return 2 if self.quick else full

    def env(self, **extra) -> dict:
        # HF_HOME inside the scratch folder: nothing a peer does may touch the user's own cache or token.
        return self.hub.env(HF_HOME=os.path.join(self.scratch, "hf-home"), **extra)

    def fresh_dir(self, name: str) -> str:
        path = os.path.join(self.scratch, name)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        return path

    def discard(self, folder: str) -> None:
        """Gets a run's output out of the way. Its large files go now; the small ones go with the whole work
        folder at the end: on ext4 without a journal (as on this VM) a new inode is not taken from among those
        freed in the last minutes, so deleting thousands of files right before the next run would slow that
        run's file creations, a cost no user's download pays."""
        for root, _, names in os.walk(folder):
            for name in names:
                path = os.path.join(root, name)
                if not os.path.islink(path) and os.path.getsize(path) >= 1 << 20:
                    os.unlink(path)
        trash = os.path.join(self.trash, str(len(os.listdir(self.trash))))
        os.rename(folder, trash)
        os.sync()

    def peers(self, wanted: list[str]) -> list[str]:
        return [p for p in wanted if p not in self.tools.missing]


# ---- formatting -----------------------------------------------------------------------------------------
def gbps(rate: float) -> str:
    return f"{rate / 1e9:.2f} GB/s"


def seconds(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:.2f}"


def mib(value: float) -> str:
    return f"{value / MiB:.1f} MiB"


def size_text(size: int) -> str:
    return f"{size / GiB:g} GiB" if size >= GiB else f"{size / MiB:g} MiB"


def samples_table(title: str, runs: dict[str, list[Sample]], size: int | None) -> Table:
    """Wall seconds per repetition, median, spread, median throughput, CPU seconds, peak RSS, and the test
    Hub's CPU seconds during the run when they were sampled."""
    repetitions = max((len(s) for s in runs.values()), default=0)
    header = ["client"] + [f"run {i + 1} (s)" for i in range(repetitions)] + ["median (s)", "min-max (s)"]
    if size:
        header.append("throughput")
    header += ["CPU user+sys (s)", "peak RSS"]
    with_server = any("server_cpu" in s.extra for samples in runs.values() for s in samples)
    if with_server:
        header.append("Hub server CPU (s)")
    rows = []
    for peer, samples in runs.items():
        if not samples:
            continue
        wall = summarize([s.wall for s in samples])
        row = [peer] + [seconds(s.wall) for s in samples] + [""] * (repetitions - len(samples))
        row += [seconds(wall.median), f"{seconds(wall.low)}-{seconds(wall.high)}"]
        if size:
            row.append(gbps(size / wall.median))
        row += [seconds(summarize([s.cpu for s in samples]).median), mib(max(s.peak_rss for s in samples))]
        if with_server:
            row.append(seconds(summarize([s.extra.get("server_cpu", 0.0) for s in samples]).median))
        rows.append(row)
    return Table(title, header, rows)


def median_wall(samples: list[Sample]) -> float:
    return summarize([s.wall for s in samples]).median


def paired_ratios(baseline: list[Sample], measured: list[Sample]) -> list[float]:
    """Per round, how many times faster `measured` was than `baseline`. Runs of one round follow each other
    within seconds, so a ratio taken inside a round is spared what moves whole rounds (load, the VM's memory)."""
    return [b.wall / m.wall for b, m in zip(baseline, measured)]


def ratio_range(ratios: list[float], target: float) -> str:
    """The paired ratios in a few words: median, range, and in how many rounds the target ratio was met."""
    return (f"median {summarize(ratios).median:.3f}x, {min(ratios):.2f}x-{max(ratios):.2f}x, {target:g}x or more "
            f"in {sum(r >= target for r in ratios)} of {len(ratios)} rounds")


# ---- the test Hub ---------------------------------------------------------------------------------------
# Requests to the local Hub never go through a proxy the environment may name.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def open_url(request: str | urllib.request.Request, timeout: float = 120):
    return _OPENER.open(request, timeout=timeout)


def settled_log(hub, origin: str | None = None) -> list:
    """The Hub's request log once the last request has been logged: the server logs a request after it
    answered it, so a client can exit before its last request appears."""
    entries = hub.log(origin=origin)
    for _ in range(50):
        time.sleep(0.05)
        again = hub.log(origin=origin)
        if len(again) == len(entries):
            return again
        entries = again
    return entries


def server_cpu_seconds(hub) -> float:
    """CPU seconds (user + system) the test Hub's process has used so far: sampled around a run, it shows
    whether the server, not the client, was the limit."""
    with open(f"/proc/{hub.process.pid}/stat", encoding="utf-8") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # Fields 14 and 15 of proc(5) (utime, stime), counted after the ")" that ends the command name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
