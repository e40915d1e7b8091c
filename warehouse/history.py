"""A site's history as people read it: its versions, the captures that show them, and the changes between them.

Read from the public views (and, for speed, the texts by number; see ``queries.site_versions``). ``SiteHistory``
answers the questions people ask of a history: which capture is the evidence for a version, which versions returned
to an earlier text, how precisely a change is pinned down. The command line and the report both show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from palimpsest.timestamps import snapshot_url
from palimpsest.warehouse import queries
from palimpsest.warehouse.changes import Change
from palimpsest.warehouse.rows import Version

#: Outcomes of captures whose text belongs to a version.
TEXT_OUTCOMES = frozenset({"version", "same-text", "imported"})

_SITES = "SELECT site FROM captures UNION SELECT site FROM versions ORDER BY site"
_CAPTURES = (
    'SELECT url, "timestamp", status, mime, digest, outcome, text_sha256, quality, detail, archive'
    ' FROM captures WHERE site = ? ORDER BY "timestamp", url, digest'
)
_CHANGES = (
    "SELECT version, previous_version, changed_after, changed_by, words_added, words_removed, minor"
    " FROM changes WHERE site = ? ORDER BY version"
)


@dataclass(frozen=True)
class SeenCapture:
    """A capture as the ``captures`` view shows it (without the site): what the archive held and what became of it."""

    url: str
    timestamp: datetime
    status: int | None
    mime: str | None
    digest: str
    outcome: str
    text_sha256: str | None
    quality: str | None
    detail: str | None
    #: The replay prefix of the archive it came from (None: stored before archives were recorded).
    archive: str | None = None

    def link(self, fallback: str) -> str:
        """The archive's page for this capture, in the archive it came from (``fallback``'s when not recorded)."""
        return snapshot_url(self.archive or fallback, self.timestamp, self.url)

    @property
    def kind(self) -> str:
        """``text`` (part of a version), ``redirect``, or ``problem`` (a capture the history could not use)."""
        if self.outcome in TEXT_OUTCOMES:
            return "text"
        return "redirect" if self.outcome == "redirect" else "problem"


@dataclass(frozen=True)
class SiteHistory:
    site: str
    versions: tuple[Version, ...]
    captures: tuple[SeenCapture, ...]
    changes: tuple[Change, ...]

    def version(self, number: int) -> Version | None:
        return next((v for v in self.versions if v.version == number), None)

    def change_into(self, number: int) -> Change | None:
        """The change that started version ``number`` (None for the first)."""
        return next((c for c in self.changes if c.version == number), None)

    def evidence(self, version: Version, *, at: datetime | None = None, last: bool = False) -> SeenCapture | None:
        """The capture that shows ``version``'s text: its first, its last, or its last at or before ``at``."""
        shown = [
            c
            for c in self.captures
            if c.kind == "text"
            and c.text_sha256 == version.text_sha256
            and version.first_seen <= c.timestamp <= version.last_seen
        ]
        if at is not None:
            shown = [c for c in shown if c.timestamp <= at]
        if not shown:
            return None
        return shown[-1] if (last or at is not None) else shown[0]

    def capture_at(self, moment: datetime, text_sha256: str) -> SeenCapture | None:
        """The text capture at exactly ``moment`` with this text: the evidence at either end of a change."""
        return next(
            (c for c in self.captures if c.timestamp == moment and c.text_sha256 == text_sha256 and c.kind == "text"),
            None,
        )

    def returns(self) -> dict[int, int]:
        """Versions whose text is an earlier version's, mapped to the earliest such version (reverts)."""
        first: dict[str, int] = {}
        found = {}
        for v in self.versions:
            if v.text_sha256 in first:
                found[v.version] = first[v.text_sha256]
            else:
                first[v.text_sha256] = v.version
        return found

    @property
    def problems(self) -> tuple[SeenCapture, ...]:
        return tuple(c for c in self.captures if c.kind == "problem")

    @property
    def start(self) -> datetime | None:
        moments = [c.timestamp for c in self.captures] + [v.first_seen for v in self.versions]
        return min(moments) if moments else None

    @property
    def end(self) -> datetime | None:
        moments = [c.timestamp for c in self.captures] + [v.last_seen for v in self.versions]
        return max(moments) if moments else None


def site_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every site with captures or versions."""
    return [row[0] for row in con.execute(_SITES).fetchall()]


def load_history(con: duckdb.DuckDBPyConnection, site: str) -> SiteHistory:
    """One site's versions, captures and changes (the site name must be a tracked one; see resolve_site)."""
    versions = tuple(Version(*row) for row in queries.site_versions(con, site))
    captures = tuple(SeenCapture(*row) for row in con.execute(_CAPTURES, [site]).fetchall())
    archives = {(c.timestamp, c.url): c.archive for c in captures}
    by_number = {v.version: v for v in versions}
    changes = []
    for number, previous, after, by, added, removed, minor in con.execute(_CHANGES, [site]).fetchall():
        new = by_number[number]
        changes.append(
            Change(site, number, previous, after, by, added, removed, minor, new.policy_url, new.text_sha256,
                   new.words, archives.get((by, new.policy_url)))
        )  # fmt: skip
    return SiteHistory(site, versions, captures, tuple(changes))
