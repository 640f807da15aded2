"""Writes bench/REPORT.md: the machine, the versions, every scenario's raw numbers, targets and analysis."""

from __future__ import annotations

import datetime
import os
import re

from common import ScenarioReport, Table


def _table(table: Table) -> list[str]:
    lines = [f"**{table.title}**", "", "| " + " | ".join(table.header) + " |",
             "|" + "|".join("---" for _ in table.header) + "|"]
    for row in table.rows:
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return lines + [""]


def _verdict(passed: bool | None) -> str:
    return {True: "PASS", False: "MISS", None: "not measured"}[passed]


def render(*, command: str, facts: dict, versions: dict, loads: dict, reports: list[ScenarioReport],
           notes: list[str], quick: bool) -> str:
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["# HubDeps benchmark report", ""]
    if quick:
        lines += ["> **Quick run** (`--quick`): small sizes and two runs, a smoke check of the harness. "
                  "These numbers say nothing about performance.", ""]
    lines += [f"Generated {now} by `{command}` (bench/run.py; see bench/README.md). Every number below was "
              "measured in this run; nothing is copied from elsewhere.", ""]

    lines += ["## Summary", "", "| scenario | target | measured | result |", "|---|---|---|---|"]
    for report in reports:
        if report.skipped:
            lines.append(f"| {report.key}. {report.title} | | {report.skipped} | not measured |")
        for check in report.checks:
            lines.append(f"| {report.key}. {report.title} | {check.target} | {check.measured} | "
                         f"{_verdict(check.passed)} |")
    lines.append("")

    lines += ["## Machine", "", "| | |", "|---|---|"]
    lines.append(f"| CPU | {facts['cpu_model']}, {facts['cpus']} logical CPUs, SHA extensions: "
                 f"{'yes' if facts['sha_extensions'] else 'no'} |")
    lines.append(f"| memory | {facts['memory'] / (1 << 30):.1f} GiB |")
    lines.append(f"| kernel | Linux {facts['kernel']} |")
    lines.append(f"| work folder | `{facts['work_dir']}` ({facts['work_filesystem']}) |")
    load_text = "; ".join(f"{when}: {a:.2f} / {b:.2f} / {c:.2f}" for when, (a, b, c) in loads.items())
    lines.append(f"| load average (1 / 5 / 15 min; once measuring starts, the benchmark's own processes count in "
                 f"it) | {load_text} |")
    lines.append("")
    lines += ["## Versions", "", "| tool | version |", "|---|---|"]
    for tool, version in versions.items():
        lines.append(f"| {tool} | {version} |")
    lines.append("")
    if notes:
        lines += ["## Notes on this run", ""] + [f"- {note}" for note in notes] + [""]

    for report in reports:
        lines += [f"## {report.key}. {report.title}", ""]
        if report.skipped:
            lines += [f"Not measured: {report.skipped}", ""]
            continue
        if report.load:
            lines += [f"Load average when it started: {report.load[0]:.2f} / {report.load[1]:.2f} / "
                      f"{report.load[2]:.2f}.", ""]
        for paragraph in report.setup:
            lines += [paragraph, ""]
        for table in report.tables:
            lines += _table(table)
        if report.checks:
            lines += ["| target | measured | result |", "|---|---|---|"]
            for check in report.checks:
                lines.append(f"| {check.target} | {check.measured} | {_verdict(check.passed)} |")
            lines.append("")
        if report.analysis:
            lines += ["What limits these numbers:", ""] + [f"- {text}" for text in report.analysis] + [""]
    return "\n".join(lines)


def write(path: str, text: str) -> None:
    """Through a temporary file and a rename: a half-written report is never visible."""
    temp = f"{path}.{os.getpid()}.tmp"
    with open(temp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(temp, path)


def replace_section(report_path: str, key: str, rendered: str, command: str) -> None:
    """For a scenario run on its own (`python3 bench/<scenario>.py`): its section and summary rows of `rendered`
    replace those in the existing report, which keeps the other scenarios' numbers; without a report, `rendered`
    becomes it."""
    if not os.path.isfile(report_path):
        write(report_path, rendered)
        return
    section = rendered[rendered.index(f"## {key}. "):]
    summary_rows = [line for line in rendered.split("\n") if line.startswith(f"| {key}. ")]
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    note = f"Measured by `{command}` on {now}, apart from the rest of this report."
    section = section.replace("\n\n", f"\n\n{note}\n\n", 1)
    with open(report_path, encoding="utf-8") as stream:
        text = stream.read()
    text = "\n".join(line for line in text.split("\n") if not line.startswith(f"| {key}. "))
    summary_end = text.find("\n\n## Machine")
    if summary_end >= 0 and summary_rows:
        text = text[:summary_end] + "\n" + "\n".join(summary_rows) + text[summary_end:]
    heading = re.search(rf"^## {key}\. .*$", text, flags=re.MULTILINE)
    if heading:
        following = re.search(r"^## ", text[heading.end():], flags=re.MULTILINE)
        end = heading.end() + following.start() if following else len(text)
        text = text[:heading.start()] + section.rstrip("\n") + "\n\n" + text[end:].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    write(report_path, text.rstrip("\n") + "\n")
