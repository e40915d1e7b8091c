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

from palimpsest.warehouse import terms as words
from palimpsest.warehouse.statements import numbers, statement

#: Postings of each term read in the first round: enough for most queries' first page.
_DEPTH = 256
#: Documents whose versions are fetched at once, doubled as the walk goes on.
_BATCH = 4
#: Past this many postings to read, one pass over the terms' whole lists in SQL is cheaper than another round.
_ROUND_MAX = 100_000
#: Documents taken from that pass at once, best first.
_PAGE = 2048

_TERMS = (
    "SELECT termid, df FROM fts_main_search_text.dict"
    " WHERE term IN (SELECT stem(unnest(fts_main_search_text.tokenize($query)), 'porter')) ORDER BY termid"
)

# A time keeps the versions in force then: first seen at or before it, and the next version not yet. They are
# found once per search (one a site at most).
_IN_FORCE = """
CREATE OR REPLACE TEMP TABLE topk_in_force AS
SELECT vid FROM search_version WHERE first_seen <= $at AND (next_seen IS NULL OR next_seen > $at)
"""
# A term's postings are read by its own number, bound to a placeholder of its own ($t0, $t1, …): search_impact is
# sorted by term, so DuckDB's zone maps skip every other term's postings. (As of duckdb 1.5.5, a round that read
# them through a semi-join on a bound list of terms, and kept its scores in a table, made searches 1.13x slower
# than literal numbers; placeholders 1.04x; 100K versions, measured 2026-12-03.) Lists of documents and versions,
# and of terms in the statements run at most once a query, are bound as one parameter each and read through a
# semi-join, whose keys DuckDB pushes into the scan as a filter.
_LAST_READ = "SELECT termid, score FROM topk_read WHERE rank = $rank"
_CUTS = (
    "SELECT rank, termid, score FROM search_impact"
    " WHERE termid IN (SELECT unnest($terms::BIGINT[])) AND rank IN (SELECT unnest($ranks::INTEGER[]))"
)
_BEST_POSTINGS = (
    "SELECT termid, score FROM search_impact WHERE termid IN (SELECT unnest($terms::BIGINT[])) AND rank = 0"
)
_CARRIERS = (
    "SELECT doc_id, vids[1], vids[1:$limit] FROM search_carrier WHERE doc_id IN (SELECT unnest($docs::INTEGER[]))"
)
_FIRST_CARRIERS = "SELECT doc_id, vids[1] FROM search_carrier WHERE doc_id IN (SELECT unnest($docs::INTEGER[]))"
_NAMED = "SELECT vid, site, version FROM search_version WHERE vid IN (SELECT unnest($vids::INTEGER[]))"


def query_terms(con: duckdb.DuckDBPyConnection, query: str) -> list[tuple[int, int]]:
    """The query's distinct stemmed terms found in the index, as (termid, number of postings), by termid."""
    return [(int(t), int(df)) for t, df in con.execute(_TERMS, {"query": words.query(query)}).fetchall()]


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
    names, bound = _placeholders(terms)
    first = " UNION ALL ".join(
        f"SELECT termid, rank, doc_id, score FROM search_impact WHERE termid = {t} AND rank < $depth"  # noqa: S608 - placeholders only; values are bound
        for t in names.values()
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE topk_read AS {first}", bound | {"depth": depth})
    deeper = [names[t] for t, df in terms if df > depth]
    rest = "".join(
        f" UNION ALL SELECT termid, doc_id, score FROM search_impact WHERE termid = {t} AND rank >= $depth"  # noqa: S608 - placeholders only; values are bound
        " AND doc_id IN (SELECT doc_id FROM topk_read)"
        for t in deeper
    )
    read = f"SELECT termid, doc_id, score FROM topk_read{rest}"  # noqa: S608 - placeholders only; values are bound
    last = dict(con.execute(_LAST_READ, {"rank": depth - 1}).fetchall())
    params = bound | ({"depth": depth} if deeper else {})
    return _walk_scores(con, _scores(names, read), params, at=at, limit=limit), add_up(last)


def _placeholders(terms: list[tuple[int, int]]) -> tuple[dict[int, str], dict[str, int]]:
    """Each term's placeholder (``$t0``, ``$t1``, … in the order given) and the parameters binding them."""
    names = {int(t): f"$t{i}" for i, (t, _) in enumerate(terms)}
    return names, {name[1:]: t for t, name in names.items()}


def _depth_below(con: duckdb.DuckDBPyConnection, terms: list[tuple[int, int]], depth: int, score: float) -> int | None:
    """The first depth (``depth`` times a power of 8) whose bound is below ``score``; None past ``_ROUND_MAX``."""
    depths = []
    while sum(min(df, depth) for _, df in terms) <= _ROUND_MAX and any(df > depth for _, df in terms):
        depth *= 8
        depths.append(depth)
    if not depths:
        return None
    found: dict[int, dict[int, float]] = {}
    cuts = {"terms": numbers(t for t, _ in terms), "ranks": numbers(d - 1 for d in depths)}
    for rank, termid, cut in con.execute(_CUTS, cuts).fetchall():
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
    names, bound = _placeholders(terms)
    holding = "".join(f" AND doc_id IN (SELECT doc_id FROM search_impact WHERE termid = {names[t]})" for t in needed)  # noqa: S608 - placeholders only; values are bound
    postings = f"SELECT termid, doc_id, score FROM search_impact WHERE termid IN ({', '.join(names.values())}){holding}"  # noqa: S608 - placeholders only; values are bound
    con.execute(f"CREATE OR REPLACE TEMP TABLE topk_scores AS {_scores(names, postings)}", bound)
    return _walk_scores(con, "SELECT doc_id, score FROM topk_scores", {}, at=at, limit=limit)


def _scores(names: dict[int, str], postings: str) -> str:
    """Each document's score from the ``postings`` query: its term scores added in termid order, as ``add_up``
    adds them (a missing term adds 0.0, which changes no float)."""
    total = " + ".join(f"coalesce(sum(score) FILTER (WHERE termid = {names[t]}), 0.0)" for t in sorted(names))
    return f"SELECT doc_id, {total} AS score FROM ({postings}) GROUP BY doc_id"  # noqa: S608 - placeholders only; values are bound


def _walk_scores(
    con: duckdb.DuckDBPyConnection, scores: str, params: dict[str, int], *, at: datetime | None, limit: int
) -> list[tuple[float, str, int, int]]:
    """Walk the documents ``scores`` (a query of doc_id, score, with ``params``) yields, best first, a page at a
    time (the query runs again for a longer page), until the answer is known."""
    page = _PAGE
    while True:
        ranked = con.execute(
            f"SELECT -score, doc_id FROM ({scores}) ORDER BY score DESC, doc_id LIMIT $page",  # noqa: S608 - placeholders only; values are bound
            params | {"page": page},
        ).fetchall()
        best, stopped = _walk(con, ranked, at=at, limit=limit)
        if stopped or len(ranked) < page:
            return best
        page *= 8


def _needed_terms(con: duckdb.DuckDBPyConnection, terms: list[tuple[int, int]], floor: float) -> list[int]:
    """The terms a document must hold to reach ``floor``, shortest list first: those without which even the best
    scores of all the other terms (added as a document's are) stay below it."""
    best = dict(con.execute(_BEST_POSTINGS, {"terms": numbers(t for t, _ in terms)}).fetchall())
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
    ids = numbers(docs)
    if at is None:
        rows = con.execute(_CARRIERS, {"docs": ids, "limit": limit}).fetchall()
        kept = {doc: (first, vids) for doc, first, vids in rows}
    else:
        kept = {}
        for doc, first, vid in con.execute(statement("topk.kept_at"), {"docs": ids, "limit": limit}).fetchall():
            kept.setdefault(doc, (first, []))[1].append(vid)
        missing = [doc for doc in docs if doc not in kept]  # carried by no version in force then
        if missing:
            for doc, first in con.execute(_FIRST_CARRIERS, {"docs": numbers(missing)}).fetchall():
                kept[doc] = (first, [])
    named = versions_named(con, {vid for first, vids in kept.values() for vid in (first, *vids)})
    return {doc: (named[first], [named[vid] for vid in sorted(vids)]) for doc, (first, vids) in kept.items()}


def versions_named(con: duckdb.DuckDBPyConnection, vids: set[int]) -> dict[int, tuple[str, int]]:
    """The (site, version) each version number stands for, read through search_version's key."""
    if not vids:
        return {}
    rows = con.execute(_NAMED, {"vids": numbers(sorted(vids))}).fetchall()
    return {vid: (site, version) for vid, site, version in rows}
