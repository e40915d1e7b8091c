"""The limiter's guarantee: never more than the configured rate in any minute, under threads and 429 storms."""

from __future__ import annotations

import random
import threading
import time
from itertools import pairwise

import pytest

from palimpsest.fetchers.limiter import RateLimiter, limiter_for


class FakeTime:
    """A clock that only moves when someone sleeps: deterministic tests of minutes-long schedules."""

    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


def limiter(per_minute: float, fake: FakeTime, **options: float) -> RateLimiter:
    rng = random.Random(7)  # noqa: S311 - seeded jitter, not cryptography
    return RateLimiter(per_minute, clock=fake.clock, sleep=fake.sleep, rng=rng, **options)


def most_in_any_window(times: list[float], window: float) -> int:
    """The largest number of ``times`` inside any closed window of ``window`` seconds."""
    ordered, best, first = sorted(times), 0, 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] > window:
            first += 1
        best = max(best, last - first + 1)
    return best


@pytest.mark.parametrize("rate", [24, 60, 300])
def test_no_minute_ever_holds_more_than_the_rate(rate: int) -> None:
    fake = FakeTime()
    pace = limiter(rate, fake)
    releases = []
    for _ in range(rate * 3 + 1):
        pace.acquire()
        releases.append(fake.now)
    assert most_in_any_window(releases, 60.0) == rate
    # and the pace is the rate, not a crawl: 3 × rate requests take three minutes, not more
    assert releases[-1] - releases[0] == pytest.approx(180.0, rel=0.002)


def test_a_429_stops_everything_for_a_minute_then_doubles() -> None:
    fake = FakeTime()
    pace = limiter(24, fake)
    pace.acquire()
    pauses = []
    for _ in range(6):
        penalised_at = fake.now
        pauses.append(pace.penalise())
        pace.acquire()
        assert fake.now - penalised_at >= pauses[-1] - 1e-9  # nothing left before the cool-down ended
    assert 60.0 <= pauses[0] <= 75.0
    for before, after in pairwise(pauses[:4]):
        assert 2 * before / 1.25 <= after <= 2 * before * 1.25  # doubles, give or take the jitter
    assert pauses[-1] <= 900.0 * 1.25  # capped


def test_jitter_spreads_parallel_clients_and_never_shortens_the_cool_down() -> None:
    rngs = [random.Random(seed) for seed in range(20)]  # noqa: S311 - seeded jitter, not cryptography
    pauses = {round(RateLimiter(24, rng=rng).penalise(), 3) for rng in rngs}
    assert len(pauses) > 10
    assert min(pauses) >= 60.0
    assert max(pauses) <= 75.0


def test_retry_after_is_honoured_when_longer() -> None:
    fake = FakeTime()
    pace = limiter(24, fake)
    assert pace.penalise(retry_after=300.0) == 300.0
    assert 60.0 <= limiter(24, fake).penalise(retry_after=5.0) <= 75.0


def test_after_a_penalty_the_rate_comes_back_slowly() -> None:
    fake = FakeTime()
    pace = limiter(24, fake)
    base = pace.interval
    pause = pace.penalise()
    assert pace.interval == pytest.approx(2 * base)
    fake.sleep(pause)
    assert pace.interval == pytest.approx(2 * base)  # the ramp starts when the cool-down ends
    fake.sleep(60.0)
    assert pace.interval == pytest.approx(1.5 * base)  # one half-life later, half the excess is gone
    fake.sleep(240.0)
    assert pace.interval < base * 1.04  # five minutes on, within a few per cent of the configured rate
    fake.sleep(600.0)
    assert pace.interval == base


def test_success_resets_the_cool_down_ladder() -> None:
    fake = FakeTime()
    pace = limiter(24, fake)
    first = pace.penalise()
    second = pace.penalise()
    pace.relax()
    third = pace.penalise()
    assert second > 1.5 * first
    assert third < 1.3 * first


def test_threads_sharing_a_limiter_never_exceed_it_even_when_penalised() -> None:
    rate, cooldown = 2400.0, 0.4  # 25 ms apart: a real-clock test that lasts a couple of seconds
    pace = RateLimiter(rate, cooldown=cooldown, recovery=0.5)
    penalised: list[tuple[float, float]] = []

    def worker(index: int) -> None:
        for count in range(8):
            pace.acquire()
            if index == 0 and count == 3:
                started = time.monotonic()
                penalised.append((started, pace.penalise()))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    releases = sorted(pace.stats.releases)
    assert len(releases) == 48
    gaps = [b - a for a, b in pairwise(releases)]
    assert min(gaps) >= 60.0 / rate  # measured at release, under the lock: exact, whatever the threads did
    (at, pause) = penalised[0]
    assert pause >= cooldown
    assert not [t for t in releases if at < t < at + pause], "a request left during the cool-down"


def test_one_limiter_per_endpoint_in_the_process() -> None:
    first = limiter_for("cdx http://archive.example/cdx", 24)
    assert limiter_for("cdx http://archive.example/cdx", 24) is first
    assert limiter_for("replay http://archive.example/web/", 300) is not first
    limiter_for("cdx http://archive.example/cdx", 12)
    assert first.per_minute == pytest.approx(12)
