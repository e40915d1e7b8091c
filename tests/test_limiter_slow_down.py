"""Issue #17's goals for "slow down" answers, on a simulated clock: the real client, limiter and retry loop crawl an
archive that answers at once, 429 on a schedule (``benchmarks/slow_down.py``), at the real scale (a minute's
cool-down, 300 replay or 24 CDX requests a minute). Only the limiter's waits take (simulated) time."""

from __future__ import annotations

import logging
from itertools import pairwise

import pytest

from benchmarks.slow_down import BEFORE, at, crawl, one_in, storm


@pytest.fixture(autouse=True)
def _quiet(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="palimpsest.fetchers")  # a warning per simulated 429 otherwise


def assert_quiet_after_each_429(sent: tuple[tuple[float, int], ...]) -> None:
    """No request left within a second of a 429 (answers are instantaneous here: a 429 arrives as it is sent)."""
    for (when, status), (after, _) in pairwise(sent):
        if status == 429:
            assert after - when >= 1.0, f"a request left {after - when:.3f} s after a 429"


@pytest.mark.parametrize("rate", [300.0, 24.0])
def test_one_429_per_100_requests_costs_at_most_twice_the_pace_bound(rate: float) -> None:
    runs = [crawl(one_in(100, seed), 240, rate, {}, seed) for seed in range(20)]
    assert sum(run.slow_downs for run in runs) >= 20  # the schedule did send 429s
    assert max(run.ratio for run in runs) <= 2.0
    for run in runs:
        assert not run.stopped and run.fetched == 240
        assert_quiet_after_each_429(run.sent)


def test_four_scattered_429s_no_longer_cost_a_minute_each() -> None:
    """Issue #17: four scattered 429s in a 240-capture crawl cost 8.4× the pace bound, a minute's silence each."""
    now = crawl(at(30, 90, 150, 210), 240, 300.0, {})
    before = crawl(at(30, 90, 150, 210), 240, 300.0, BEFORE)
    assert before.ratio > 7.0  # the old policy, reproduced by its parameters
    assert now.ratio < 2.0
    assert_quiet_after_each_429(now.sent)


def test_429s_that_go_on_never_last_a_minute_without_a_minute_of_silence() -> None:
    run = crawl(storm(100, seconds=120.0), 240, 300.0, {})
    assert run.slow_downs >= 4 and run.fetched == 240
    assert run.longest_429s < 60.0
    assert_quiet_after_each_429(run.sent)


def test_429s_that_never_end_stop_the_crawl_after_four_cool_downs() -> None:
    run = crawl(storm(100, seconds=float("inf")), 240, 300.0, {})
    assert run.stopped and run.fetched == 100
    gaps = [b[0] - a[0] for a, b in pairwise(run.sent[100:])]
    cool_downs = [gap for gap in gaps if gap >= 60.0]
    assert len(cool_downs) == 4  # 60, 120, 240, 480 s, give or take the jitter; the 429 after the fourth stops
    assert all(2 * a / 1.25 <= b <= 2 * a * 1.25 for a, b in pairwise(cool_downs))
    assert run.longest_429s < 60.0
