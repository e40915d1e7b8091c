"""What "slow down" answers cost a crawl: the 429 policy on a simulated clock, against the policy before 2026-12.

    python -m benchmarks.slow_down [--requests 240] [--seeds 50] [--bench-json]

The real client (``ArchiveClient``: its retry loop, limiter and 429 handling) sends every request to an archive
simulated in the process, which answers at once (no network time) with a 200, or a 429 when the schedule says
so, on a simulated clock: only the waits the limiter imposes take time, so a crawl's time divided by the pace
bound ((n − 1) × 60 / rate, what the limiter allows without 429s) is the cost of the policy alone. A schedule
counts every request sent, retries included. Schedules:

* *one per 100*: every request has a 1 % chance of a 429 (``--seeds`` crawls; the median and the worst);
* *every 100th*: the 50th, 150th, … request sent;
* *four scattered*: the 30th, 90th, 150th and 210th request of a 240-capture crawl (issue #17: 8.4× before);
* *a storm*: every request from the 100th on for two minutes of simulated time, to show when 429s stop.

The policy before 2026-12 (a minute's cool-down after every 429, the spacing recovering with a 60 s half-life) is
the same limiter with ``streak_limit=0`` and no recovery by successes; it is measured beside the current one.
Goal: one 429 per 100 requests costs at most 2× the pace bound.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks._rows import emit, human_output_on_stderr, row
from palimpsest.errors import ArchiveUnreachable
from palimpsest.fetchers.client import Answer, ArchiveClient
from palimpsest.fetchers.limiter import reset_limiters

#: The limiter options that reproduce the policy before 2026-12.
BEFORE = {"streak_limit": 0.0, "recovery_releases": None}
ARCHIVE = "http://archive.invalid"
#: The status the simulated archive answers to the n-th request sent (from 0) at a simulated time.
Schedule = Callable[[int, float], int]


class SimulatedTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


class SimulatedArchive(ArchiveClient):
    """The real client, answering each request at once with ``schedule(n, now)`` for the n-th request sent."""

    def __init__(self, schedule: Schedule, rate: float, options: dict, seed: int) -> None:
        self.time = SimulatedTime()
        self.schedule = schedule
        self.sent: list[tuple[float, int]] = []  # (when, status) of every request
        rng = random.Random(seed)
        limiter = {**options, "clock": self.time.clock, "sleep": self.time.sleep, "rng": rng}
        super().__init__(f"{ARCHIVE}/cdx", f"{ARCHIVE}/web/", cdx_rate=rate, replay_rate=rate, limiter_options=limiter)

    def _send(self, url: str, params: list[tuple[str, str]] | None) -> Answer:
        status = self.schedule(len(self.sent), self.time.now)
        self.sent.append((self.time.now, status))
        return Answer(url, status, (), b"")


@dataclass(frozen=True)
class Crawl:
    seconds: float
    bound: float
    fetched: int
    slow_downs: int
    stopped: bool
    longest_429s: float  # the longest time 429s went on without a minute's silence
    sent: tuple[tuple[float, int], ...]  # (when, status) of every request sent

    @property
    def ratio(self) -> float:
        return self.seconds / self.bound


def crawl(schedule: Schedule, requests: int, rate: float, options: dict, seed: int = 0) -> Crawl:
    """Fetch ``requests`` captures, one after the other, through a fresh client and limiter."""
    reset_limiters()
    archive = SimulatedArchive(schedule, rate, options, seed)
    started, fetched, stopped = archive.time.now, 0, False
    for index in range(requests):
        try:
            archive.get_replay(f"{ARCHIVE}/web/{index}id_/https://example.org/privacy")
        except ArchiveUnreachable:
            stopped = True
            break
        fetched += 1
    reset_limiters()
    return Crawl(
        seconds=archive.time.now - started,
        bound=(requests - 1) * 60.0 / rate,
        fetched=fetched,
        slow_downs=sum(status == 429 for _, status in archive.sent),
        stopped=stopped,
        longest_429s=longest_429s(archive.sent),
        sent=tuple(archive.sent),
    )


def longest_429s(sent: list[tuple[float, int]], silence: float = 60.0) -> float:
    """The longest span from a 429 to a later 429 with no success and no ``silence`` seconds of quiet between."""
    longest, since, previous = 0.0, None, None
    for at, status in sent:
        if status != 429:
            since = None
        elif since is None or at - previous >= silence:
            since = at
        if status == 429:
            longest, previous = max(longest, at - since), at
    return longest


def one_in(count: int, seed: int) -> Schedule:
    rng = random.Random(seed)
    return lambda _sent, _now: 429 if rng.random() < 1 / count else 200


def at(*indexes: int) -> Schedule:
    return lambda sent, _now: 429 if sent in indexes else 200


def every(count: int, offset: int) -> Schedule:
    return lambda sent, _now: 429 if sent % count == offset else 200


def storm(start: int, seconds: float = 120.0) -> Schedule:
    """429 from the ``start``-th request on, for ``seconds`` of simulated time."""
    began: list[float] = []

    def answer(sent: int, now: float) -> int:
        if sent < start:
            return 200
        began.append(began[0] if began else now)
        return 429 if now - began[0] < seconds else 200

    return answer


def measure(requests: int, seeds: int) -> list[dict]:
    rows = []
    for rate, label in ((300.0, "replay 300/min"), (24.0, "CDX 24/min")):
        for policy, options in (("now", {}), ("before 2026-12", BEFORE)):
            runs = [crawl(one_in(100, seed), requests, rate, options, seed) for seed in range(seeds)]
            ratios = sorted(run.ratio for run in runs)
            median, worst = statistics.median(ratios), ratios[-1]
            bound = runs[0].bound
            print(
                f"{label}, one 429 per 100, policy {policy}: {requests} requests, bound {bound:.0f} s; "
                f"median {median:.2f}×, worst {worst:.2f}× over {seeds} crawls "
                f"({statistics.mean(r.slow_downs for r in runs):.1f} 429s each on average; "
                f"longest 429s {max(r.longest_429s for r in runs):.0f} s; stopped {sum(r.stopped for r in runs)})"
            )
            goal = "≤2×" if policy == "now" else "(for comparison)"
            rows.append(
                row(f"1 429 per 100, {label}, median, policy {policy}", median * bound, bound, "pace bound", "s", goal)
            )
            if policy == "now":
                rows.append(
                    row(f"1 429 per 100, {label}, worst of {seeds}", worst * bound, bound, "pace bound", "s", "≤2×")
                )
    for name, schedule in (("every 100th", every(100, 50)), ("four scattered", at(30, 90, 150, 210))):
        for policy, options in (("now", {}), ("before 2026-12", BEFORE)):
            run = crawl(schedule, 240, 300.0, options)
            print(
                f"replay 300/min, {name}, policy {policy}: 240 requests in {run.seconds:.1f} s, bound "
                f"{run.bound:.1f} s: {run.ratio:.2f}×"
            )
            goal = ("≤2×" if name == "every 100th" else "less than before") if policy == "now" else "(for comparison)"
            rows.append(
                row(
                    f"{name} 429s, 240 replay requests, policy {policy}",
                    run.seconds,
                    run.bound,
                    "pace bound",
                    "s",
                    goal,
                )
            )
    for policy, options in (("now", {}), ("before 2026-12", BEFORE)):
        run = crawl(storm(100), 240, 300.0, options)
        print(
            f"replay 300/min, a two-minute storm of 429s from the 100th request, policy {policy}: "
            f"{run.slow_downs} 429s, longest run of 429s without a minute's silence {run.longest_429s:.1f} s, "
            f"{run.ratio:.2f}× the bound; stopped {run.stopped}"
        )
        rows.append(row(f"429 storm, longest 429s without a minute's silence, policy {policy}", run.longest_429s,
                        60.0, "IA's block threshold", "s", "< 60 s"))  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=240)
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--bench-json", action="store_true", help="quick run; one JSON row per measure on stdout")
    args = parser.parse_args(argv)
    logging.getLogger("palimpsest.fetchers").setLevel(logging.ERROR)  # one warning per simulated 429 otherwise
    if args.bench_json:
        args.seeds = 20
    with human_output_on_stderr(args.bench_json):
        rows = measure(args.requests, args.seeds)
    if args.bench_json:
        emit(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
