"""Run every benchmark and print one table: ``make bench``.

    .venv/bin/python -m benchmarks.run [--only NAME ...] [--out benchmarks/latest.md]

Every module in ``benchmarks/`` that takes ``--bench-json`` (see ``benchmarks/_rows.py``) is run in a subprocess
of its own, one after the other (they measure time, so they never share the machine with each other). Their
rows make one table: measure | ours | reference | ratio | goal, printed and written to ``benchmarks/latest.md``
with the date and the machine (cores, RAM, Python, CPU model). Modules named ``_*``, this runner, and modules
without ``--bench-json`` are not benchmarks and are skipped. A benchmark whose data is absent (a corpus read from
a path in the environment, never committed) prints ``{"skipped": reason}`` instead of rows. Exits 1 if any
benchmark failed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks._rows import KEYS

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TIMEOUT = 1800


def benchmarks() -> list[str]:
    """The module names of every benchmark here, in name order."""
    names = []
    for path in sorted(HERE.glob("*.py")):
        if path.stem in {"run", "__init__"} or path.stem.startswith("_"):
            continue
        if "--bench-json" in path.read_text(encoding="utf-8"):
            names.append(path.stem)
    return names


def run_one(name: str) -> tuple[list[dict], str | None, float]:
    """(rows, failure or None, seconds) of one benchmark run with ``--bench-json``; its stderr passes through."""
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", f"benchmarks.{name}", "--bench-json"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return [], f"timed out after {TIMEOUT} s", time.monotonic() - started
    rows, bad, skipped = [], [], None
    for line in done.stdout.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            bad.append(line)
            continue
        if isinstance(item, dict) and set(KEYS) <= set(item):
            rows.append({**item, "module": name})
        elif isinstance(item, dict) and "skipped" in item:
            skipped = str(item["skipped"])  # a benchmark whose data is not here (a corpus never committed)
        else:
            bad.append(line)
    failure = None
    if done.returncode != 0:
        failure = f"exit code {done.returncode}"
    elif not rows and skipped is None:
        failure = "printed no rows"
    if bad:
        failure = (failure + "; " if failure else "") + f"{len(bad)} stdout line(s) not rows, e.g. {bad[0][:80]!r}"
    return rows, failure, time.monotonic() - started


def machine() -> str:
    memory = "?"
    model = platform.processor() or "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {memory} RAM, Python {platform.python_version()}, {model}"


def _figure(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if value == int(value) and unit != "F1":
        return f"{int(value)}"
    if abs(value) < 10:
        return f"{value:.3f}"
    return f"{value:.1f}"


def table(rows: list[dict]) -> list[list[str]]:
    out = [["measure", "ours", "reference", "ratio", "goal"]]
    for item in rows:
        reference = item["reference"]
        ratio = "–" if not reference else f"{item['ours'] / reference:.2f}×"
        ref = (
            "–"
            if reference is None
            else f"{_figure(reference, item['unit'])} {item['unit']} ({item['reference_label']})"
        )
        out.append([item["measure"], f"{_figure(item['ours'], item['unit'])} {item['unit']}", ref, ratio, item["goal"]])
    return out


def markdown(cells: list[list[str]]) -> str:
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(cells[0])]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in cells[1:]]
    return "\n".join(lines)


def plain(cells: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in cells)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="run only these benchmarks (module names)")
    parser.add_argument("--out", type=Path, default=HERE / "latest.md", help="where to write the Markdown table")
    args = parser.parse_args(argv)
    names = [name for name in benchmarks() if not args.only or name in args.only]
    rows, failures, took = [], {}, {}
    for name in names:
        print(f"== benchmarks.{name} --bench-json", file=sys.stderr, flush=True)
        got, failure, seconds = run_one(name)
        rows += got
        took[name] = seconds
        if failure:
            failures[name] = failure
    cells = table(rows)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    host = machine()
    print(f"\nbenchmarks, {when}; {host}\n")
    print(plain(cells))
    for name, failure in failures.items():
        print(f"FAILED benchmarks.{name}: {failure}")
    runs = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in took.items())
    text = [f"# Benchmarks: latest run\n\n{when}; {host}.\n", markdown(cells), f"\nRun times: {runs}."]
    text += [f"\n**FAILED** `benchmarks.{name}`: {failure}" for name, failure in failures.items()]
    text.append("\nRegenerate with `make bench` (`.venv/bin/python -m benchmarks.run`).\n")
    args.out.write_text("\n".join(text), encoding="utf-8")
    print(f"\nwritten to {args.out}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
