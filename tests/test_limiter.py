"""The limiter's guarantee, never more than the configured rate in any minute under threads and 429 storms, and its
429 policy on a simulated clock: a short pause and a slower pace per 429, long cool-downs only when 429s go on."""

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


def test_a_lone_429_pauses_a_few_seconds_and_halves_the_pace() -> None:
    """IA blocks an IP when its 429s are *ignored for a minute*; one 429 does not call for a minute of silence
    (the policy until 2026-12), only for a pause and a slower pace."""
    fake = FakeTime()
    pace = limiter(24, fake)
    base = pace.interval
    pace.acquire()
    fake.sleep(1.0)
    penalised_at = fake.now
    pause = pace.penalise()
    assert 2.0 <= pause <= 3.0
    assert pace.interval == pytest.approx(2 * base)
    released = pace.acquire().at
    assert released - penalised_at >= pause >= 1.0  # nothing leaves within a second of a 429


def test_429s_that_go_on_become_a_minute_of_silence_then_doubling_cool_downs() -> None:
    fake = FakeTime()
    pace = limiter(24, fake)
    first_429 = None
    releases, pauses = [], []
    for _ in range(9):
        releases.append(pace.acquire().at)
        first_429 = fake.now if first_429 is None else first_429
        pauses.append(pace.penalise(sent_at=releases[-1]))
    shorts = [p for p in pauses if p < 60.0]
    cool_downs = pauses[len(shorts) :]
    assert 2 <= len(shorts) <= 4 and pauses[: len(shorts)] == shorts  # short pauses first, doubling
    for before, after in pairwise(shorts):
        assert 2 * before / 1.5 <= after <= 2 * before * 1.5
    assert 60.0 <= cool_downs[0] <= 75.0
    for before, after in pairwise(cool_downs[:4]):
        assert 2 * before / 1.25 <= after <= 2 * before * 1.25  # doubles, give or take the jitter
    assert max(cool_downs) <= 900.0 * 1.25  # capped
    assert pace.cooldowns == len(cool_downs)
    # 429s never go on for more than a minute: every request sent into them left within 45 s of the first,
    # or after a full cool-down of silence
    for before, after in pairwise(releases):
        assert after - first_429 <= 45.0 or after - before >= 60.0


def test_jitter_spreads_parallel_clients_and_never_shortens_the_pause() -> None:
    rngs = [random.Random(seed) for seed in range(20)]  # noqa: S311 - seeded jitter, not cryptography
    pauses = {round(RateLimiter(24, rng=rng).penalise(), 3) for rng in rngs}
    assert len(pauses) > 10
    assert min(pauses) >= 2.0
    assert max(pauses) <= 3.0


def test_retry_after_is_honoured_when_longer() -> None:
    fake = FakeTime()
    pace = limiter(24, fake)
    assert pace.penalise(retry_after=300.0) == 300.0
    assert 2.0 <= limiter(24, fake).penalise(retry_after=0.5) <= 3.0  # never shorter than the pause


def test_the_pace_recovers_with_successes_and_with_time() -> None:
    fake = FakeTime()
    pace = limiter(24, fake, recovery_releases=10)
    base = pace.interval
    fake.sleep(pace.penalise())
    assert pace.interval == pytest.approx(2 * base)
    for _ in range(10):
        pace.relax()
    assert pace.interval == pytest.approx(1.5 * base)  # ten successes take half the excess away
    for _ in range(60):
        pace.relax()
    assert pace.interval == base
    slow = limiter(24, fake, recovery_releases=None)  # no successes: the excess halves every minute
    pause = slow.penalise()
    fake.sleep(pause)
    assert slow.interval == pytest.approx(2 * base)  # the ramp starts when the pause ends
    fake.sleep(60.0)
    assert slow.interval == pytest.approx(1.5 * base)
    fake.sleep(600.0)
    assert slow.interval == base


def test_success_resets_the_streak_and_the_cool_down_ladder() -> None:
    fake = FakeTime()
    pace = limiter(24, fake, streak_limit=0.0)  # every 429 a cool-down, as before 2026-12
    first = pace.penalise()
    fake.sleep(first)
    second = pace.penalise()
    fake.sleep(second)
    assert pace.cooldowns == 2
    pace.relax()
    assert pace.cooldowns == 0
    third = pace.penalise()
    assert second > 1.5 * first
    assert third < 1.3 * first


def test_a_429_for_a_request_already_on_its_way_adds_a_pause_but_no_escalation() -> None:
    """Four threads' requests in flight when the first 429 comes back all get 429s: one piece of news."""
    fake = FakeTime()
    pace = limiter(300, fake)
    sent = [pace.acquire().at for _ in range(4)]
    first = pace.penalise(sent_at=sent[0])
    interval = pace.interval
    fake.sleep(0.1)
    later = [pace.penalise(sent_at=at) for at in sent[1:]]
    assert pace.interval == interval  # the spacing doubled once, not four times
    assert all(first - 0.1 - 1e-9 <= p <= 3.0 for p in later)  # each still blocks for at least a pause
    assert pace.cooldowns == 0
    news = pace.penalise(sent_at=pace.acquire().at)  # sent after the first 429 came back: news
    assert news >= 2 * 2.0 and pace.interval == pytest.approx(2 * interval, rel=0.01)


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
    assert pause >= pace.pause
    assert not [t for t in releases if at < t < at + pause], "a request left during the cool-down"


def test_one_limiter_per_endpoint_in_the_process() -> None:
    first = limiter_for("cdx http://archive.example/cdx", 24)
    assert limiter_for("cdx http://archive.example/cdx", 24) is first
    assert limiter_for("replay http://archive.example/web/", 300) is not first
    limiter_for("cdx http://archive.example/cdx", 12)
    assert first.per_minute == pytest.approx(12)
