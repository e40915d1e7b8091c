"""The best versions for a query, exactly as scoring every posting would rank them, reading few postings.

The answer is defined exhaustively: a document's score is the sum (``math.fsum``, so independent of order) of
its Okapi BM25 term scores for the query's distinct stemmed terms; a version's score is that of its best
document (ties: the lowest ``doc_id``); versions are ranked by score, highest first, then site, then version.

``search_impact`` holds each term's postings best first, so a query reads a prefix of each list: every posting
scoring at least a cut ``c_t``. A document read in no list scores below the sum of the cuts (the bound); every
document scoring above it was read, and its exact score is completed from the rest of the lists (threshold
algorithm). Documents above the bound are then taken best first and mapped to versions through
``search_carrier``, until the ``limit``-th best version found cannot be beaten: the next document scores less,
or scores the same but its first version comes later (documents are numbered in the order of their first
version, so later documents of equal score cannot hold earlier versions). When that does not happen above the
bound, the cuts are lowered and the round is run again; with every list read whole it is exhaustive.

Only a document's first ``limit`` versions (of those kept by a time filter) are read: a version that comes after
``limit`` others carrying the same document is outranked by each of them.
"""

from __future__ import annotations

import bisect
import math
from datetime import datetime

import duckdb

#: Postings of each term read in the first round: enough for most queries' first page.
_DEPTH = 256
#: Documents whose versions are fetched at once, doubled as the walk goes on.
_BATCH = 32

_TERMS = """
SELECT termid, df FROM fts_main_search_doc.dict
WHERE term IN (SELECT stem(unnest(fts_main_search_doc.tokenize($query)), 'porter'))
ORDER BY termid
"""

# A time keeps the versions in force then: first seen at or before it, and the next version not yet.
_IN_FORCE = "list_filter(carriers, lambda c: c.first_seen <= $at AND (c.next_seen IS NULL OR c.next_seen > $at))"


def query_terms(con: duckdb.DuckDBPyConnection, query: str) -> list[tuple[int, int]]:
    """The query's distinct stemmed terms found in the index, as (termid, number of postings)."""
    return [(int(t), int(df)) for t, df in con.execute(_TERMS, {"query": query}).fetchall()]


def best_versions(
    con: duckdb.DuckDBPyConnection, terms: list[tuple[int, int]], *, at: datetime | None, limit: int
) -> list[tuple[float, str, int, int]]:
    """The ``limit`` best versions over every site, as (score, site, version, doc_id), best first."""
    if not terms or limit <= 0:
        return []
    depth = _DEPTH
    cuts = _rank_cuts(con, terms, depth)
    while True:
        best, done = _round(con, cuts, at=at, limit=limit)
        if done:
            return [(-key, site, version, doc) for key, site, version, doc in best]
        # Too few versions score above the bound (a full page always does): read further down every list.
        depth *= 8
        cuts = _rank_cuts(con, terms, depth)


def _round(
    con: duckdb.DuckDBPyConnection, cuts: dict[int, float], *, at: datetime | None, limit: int
) -> tuple[list[tuple[float, str, int, int]], bool]:
    """One pass with the given cuts: the best versions found, and whether they are the answer."""
    bound = math.fsum(cuts.values())
    totals = _scores(con, cuts)
    ranked = sorted((-score, doc) for doc, score in totals.items() if score > bound)
    best, stopped = _walk(con, ranked, at=at, limit=limit)
    return best, stopped or not bound or len(best) == limit


def _rank_cuts(con: duckdb.DuckDBPyConnection, terms: list[tuple[int, int]], depth: int) -> dict[int, float]:
    """Each term's score at place ``depth`` of its list (0.0 when the list is no longer: read it whole)."""
    cuts = {termid: 0.0 for termid, _ in terms}
    long = [termid for termid, df in terms if df >= depth]
    if long:
        union = " UNION ALL ".join(
            f"SELECT termid, score FROM search_impact WHERE termid = {int(t)} AND rank = {int(depth) - 1}" for t in long
        )
        cuts.update({int(t): float(s) for t, s in con.execute(union).fetchall()})
    return cuts


def _scores(con: duckdb.DuckDBPyConnection, cuts: dict[int, float]) -> dict[int, float]:
    """Exact scores of every document read: those scoring at least the cut in some list, completed from the
    rest of the other lists (one semi-join over the postings below each cut)."""
    terms = list(cuts)
    prefix = " UNION ALL ".join(
        f"SELECT doc_id, score FROM search_impact WHERE termid = {int(t)} AND score >= $c{i}"
        for i, t in enumerate(terms)
    )
    rest = "".join(
        f" UNION ALL SELECT doc_id, score FROM search_impact WHERE termid = {int(t)} AND score < $c{i}"
        " AND doc_id IN (SELECT doc_id FROM docs)"
        for i, t in enumerate(terms)
        if cuts[t] > 0
    )
    statement = (
        f"WITH prefix AS MATERIALIZED ({prefix}), docs AS (SELECT DISTINCT doc_id FROM prefix)"
        f" SELECT doc_id, score FROM prefix{rest}"
    )
    parts: dict[int, list[float]] = {}
    for doc, score in con.execute(statement, {f"c{i}": cuts[t] for i, t in enumerate(terms)}).fetchall():
        parts.setdefault(doc, []).append(score)
    return {doc: math.fsum(scores) for doc, scores in parts.items()}


def _walk(
    con: duckdb.DuckDBPyConnection, ranked: list[tuple[float, int]], *, at: datetime | None, limit: int
) -> tuple[list[tuple[float, str, int, int]], bool]:
    """Map documents, best first, to versions until the ``limit``-th best cannot change. Returns the best
    (negated score, site, version, doc_id) keys, sorted, and whether the walk stopped before the end."""
    best: list[tuple[float, str, int, int]] = []
    seen: set[tuple[str, int]] = set()
    start, batch = 0, _BATCH
    while start < len(ranked):
        chunk = ranked[start : start + batch]
        carriers = _carriers(con, [doc for _, doc in chunk], at=at, limit=limit)
        for key, doc in chunk:
            first, kept = carriers.get(doc, (None, []))
            if len(best) == limit and first is not None:
                kth = best[-1]
                if key > kth[0] or (key == kth[0] and first > (kth[1], kth[2])):
                    return best, True
            for site, version in kept:
                if (site, version) in seen:
                    continue
                seen.add((site, version))
                entry = (key, site, version, doc)
                if len(best) < limit or entry < best[-1]:
                    bisect.insort(best, entry)
                    del best[limit:]
        start += batch
        batch *= 2
    return best, False


def _carriers(
    con: duckdb.DuckDBPyConnection, docs: list[int], *, at: datetime | None, limit: int
) -> dict[int, tuple[tuple[str, int], list[tuple[str, int]]]]:
    """For each document: its first version (site, version), and its first ``limit`` versions kept by ``at``."""
    listed = _IN_FORCE if at is not None else "carriers"
    ids = ", ".join(str(int(doc)) for doc in docs)
    rows = con.execute(
        f"SELECT doc_id, carriers[1].site, carriers[1].version, [(c.site, c.version) FOR c IN {listed}][1:$limit]"
        f" FROM search_carrier WHERE doc_id IN ({ids})",
        {"limit": limit, **({"at": at} if at is not None else {})},
    ).fetchall()
    return {doc: ((site, version), [(c[0], c[1]) for c in kept]) for doc, site, version, kept in rows}
