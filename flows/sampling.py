"""Sample and bisect: a policy's history from a fraction of its captures.

A page whose digest changes on every capture (a date, a counter or a token in the chrome) defeats the
one-fetch-per-digest rule: a full crawl fetches every capture. ``crawl --sample monthly`` instead:

1. fetches one capture per period (the first of each day, week, month or year that nothing known covers yet),
   plus the very last capture;
2. wherever two neighbouring known captures have different normalised text, fetches the capture halfway
   between them, and repeats until each change sits between two adjacent captures. The first and last captures
   are pinned the same way (against "nothing before" and "nothing after"), so a failed first sample costs a few
   more fetches, never a wrong ``first_seen``;
3. records every capture it did not fetch, lying between two known neighbours with the same text, as *inferred*:
   usable, with that text, ``provenance = 'inferred'`` and outcome ``same-text``.

"Known" means the text of the capture's digest is known: fetched in this crawl or an earlier one, by any
capture sharing the digest. A capture whose fetch failed is known to be unusable and is never a neighbour.

The result: ``versions`` (first and last seen, capture counts) and ``changes`` equal a full crawl's, under one
assumption, which no sampling can avoid: **a change and its reversal that both fall between two samples with
the same text are invisible** (as is a capture in between whose extraction would have failed: it is counted as
the text around it). The shorter the period, the shorter a change must last to be missed. A later full crawl
(without ``--sample``) fetches the inferred captures and replaces them with what they really hold.

Everything here is plain computation on captures and digests; the crawl (:mod:`flows.crawl`) does the fetching.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from palimpsest.errors import BadInput
from palimpsest.fetchers import Capture

PERIODS = ("daily", "weekly", "monthly", "yearly")

#: The text "before the first capture" and "after the last": different from every real text and from each other.
_BEFORE, _AFTER = "\x00before", "\x00after"


def check_period(period: str | None) -> str | None:
    if period is not None and period not in PERIODS:
        raise BadInput(f"sample must be one of {', '.join(PERIODS)}, not {period!r}")
    return period


def period_of(moment: datetime, period: str) -> tuple[int, ...]:
    """The period a capture time falls in: (year,), (year, month), ISO (year, week) or the date."""
    if period == "yearly":
        return (moment.year,)
    if period == "monthly":
        return (moment.year, moment.month)
    if period == "weekly":
        iso = moment.isocalendar()
        return (iso.year, iso.week)
    return (moment.year, moment.month, moment.day)


def is_candidate(capture: Capture) -> bool:
    """Captures that may hold policy text: 2xx answers and revisits (whose status the CDX leaves out)."""
    return capture.statuscode is None or 200 <= capture.statuscode < 300


@dataclass(frozen=True)
class Inference:
    """A capture not fetched, and the known neighbours with the same text that it is inferred from."""

    capture: Capture
    text_sha256: str
    after: Capture
    before: Capture


class Bisection:
    """The state of one URL's sampled crawl: what is known, what was tried, and what to fetch next.

    ``known`` maps a digest to its text hash, or to None when its capture gave no usable text. ``tried`` holds
    the keys of captures already asked for without a usable answer (failed fetches); they are never picked again.
    """

    def __init__(
        self,
        captures: Iterable[Capture],
        period: str,
        known: Mapping[str, str | None] | None = None,
        tried: Iterable[tuple] = (),
    ) -> None:
        check_period(period)
        self.captures: list[Capture] = sorted(
            (c for c in captures if is_candidate(c)), key=lambda c: (c.timestamp, c.original, c.digest)
        )
        self.period = period
        self.known: dict[str, str | None] = {d: t for d, t in (known or {}).items() if d not in {"", "-"}}
        self.tried: set[tuple] = set(tried)
        self._sampled = False
        self._members: dict[str, list[Capture]] = {}
        for capture in self.captures:
            if capture.digest not in {"", "-"}:
                self._members.setdefault(capture.digest, []).append(capture)

    # -- knowledge --------------------------------------------------------------------------------------------

    def text_of(self, capture: Capture) -> str | None:
        """The capture's text hash when known and usable, else None."""
        return self.known.get(capture.digest) if capture.digest not in {"", "-"} else None

    def is_known(self, capture: Capture) -> bool:
        return capture.digest in self.known

    def _open(self, capture: Capture) -> bool:
        """Neither known nor tried: worth fetching, or inferring."""
        return not self.is_known(capture) and capture.key not in self.tried

    def learn(self, digest: str, text_sha256: str | None) -> None:
        """Record what a fetch made of a digest: its usable text hash, or None."""
        if digest and digest != "-":
            self.known[digest] = text_sha256

    def asked(self, captures: Iterable[Capture]) -> None:
        """Record captures that were asked for, so that those which taught nothing are not picked again."""
        self.tried.update(c.key for c in captures)

    # -- what to fetch ----------------------------------------------------------------------------------------

    def next_round(self) -> list[Capture]:
        """The captures to fetch next (each stands for its digest), or [] when every change is pinned."""
        if not self._sampled:
            self._sampled = True
            samples = self._samples()
            if samples:
                return samples
        return self._midpoints()

    def groups(self, picks: Sequence[Capture]) -> list[tuple[Capture, ...]]:
        """Each pick with the other open captures sharing its digest (asked for in turn if it fails)."""
        groups, seen = [], set()
        for pick in picks:
            if pick.digest in seen:
                continue
            others = [c for c in self._members.get(pick.digest, ()) if c != pick and self._open(c)]
            seen.add(pick.digest)
            groups.append((pick, *others))
        return groups

    def _samples(self) -> list[Capture]:
        covered: set[tuple[int, ...]] = {
            period_of(c.timestamp, self.period)
            for c in self.captures
            if self.text_of(c) is not None or c.key in self.tried
        }
        picks: list[Capture] = []
        for capture in self.captures:
            slot = period_of(capture.timestamp, self.period)
            if slot not in covered and self._open(capture):
                covered.add(slot)
                picks.append(capture)
        last = self.captures[-1] if self.captures else None
        if last is not None and self._open(last) and last not in picks:
            picks.append(last)
        return picks

    def _midpoints(self) -> list[Capture]:
        picks: list[Capture] = []
        for (left, text_left), (right, text_right) in pairwise(self._anchors()):
            if text_left == text_right:
                continue
            between = [i for i in range(left + 1, right) if self._open(self.captures[i])]
            if between:
                picks.append(self.captures[between[len(between) // 2]])
        return picks

    def _anchors(self) -> list[tuple[int, str]]:
        """(index, text) of every known usable capture, between the "before" and "after" sentinels."""
        inner = [(i, t) for i, c in enumerate(self.captures) if (t := self.text_of(c)) is not None]
        return [(-1, _BEFORE), *inner, (len(self.captures), _AFTER)]

    # -- what to infer ----------------------------------------------------------------------------------------

    def inferred(self) -> list[Inference]:
        """Every open capture lying between two known neighbours with the same text."""
        found: list[Inference] = []
        for (left, text_left), (right, text_right) in pairwise(self._anchors()):
            if text_left != text_right or right - left < 2:
                continue
            after, before = self.captures[left], self.captures[right]
            found.extend(
                Inference(self.captures[i], text_left, after, before)
                for i in range(left + 1, right)
                if self._open(self.captures[i])
            )
        return found
