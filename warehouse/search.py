"""Full-text search, BM25-ranked, over every version's sections (DuckDB's fts extension builds the index).

The index covers ``search_doc``: one document per distinct section (content-addressed by its normalised hash,
so a clause that a site kept through twenty versions, or that a thousand sites share, is indexed once), plus
the whole text of any text stored without sections. ``search_link`` maps each document to the versions that
carry it; a version's score is its best section's.

Freshness: ``search_state`` records how many texts and sections the index was built over (they are only ever
added) and a hash of every version's (site, number, text); any difference means the index is stale. The
``search`` command notices that and rebuilds before answering (:func:`ensure_index`), so a crawl, an import or
a re-extraction never has to.

As of 2026-11 the fts extension works offline only from the ``duckdb-extension-fts`` wheel for duckdb 1.5.5,
loaded with ``duckdb_extensions.import_extension``; a read-only connection must load it too, because the index
macros call its ``stem`` function.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import duckdb

from palimpsest.errors import WarehouseError

_STOPWORDS = "english"
_SNIPPET = 160


@dataclass(frozen=True)
class Hit:
    site: str
    version: int
    first_seen: datetime
    last_seen: datetime
    score: float
    heading: str | None
    snippet: str


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load the fts extension from its wheel; never from the network."""
    try:
        import duckdb_extensions  # noqa: PLC0415

        duckdb_extensions.import_extension("fts", con=con)
        con.execute("LOAD fts")
    except (ImportError, duckdb.Error) as err:
        raise WarehouseError(f"the full-text search extension cannot be loaded: {err}") from err


def fingerprint(con: duckdb.DuckDBPyConnection) -> tuple[int, int, int]:
    """What the index depends on: texts and sections (only ever added, so counted) and every version's text."""
    row = con.execute(
        "SELECT (SELECT count(*) FROM policy_text), (SELECT count(*) FROM section),"
        " (SELECT coalesce(bit_xor(hash(site, version, text_sha256)), 0) FROM version)"
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def is_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    built = con.execute("SELECT texts, sections, versions FROM search_state ORDER BY built_at DESC LIMIT 1").fetchone()
    has_index = con.execute(
        "SELECT (SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'fts_main_search_doc')"
        " * (SELECT count(*) FROM duckdb_tables() WHERE table_name = 'search_posting')"
    ).fetchone()[0]
    return bool(has_index) and built is not None and tuple(built) == fingerprint(con)


def build_index(con: duckdb.DuckDBPyConnection) -> int:
    """(Re)build the documents, their BM25 index and the postings. Returns the documents indexed."""
    load_fts(con)
    state = fingerprint(con)
    con.execute("BEGIN TRANSACTION")
    try:
        for statement in _BUILD:
            con.execute(statement)
        con.execute("INSERT INTO search_state (texts, sections, versions) VALUES (?, ?, ?)", list(state))
        con.execute("COMMIT")
    except duckdb.Error:
        con.execute("ROLLBACK")
        raise
    # create_fts_index runs statements of its own and cannot join the transaction above; if it fails,
    # search_state points at no usable index, which is_fresh() reads as stale, so the next search rebuilds it.
    con.execute(
        "PRAGMA create_fts_index('search_doc', 'doc_id', 'body', stemmer = 'porter', "
        f"stopwords = '{_STOPWORDS}', overwrite = 1)"
    )
    con.execute(_POSTINGS)
    return int(con.execute("SELECT count(*) FROM search_doc").fetchone()[0])


# One document per distinct section (by its normalised hash), plus each text that has no sections stored, and
# the link from every document to the versions that carry it, sorted so a document's versions are one range.
_BUILD = (
    "DELETE FROM search_doc",
    "DELETE FROM search_link",
    "DELETE FROM search_state",
    """
    INSERT INTO search_doc (doc_id, doc_key, heading, body)
    SELECT row_number() OVER (ORDER BY doc_key), doc_key, heading, body
    FROM (
        SELECT section_sha256 AS doc_key, any_value(heading) AS heading,
               any_value(coalesce(heading || E'\n', '') || body) AS body
        FROM section GROUP BY section_sha256
        UNION ALL
        SELECT t.text_sha256, NULL, t.text FROM policy_text AS t
        WHERE NOT EXISTS (SELECT 1 FROM section AS s WHERE s.text_sha256 = t.text_sha256)
    )
    """,
    """
    INSERT INTO search_link (doc_id, site, version)
    SELECT d.doc_id, v.site, v.version
    FROM (SELECT section_sha256 AS doc_key, text_sha256 FROM section
          UNION SELECT text_sha256, text_sha256 FROM policy_text) AS k
    JOIN search_doc AS d USING (doc_key)
    JOIN version AS v ON v.text_sha256 = k.text_sha256
    ORDER BY d.doc_id, v.site, v.version
    """,
)

# The fts extension's own BM25 macro scores every document row by row (over 0.5 s for 260K documents, measured
# 2026-11); its tables sorted by term instead let a query read only the postings of its own terms.
_POSTINGS = """
CREATE OR REPLACE TABLE search_posting AS
SELECT t.termid, d.name AS doc_id, count(*) AS tf, any_value(d.len) AS len
FROM fts_main_search_doc.terms AS t JOIN fts_main_search_doc.docs AS d USING (docid)
GROUP BY t.termid, d.name
ORDER BY t.termid, d.name
"""

# Okapi BM25 with the fts extension's defaults (k1 = 1.2, b = 0.75), over the query's stemmed terms, for the
# documents in ``pool`` (every document, or those of the versions a filter keeps).
_SCORES = """
words AS (
    SELECT DISTINCT stem(unnest(fts_main_search_doc.tokenize($query)), 'porter') AS term
), terms AS (
    SELECT d.termid, d.df FROM fts_main_search_doc.dict AS d JOIN words AS w ON d.term = w.term
), stats AS (
    SELECT num_docs, avgdl FROM fts_main_search_doc.stats
), scores AS (
    SELECT p.doc_id,
           sum(ln((stats.num_docs - t.df + 0.5) / (t.df + 0.5) + 1)
               * p.tf * 2.2 / (p.tf + 1.2 * (0.25 + 0.75 * p.len / stats.avgdl))) AS score
    FROM search_posting AS p JOIN terms AS t USING (termid), stats
    {pool_filter}
    GROUP BY p.doc_id
)"""

# Restricting the scores to a pool costs a semi-join (110 ms at 1M versions, measured 2026-11): only a site
# filter, which keeps a few documents, is worth it.
_IN_POOL = "WHERE p.doc_id IN (SELECT doc_id FROM pool)"

_PICK = """
SELECT site, version, first_seen, last_seen, score, d.heading, d.body
FROM hits JOIN search_doc AS d USING (doc_id)
QUALIFY row_number() OVER (PARTITION BY site, version ORDER BY score DESC, doc_id) = 1
ORDER BY score DESC, site, version
LIMIT $limit
"""

# No site: score every document, keep the best few, and only then find the versions that carry them (and, with
# a time, those of them in force then: the next version of the site started after it).
_SEARCH_ALL = f"""
WITH {_SCORES.format(pool_filter="")}, top AS (
    SELECT * FROM scores ORDER BY score DESC LIMIT $pool
), hits AS (
    SELECT top.doc_id, v.site, v.version, v.first_seen, v.last_seen, top.score
    FROM top
    JOIN search_link AS l USING (doc_id)
    JOIN version AS v USING (site, version)
    {{at_filter}}
)
{_PICK}
"""
_AT_FILTER = """
    LEFT JOIN version AS n ON n.site = v.site AND n.version = v.version + 1
    WHERE v.first_seen <= $at AND (n.first_seen IS NULL OR n.first_seen > $at)
"""

# A site: first the versions it keeps, then only their documents are scored.
_SEARCH_FILTERED = f"""
WITH spans AS (
    SELECT site, version, first_seen, last_seen,
           lead(first_seen) OVER (PARTITION BY site ORDER BY version) AS next_seen
    FROM version WHERE $site IS NULL OR site = $site
), kept AS (
    SELECT * FROM spans
    WHERE $at IS NULL OR (first_seen <= $at AND (next_seen IS NULL OR next_seen > $at))
), links AS (
    SELECT l.doc_id, k.site, k.version, k.first_seen, k.last_seen
    FROM search_link AS l JOIN kept AS k USING (site, version)
), pool AS (SELECT DISTINCT doc_id FROM links), {_SCORES.format(pool_filter=_IN_POOL)}, hits AS (
    SELECT links.*, scores.score FROM links JOIN scores USING (doc_id)
)
{_PICK}
"""

#: Without a filter, the best ``limit`` × this many documents are mapped to versions: enough for any page.
_POOL = 5


def search(
    con: duckdb.DuckDBPyConnection,
    query: str,
    *,
    site: str | None = None,
    at: datetime | None = None,
    limit: int = 20,
) -> list[Hit]:
    """Versions whose text or a section matches ``query``, best first; ``at`` keeps the versions in force then.

    A version's score is that of its best-matching section (or its whole text, when it has no sections)."""
    if not query.strip():
        return []
    load_fts(con)
    params = {"query": query, "limit": limit}
    try:
        if site is None:
            # With a time, most of the best documents belong to versions not in force then: widen the pool
            # until the page is full or every document was considered.
            pool, total = limit * _POOL, None
            while True:
                if at is None:
                    rows = con.execute(_SEARCH_ALL.format(at_filter=""), {**params, "pool": pool}).fetchall()
                else:
                    statement = _SEARCH_ALL.format(at_filter=_AT_FILTER)
                    rows = con.execute(statement, {**params, "at": at, "pool": pool}).fetchall()
                if at is None or len(rows) >= limit:
                    break
                total = total or int(con.execute("SELECT count(*) FROM search_doc").fetchone()[0])
                if pool >= total:
                    break
                pool *= 8
        else:
            rows = con.execute(_SEARCH_FILTERED, {**params, "site": site, "at": at}).fetchall()
    except duckdb.CatalogException as err:
        raise WarehouseError("the search index is missing; run `palimpsest search` on a writable warehouse") from err
    return [
        Hit(site_, version, first, last, float(score), heading, snippet(body, query))
        for site_, version, first, last, score, heading, body in rows
    ]


_FIRST = """
WITH words AS (
    SELECT DISTINCT stem(unnest(fts_main_search_doc.tokenize($phrase)), 'porter') AS term
), terms AS (
    SELECT d.termid FROM fts_main_search_doc.dict AS d JOIN words AS w ON d.term = w.term
), having_all AS (
    SELECT p.doc_id FROM search_posting AS p JOIN terms USING (termid)
    GROUP BY p.doc_id HAVING count(*) = (SELECT count(*) FROM terms)
), docs AS (
    SELECT d.doc_id FROM search_doc AS d JOIN having_all USING (doc_id)
    WHERE d.body ILIKE '%' || $phrase || '%'
)
SELECT DISTINCT v.site, v.version, v.first_seen
FROM docs JOIN search_link AS l USING (doc_id) JOIN version AS v USING (site, version)
ORDER BY v.first_seen, v.site, v.version
LIMIT $limit
"""


def first_appearances(con: duckdb.DuckDBPyConnection, phrase: str, limit: int = 1) -> list[tuple]:
    """The first versions (site, version, first seen) whose sections contain ``phrase`` word for word, earliest
    first: the index narrows the sections to those holding every word, and only those are read."""
    load_fts(con)
    return con.execute(_FIRST, {"phrase": phrase, "limit": limit}).fetchall()


def snippet(body: str, query: str, width: int = _SNIPPET) -> str:
    """About ``width`` characters of ``body`` around the first word of the query found in it, on one line."""
    flat = re.sub(r"\s+", " ", body).strip()
    lowered = flat.lower()
    positions = [lowered.find(word[: max(4, len(word) - 2)]) for word in re.findall(r"\w+", query.lower())]
    found = [p for p in positions if p >= 0]
    start = max(0, min(found) - width // 3) if found else 0
    piece = flat[start : start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(flat) else "")


def ensure_index(path, **options: object) -> bool:
    """Rebuild the index of the warehouse at ``path`` if it is stale. Returns whether it rebuilt.

    Checked on a read-only connection first, so a fresh index costs no write lock."""
    from warehouse.db import warehouse  # noqa: PLC0415 - db imports nothing from here; keeps the module light

    with warehouse(path, read_only=True) as con:
        if is_fresh(con):
            return False
    with warehouse(path, **options) as con:
        if not is_fresh(con):
            build_index(con)
            return True
    return False
