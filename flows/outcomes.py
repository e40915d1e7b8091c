"""Records the crawl's steps pass to each other: a plan, fetch and extraction outcomes, a store summary."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from palimpsest.fetchers import Capture, Fetched, WarcRef
from palimpsest.warehouse.rows import CaptureRow, ExtractionRow, TextRow


@dataclass(frozen=True)
class Plan:
    """What to do with one URL's captures: rows already decided, and groups to fetch (one fetch per group).

    A group is the new captures sharing one digest, or one run of consecutive archived redirects; its members
    all get the outcome of the one fetch. ``known`` is what this extraction run already made of every digest
    seen (settled captures included), ``settled`` the keys stored before that need no more work and
    ``inferred`` those of them whose text a sampled crawl inferred rather than fetched.
    """

    site: str
    url: str
    originals: frozenset[str]
    decided: tuple[CaptureRow, ...]
    groups: tuple[tuple[Capture, ...], ...] = ()
    run_id: int = 0
    known: dict[str, ExtractionRow] = field(default_factory=dict)
    settled: frozenset[tuple] = frozenset()
    inferred: frozenset[tuple] = frozenset()
    #: Raw bytes already stored for captures still to decide, by capture key: (status, location, WARC ref).
    stored: dict[tuple, tuple] = field(default_factory=dict)

    @property
    def to_fetch(self) -> tuple[Capture, ...]:
        """The first member of each group: the capture asked for first."""
        return tuple(group[0] for group in self.groups)


@dataclass(frozen=True)
class FetchOutcome:
    """One fetch's result for the captures of ``group``.

    ``capture`` is the capture the bytes really are (the one served, which an inexact answer makes differ from
    the one asked for), or the group's first member when the fetch failed. An outcome with an empty group is a
    *stray*: bytes of another capture than the one asked for, kept and extracted but deciding no row.
    """

    capture: Capture
    fetched: Fetched | None = None
    ref: WarcRef | None = None
    error: str | None = None  # "error:<reason>" or "skipped:<reason>"
    detail: str | None = None
    group: tuple[Capture, ...] = ()
    #: The bytes were read back from the raw store (kept by a crawl interrupted before it extracted them).
    reused: bool = False


@dataclass(frozen=True)
class ExtractOutcome:
    capture: Capture
    text: TextRow | None = None
    extraction: ExtractionRow | None = None


@dataclass
class StoreSummary:
    """What one store step did; ``moves`` are every archived redirect of the URL: (first seen, target)."""

    rows: int = 0
    fetched: int = 0
    moves: list[tuple[datetime, str]] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    #: (url, timestamp, digest) of every capture row written, to count their outcomes once versions are rebuilt.
    keys: list[tuple[str, datetime, str]] = field(default_factory=list)
