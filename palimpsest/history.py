"""A site's history as the CLI and the report show it, read from the public views only.

It imports the warehouse (and so DuckDB): command modules import it inside their commands.

The records keep the views' column names. ``SiteHistory`` answers the questions people ask of a history: which
capture is the evidence for a version, which versions returned to an earlier text, how precisely a change is
pinned down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from palimpsest.warehouse import queries
from palimpsest.warehouse.records import Version as StoredVersion

#: Outcomes of captures whose text belongs to a version.
TEXT_OUTCOMES = frozenset({"version", "same-text", "imported"})

_SITES = "SELECT site FROM captures UNION SELECT site FROM versions ORDER BY site"
_CAPTURES = (
    'SELECT url, "timestamp", status, mime, digest, outcome, text_sha256, quality, detail'
    ' FROM captures WHERE site = ? ORDER BY "timestamp", url, digest'
)
_CHANGES = (
    "SELECT version, previous_version, changed_after, changed_by, words_added, words_removed, minor"
    " FROM changes WHERE site = ? ORDER BY version"
)


@dataclass(frozen=True)
class Version(StoredVersion):
    """A row of the ``versions`` view, with the date the policy states for itself when the extractor found one."""

    stated_date: date | None = None


@dataclass(frozen=True)
class Capture:
    """A row of the ``captures`` view (without the site)."""

    url: str
    timestamp: datetime
    status: int | None
    mime: str | None
    digest: str
    outcome: str
    text_sha256: str | None
    quality: str | None
    detail: str | None

    @property
    def kind(self) -> str:
        """``text`` (part of a version), ``redirect``, or ``problem`` (a capture the history could not use)."""
        if self.outcome in TEXT_OUTCOMES:
            return "text"
        return "redirect" if self.outcome == "redirect" else "problem"


@dataclass(frozen=True)
class Change:
    """A row of the ``changes`` view: the policy changed after ``changed_after`` and by ``changed_by``."""

    version: int
    previous_version: int
    changed_after: datetime
    changed_by: datetime
    words_added: int | None
    words_removed: int | None
    minor: bool | None

    @property
    def uncertainty(self) -> timedelta:
        return self.changed_by - self.changed_after

    @property
    def kind(self) -> str:
        return "minor" if self.minor else "substantive"


@dataclass(frozen=True)
class SiteHistory:
    site: str
    versions: tuple[Version, ...]
    captures: tuple[Capture, ...]
    changes: tuple[Change, ...]

    def version(self, number: int) -> Version | None:
        return next((v for v in self.versions if v.version == number), None)

    def change_into(self, number: int) -> Change | None:
        """The change that started version ``number`` (None for the first)."""
        return next((c for c in self.changes if c.version == number), None)

    def evidence(self, version: Version, *, at: datetime | None = None, last: bool = False) -> Capture | None:
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

    def capture_at(self, moment: datetime, text_sha256: str) -> Capture | None:
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
    def problems(self) -> tuple[Capture, ...]:
        return tuple(c for c in self.captures if c.kind == "problem")

    @property
    def start(self) -> datetime | None:
        moments = [c.timestamp for c in self.captures] + [v.first_seen for v in self.versions]
        return min(moments) if moments else None

    @property
    def end(self) -> datetime | None:
        moments = [c.timestamp for c in self.captures] + [v.last_seen for v in self.versions]
        return max(moments) if moments else None


def site_names(con) -> list[str]:
    """Every site with captures or versions."""
    return [row[0] for row in con.execute(_SITES).fetchall()]


def load_history(con, site: str) -> SiteHistory:
    """One site's versions, captures and changes (the site name must be a tracked one; see resolve_site)."""
    return SiteHistory(
        site,
        tuple(Version(*row) for row in queries.site_versions(con, site)),
        tuple(Capture(*row) for row in con.execute(_CAPTURES, [site]).fetchall()),
        tuple(Change(*row) for row in con.execute(_CHANGES, [site]).fetchall()),
    )


def snapshot_url(replay_prefix: str, moment: datetime, url: str) -> str:
    """The archive's page for a capture: ``<replay prefix><14-digit UTC timestamp>/<url>``."""
    return f"{replay_prefix}{moment.astimezone(UTC):%Y%m%d%H%M%S}/{url}"


def span(delta: timedelta) -> str:
    """A duration as people say it: ``3 y 2 m``, ``5 m 12 d``, ``4 d``, ``6 h``, ``40 s``."""
    seconds = max(int(delta.total_seconds()), 0)
    days = seconds // 86400
    if days >= 365:
        years, rest = divmod(days, 365)
        months = rest // 30
        return f"{years} y {months} m" if months else f"{years} y"
    if days >= 30:
        months, rest = divmod(days, 30)
        return f"{months} m {rest} d" if rest else f"{months} m"
    if days:
        return f"{days} d"
    if seconds >= 3600:
        return f"{seconds // 3600} h"
    if seconds >= 60:
        return f"{seconds // 60} min"
    return f"{seconds} s"
