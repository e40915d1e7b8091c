"""Full-text search, BM25-ranked, over every version's sections (DuckDB's fts extension builds the index).

The index covers ``search_doc``: one document per distinct section (content-addressed by its normalised hash,
so a clause that a site kept through twenty versions, or that a thousand sites share, is indexed once), plus
the whole text of any text stored without sections. ``search_link`` maps each document to the versions that
carry it; a version's score is its best section's. ``search_impact`` holds every posting with its BM25 term
score, best first per term, so that a query reads only the best part of its terms' lists (``warehouse.topk``)
and still gets exactly the ranking that scoring every posting would give.

Freshness: ``search_state`` records how many texts and sections the index was built over (they are only ever
added) and a hash of every version's (site, number, text, first seen); any difference means the index is
stale. The
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
from warehouse import topk

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
    """What the index depends on: texts and sections (only ever added, so counted) and every version's text and
    first capture (a time filter reads when each version came into force from the index)."""
    row = con.execute(
        "SELECT (SELECT count(*) FROM policy_text), (SELECT count(*) FROM text_section),"
        " (SELECT coalesce(bit_xor(hash(site, version, text_id, first_seen)), 0) FROM version)"
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def is_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the index was built, whole, over the warehouse as it is now (search_state is written last)."""
    built = con.execute("SELECT texts, sections, versions FROM search_state ORDER BY built_at DESC LIMIT 1").fetchone()
    has_index = con.execute(
        "SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'fts_main_search_doc'"
    ).fetchone()[0]
    return bool(has_index) and built is not None and tuple(built) == fingerprint(con)


def build_index(con: duckdb.DuckDBPyConnection) -> int:
    """(Re)build the documents, their BM25 index and the postings. Returns the documents indexed."""
    load_fts(con)
    state = fingerprint(con)
    _run(con, _BUILD)
    # create_fts_index runs statements of its own and cannot join a transaction; search_state is written only
    # after the postings, so an index left half built reads as stale and the next search rebuilds it.
    con.execute(
        "PRAGMA create_fts_index('search_doc', 'doc_id', 'body', stemmer = 'porter', "
        f"stopwords = '{_STOPWORDS}', overwrite = 1)"
    )
    _run(con, (_IMPACT, ("INSERT INTO search_state (texts, sections, versions) VALUES (?, ?, ?)", list(state))))
    return int(con.execute("SELECT count(*) FROM search_doc").fetchone()[0])


def _run(con: duckdb.DuckDBPyConnection, statements) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        for statement in statements:
            con.execute(*statement) if isinstance(statement, tuple) else con.execute(statement)
        con.execute("COMMIT")
    except duckdb.Error:
        con.execute("ROLLBACK")
        raise


# One document per distinct section (by its normalised hash), plus each text that has no sections stored,
# numbered in the order of the first version that carries it; the link from every document to the versions that
# carry it, sorted by site and version; and each document's versions as one list, with when each was in force
# (list_sort orders the structs by site, then version: four times faster than an ordered aggregate).
_BUILD = (
    "DELETE FROM search_state",
    "DELETE FROM search_doc",
    "DELETE FROM search_link",
    "DELETE FROM search_carrier",
    "DELETE FROM search_impact",
    """
    CREATE OR REPLACE TEMP TABLE search_key_link AS
    SELECT k.doc_key, v.site, v.version, v.first_seen, v.next_seen
    FROM (SELECT b.section_sha256 AS doc_key, s.text_id FROM text_section AS s JOIN section_text AS b USING (section_id)
          UNION SELECT text_sha256, text_id FROM policy_text) AS k
    JOIN (SELECT site, version, text_id, first_seen,
                 lead(first_seen) OVER (PARTITION BY site ORDER BY version) AS next_seen
          FROM version) AS v ON v.text_id = k.text_id
    """,
    """
    INSERT INTO search_doc (doc_id, doc_key, heading, body)
    SELECT row_number() OVER (ORDER BY f.first NULLS LAST, d.doc_key), d.doc_key, d.heading, d.body
    FROM (
        SELECT section_sha256 AS doc_key, arg_min_null(heading, section_id) AS heading,
               arg_min(coalesce(heading || E'\n', '') || body, section_id) AS body
        FROM section_text GROUP BY section_sha256
        UNION ALL
        SELECT t.text_sha256, NULL, t.text FROM policy_text AS t
        WHERE NOT EXISTS (SELECT 1 FROM text_section AS s WHERE s.text_id = t.text_id)
    ) AS d
    LEFT JOIN (
        SELECT doc_key, min({'site': site, 'version': version}) AS first FROM search_key_link GROUP BY doc_key
    ) AS f USING (doc_key)
    """,
    """
    CREATE OR REPLACE TEMP TABLE search_doc_link AS
    SELECT d.doc_id, l.site, l.version, l.first_seen, l.next_seen
    FROM search_key_link AS l JOIN search_doc AS d USING (doc_key)
    """,
    "DROP TABLE search_key_link",
    "INSERT INTO search_link (doc_id, site, version) SELECT doc_id, site, version FROM search_doc_link"
    " ORDER BY site, version, doc_id",
    """
    INSERT INTO search_carrier (doc_id, carriers)
    SELECT doc_id,
           list_sort(list({'site': site, 'version': version, 'first_seen': first_seen, 'next_seen': next_seen}))
    FROM search_doc_link
    GROUP BY doc_id
    """,
    "DROP TABLE search_doc_link",
)

#: Okapi BM25's score of one term in one document, with the fts extension's defaults (k1 = 1.2, b = 0.75).
TERM_SCORE = (
    "ln((stats.num_docs - dict.df + 0.5) / (dict.df + 0.5) + 1)"
    " * p.tf * 2.2 / (p.tf + 1.2 * (0.25 + 0.75 * p.len / stats.avgdl))"
)

# Every posting of the fts extension's index (its tokens, counted per document) with its term score, each term's
# postings best first; scoring at build time is what lets a query stop early.
_IMPACT = f"""
INSERT INTO search_impact (termid, rank, doc_id, score)
SELECT termid, row_number() OVER (PARTITION BY termid ORDER BY score DESC, doc_id) - 1 AS rank, doc_id, score
FROM (
    SELECT p.termid, p.doc_id, {TERM_SCORE} AS score
    FROM (
        SELECT t.termid, d.name AS doc_id, count(*) AS tf, any_value(d.len) AS len
        FROM fts_main_search_doc.terms AS t JOIN fts_main_search_doc.docs AS d USING (docid)
        GROUP BY t.termid, d.name
    ) AS p
    JOIN fts_main_search_doc.dict AS dict USING (termid), fts_main_search_doc.stats AS stats
)
ORDER BY termid, rank
"""

# A site: its versions (those in force at a time, if one is given), their documents, and each document's
# postings for the query's terms; topk ranks them. The site's links sit together, and the term filters are
# written into the statement so that only those terms' postings are read.
_SITE_POSTINGS = """
WITH spans AS (
    SELECT site, version, first_seen,
           lead(first_seen) OVER (PARTITION BY site ORDER BY version) AS next_seen
    FROM version WHERE site = $site
), kept AS (
    SELECT site, version FROM spans
    WHERE $at IS NULL OR (first_seen <= $at AND (next_seen IS NULL OR next_seen > $at))
), links AS (
    SELECT l.doc_id, l.site, l.version FROM search_link AS l JOIN kept USING (site, version) WHERE l.site = $site
)
SELECT links.site, links.version, links.doc_id, i.termid, i.score
FROM links JOIN search_impact AS i USING (doc_id)
WHERE i.termid IN ({terms})
"""


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
    if not terms:
        return []
    statement = _SITE_POSTINGS.format(terms=", ".join(str(int(t)) for t, _ in terms))
    parts: dict[tuple[str, int, int], dict[int, float]] = {}
    for site_, version, doc, termid, score in con.execute(statement, {"site": site, "at": at}).fetchall():
        parts.setdefault((site_, version, doc), {})[termid] = score
    best: dict[tuple[str, int], tuple[float, int]] = {}
    for (site_, version, doc), scores in parts.items():
        key = (-topk.add_up(scores), doc)
        best[(site_, version)] = min(best.get((site_, version), key), key)
    ranked = sorted((key, site_, version, doc) for (site_, version), (key, doc) in best.items())
    return [(-key, site_, version, doc) for key, site_, version, doc in ranked[:limit]]


def _hits(con: duckdb.DuckDBPyConnection, best: list[tuple[float, str, int, int]], query: str) -> list[Hit]:
    """The ranked versions with their dates (read now, from ``version``), best section and a snippet."""
    if not best:
        return []
    sites = sorted({site for _, site, _, _ in best})
    dates = {
        (site, version): (first, last)
        for site, version, first, last in con.execute(
            f"SELECT site, version, first_seen, last_seen FROM version WHERE site IN ({', '.join('?' * len(sites))})",
            sites,
        ).fetchall()
    }
    ids = ", ".join(str(int(doc)) for _, _, _, doc in best)
    docs = {
        doc: (heading, body)
        for doc, heading, body in con.execute(
            f"SELECT doc_id, heading, body FROM search_doc WHERE doc_id IN ({ids})"
        ).fetchall()
    }
    return [
        Hit(site, version, *dates[(site, version)], score, docs[doc][0], snippet(docs[doc][1], query))
        for score, site, version, doc in best
        if (site, version) in dates  # a stale index can name a version that a rebuild has since removed
    ]


_FIRST = """
WITH words AS (
    SELECT DISTINCT stem(unnest(fts_main_search_doc.tokenize($phrase)), 'porter') AS term
), terms AS (
    SELECT d.termid FROM fts_main_search_doc.dict AS d JOIN words AS w ON d.term = w.term
), having_all AS (
    SELECT p.doc_id FROM search_impact AS p JOIN terms USING (termid)
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
