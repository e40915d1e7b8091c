"""Reads for scheduled crawls, change notices and histories: where each tracked site was last seen, and its changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from palimpsest.warehouse.statements import statement


@dataclass(frozen=True)
class Tracked:
    """A tracked site, the policy URL it lives at now, and the newest capture of it we hold."""

    site: str
    url: str
    last_seen: datetime | None


@dataclass(frozen=True)
class Change:
    """One new version of a site's policy, as the ``changes`` view (and ``versions``) describe it: the policy
    changed after ``changed_after`` (the last capture with the old text) and by ``changed_by`` (the first with the
    new one).

    ``previous_version`` is None for a site's first version; ``changed_after``, the word counts and ``minor`` are
    then None too.
    """

    site: str
    version: int
    previous_version: int | None
    changed_after: datetime | None
    changed_by: datetime
    words_added: int | None
    words_removed: int | None
    minor: bool | None
    policy_url: str
    text_sha256: str
    words: int
    #: The replay prefix of the archive that served the first capture of the new text (None: not recorded).
    archive: str | None = None

    @property
    def key(self) -> tuple[str, str, datetime]:
        """What identifies a version across rebuilds (its number shifts when older captures arrive)."""
        return (self.site, self.text_sha256, self.changed_by)

    @property
    def uncertainty(self) -> timedelta:
        """How precisely the archive pins the change down (zero for a first version)."""
        return self.changed_by - self.changed_after if self.changed_after is not None else timedelta(0)

    @property
    def kind(self) -> str:
        if self.previous_version is None:
            return "first version seen"
        return "minor" if self.minor else "substantive"


def tracked_sites(con: duckdb.DuckDBPyConnection) -> list[Tracked]:
    """Every site with a policy URL: where it lives now, and the newest archive capture we hold of it.

    Where it lives now is the URL of the newest archive capture that is not a redirect (a redirect's target is
    where the policy went); a site with no capture yet (only discovered) uses the URL it was linked at last.
    """
    rows = con.execute(statement("changes.tracked_sites")).fetchall()
    return [Tracked(site, url, last_seen) for site, url, last_seen in rows if url]


def changes(con: duckdb.DuckDBPyConnection, site: str | None = None) -> list[Change]:
    """Every version of every site (or of ``site``) with its change summary, newest first."""
    rows = con.execute(statement("changes.changes"), [site, site]).fetchall()
    return [Change(*row) for row in rows]
