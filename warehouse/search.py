"""Full-text search, BM25-ranked, over every distinct text and each of its sections (DuckDB's fts extension).

The index covers ``search_doc``: one row per distinct text (content-addressed, so a text shared by a thousand
versions is indexed once) and one per section. Hits are mapped back to the versions that carry the text.

Freshness: ``search_state`` records how many texts and sections the index was built over. Texts and sections
are only ever added, so a count that differs means the index is stale. ``search`` notices that and rebuilds
before answering (:func:`ensure_index`); a crawl, import or re-extraction therefore never has to.

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


def counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    row = con.execute("SELECT (SELECT count(*) FROM policy_text), (SELECT count(*) FROM section)").fetchone()
    return int(row[0]), int(row[1])


def is_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    built = con.execute("SELECT texts, sections FROM search_state ORDER BY built_at DESC LIMIT 1").fetchone()
    has_index = con.execute(
        "SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'fts_main_search_doc'"
    ).fetchone()[0]
    return bool(has_index) and built is not None and tuple(built) == counts(con)


def build_index(con: duckdb.DuckDBPyConnection) -> int:
    """(Re)build ``search_doc`` and its BM25 index from every text and section. Returns the documents indexed."""
    load_fts(con)
    texts, sections = counts(con)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM search_doc")
        con.execute(
            """
            INSERT INTO search_doc (doc_id, text_sha256, ord, heading, body)
            SELECT row_number() OVER (ORDER BY text_sha256, ord NULLS FIRST), text_sha256, ord, heading, body
            FROM (
                SELECT text_sha256, NULL::INTEGER AS ord, NULL::VARCHAR AS heading, text AS body FROM policy_text
                UNION ALL
                SELECT text_sha256, ord, heading, coalesce(heading || E'\n', '') || body FROM section
            )
            """
        )
        con.execute("DELETE FROM search_state")
        con.execute("INSERT INTO search_state (texts, sections) VALUES (?, ?)", [texts, sections])
        con.execute("COMMIT")
    except duckdb.Error:
        con.execute("ROLLBACK")
        raise
    # create_fts_index runs its own statements and cannot join the transaction above; a failure here leaves
    # search_state pointing at no index, which is_fresh() reads as stale, so the next search rebuilds it.
    con.execute(
        "PRAGMA create_fts_index('search_doc', 'doc_id', 'body', stemmer = 'porter', "
        f"stopwords = '{_STOPWORDS}', overwrite = 1)"
    )
    return int(con.execute("SELECT count(*) FROM search_doc").fetchone()[0])


_SEARCH = """
WITH scored AS (
    SELECT doc_id, text_sha256, ord, heading, body, fts_main_search_doc.match_bm25(doc_id, $query) AS score
    FROM search_doc
), hits AS (
    SELECT * FROM scored WHERE score IS NOT NULL
), spans AS (
    SELECT site, version, text_sha256, first_seen, last_seen,
           lead(first_seen) OVER (PARTITION BY site ORDER BY version) AS next_seen
    FROM version
    WHERE $site IS NULL OR site = $site
), ranked AS (
    SELECT s.site, s.version, s.first_seen, s.last_seen, h.score, h.heading, h.body,
           row_number() OVER (PARTITION BY s.site, s.version ORDER BY h.score DESC, h.ord NULLS FIRST) AS pick
    FROM hits AS h
    JOIN spans AS s USING (text_sha256)
    WHERE $at IS NULL OR (s.first_seen <= $at AND (s.next_seen IS NULL OR s.next_seen > $at))
)
SELECT site, version, first_seen, last_seen, score, heading, body
FROM ranked WHERE pick = 1
ORDER BY score DESC, site, version
LIMIT $limit
"""


def search(
    con: duckdb.DuckDBPyConnection,
    query: str,
    *,
    site: str | None = None,
    at: datetime | None = None,
    limit: int = 20,
) -> list[Hit]:
    """Versions whose text or a section matches ``query``, best first; ``at`` keeps the versions in force then."""
    if not query.strip():
        return []
    load_fts(con)
    try:
        rows = con.execute(_SEARCH, {"query": query, "site": site, "at": at, "limit": limit}).fetchall()
    except duckdb.CatalogException as err:
        raise WarehouseError("the search index is missing; run `palimpsest search` on a writable warehouse") from err
    return [
        Hit(site_, version, first, last, float(score), heading, snippet(body, query))
        for site_, version, first, last, score, heading, body in rows
    ]


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
