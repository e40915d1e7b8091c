"""The best versions for a query, exactly as scoring every posting would rank them, reading few postings.

The answer is defined exhaustively: a document's score is the sum of its Okapi BM25 term scores for the
query's distinct stemmed terms, added in termid order (so that every path adds the same floats the same way);
a version's score is that of its best document (ties: the lowest ``doc_id``); versions are ranked by score,
highest first, then site, then version.

``search_impact`` holds each term's postings best first, so a query reads the first postings of each list. A
document read in no list scores at most the sum of the last scores read (the bound); every document scoring
above it was read, and its score is completed from the rest of the lists (Fagin's threshold algorithm).
The documents read are then taken best first and mapped to versions through ``search_carrier`` (each
document's version numbers, in site and version order), until the
``limit``-th best version found cannot be beaten: the next document scores less, or scores the same but its
first version comes later (documents are numbered in the order of their first version, so later documents of
equal score cannot hold earlier versions). That page is the answer if its last score is above the bound.
Otherwise the lists are read deeper, as far as it takes to bring the bound under that score; when that would
read many postings (a query whose best documents tie with a great many others), one SQL pass scores the
query's postings instead, and the same walk runs over its result. That pass skips documents that cannot reach
the page (MaxScore): with several terms it scores the documents holding all of them first, whose full page
sets a floor; a document lacking a term without which even the other terms' best scores stay below the floor
is left out.

Only a document's first ``limit`` versions (of those kept by a time filter) are read: a version that comes after
``limit`` others carrying the same document is outranked by each of them.
"""

from __future__ import annotations

import bisect
from datetime import datetime

import duckdb

from palimpsest.warehouse.search_index import FTS

#: Postings of each term read in the first round: enough for most queries' first page.
_DEPTH = 256
#: Documents whose versions are fetched at once, doubled as the walk goes on.
_BATCH = 4
#: Past this many postings to read, one pass over the terms' whole lists in SQL is cheaper than another round.
_ROUND_MAX = 100_000
#: Documents taken from that pass at once, best first.
_PAGE = 2048

_TERMS = f"""
SELECT termid, df FROM {FTS}.dict
WHERE term IN (SELECT stem(unnest({FTS}.tokenize($query)), 'porter'))
ORDER BY termid
"""

# A time keeps the versions in force then: first seen at or before it, and the next version not yet. They are
# found once per search (one a site at most).
_IN_FORCE = """
CREATE OR REPLACE TEMP TABLE topk_in_force AS
SELECT vid FROM search_version WHERE first_seen <= $at AND (next_seen IS NULL OR next_seen > $at)
"""
# A document's first versions in force then, by number; its first version whatever the time.
_KEPT_AT = """
SELECT doc_id, first, vid FROM (
    SELECT doc_id, vids[1] AS first, unnest(vids) AS vid, generate_subscripts(vids, 1) AS n
    FROM search_carrier WHERE doc_id IN ({ids})
) SEMI JOIN topk_in_force USING (vid)
QUALIFY row_number() OVER (PARTITION BY doc_id ORDER BY n) <= $limit
"""


def query_terms(con: duckdb.DuckDBPyConnection, query: str) -> list[tuple[int, int]]:
    """The query's distinct stemmed terms found in the index, as (termid, number of postings), by termid."""
    return [(int(t), int(df)) for t, df in con.execute(_TERMS, {"query": query}).fetchall()]


def add_up(scores: dict[int, float]) -> float:
    """A document's score: its term scores added one by one in termid order (as the SQL pass adds them)."""
    total = 0.0
    for termid in sorted(scores):
        total += scores[termid]
    return total


def best_versions(
    con: duckdb.DuckDBPyConnection, terms: list[tuple[int, int]], *, at: datetime | None, limit: int
) -> list[tuple[float, str, int, int]]:
    """The ``limit`` best versions over every site, as (score, site, version, doc_id), best first."""
    if not terms or limit <= 0:
        return []
    if at is not None:
        con.execute(_IN_FORCE, {"at": at})
    depth: int | None = _DEPTH
    floor: float | None = None
    while depth is not None and sum(min(df, depth) for _, df in terms) <= _ROUND_MAX:
        best, bound = _round(con, terms, depth, at=at, limit=limit)
        full = len(best) == limit
        if not bound or (full and -best[-1][0] > bound):
            return [(-key, site, version, doc) for key, site, version, doc in best]
        # The best versions of the documents read tie or fall below the bound. They are real versions, so the
        # answer's last score is at least theirs: read as deep as it takes to bring the bound under it.
        floor = -best[-1][0] if full else floor
        depth = _depth_below(con, terms, depth, floor) if full else depth * 8
    found = _every_posting(con, terms, at=at, limit=limit, floor=floor)
    return [(-key, site, version, doc) for key, site, version, doc in found]


def _round(
    con: duckdb.DuckDBPyConnection, terms: list[tuple[int, int]], depth: int, *, at: datetime | None, limit: int
) -> tuple[list[tuple[float, str, int, int]], float]:
    """Read the first ``depth`` postings of each list and complete the scores of the documents read from the
    rest of the lists. A document read in no list scores at most the sum of the last scores read (the bound),
    so every document above it was read. Returns the best versions of the documents read, and the bound."""
    prefix = " UNION ALL ".join(
        f"SELECT termid, rank, doc_id, score FROM search_impact WHERE termid = {int(t)} AND rank < {int(depth)}"
        for t, _ in terms
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE topk_read AS {prefix}")
    rest = "".join(
        " UNION ALL SELECT termid, doc_id, score FROM search_impact"
        f" WHERE termid = {int(t)} AND rank >= {int(depth)} AND doc_id IN (SELECT doc_id FROM topk_read)"
        for t, df in terms
        if df > depth
    )
    read = f"SELECT termid, doc_id, score FROM topk_read{rest}"
    scores = f"SELECT doc_id, {_total(terms)} AS score FROM ({read}) GROUP BY doc_id"
    last = dict(con.execute(f"SELECT termid, score FROM topk_read WHERE rank = {int(depth) - 1}").fetchall())
    return _walk_scores(con, scores, at=at, limit=limit), add_up(last)


def _depth_below(con: duckdb.DuckDBPyConnection, terms: list[tuple[int, int]], depth: int, score: float) -> int | None:
    """The first depth (``depth`` times a power of 8) whose bound is below ``score``; None past ``_ROUND_MAX``."""
    depths = []
    while sum(min(df, depth) for _, df in terms) <= _ROUND_MAX and any(df > depth for _, df in terms):
        depth *= 8
        depths.append(depth)
    if not depths:
        return None
    ranks = ", ".join(str(d - 1) for d in depths)
    ids = ", ".join(str(int(t)) for t, _ in terms)
    found: dict[int, dict[int, float]] = {}
    for rank, termid, cut in con.execute(
        f"SELECT rank, termid, score FROM search_impact WHERE termid IN ({ids}) AND rank IN ({ranks})"
    ).fetchall():
        found.setdefault(rank + 1, {})[termid] = cut
    return next((d for d in depths if add_up(found.get(d, {})) < score), None)


def _every_posting(
    con: duckdb.DuckDBPyConnection,
    terms: list[tuple[int, int]],
    *,
    at: datetime | None,
    limit: int,
    floor: float | None = None,
) -> list[tuple[float, str, int, int]]:
    """Score every posting of the query's terms in SQL, then walk the documents best first.

    ``floor`` is a score the answer's last version is known to reach (that of versions already found). A
    document lacking a term without which it stays below the floor cannot be in the answer, so only documents
    holding every such term are scored (as MaxScore does). With several terms, the documents holding all of
    them are scored first: a full page of them raises the floor, often so far that no other document counts."""
    every = [t for _, t in sorted((df, int(t)) for t, df in terms)]
    holding_all = _scored(con, terms, every, at=at, limit=limit) if len(terms) > 1 else None
    if holding_all is not None and len(holding_all) == limit:
        floor = max(floor, -holding_all[-1][0]) if floor is not None else -holding_all[-1][0]
    needed = _needed_terms(con, terms, floor) if floor is not None else []
    if holding_all is not None and needed == every:
        return holding_all  # the pass for these terms has just run
    return _scored(con, terms, needed, at=at, limit=limit)


def _scored(
    con: duckdb.DuckDBPyConnection, terms: list[tuple[int, int]], needed: list[int], *, at: datetime | None, limit: int
) -> list[tuple[float, str, int, int]]:
    """The best versions of the documents holding every ``needed`` term (any document when none), their scores
    summed over all the query's terms in one SQL pass. Semi-joins start from the shortest list."""
    ids = ", ".join(str(int(t)) for t, _ in terms)
    holding = "".join(f" AND doc_id IN (SELECT doc_id FROM search_impact WHERE termid = {t})" for t in needed)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE topk_scores AS SELECT doc_id, {_total(terms)} AS score"
        f" FROM search_impact WHERE termid IN ({ids}){holding} GROUP BY doc_id"
    )
    return _walk_scores(con, "SELECT doc_id, score FROM topk_scores", at=at, limit=limit)


def _total(terms: list[tuple[int, int]]) -> str:
    """A document's score in SQL: its term scores added in termid order, as ``add_up`` adds them (a missing
    term adds 0.0, which changes no float)."""
    return " + ".join(f"coalesce(sum(score) FILTER (WHERE termid = {int(t)}), 0.0)" for t, _ in sorted(terms))


def _walk_scores(
    con: duckdb.DuckDBPyConnection, scores: str, *, at: datetime | None, limit: int
) -> list[tuple[float, str, int, int]]:
    """Walk the documents ``scores`` (a query of doc_id, score) yields, best first, a page at a time (the query
    runs again for a longer page), until the answer is known."""
    page = _PAGE
    while True:
        ranked = con.execute(
            f"SELECT -score, doc_id FROM ({scores}) ORDER BY score DESC, doc_id LIMIT $page", {"page": page}
        ).fetchall()
        best, stopped = _walk(con, ranked, at=at, limit=limit)
        if stopped or len(ranked) < page:
            return best
        page *= 8


def _needed_terms(con: duckdb.DuckDBPyConnection, terms: list[tuple[int, int]], floor: float) -> list[int]:
    """The terms a document must hold to reach ``floor``, shortest list first: those without which even the best
    scores of all the other terms (added as a document's are) stay below it."""
    ids = ", ".join(str(int(t)) for t, _ in terms)
    best = dict(con.execute(f"SELECT termid, score FROM search_impact WHERE termid IN ({ids}) AND rank = 0").fetchall())
    needed = [(df, int(t)) for t, df in terms if add_up({u: best.get(u, 0.0) for u, _ in terms if u != t}) < floor]
    return [t for _, t in sorted(needed)]


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
    ids = ", ".join(str(int(doc)) for doc in docs)
    if at is None:
        rows = con.execute(
            f"SELECT doc_id, vids[1], vids[1:$limit] FROM search_carrier WHERE doc_id IN ({ids})", {"limit": limit}
        ).fetchall()
        kept = {doc: (first, vids) for doc, first, vids in rows}
    else:
        kept = {}
        for doc, first, vid in con.execute(_KEPT_AT.format(ids=ids), {"limit": limit}).fetchall():
            kept.setdefault(doc, (first, []))[1].append(vid)
        missing = [doc for doc in docs if doc not in kept]  # carried by no version in force then
        if missing:
            listed = ", ".join(str(int(doc)) for doc in missing)
            for doc, first in con.execute(
                f"SELECT doc_id, vids[1] FROM search_carrier WHERE doc_id IN ({listed})"
            ).fetchall():
                kept[doc] = (first, [])
    named = versions_named(con, {vid for first, vids in kept.values() for vid in (first, *vids)})
    return {doc: (named[first], [named[vid] for vid in sorted(vids)]) for doc, (first, vids) in kept.items()}


def versions_named(con: duckdb.DuckDBPyConnection, vids: set[int]) -> dict[int, tuple[str, int]]:
    """The (site, version) each version number stands for, read through search_version's key."""
    if not vids:
        return {}
    listed = ", ".join(str(int(vid)) for vid in sorted(vids))
    rows = con.execute(f"SELECT vid, site, version FROM search_version WHERE vid IN ({listed})").fetchall()
    return {vid: (site, version) for vid, site, version in rows}
