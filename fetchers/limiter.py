"""Per-endpoint request pacing that every thread and task in the process shares.

The guarantee: two requests to one endpoint are *released* at least ``60 / per_minute`` seconds apart (a hair
more), measured on the clock at the moment each one is let go, so no 60-second window ever holds more than
``per_minute`` of them, whatever the number of threads. We space requests evenly rather than allow bursts:
IA averages its CDX limit over a window of minutes and firewalls an IP for an hour, doubling each time, when it
is exceeded or its 429s are ignored (facts below).

A 429 or 503 *penalises* the endpoint:

* nothing more is released for a cool-down of at least ``cooldown`` seconds (60 s by default), doubled for each
  consecutive penalty up to ``max_cooldown``, stretched by up to a quarter at random so that parallel clients
  do not come back in step; a server's ``Retry-After`` is honoured when longer;
* the spacing doubles (up to ``max_interval``), then eases back towards the configured rate with a half-life
  of ``recovery`` seconds of wall time, counted from the end of the cool-down.

Threads already waiting for a slot when a penalty lands re-check before they go, so no request leaves during a
cool-down, however many were queued.

Why these constants (as of 2026-11):

* IA staff: CDX requests are "limited to an average of 60/min. Over that and we start sending 429s. If 429s are
  ignored for more than a minute we block the IP at the firewall (no connection) for 1 hour", doubling on each
  repeat (edgi-govdata-archiving/wayback#137, 2023-11); the average is "over a 5-minute window" (ibid. #153);
  the CDX and timemap limit has since dropped to 30/min (ibid. #206, 2026-06) and edgi's client sends 24/min.
  So a cool-down never shorter than a minute means we never send into a minute of 429s, and a 60 s half-life
  brings the rate back to within 3 % of the configured one over the five minutes IA averages on.
* IA sends no ``Retry-After`` with its 429s (recorded responses, 2022–2026).
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

#: Keep this many release times per limiter (for the statistics and the tests that check the guarantee).
RELEASE_LOG = 4096


@dataclass
class LimiterStats:
    requests: int = 0
    waited: float = 0.0
    penalties: int = 0
    cooled_down: float = 0.0
    #: When requests were let go, and when penalties came with the cool-down they imposed (clock seconds).
    releases: deque = field(default_factory=lambda: deque(maxlen=RELEASE_LOG))
    penalised: deque = field(default_factory=lambda: deque(maxlen=RELEASE_LOG))


class RateLimiter:
    def __init__(
        self,
        per_minute: float,
        *,
        cooldown: float = 60.0,
        max_cooldown: float = 900.0,
        max_interval: float = 120.0,
        recovery: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter for back-off, not cryptography
        self.cooldown = cooldown
        self.max_cooldown = max_cooldown
        self.max_interval = max_interval
        self.recovery = recovery
        self.stats = LimiterStats()
        self._last_release: float | None = None
        self._blocked_until = float("-inf")
        self._excess = 0.0  # seconds added to the spacing by penalties, decaying after the cool-down
        self._excess_since = 0.0
        self._consecutive_penalties = 0
        self.set_rate(per_minute)

    def set_rate(self, per_minute: float) -> None:
        with self._lock:
            # A hair above 60/rate so that rate+1 evenly spaced releases can never fit in one closed minute.
            self.base_interval = 60.0 / per_minute * 1.001

    @property
    def per_minute(self) -> float:
        return 60.0 / self.base_interval * 1.001

    @property
    def interval(self) -> float:
        """The spacing in force now: the configured one, plus what recent penalties still add."""
        with self._lock:
            return self._interval(self._clock())

    def _interval(self, now: float) -> float:
        if not self._excess:
            return self.base_interval
        elapsed = max(0.0, now - self._excess_since)
        excess = self._excess * 0.5 ** (elapsed / self.recovery)
        if excess < self.base_interval * 0.01:
            self._excess = 0.0
            return self.base_interval
        return self.base_interval + excess

    def acquire(self) -> float:
        """Block until this caller may send one request; return the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                ready = self._blocked_until
                if self._last_release is not None:
                    ready = max(ready, self._last_release + self._interval(now))
                if now >= ready:
                    self._last_release = now
                    self.stats.requests += 1
                    self.stats.waited += waited
                    self.stats.releases.append(now)
                    return waited
                pause = ready - now
            # Sleep outside the lock, then look again: a penalty may have moved the slot meanwhile.
            self._sleep(pause)
            waited += pause

    def penalise(self, retry_after: float | None = None) -> float:
        """Slow the whole endpoint after a 429/503. Returns the cool-down imposed, in seconds."""
        with self._lock:
            now = self._clock()
            self._consecutive_penalties += 1
            self.stats.penalties += 1
            pause = min(self.max_cooldown, self.cooldown * 2 ** (self._consecutive_penalties - 1))
            pause *= self._rng.uniform(1.0, 1.25)
            if retry_after is not None:
                pause = max(pause, retry_after)
            self._blocked_until = max(self._blocked_until, now + pause)
            doubled = min(self.max_interval, 2 * self._interval(now))
            self._excess = doubled - self.base_interval
            self._excess_since = self._blocked_until
            self.stats.cooled_down += pause
            self.stats.penalised.append((now, pause))
            return pause

    def relax(self) -> None:
        """Record a success: the next penalty starts again from the shortest cool-down."""
        with self._lock:
            self._consecutive_penalties = 0


_registry: dict[str, RateLimiter] = {}
_registry_lock = threading.Lock()


def limiter_for(endpoint: str, per_minute: float, **options: float) -> RateLimiter:
    """The process-wide limiter for ``endpoint`` (e.g. ``cdx http://127.0.0.1:8080``), created on first use."""
    with _registry_lock:
        limiter = _registry.get(endpoint)
        if limiter is None:
            limiter = _registry[endpoint] = RateLimiter(per_minute, **options)  # type: ignore[arg-type]
        elif abs(limiter.per_minute - per_minute) > 1e-9:
            limiter.set_rate(per_minute)
        return limiter


def reset_limiters() -> None:
    """Forget every limiter (tests, and benchmarks that change the rate between runs)."""
    with _registry_lock:
        _registry.clear()
