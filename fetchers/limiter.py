"""Per-endpoint request pacing, shared by every thread, every process on the host, and (opt-in) every host.

The guarantee: two requests to one endpoint are *released* at least ``60 / per_minute`` seconds apart (a hair
more), measured on the clock at the moment each one is let go, so no 60-second window ever holds more than
``per_minute`` of them. We space requests evenly rather than allow bursts: IA averages its CDX limit over a
window of minutes and firewalls an IP for an hour, doubling each time, when it is exceeded or its 429s are
ignored (facts below).

Which scope holds:

* **threads of one process** always share one limiter per endpoint (``limiter_for``);
* **processes on one host** share it when they name the same pace directory: the pace is then kept in a small
  file there (``fetchers/pace.py``, under ``flock``), so a release or a 429 in one process paces all of them.
  The crawl's default is ``<WARC dir>.pace/`` beside the WARC store (``Settings.pace_dir``), so every process
  writing one warehouse shares it; ``PALIMPSEST_PACE_DIR`` gives several warehouses (or users) one directory.
  With no directory (or one that cannot be written) the pace is the process's own. A pause imposed before a
  process started (even by a run that has ended) still holds for it;
* **hosts behind one address** share it only through a Prefect global concurrency limit with slot decay, when
  ``PALIMPSEST_SHARED_LIMIT=<name>`` is set: ``gate`` then waits for a slot of ``<name>-cdx`` or
  ``<name>-replay`` before this host's own pace. The limits must exist, one slot each, decaying at the rate::

      prefect gcl create <name>-cdx --limit 1 --slot-decay-per-second 0.4       # 24/min
      prefect gcl create <name>-replay --limit 1 --slot-decay-per-second 5      # 300/min

  A 429 slows the host that received it (and its processes), not the other hosts.

What a 429 or 503 does (``penalise``), as of 2026-12:

* a **short pause** of at least ``pause`` (``cooldown / 30``: 2 s), 1 to 1.5 times that at random so that
  clients do not come back in step, doubling with each further 429 before a success; a ``Retry-After`` is
  honoured when longer. Nothing is released during it, so no request leaves within ``pause`` of a 429;
* the **spacing doubles** (up to ``max_interval``), then recovers: the extra spacing halves with every
  ``recovery_releases`` successes (10), or every ``recovery`` seconds (60), whichever is sooner;
* a **long cool-down** when the 429s go on: once the next request after a short pause would leave more than
  ``streak_limit`` (``0.75 × cooldown``: 45 s) after the first 429 since the last success, nothing is sent for
  ``cooldown`` (60 s), doubling for each further cool-down before a success, up to ``max_cooldown``, 1 to 1.25
  times that at random. So no request is sent into 429s more than 45 s after the first of them (give or take
  the requests already on their way) without a minute of silence first. The client stops the crawl when 429s
  continue after four cool-downs in a row (``ArchiveClient.max_cooldowns``), as before;
* a 429 for a request released *before* the last 429 arrived (already on its way, from another thread or
  process) tells nothing new: it blocks for ``pause`` again but neither doubles anything nor counts.

Threads (and processes) waiting for a slot when a penalty lands re-check before they go, so nothing leaves
during a pause, however many were queued.

Why (as of 2026-12):

* IA staff: CDX requests are "limited to an average of 60/min. Over that and we start sending 429s. If 429s are
  ignored for more than a minute we block the IP at the firewall (no connection) for 1 hour", doubling on each
  repeat (edgi-govdata-archiving/wayback#137, 2023-11); the average is "over a 5-minute window" (ibid. #153);
  the CDX and timemap limit has since dropped to 30/min (ibid. #206, 2026-06) and edgi's client sends 24/min.
  It takes 429s *ignored for a minute* to be blocked, not one 429: a minute's silence after each one (the
  policy until 2026-12, ``streak_limit=0``) made four scattered 429s in a 240-capture crawl cost 8.4 times the
  pace bound (issue #17; ``benchmarks/slow_down.py`` measures both policies).
* IA sends no ``Retry-After`` with its 429s (recorded responses, 2022–2026).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from palimpsest.fetchers.pace import LocalPace, PaceFile, PaceState, open_pace

log = logging.getLogger(__name__)

#: Keep this many release times per limiter (for the statistics and the tests that check the guarantee).
RELEASE_LOG = 4096


@dataclass
class LimiterStats:
    """What this process's limiter did (other processes sharing the pace keep their own)."""

    requests: int = 0
    waited: float = 0.0
    penalties: int = 0
    cooled_down: float = 0.0
    #: When requests were let go, and when penalties came with the pause they imposed (clock seconds).
    releases: deque = field(default_factory=lambda: deque(maxlen=RELEASE_LOG))
    penalised: deque = field(default_factory=lambda: deque(maxlen=RELEASE_LOG))


class Release(NamedTuple):
    """One request let go: when (limiter clock) and how long its caller waited for it."""

    at: float
    waited: float


class RateLimiter:
    """One endpoint's pace: ``acquire`` before each request, ``penalise`` after a 429/503, ``relax`` after a success."""

    def __init__(
        self,
        per_minute: float,
        *,
        name: str | None = None,
        cooldown: float = 60.0,
        max_cooldown: float = 900.0,
        max_interval: float = 120.0,
        recovery: float = 60.0,
        recovery_releases: float | None = 10,
        pause: float | None = None,
        streak_limit: float | None = None,
        pace: LocalPace | PaceFile | None = None,
        gate: Callable[[], None] | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._pace = pace or LocalPace()
        # Processes share wall-clock times; one process alone may use the monotonic clock.
        self._clock = clock or (time.time if isinstance(self._pace, PaceFile) else time.monotonic)
        self._sleep = sleep
        self._gate = gate
        self._rng = rng or random.Random()  # noqa: S311 - jitter for back-off, not cryptography
        self._stats_lock = threading.Lock()
        self._announced = 0.0
        self.name = name or "endpoint"
        self.cooldown = cooldown
        self.max_cooldown = max_cooldown
        self.max_interval = max_interval
        self.recovery = recovery
        self.recovery_releases = recovery_releases
        self.pause = cooldown / 30 if pause is None else pause
        self.streak_limit = 0.75 * cooldown if streak_limit is None else streak_limit
        self.stats = LimiterStats()
        self.set_rate(per_minute)

    @property
    def pace_file(self) -> Path | None:
        """The file this limiter shares its pace through, or None when the pace is this process's own."""
        return self._pace.path

    def close(self) -> None:
        self._pace.close()

    def set_rate(self, per_minute: float) -> None:
        # A hair above 60/rate so that rate+1 evenly spaced releases can never fit in one closed minute.
        self.base_interval = 60.0 / per_minute * 1.001

    @property
    def per_minute(self) -> float:
        return 60.0 / self.base_interval * 1.001

    @property
    def interval(self) -> float:
        """The spacing in force now: the configured one, plus what recent 429s still add."""
        with self._pace.transaction() as state:
            return self._interval(state, self._clock())

    @property
    def cooldowns(self) -> int:
        """Long cool-downs since the endpoint last answered (in any process sharing the pace)."""
        with self._pace.transaction() as state:
            return state.cooldowns

    def _excess(self, state: PaceState, now: float) -> float:
        if not state.excess:
            return 0.0
        excess = state.excess * 0.5 ** (max(0.0, now - state.excess_at) / self.recovery)
        return 0.0 if excess < self.base_interval * 0.01 else excess

    def _interval(self, state: PaceState, now: float) -> float:
        return self.base_interval + self._excess(state, now)

    def acquire(self) -> Release:
        """Block until this caller may send one request; return when it was let go and how long it waited."""
        waited = 0.0
        if self._gate is not None:
            started = self._clock()
            self._gate()  # the hosts' shared limit first, then this host's pace, which is exact at release
            waited = self._clock() - started
        while True:
            with self._pace.transaction() as state:
                now = self._clock()
                if state.last_release is not None and state.last_release > now + self.max_interval:
                    state.last_release = now  # the wall clock went back: wait one spacing, not the jump
                ready = state.blocked_until if state.blocked_until is not None else now
                if state.last_release is not None:
                    ready = max(ready, state.last_release + self._interval(state, now))
                if now >= ready:
                    state.last_release = now
                    with self._stats_lock:
                        self.stats.requests += 1
                        self.stats.waited += waited
                        self.stats.releases.append(now)
                    return Release(now, waited)
                if ready - now > 5.0 and ready == state.blocked_until and ready != self._announced:
                    self._announced = ready  # once per pause, whichever process imposed it
                    log.info("%s: the archive asked to slow down; sending nothing for %.0f s", self.name, ready - now)
            # Sleep outside the locks, then look again: a penalty may have moved the slot meanwhile.
            self._sleep(ready - now)
            waited += ready - now

    def penalise(self, retry_after: float | None = None, *, sent_at: float | None = None) -> float:
        """Slow the endpoint after a 429/503 for a request released at ``sent_at``; return the pause imposed."""
        with self._pace.transaction() as state:
            now = self._clock()
            news = sent_at is None or state.penalised_at is None or sent_at > state.penalised_at
            pause = self.pause * self._rng.uniform(1.0, 1.5)
            if news:
                if state.streak_since is None:
                    state.streak_since = now
                short = pause * 2**state.streak_pauses
                spacing = min(self.max_interval, 2 * self._interval(state, now))
                last = state.last_release if state.last_release is not None else now
                after = max(now + short, last + spacing)  # when the next request would leave
                if state.cooldowns or after - state.streak_since > self.streak_limit:
                    pause = min(self.max_cooldown, self.cooldown * 2**state.cooldowns) * self._rng.uniform(1.0, 1.25)
                    state.cooldowns += 1
                else:
                    pause = short
                    state.streak_pauses += 1
                state.penalised_at = now
            if retry_after is not None:
                pause = max(pause, retry_after)
            blocked = now + pause if state.blocked_until is None else max(state.blocked_until, now + pause)
            state.blocked_until = blocked
            if news:
                state.excess = spacing - self.base_interval
                state.excess_at = blocked  # the recovery starts when the pause ends
        with self._stats_lock:
            self.stats.penalties += 1
            self.stats.cooled_down += blocked - now
            self.stats.penalised.append((now, blocked - now))
        return blocked - now

    def relax(self) -> None:
        """Record a success: the 429 streak and the cool-down ladder start again; the extra spacing eases."""
        with self._pace.transaction() as state:
            if state.streak_since is not None or state.cooldowns:
                state.streak_since, state.streak_pauses, state.cooldowns = None, 0, 0
            if state.excess and self.recovery_releases:
                now = self._clock()
                if now > state.excess_at:
                    state.excess, state.excess_at = self._excess(state, now), now
                state.excess *= 0.5 ** (1 / self.recovery_releases)
                if state.excess < self.base_interval * 0.01:
                    state.excess = 0.0


_registry: dict[str, RateLimiter] = {}
_registry_lock = threading.Lock()


def limiter_for(
    endpoint: str,
    per_minute: float,
    *,
    pace_dir: Path | None = None,
    gate: Callable[[], None] | None = None,
    **options: float,
) -> RateLimiter:
    """The process-wide limiter for ``endpoint`` (e.g. ``cdx http://127.0.0.1:8080``), created on first use.

    With ``pace_dir`` the pace is shared with every process using that directory. The first call for an
    endpoint decides its pace file and gate; later calls only change the rate.
    """
    with _registry_lock:
        limiter = _registry.get(endpoint)
        if limiter is None:
            pace = open_pace(pace_dir, endpoint)
            limiter = RateLimiter(per_minute, name=endpoint, pace=pace, gate=gate, **options)  # type: ignore[arg-type]
            _registry[endpoint] = limiter
        elif abs(limiter.per_minute - per_minute) > 1e-9:
            limiter.set_rate(per_minute)
        return limiter


def reset_limiters() -> None:
    """Forget every limiter (tests, and benchmarks that change the rate between runs)."""
    with _registry_lock:
        for limiter in _registry.values():
            limiter.close()
        _registry.clear()
