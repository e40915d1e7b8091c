"""Orchestration overhead: the same crawl as plain function calls and as the Prefect flow, plus CLI start-up.

    python -m benchmarks.orchestration_overhead [--captures 1000] [--bench-json]

A synthetic history of one policy page (our own pages, ``tests/timelines.py``; every capture's digest differs,
so every capture is fetched and extracted) is served by a real pywb on loopback, with no rate limit to speak
of. It is crawled four times into fresh warehouses, in one process: with the plain steps, through the
``crawl_policy`` flow (whose steps run as Prefect tasks), through the flow again and plainly again; the faster
run of each kind counts. Prefect's one-time start-up (the first flow run in a
process starts a temporary API server) is measured apart with an empty flow and left out of the ratio.

Goals: the flow within 10% of the plain calls; ``palimpsest --help`` under 0.5 s from a fresh process.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from palimpsest.cli.prefect_runtime import quiet_prefect
from palimpsest.demo.archive import LocalWayback
from palimpsest.fetchers.limiter import reset_limiters
from palimpsest.flows.crawl import BATCH_SIZE, PLAIN, run_crawl
from palimpsest.flows.fetching import client_for
from palimpsest.settings import Settings
from tests.timelines import write_timeline

UNLIMITED = 1e9  # requests per minute: the limiter never waits


def _settings(wayback: LocalWayback, db: Path) -> Settings:
    return Settings(db=db, cdx_url=wayback.cdx_url, replay_url=wayback.replay_url, cdx_rate=UNLIMITED,
                    replay_rate=UNLIMITED)  # fmt: skip


def plain_crawl(settings: Settings, url: str) -> tuple[float, int]:
    reset_limiters()
    client_for.cache_clear()
    started = time.perf_counter()
    report = run_crawl(settings, url, steps=PLAIN)
    return time.perf_counter() - started, report.versions


def flow_crawl(settings: Settings, url: str) -> tuple[float, int, int]:
    """The crawl through ``crawl_policy``; returns (seconds, versions, task runs)."""
    # Prefect is imported only once main() has pointed PREFECT_HOME at a scratch directory.
    from palimpsest.flows import crawl, crawl_policy, policy, tasks  # noqa: PLC0415

    reset_limiters()
    client_for.cache_clear()
    calls = [0]

    def counted(step):
        def call(*args, **kwargs):
            calls[0] += 1
            return step(*args, **kwargs)

        return call

    # The flow looks its steps up in its module when it runs: count the task runs by wrapping them there.
    original = tasks.TASKS
    policy.TASKS = crawl.Steps(*(counted(step) for step in original))
    try:
        started = time.perf_counter()
        result = crawl_policy(url=url, settings=settings)
        seconds = time.perf_counter() - started
    finally:
        policy.TASKS = original
    return seconds, result["versions"], calls[0]


def prefect_start_up() -> float:
    from prefect import flow  # noqa: PLC0415 - after main() has set PREFECT_HOME

    @flow(name="warm_up")
    def warm_up() -> None:
        return None

    started = time.perf_counter()
    warm_up()
    return time.perf_counter() - started


def task_cost(calls: int = 200) -> float:
    """Milliseconds one task run costs in a flow, measured on a task that does nothing, called as ours are."""
    from prefect import flow, task  # noqa: PLC0415 - after main() has set PREFECT_HOME
    from prefect.cache_policies import NO_CACHE  # noqa: PLC0415

    from palimpsest.flows.tasks import quoted  # noqa: PLC0415

    nothing = quoted(task(name="nothing", cache_policy=NO_CACHE, retries=0, persist_result=False)(lambda x: x))

    @flow(name="task_cost")
    def many() -> float:
        started = time.perf_counter()
        for number in range(calls):
            nothing(number)
        return time.perf_counter() - started

    return many() / calls * 1000


def help_start_up(runs: int = 5) -> list[float]:
    """Seconds for ``palimpsest --help`` in a fresh interpreter, ``runs`` times."""
    command = [str(Path(sys.executable).with_name("palimpsest")), "--help"]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--captures", type=int, default=1000)
    parser.add_argument("--bench-json", action="store_true", help="JSON lines on stdout, prose on stderr")
    args = parser.parse_args(argv)
    out = sys.stderr if args.bench_json else sys.stdout
    with tempfile.TemporaryDirectory(prefix="palimpsest-bench-") as tmp:
        work = Path(tmp)
        os.environ.setdefault("PREFECT_HOME", str(work / "prefect-home"))
        quiet_prefect()  # no telemetry, quiet logs, and the patient start-up the CLI gives Prefect's server
        cuts = [args.captures * (i + 1) // 6 for i in range(5)]
        timeline = write_timeline(work, captures=args.captures, change_at=cuts, name="overhead")
        with LocalWayback([timeline.warc]) as wayback:
            start_up = prefect_start_up()
            per_task_direct = task_cost()
            # In the order plain, flow, flow, plain, each into a fresh warehouse, and the faster of each pair
            # counts: on a shared machine a single pair differed by ±10% from load alone (2026-11).
            plain_a, plain_versions = plain_crawl(_settings(wayback, work / "plain-a.duckdb"), timeline.url)
            flow_a, flow_versions, tasks = flow_crawl(_settings(wayback, work / "flow-a.duckdb"), timeline.url)
            flow_b, _, _ = flow_crawl(_settings(wayback, work / "flow-b.duckdb"), timeline.url)
            plain_b, _ = plain_crawl(_settings(wayback, work / "plain-b.duckdb"), timeline.url)
            plain, flowed = min(plain_a, plain_b), min(flow_a, flow_b)
    helps = help_start_up()
    ratio = flowed / plain
    per_task = (flowed - plain) / tasks * 1000 if tasks else float("nan")
    print(
        f"{args.captures} captures, batches of {BATCH_SIZE}: plain {plain:.2f} s, flow {flowed:.2f} s "
        f"({tasks} task runs); overhead {100 * (ratio - 1):+.1f}% (goal ≤ +10%), i.e. {per_task:.1f} ms per task run; "
        f"an empty task run costs {per_task_direct:.1f} ms; "
        f"versions {plain_versions} / {flow_versions}; Prefect one-time start-up {start_up:.1f} s (not in the ratio)",
        file=out,
    )
    print(
        f"palimpsest --help: median {statistics.median(helps):.3f} s, min {min(helps):.3f} s over {len(helps)} runs "
        "(goal < 0.5 s)",
        file=out,
    )
    if args.bench_json:
        measures = [
            ("orchestration overhead", 100 * (ratio - 1), None, "", "%", "≤ 10% over plain calls"),
            ("flow crawl time", flowed, plain, "plain function calls", "s", "≤ 1.10× plain"),
            ("Prefect cost per task", per_task_direct, None, "", "ms/task", "informational (an empty task run)"),
            ("crawl overhead per task run", per_task, None, "", "ms/task", "informational (flow − plain, ÷ tasks)"),
            ("Prefect one-time start-up", start_up, None, "", "s", "informational (not in the ratio)"),
            ("palimpsest --help cold start", statistics.median(helps), 0.5, "goal", "s", "< 0.5 s"),
        ]
        for measure, ours, reference, label, unit, goal in measures:
            line = {"measure": measure, "ours": round(ours, 4), "reference": reference, "reference_label": label,
                    "unit": unit, "goal": goal}  # fmt: skip
            print(json.dumps(line, ensure_ascii=False))
    return 0 if plain_versions == flow_versions else 1


if __name__ == "__main__":
    raise SystemExit(main())
