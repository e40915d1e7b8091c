"""Backfill benchmark: how close a crawl runs to the rate limits, how few fetches it needs, and what sampling saves.

    python -m benchmarks.backfill [--captures 1000] [--changes 5] [--cdx-rate 60] [--replay-rate 600]
    python -m benchmarks.backfill --bench-json     # 300 captures, 3 changes, 60 CDX/min, 600 replay/min

Two synthetic histories of one policy page (our own pages, ``tests/timelines.py``) are served by a real pywb on
loopback, and crawled with the plain steps (the Prefect flow runs the same steps; its start-up is not measured):

* *weekly chrome*: the page's chrome changes every fourth capture, so runs of captures share their bytes. A full
  crawl must fetch each distinct digest exactly once (goal: fetches ÷ distinct digests = 1.00), as fast as the
  replay limit allows (goal: wall time ÷ lower bound ≤ 1.10); a rerun must send CDX requests only.
* *every digest differs*: a render counter in every capture. A full crawl fetches every capture; ``--sample
  monthly`` must give identical versions and changes for at most a fifth of the fetches.

The lower bound is what the limiters allow: n requests to an endpoint need at least (n − 1) × 60 / rate
seconds, the CDX and replay requests of a one-URL crawl running one after the other.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks._rows import emit, human_output_on_stderr, row
from palimpsest.demo.archive import LocalWayback
from palimpsest.fetchers.limiter import reset_limiters
from palimpsest.flows.crawl import CrawlReport, run_crawl
from palimpsest.flows.fetching import client_for
from palimpsest.settings import Settings
from tests.snapshots import snapshot
from tests.timelines import Timeline, write_timeline


@dataclass(frozen=True)
class Run:
    report: CrawlReport
    wall: float
    cdx: int
    replay: int
    bound: float

    @property
    def ratio(self) -> float:
        return self.wall / self.bound if self.bound else float("nan")


def crawl(wayback: LocalWayback, db: Path, timeline: Timeline, rates: tuple[float, float], sample: str | None) -> Run:
    settings = Settings(
        db=db, cdx_url=wayback.cdx_url, replay_url=wayback.replay_url, cdx_rate=rates[0], replay_rate=rates[1]
    )
    reset_limiters()  # every run starts with fresh limiters, as a new process would
    client_for.cache_clear()
    started = time.monotonic()
    report = run_crawl(settings, timeline.url, sample=sample)
    wall = time.monotonic() - started
    requests = client_for(settings).stats.requests
    cdx, replay = requests["cdx"], requests["replay"]
    bound = max(cdx - 1, 0) * 60 / rates[0] + max(replay - 1, 0) * 60 / rates[1]
    return Run(report, wall, cdx, replay, bound)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--captures", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=5)
    parser.add_argument("--cdx-rate", type=float, default=60.0)
    parser.add_argument("--replay-rate", type=float, default=600.0)
    parser.add_argument("--sample", default="monthly")
    parser.add_argument("--bench-json", action="store_true", help="quick run; one JSON row per measure on stdout")
    args = parser.parse_args(argv)
    if args.bench_json:
        args.captures, args.changes = 300, 3
    with human_output_on_stderr(args.bench_json):
        same, rows = _run(args)
    if args.bench_json:
        emit(rows)
    return 0 if same else 1


def _run(args: argparse.Namespace) -> tuple[bool, list[dict]]:
    rates = (args.cdx_rate, args.replay_rate)
    cuts = [round(args.captures * (i + 1) / (args.changes + 1)) + 7 * i for i in range(args.changes)]
    with tempfile.TemporaryDirectory(prefix="palimpsest-bench-") as tmp:
        work = Path(tmp)
        weekly = write_timeline(
            work,
            captures=args.captures,
            change_at=cuts,
            render_every=4,
            url="https://weekly.example/privacy",
            name="weekly",
        )
        every = write_timeline(work, captures=args.captures, change_at=cuts, name="every")
        print(
            f"histories: {args.captures} captures each, {args.changes} text changes; limits {rates[0]:.0f} CDX/min,"
            f" {rates[1]:.0f} replay/min"
        )
        with LocalWayback([weekly.warc, every.warc]) as wayback:
            full = crawl(wayback, work / "weekly.duckdb", weekly, rates, None)
            rerun = crawl(wayback, work / "weekly.duckdb", weekly, rates, None)
            needed = snapshot(work / "weekly.duckdb", "digests")["digests"][0][0]
            everything = crawl(wayback, work / "every.duckdb", every, rates, None)
            sampled = crawl(wayback, work / "sampled.duckdb", every, rates, args.sample)
        want = snapshot(work / "every.duckdb", "versions", "changes")
        got = snapshot(work / "sampled.duckdb", "versions", "changes")
    same = want["versions"] == got["versions"] and want["changes"] == got["changes"]
    print(
        f"weekly chrome, full crawl: {full.report.fetched} fetches for {needed} distinct digests"
        f" = {full.report.fetched / needed:.2f}; {full.cdx} CDX + {full.replay} replay requests in {full.wall:.1f} s,"
        f" lower bound {full.bound:.1f} s, ratio {full.ratio:.3f}"
    )
    print(
        f"weekly chrome, rerun: {rerun.cdx} CDX + {rerun.replay} replay requests, {rerun.report.fetched} fetches,"
        f" {rerun.wall:.1f} s"
    )
    print(
        f"every digest differs, full crawl: {everything.report.fetched} fetches, {everything.wall:.1f} s,"
        f" lower bound {everything.bound:.1f} s, ratio {everything.ratio:.3f}; {len(want['versions'])} versions"
    )
    print(
        f"every digest differs, --sample {args.sample}: {sampled.report.fetched} fetches"
        f" ({sampled.report.inferred} inferred), {sampled.wall:.1f} s, lower bound {sampled.bound:.1f} s;"
        f" versions and changes identical to the full crawl: {same}"
    )
    print(
        f"summary: wall/bound {full.ratio:.3f} (weekly) {everything.ratio:.3f} (every); fetches/distinct"
        f" {full.report.fetched / needed:.2f}; rerun replay requests {rerun.replay}; sampled/full fetches"
        f" {sampled.report.fetched / everything.report.fetched:.3f}; identical {same}"
    )
    return same, [
        row(
            "backfill wall time, full crawl",
            full.wall,
            full.bound,
            "rate-limit lower bound",
            "s",
            "≤1.10× bound",
        ),
        row("fetches per distinct digest", full.report.fetched / needed, 1.0, "one per digest", "×", "= 1.00"),
        row("rerun replay requests", rerun.replay, 0.0, "CDX only", "requests", "0"),
        row(
            f"--sample {args.sample} fetches (same versions: {same})",
            sampled.report.fetched,
            everything.report.fetched,
            "full crawl",
            "fetches",
            "≤0.2× full, identical versions",
        ),
    ]


if __name__ == "__main__":
    raise SystemExit(main())
