"""Versions: maximal runs of consecutive usable captures of a site whose normalised text is identical.

They are rebuilt from the ``capture`` table for one site at a time, in one transaction, so the result depends
only on which captures are stored, never on the order in which they arrived (a sampled crawl, a rerun after a
kill or an import all give the same versions). Failed captures (errors, 404s, redirects) neither start nor end
a version: an outage between two identical captures is not a change. Text that returns to an earlier wording is
a new version.
"""

from __future__ import annotations

import duckdb

from palimpsest.comparison.diff import word_delta
from palimpsest.comparison.similarity import is_minor
from palimpsest.warehouse.lake import transaction
from palimpsest.warehouse.statements import statement

__all__ = ["rebuild_every_site", "rebuild_versions", "stale_sites", "version_spans"]

_REBUILD = statement("versions.rebuild")
_MARK_FIRSTS = statement("versions.mark_firsts")


def rebuild_versions(con: duckdb.DuckDBPyConnection, site: str) -> int:
    """Recompute the site's versions and the version/same-text outcomes of its captures. Returns the count."""

    def rebuild() -> None:
        con.execute("DELETE FROM version WHERE site = $site", {"site": site})
        con.execute(_REBUILD, {"site": site})
        con.execute(_MARK_FIRSTS, {"site": site})
        _fill_text_changes(con, site)

    transaction(con, rebuild)
    row = con.execute("SELECT count(*) FROM version WHERE site = ?", [site]).fetchone()
    return int(row[0]) if row else 0


def rebuild_every_site(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Rebuild the versions of every site, in name order, each in its own transaction (``rebuild_versions``).
    Returns the sites rebuilt."""
    sites = [row[0] for row in con.execute("SELECT site FROM site ORDER BY site").fetchall()]
    for site in sites:
        rebuild_versions(con, site)
    return sites


def version_spans(con: duckdb.DuckDBPyConnection) -> set[tuple]:
    """(site, first seen, last seen, text hash) of every version in the ``versions`` view: what a rebuild is
    compared by, before and after (``flows.reextraction``)."""
    return set(con.execute("SELECT site, first_seen, last_seen, text_sha256 FROM versions").fetchall())


# Sites whose versions do not count every usable capture (as a rebuild would); sites holding a capture whose
# outcome is $waiting (one that waits to be fetched again) are left to the crawl that fetches it.
_STALE = statement("versions.stale")


def stale_sites(
    con: duckdb.DuckDBPyConnection, sites: list[str] | None = None, *, waiting: str | None = None
) -> list[tuple[str, int, int]]:
    """(site, usable captures, captures its versions count) for each site (of ``sites``, or all) whose versions
    are out of date: a crawl or import that stored captures was stopped before rebuilding them."""
    rows = con.execute(_STALE, {"sites": sites, "waiting": waiting}).fetchall()
    return [(site, int(usable), int(counted)) for site, usable, counted in rows]


def _fill_text_changes(con: duckdb.DuckDBPyConnection, site: str) -> None:
    pairs = con.execute(statement("versions.text_change_pairs"), [site, site]).fetchall()
    rows = {}
    for old_id, new_id, old, new in pairs:  # a site that goes A, B, A, B meets a pair twice: counted once
        if (old_id, new_id) not in rows:
            added, removed = word_delta(old, new)
            rows[(old_id, new_id)] = (old_id, new_id, added, removed, is_minor(old, new))
    if rows:
        con.executemany(
            "INSERT INTO text_change (from_id, to_id, words_added, words_removed, minor) VALUES (?, ?, ?, ?, ?)",
            list(rows.values()),
        )
