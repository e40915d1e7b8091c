"""Reads: a site's versions, the text in force at a time, the site list, the first appearance of a clause, and
read-only SQL."""

from __future__ import annotations

import difflib
from datetime import datetime

import duckdb

from palimpsest.errors import BadInput, UnknownSite, UnknownVersion, WarehouseError
from palimpsest.warehouse.rows import Version

_VERSION_COLUMNS = (
    "site, version, policy_url, first_seen, last_seen, captures, language, words, text, text_sha256, extractor,"
    " stated_date"
)


def resolve_site(con: duckdb.DuckDBPyConnection, site: str) -> str:
    """Return ``site`` if tracked; otherwise raise UnknownSite with the closest tracked names."""
    bare = site.removeprefix("www.")
    found = {row[0] for row in con.execute("SELECT site FROM site WHERE site IN (?, ?)", [site, bare]).fetchall()}
    for name in (site, bare):
        if name in found:
            return name
    # Only a miss reads every name (130K sites: tens of milliseconds), to suggest the closest.
    names = [row[0] for row in con.execute("SELECT site FROM site ORDER BY site").fetchall()]
    raise UnknownSite(site, difflib.get_close_matches(site, names, n=3, cutoff=0.5))


def history(con: duckdb.DuckDBPyConnection, site: str) -> list[Version]:
    site = resolve_site(con, site)
    return [Version(*row) for row in site_versions(con, site)]


def site_versions(con: duckdb.DuckDBPyConnection, site: str) -> list[tuple]:
    """The ``versions`` view's rows for one site, in order, every column: its versions first, then their texts
    by number. (As of duckdb 1.5.5 the view's join bounds its scan of the texts only by the lowest and highest
    number, so it decompresses every text stored between them: 31 ms for one site at 1M versions, 2 ms here.)"""
    versions = con.execute(
        "SELECT site, version, policy_url, first_seen, last_seen, captures, text_id FROM version"
        " WHERE site = ? ORDER BY version",
        [site],
    ).fetchall()
    if not versions:
        return []
    listed = ", ".join(str(int(row[-1])) for row in versions)
    texts = {
        row[0]: row[1:]
        for row in con.execute(
            "SELECT text_id, language, words, text, text_sha256, extractor, stated_date FROM policy_text"
            f" WHERE text_id IN ({listed})"
        ).fetchall()
    }
    return [(*row[:-1], *texts[row[-1]]) for row in versions]


def version_at(con: duckdb.DuckDBPyConnection, site: str, at: datetime) -> Version:
    """The version in force at ``at`` (the ``policy_at`` macro): the last one first seen at or before it."""
    site = resolve_site(con, site)
    row = con.execute(f"SELECT {_VERSION_COLUMNS} FROM policy_at(?, ?)", [site, at]).fetchone()
    if row is None:
        first = con.execute("SELECT min(first_seen) FROM version WHERE site = ?", [site]).fetchone()
        since = f"; the first was seen {first[0]:%Y-%m-%d}" if first and first[0] else ""
        raise UnknownVersion(f"{site} has no policy version seen at or before {at:%Y-%m-%d %H:%M:%S} UTC{since}")
    return Version(*row)


def sites(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every tracked site: name, versions, captures, policy URLs, first/last capture and last crawl."""
    return con.execute(
        """
        SELECT s.site,
               (SELECT count(*) FROM version v WHERE v.site = s.site) AS versions,
               (SELECT count(*) FROM capture c WHERE c.site = s.site) AS captures,
               (SELECT count(*) FROM policy_url p WHERE p.site = s.site) AS policy_urls,
               (SELECT min(first_seen) FROM version v WHERE v.site = s.site) AS first_seen,
               (SELECT max(last_seen) FROM version v WHERE v.site = s.site) AS last_seen,
               s.last_crawl
        FROM site s ORDER BY s.site
        """
    ).fetchall()


# The first versions whose sections hold a phrase: each distinct section is stored once, so this reads each clause
# once however many versions and sites hold it (migration 0010); $texts adds texts without sections that hold it.
_FIRST = """
WITH texts AS (
    SELECT s.text_id
    FROM section_text AS b JOIN text_section AS s USING (section_id)
    WHERE b.body ILIKE '%' || $phrase || '%' OR b.heading ILIKE '%' || $phrase || '%'
    UNION
    SELECT unnest($texts::INTEGER[])
)
SELECT v.site, v.version, v.first_seen FROM version AS v SEMI JOIN texts USING (text_id)
ORDER BY v.first_seen, v.site, v.version LIMIT $limit
"""
# Versions whose text has no sections stored (written before sections were): their whole text is read. A text
# with sections has a first one (ord 0), so only those rows are compared (1M: 59 ms instead of 135).
_SECTIONLESS = (
    "SELECT DISTINCT v.text_id FROM version AS v"
    " ANTI JOIN (SELECT text_id FROM text_section WHERE ord = 0) AS s USING (text_id)"
)


def first_appearances(con: duckdb.DuckDBPyConnection, phrase: str, limit: int = 1) -> list[tuple]:
    """The first versions (site, version, first seen) with a section whose heading or body contains ``phrase``
    word for word (case aside), earliest first."""
    texts = []
    if sectionless := [row[0] for row in con.execute(_SECTIONLESS).fetchall()]:
        listed = ", ".join(str(int(t)) for t in sectionless)
        texts = [
            row[0]
            for row in con.execute(
                f"SELECT text_id FROM policy_text WHERE text_id IN ({listed}) AND text ILIKE '%' || ? || '%'",
                [phrase],
            ).fetchall()
        ]
    return con.execute(_FIRST, {"phrase": phrase, "texts": texts, "limit": limit}).fetchall()


def run_sql(con: duckdb.DuckDBPyConnection, query: str) -> tuple[list[str], list[tuple]]:
    """Run one query on a read-only connection and return (column names, rows).

    The connection is read-only, and the query cannot reach past it either: no file is read or written and no
    other database attached (``COPY … TO``, ``ATTACH``, ``read_csv``), and no setting changed back."""
    if not query.strip():
        raise BadInput('give a query, e.g. palimpsest sql "SELECT * FROM versions LIMIT 5"')
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    try:
        relation = con.execute(query)
        description = relation.description if relation is not None else None
        columns = [d[0] for d in description] if description else []
        return columns, relation.fetchall() if columns else []
    except duckdb.Error as err:
        raise WarehouseError(str(err).splitlines()[0]) from err
