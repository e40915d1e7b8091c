"""Full-text search, BM25-ranked, over every version's sections (built by ``warehouse.search_index``).

A version's score is its best section's (or its whole text's, when it has no sections); ``warehouse.topk`` finds
the best versions from the best part of each query term's postings, exactly as scoring every posting would. The
``search`` command rebuilds a stale index before answering (:func:`ensure_index`), so a crawl, an import or a
re-extraction never has to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import duckdb

from palimpsest.errors import WarehouseError
from palimpsest.settings import LAKE_PREFIX, Lake
from palimpsest.warehouse import topk
from palimpsest.warehouse.db import warehouse
from palimpsest.warehouse.search_index import TERM_SCORE, build_index, fingerprint, is_fresh, load_fts
from palimpsest.warehouse.statements import numbers

__all__ = ["TERM_SCORE", "Hit", "build_index", "ensure_index", "fingerprint", "is_fresh", "load_fts", "no_index",
           "scan", "search", "snippet"]  # fmt: skip
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


# A site: its versions in the index (those in force at a time, if one is given) and their documents (the site's
# links sit together, read by the range of its version numbers), and each document's postings for the query's
# terms; topk ranks them. The terms are bound as one list, whose semi-join DuckDB pushes into the scan of the
# postings, so that only those terms' postings are read.
_SITE_VERSIONS = """
SELECT vid, version FROM search_version
WHERE site = $site AND ($at IS NULL OR (first_seen <= $at AND (next_seen IS NULL OR next_seen > $at)))
"""
_SITE_POSTINGS = """
SELECT l.vid, l.doc_id, i.termid, i.score
FROM search_link AS l JOIN search_impact AS i USING (doc_id)
WHERE l.vid BETWEEN $first AND $last AND i.termid IN (SELECT unnest($terms::BIGINT[]))
"""
# What a page of results shows, read by number (or by site) from the tables that hold it.
_DATES = "SELECT site, version, first_seen, last_seen FROM version WHERE site IN (SELECT unnest(?::VARCHAR[]))"
_DOCS = "SELECT doc_id, section_id, text_id FROM search_doc WHERE doc_id IN (SELECT unnest(?::INTEGER[]))"
_SECTIONS = "SELECT section_id, heading, body FROM section_text WHERE section_id IN (SELECT unnest(?::INTEGER[]))"
_TEXTS = "SELECT text_id, NULL, text FROM policy_text WHERE text_id IN (SELECT unnest(?::INTEGER[]))"


def search(
    con: duckdb.DuckDBPyConnection,
    query: str,
    *,
    site: str | None = None,
    at: datetime | None = None,
    limit: int = 20,
) -> list[Hit]:
    """Versions whose text or a section matches ``query``, best first; ``at`` keeps the versions in force then.

    A version's score is that of its best-matching section (or its whole text, when it has no sections); equal
    scores are ranked by site, then version (``warehouse.topk`` defines the ranking exactly)."""
    if not query.strip():
        return []
    load_fts(con)
    try:
        terms = topk.query_terms(con, query)
        if site is None:
            best = topk.best_versions(con, terms, at=at, limit=limit)
        else:
            best = _best_of_site(con, terms, site=site, at=at, limit=limit)
        return _hits(con, best, query)
    except duckdb.CatalogException as err:
        raise WarehouseError("the search index is missing; run `palimpsest search` on a writable warehouse") from err


def _best_of_site(
    con: duckdb.DuckDBPyConnection, terms: list[tuple[int, int]], *, site: str, at: datetime | None, limit: int
) -> list[tuple[float, str, int, int]]:
    """Every document of the site's (kept) versions scored in full: a site has few."""
    kept = dict(con.execute(_SITE_VERSIONS, {"site": site, "at": at}).fetchall())
    if not terms or not kept:
        return []
    bounds = {"first": min(kept), "last": max(kept), "terms": numbers(t for t, _ in terms)}
    parts: dict[tuple[int, int], dict[int, float]] = {}
    for vid, doc, termid, score in con.execute(_SITE_POSTINGS, bounds).fetchall():
        if vid in kept:
            parts.setdefault((kept[vid], doc), {})[termid] = score
    best: dict[int, tuple[float, int]] = {}
    for (version, doc), scores in parts.items():
        key = (-topk.add_up(scores), doc)
        best[version] = min(best.get(version, key), key)
    ranked = sorted((key, version, doc) for version, (key, doc) in best.items())
    return [(-key, site, version, doc) for key, version, doc in ranked[:limit]]


def _hits(con: duckdb.DuckDBPyConnection, best: list[tuple[float, str, int, int]], query: str) -> list[Hit]:
    """The ranked versions with their dates (read now, from ``version``), best section and a snippet."""
    if not best:
        return []
    sites = sorted({site for _, site, _, _ in best})
    dates = {(site, version): (first, last) for site, version, first, last in con.execute(_DATES, [sites]).fetchall()}
    docs = document_words(con, [doc for _, _, _, doc in best])
    return [
        Hit(site, version, *dates[(site, version)], score, docs[doc][0], snippet(docs[doc][1], query))
        for score, site, version, doc in best
        if (site, version) in dates  # a stale index can name a version that a rebuild has since removed
    ]


def document_words(con: duckdb.DuckDBPyConnection, docs: list[int]) -> dict[int, tuple[str | None, str]]:
    """Each document's heading and words (a section's heading and body, or a whole text), read from the tables
    that hold them by number."""
    refs = con.execute(_DOCS, [numbers(docs)]).fetchall()
    sections = _by_number(con, _SECTIONS, refs, 1)
    texts = _by_number(con, _TEXTS, refs, 2)
    found: dict[int, tuple[str | None, str]] = {}
    for doc, section_id, text_id in refs:
        heading, body = sections[section_id] if section_id is not None else texts[text_id]
        found[doc] = (heading, f"{heading}\n{body}" if heading is not None else body)
    return found


def _by_number(con: duckdb.DuckDBPyConnection, query: str, refs: list[tuple], column: int) -> dict[int, tuple]:
    wanted = sorted({ref[column] for ref in refs if ref[column] is not None})
    if not wanted:
        return {}
    return {row[0]: row[1:] for row in con.execute(query, [numbers(wanted)]).fetchall()}


def snippet(body: str, query: str, width: int = _SNIPPET) -> str:
    """About ``width`` characters of ``body`` around the first word of the query found in it, on one line."""
    flat = re.sub(r"\s+", " ", body).strip()
    lowered = flat.lower()
    positions = [lowered.find(word[: max(4, len(word) - 2)]) for word in re.findall(r"\w+", query.lower())]
    found = [p for p in positions if p >= 0]
    start = max(0, min(found) - width // 3) if found else 0
    piece = flat[start : start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(flat) else "")


# The exact scan: every section (or whole text, for a version without sections) of the versions asked for that
# holds each of the query's words, scored by how often they occur in it; a version's best part stands for it.
_SCAN = """
WITH kept AS (
    SELECT site, version, first_seen, last_seen, text_id,
           lead(first_seen) OVER (PARTITION BY site ORDER BY version) AS next_seen
    FROM version WHERE $site IS NULL OR site = $site
), parts AS (
    SELECT k.site, k.version, k.first_seen, k.last_seen, b.heading, b.body
    FROM kept AS k JOIN text_section AS s USING (text_id) JOIN section_text AS b USING (section_id)
    WHERE $at IS NULL OR (k.first_seen <= $at AND (k.next_seen IS NULL OR k.next_seen > $at))
    UNION ALL
    SELECT k.site, k.version, k.first_seen, k.last_seen, NULL, t.text
    FROM kept AS k JOIN policy_text AS t USING (text_id)
    WHERE ($at IS NULL OR (k.first_seen <= $at AND (k.next_seen IS NULL OR k.next_seen > $at)))
      AND NOT EXISTS (SELECT 1 FROM text_section AS s WHERE s.text_id = k.text_id)
), matched AS (
    SELECT *, lower(coalesce(heading || ' ', '') || body) AS words FROM parts
), scored AS (
    SELECT site, version, first_seen, last_seen, heading, body,
           list_sum(list_transform($words, w -> (length(words) - length(replace(words, w, ''))) // length(w)))
               AS score
    FROM matched
    WHERE list_bool_and(list_transform($words, w -> contains(words, w)))
)
SELECT site, version, first(first_seen), first(last_seen), max(score),
       arg_max(heading, score), arg_max(body, score)
FROM scored GROUP BY site, version
ORDER BY max(score) DESC, site, version
LIMIT $limit
"""


def scan(
    con: duckdb.DuckDBPyConnection,
    query: str,
    *,
    site: str | None = None,
    at: datetime | None = None,
    limit: int = 20,
) -> list[Hit]:
    """Versions holding every word of ``query`` (case aside), found by reading every text, not the index: what a
    warehouse that cannot be written (a read-only disk, another process holding it) answers while its index is
    out of date. A version's score is how many times the words occur in its best section, most first."""
    words = sorted(set(re.findall(r"\w+", query.lower())))
    if not words:
        return []
    rows = con.execute(_SCAN, {"site": site, "at": at, "words": words, "limit": limit}).fetchall()
    return [
        Hit(
            site_,
            version,
            first,
            last,
            float(score),
            heading,
            snippet(f"{heading}\n{body}" if heading else body, query),
        )
        for site_, version, first, last, score, heading, body in rows
    ]


def no_index(path: object) -> str | None:
    """Why the warehouse at ``path`` can hold no search index, or None when it can.

    As of DuckLake 1.5.5 (2026-12), the fts extension's index tables cannot be committed to a lake ("Failed to
    convert DuckDB type to DuckLake - unsupported type NULL"), so a lake is searched by :func:`scan`."""
    if isinstance(path, Lake) or str(path).startswith(LAKE_PREFIX):
        return "a DuckLake cannot hold the search index (DuckDB's fts extension)"
    return None


def ensure_index(path, **options: object) -> bool:
    """Rebuild the index of the warehouse at ``path`` if it is stale. Returns whether it rebuilt.

    Checked on a read-only connection first, so a fresh index costs no write lock."""
    with warehouse(path, read_only=True) as con:
        if is_fresh(con):
            return False
    with warehouse(path, **options) as con:
        if not is_fresh(con):
            build_index(con)
            return True
    return False
