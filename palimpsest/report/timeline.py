"""The geometry of a report timeline: where versions, captures and changes fall, as percentages of its width.

A version's band runs from its first to its last capture. Between two bands lies the window in which the
change happened (the archive holds no capture inside it); it is drawn as a hatched mark, so a reader sees at once
how precisely each change is pinned down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from palimpsest.timestamps import span
from palimpsest.warehouse.history import SiteHistory

#: Distinct texts get distinct colours (a return to an earlier text gets that text's colour again).
PALETTE_SIZE = 8
#: The narrowest a band or a change window is drawn, in % of the timeline, so that each stays visible.
MIN_WIDTH = 1.0


@dataclass(frozen=True)
class Scale:
    start: datetime
    end: datetime

    @classmethod
    def around(cls, moments: list[datetime]) -> Scale:
        """From the first to the last moment, padded by 2 % on each side (and at least a day wide)."""
        first, last = min(moments), max(moments)
        pad = max((last - first) * 0.02, timedelta(hours=12))
        return cls(first - pad, last + pad)

    def at(self, moment: datetime) -> float:
        """Where ``moment`` falls, 0–100 %."""
        return round(100 * (moment - self.start) / (self.end - self.start), 3)

    def years(self, most: int = 12) -> list[tuple[float, str]]:
        """Axis labels at the start of years, every 1, 2, 5 or 10 years so that at most ``most`` are shown."""
        first, last = self.start.year + 1, self.end.year
        step = next((s for s in (1, 2, 5, 10, 20, 50) if (last - first) // s + 1 <= most), 100)
        labels = []
        for year in range(first, last + 1):
            if year % step == 0 or step == 1:
                labels.append((self.at(datetime(year, 1, 1, tzinfo=UTC)), str(year)))
        return labels


@dataclass(frozen=True)
class Band:
    version: int
    left: float
    width: float
    colour: int
    title: str


@dataclass(frozen=True)
class Window:
    """The interval in which a change happened: after the last old capture, by the first new one."""

    version: int
    left: float
    width: float
    title: str


@dataclass(frozen=True)
class Tick:
    left: float
    kind: str
    title: str
    href: str


@dataclass(frozen=True)
class Timeline:
    bands: tuple[Band, ...]
    windows: tuple[Window, ...]
    ticks: tuple[Tick, ...]
    years: tuple[tuple[float, str], ...]


def colours(history: SiteHistory) -> dict[int, int]:
    """Version number → colour index; versions with the same text share a colour."""
    by_text: dict[str, int] = {}
    found = {}
    for v in history.versions:
        found[v.version] = by_text.setdefault(v.text_sha256, len(by_text) % PALETTE_SIZE)
    return found


def timeline(history: SiteHistory, scale: Scale, *, replay_prefix: str, ticks: bool = True) -> Timeline:
    colour = colours(history)
    bands = []
    for v in history.versions:
        left = scale.at(v.first_seen)
        plural = "capture" if v.captures == 1 else "captures"
        title = f"version {v.version}: {v.first_seen:%Y-%m-%d} → {v.last_seen:%Y-%m-%d}, {v.captures} {plural}"
        bands.append(Band(v.version, left, max(scale.at(v.last_seen) - left, MIN_WIDTH), colour[v.version], title))
    windows = []
    for c in history.changes:
        left = scale.at(c.changed_after)
        title = (
            f"version {c.previous_version} → {c.version}: changed between {c.changed_after:%Y-%m-%d} and "
            f"{c.changed_by:%Y-%m-%d} (within {span(c.uncertainty)})"
        )
        windows.append(Window(c.version, left, max(scale.at(c.changed_by) - left, MIN_WIDTH), title))
    marks = []
    for capture in history.captures if ticks else ():
        status = f" ({capture.status})" if capture.status else ""
        title = f"{capture.timestamp:%Y-%m-%d %H:%M:%S} {capture.outcome}{status}: {capture.url}"
        href = capture.link(replay_prefix)
        marks.append(Tick(scale.at(capture.timestamp), capture.kind, title, href))
    return Timeline(tuple(bands), tuple(windows), tuple(marks), tuple(scale.years()))
