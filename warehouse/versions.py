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

__all__ = ["rebuild_versions", "stale_sites"]

_REBUILD = """
INSERT INTO version (site, version, text_id, policy_url, first_seen, last_seen, captures)
WITH ordered AS (
    SELECT url, ts, digest, text_id,
           lag(text_id) OVER (ORDER BY ts, url, digest) AS previous
    FROM capture
    WHERE site = $site AND usable
), numbered AS (
    SELECT *, sum(CASE WHEN previous IS DISTINCT FROM text_id THEN 1 ELSE 0 END)
                  OVER (ORDER BY ts, url, digest ROWS UNBOUNDED PRECEDING) AS version
    FROM ordered
)
SELECT $site, version, any_value(text_id), arg_min(url, ts), min(ts), max(ts), count(*)
FROM numbered
GROUP BY version
ORDER BY version
"""

_MARK_FIRSTS = """
UPDATE capture AS c
SET outcome = CASE WHEN EXISTS (
        SELECT 1 FROM version AS v
        WHERE v.site = c.site AND v.first_seen = c.ts AND v.policy_url = c.url
    ) THEN 'version' ELSE 'same-text' END
WHERE c.site = $site AND c.usable AND c.outcome IN ('version', 'same-text')
"""


def rebuild_versions(con: duckdb.DuckDBPyConnection, site: str) -> int:
    """Recompute the site's versions and the version/same-text outcomes of its captures. Returns the count."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM version WHERE site = $site", {"site": site})
        con.execute(_REBUILD, {"site": site})
        con.execute(_MARK_FIRSTS, {"site": site})
        _fill_text_changes(con, site)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    row = con.execute("SELECT count(*) FROM version WHERE site = ?", [site]).fetchone()
    return int(row[0]) if row else 0


# Sites whose versions do not count every usable capture (as a rebuild would); sites holding a capture whose
# outcome is $waiting (one that waits to be fetched again) are left to the crawl that fetches it.
_STALE = """
SELECT c.site, c.usable, coalesce(v.counted, 0)
FROM (SELECT site, count(*) FILTER (WHERE usable) AS usable, count(*) FILTER (WHERE outcome = $waiting) AS waiting
      FROM capture WHERE $sites IS NULL OR list_contains($sites, site) GROUP BY site) AS c
LEFT JOIN (SELECT site, sum(captures) AS counted FROM version
           WHERE $sites IS NULL OR list_contains($sites, site) GROUP BY site) AS v USING (site)
WHERE c.waiting = 0 AND c.usable <> coalesce(v.counted, 0)
ORDER BY c.site
"""


def stale_sites(
    con: duckdb.DuckDBPyConnection, sites: list[str] | None = None, *, waiting: str | None = None
) -> list[tuple[str, int, int]]:
    """(site, usable captures, captures its versions count) for each site (of ``sites``, or all) whose versions
    are out of date: a crawl or import that stored captures was stopped before rebuilding them."""
    rows = con.execute(_STALE, {"sites": sites, "waiting": waiting}).fetchall()
    return [(site, int(usable), int(counted)) for site, usable, counted in rows]


def _fill_text_changes(con: duckdb.DuckDBPyConnection, site: str) -> None:
    pairs = con.execute(
        """
        SELECT p.text_id, v.text_id, pt.text, vt.text
        FROM version AS v
        JOIN version AS p ON p.site = v.site AND p.version = v.version - 1
        JOIN policy_text AS pt ON pt.text_id = p.text_id
        JOIN policy_text AS vt ON vt.text_id = v.text_id
        WHERE v.site = ? AND p.site = ?
          AND NOT EXISTS (SELECT 1 FROM text_change AS d WHERE d.from_id = p.text_id AND d.to_id = v.text_id)
        """,
        [site, site],
    ).fetchall()
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
