"""Per-endpoint request pacing that every thread and task in the process shares.

The guarantee: requests to one endpoint are at least ``60 / per_minute`` seconds apart, so no 60-second window
ever holds more than ``per_minute`` of them. We space requests evenly instead of allowing bursts because
IA's CDX firewalls an IP for an hour (doubling each time) at about 60 requests/min or on ignored 429s (2026-11).

A 429 or 503 *penalises* the endpoint: the spacing doubles (up to ``max_interval``) and nothing is sent for a
cool-down that grows with each consecutive penalty, with jitter so parallel clients do not retry in step.
Each success then *relaxes* the spacing by a few percent, ramping slowly back to the configured rate.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class LimiterStats:
    requests: int = 0
    waited: float = 0.0
    penalties: int = 0


class RateLimiter:
    def __init__(
        self,
        per_minute: float,
        *,
        cooldown: float = 30.0,
        max_cooldown: float = 600.0,
        max_interval: float = 120.0,
        relax_factor: float = 0.95,
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
        self.relax_factor = relax_factor
        self.stats = LimiterStats()
        self._next_slot = 0.0
        self._consecutive_penalties = 0
        self.set_rate(per_minute)

    def set_rate(self, per_minute: float) -> None:
        with self._lock:
            # A hair above 60/rate so that rate+1 evenly spaced requests can never fit in one closed minute.
            self.base_interval = 60.0 / per_minute * 1.001
            self.interval = self.base_interval

    @property
    def per_minute(self) -> float:
        return 60.0 / self.base_interval * 1.001

    def acquire(self) -> float:
        """Block until this caller may send one request; return the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.interval
            self.stats.requests += 1
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
            with self._lock:
                self.stats.waited += wait
        return max(wait, 0.0)

    def penalise(self, retry_after: float | None = None) -> float:
        """Slow the whole endpoint after a 429/503. Returns the cool-down imposed, in seconds."""
        with self._lock:
            self._consecutive_penalties += 1
            self.stats.penalties += 1
            self.interval = min(self.max_interval, max(self.interval, self.base_interval) * 2)
            pause = min(self.max_cooldown, self.cooldown * 2 ** (self._consecutive_penalties - 1))
            pause *= self._rng.uniform(0.8, 1.2)
            if retry_after is not None:
                pause = max(pause, retry_after)
            self._next_slot = max(self._next_slot, self._clock() + pause)
            return pause

    def relax(self) -> None:
        """Record a success: ease the spacing back towards the configured rate, a little at a time."""
        with self._lock:
            self._consecutive_penalties = 0
            self.interval = max(self.base_interval, self.interval * self.relax_factor)


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
