"""Reads: a site's versions, the text in force at a time, the site list, the first appearance of a clause, and
read-only SQL."""

from __future__ import annotations

import difflib
from datetime import datetime

import duckdb

from palimpsest.errors import BadInput, UnknownSite, UnknownVersion, WarehouseError
from palimpsest.warehouse.lake import lake_data_path
from palimpsest.warehouse.rows import Version
from palimpsest.warehouse.statements import numbers, statement

_VERSION_AT = (
    "SELECT site, version, policy_url, first_seen, last_seen, captures, language, words, text, text_sha256,"
    " extractor, stated_date FROM policy_at(?, ?)"
)
# Texts by number: the range filter skips the zones of other texts; the list's filter runs before any text is read.
_TEXTS = (
    "SELECT text_id, language, words, text, text_sha256, extractor, stated_date FROM policy_text"
    " WHERE text_id BETWEEN list_min($ids::INTEGER[]) AND list_max($ids::INTEGER[])"
    " AND list_contains($ids::INTEGER[], text_id)"
)


def resolve_site(con: duckdb.DuckDBPyConnection, site: str) -> str:
    """Return the tracked site ``site`` names (any case, with or without ``www.``, as sites are stored trimmed and
    lower-cased); otherwise raise UnknownSite with the tracked names that look most like it."""
    given = site.strip().lower()
    bare = given.removeprefix("www.")
    names = (site, given, bare)
    found = {row[0] for row in con.execute("SELECT site FROM site WHERE site IN (?, ?, ?)", list(names)).fetchall()}
    for name in names:
        if name in found:
            return name
    # Only a miss reads every name (130K sites: tens of milliseconds), to suggest the closest. Names are compared
    # without their last label (".example", ".com"), which every site shares and which made unrelated names alike.
    names = [row[0] for row in con.execute("SELECT site FROM site ORDER BY site").fetchall()]
    stems = {name.rsplit(".", 1)[0]: name for name in names}
    close = difflib.get_close_matches(bare.rsplit(".", 1)[0], list(stems), n=3, cutoff=_SIMILAR_NAME)
    raise UnknownSite(site, [stems[stem] for stem in close])


#: How alike a site's name must be to a misspelt one to be suggested (difflib's ratio, without the last label).
_SIMILAR_NAME = 0.75


def history(con: duckdb.DuckDBPyConnection, site: str) -> list[Version]:
    site = resolve_site(con, site)
    return [Version(*row) for row in site_versions(con, site)]


def site_versions(con: duckdb.DuckDBPyConnection, site: str) -> list[tuple]:
    """The ``versions`` view's rows for one site, in order, every column: its versions first, then their texts
    by number. (As of duckdb 1.5.5 the view's join bounds its scan of the texts only by the lowest and highest
    number, so it decompresses every text stored between them: 31 ms for one site at 1M versions, 2 ms here.)

    The numbers are bound as one list. Against a literal ``IN`` list (100K versions, measured 2026-12-03): 4.7 ms
    against 3.9 for a site whose texts were numbered together, 39 ms against 172 for 8 texts numbered far apart;
    a site of 1,000 texts spread over the whole table takes 370 ms against 173."""
    versions = con.execute(
        "SELECT site, version, policy_url, first_seen, last_seen, captures, text_id FROM version"
        " WHERE site = ? ORDER BY version",
        [site],
    ).fetchall()
    if not versions:
        return []
    ids = numbers(row[-1] for row in versions)
    texts = {row[0]: row[1:] for row in con.execute(_TEXTS, {"ids": ids}).fetchall()}
    return [(*row[:-1], *texts[row[-1]]) for row in versions]


def version_at(con: duckdb.DuckDBPyConnection, site: str, at: datetime) -> Version:
    """The version in force at ``at`` (the ``policy_at`` macro): the last one first seen at or before it."""
    site = resolve_site(con, site)
    row = con.execute(_VERSION_AT, [site, at]).fetchone()
    if row is None:
        first = con.execute("SELECT min(first_seen) FROM version WHERE site = ?", [site]).fetchone()
        since = f"; the first was seen {first[0]:%Y-%m-%d}" if first and first[0] else ""
        raise UnknownVersion(f"{site} has no policy version seen at or before {at:%Y-%m-%d %H:%M:%S} UTC{since}")
    return Version(*row)


def sites(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every tracked site: name, versions, captures, policy URLs, first/last capture and last crawl."""
    return con.execute(statement("queries.sites")).fetchall()


# Versions whose text has no sections stored (written before sections were): their whole text is read. A text
# with sections has a first one (ord 0), so only those rows are compared (1M: 59 ms instead of 135).
_SECTIONLESS = (
    "SELECT DISTINCT v.text_id FROM version AS v"
    " ANTI JOIN (SELECT text_id FROM text_section WHERE ord = 0) AS s USING (text_id)"
)
# Of those, the texts holding the phrase. A semi-join on the list keeps pace with a literal IN list, or beats it
# (100K texts, measured 2026-12-03: 6,000 of them 0.73 s against 0.95; 50 numbered together 5 ms against 670; all
# 100K 0.9 s against 1.8); list_contains compares each row with the whole list (all 100K: 6.5 s).
_SECTIONLESS_HOLDING = (
    "SELECT text_id FROM policy_text"
    " WHERE text_id IN (SELECT unnest($texts::INTEGER[])) AND text ILIKE '%' || $phrase || '%'"
)


def first_appearances(con: duckdb.DuckDBPyConnection, phrase: str, limit: int = 1) -> list[tuple]:
    """The first versions (site, version, first seen) with a section whose heading or body contains ``phrase``
    word for word (case aside), earliest first."""
    texts = []
    if sectionless := [row[0] for row in con.execute(_SECTIONLESS).fetchall()]:
        found = con.execute(_SECTIONLESS_HOLDING, {"texts": numbers(sectionless), "phrase": phrase}).fetchall()
        texts = [row[0] for row in found]
    return con.execute(
        statement("queries.first_appearances"), {"phrase": phrase, "texts": numbers(texts), "limit": limit}
    ).fetchall()


def run_sql(con: duckdb.DuckDBPyConnection, query: str) -> tuple[list[str], list[tuple]]:
    """Run one query on a read-only connection and return (column names, rows).

    The connection is read-only, and the query cannot reach past it either: no file is read or written and no
    other database attached (``COPY … TO``, ``ATTACH``, ``read_csv``), and no setting changed back."""
    if not query.strip():
        raise BadInput('give a query, e.g. palimpsest sql "SELECT * FROM versions LIMIT 5"')
    if lake := lake_data_path(con):
        # A lake's rows live in its data files (and its catalog): those, and nothing else, stay readable.
        con.execute("SET allowed_directories = $dirs", {"dirs": [lake]})
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    try:
        relation = con.execute(query)
        description = relation.description if relation is not None else None
        columns = [d[0] for d in description] if description else []
        return columns, relation.fetchall() if columns else []
    except duckdb.Error as err:
        raise WarehouseError(str(err).splitlines()[0]) from err
