"""Search reads only the best postings, yet ranks exactly as scoring every posting would: checked against an
exhaustive BM25 written here from the fts extension's own tables, on a hand-built corpus full of ties."""

from __future__ import annotations

import random
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from palimpsest.flows.importing import import_documents
from palimpsest.warehouse import connect, topk
from palimpsest.warehouse import search as fts
from palimpsest.warehouse.seeds import parse
from tests.history import at, build_history

# Clauses shared by many sites (one document each, carried by many versions), and clauses that differ in one
# word only (distinct documents with equal scores for most queries).
_CLAUSES = [
    ("Sharing", "We share personal information with our advertising partners."),
    ("Sharing", "We share personal information with our analytics partners."),
    ("Sharing", "We never share personal information with third parties."),
    ("Cookies", "We use cookies for advertising."),
    ("Cookies", "We use cookies for analytics."),
    ("Cookies", "We use cookies and similar tracking cookies for advertising partners."),
    ("Partners", "Our partners and advertising partners may contact you."),
    ("Rights", "You may ask for a copy of your personal information."),
    ("Rights", "You may ask us to delete your account."),
    ("Retention", "We keep records for seven years."),
    ("Retention", "We keep records for three years."),
    ("Contact", "Write to our privacy team by postal mail."),
    ("Security", "We protect data with encryption and access controls for partners."),
]
_QUERIES = [
    "advertising partners",
    "cookies",
    "partners",
    "personal information third parties",
    "we share personal information with third parties",
    "cookies advertising analytics partners records",
    "parcels",
    "encryption zyzzyva",
    "zyzzyva",
    "the and of",
]


def _corpus(path: Path, seed: int = 7) -> Path:
    """Thirty sites with one to five versions drawn from the clauses (reverts included), plus two sites whose
    texts have no sections stored (each text is then one document)."""
    rng = random.Random(seed)  # noqa: S311 - a fixed corpus, not a secret
    con = connect(path)
    for number in range(30):
        site = f"site{number:02d}.example"
        texts = []
        for _ in range(rng.randint(1, 5)):
            picked = rng.sample(_CLAUSES, rng.randint(1, 4))
            texts.append("# Privacy\n\n" + "\n\n".join(f"## {h}\n\n{b}" for h, b in picked))
        if len(texts) > 2 and rng.random() < 0.5:
            texts.append(texts[0])
        when = datetime(2010, 1, 1, tzinfo=at("20100101000000").tzinfo) + timedelta(days=rng.randint(0, 400))
        for text in texts:
            import_documents(con, [(f"{site}-{when:%Y%m%d}.md", parse(text))], site=site, at=when)
            when += timedelta(days=rng.randint(30, 900))
    for site in ("parcel.example", "shop.example"):
        build_history(con, site=site)
    fts.build_index(con, keep_tokens=True)
    con.close()
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _corpus(tmp_path_factory.mktemp("topk") / "w.duckdb")


def exhaustive(con: duckdb.DuckDBPyConnection, query: str, *, site=None, when=None, limit=20) -> list[tuple]:
    """Every posting scored, every version ranked: (site, version, score, heading), best first."""
    postings = con.execute(
        f"""
        WITH words AS (SELECT DISTINCT stem(unnest(fts_main_search_text.tokenize($query)), 'porter') AS term)
        SELECT p.name, p.termid, {fts.TERM_SCORE}
        FROM (
            SELECT t.termid, d.name, count(*) AS tf, any_value(d.len) AS len
            FROM fts_main_search_text.terms AS t JOIN fts_main_search_text.docs AS d USING (docid) GROUP BY ALL
        ) AS p
        JOIN fts_main_search_text.dict AS dict USING (termid)
        JOIN words USING (term), fts_main_search_text.stats AS stats
        """,  # noqa: S608 - the BM25 formula, search_index.TERM_SCORE; the query is bound
        {"query": query},
    ).fetchall()
    parts: dict[int, list[tuple[int, float]]] = {}
    for doc, termid, score in postings:
        parts.setdefault(doc, []).append((termid, score))
    totals = {doc: sum(score for _, score in sorted(scores)) for doc, scores in parts.items()}  # in termid order
    carried = con.execute(
        """
        WITH spans AS (
            SELECT site, version, text_id, first_seen,
                   lead(first_seen) OVER (PARTITION BY site ORDER BY version) AS next_seen
            FROM version
        ), keys AS (
            SELECT s.text_id, b.section_sha256 AS doc_key
            FROM text_section AS s JOIN section_text AS b USING (section_id)
            UNION SELECT text_id, text_sha256 FROM policy_text WHERE text_id NOT IN (SELECT text_id FROM text_section)
        ), docs AS (
            SELECT d.doc_id, coalesce(b.section_sha256, t.text_sha256) AS doc_key, b.heading
            FROM search_doc AS d LEFT JOIN section_text AS b USING (section_id)
            LEFT JOIN policy_text AS t ON t.text_id = d.text_id
        )
        SELECT s.site, s.version, d.doc_id, d.heading FROM spans AS s JOIN keys USING (text_id)
        JOIN docs AS d USING (doc_key)
        WHERE ($site IS NULL OR s.site = $site)
          AND ($at IS NULL OR (s.first_seen <= $at AND (s.next_seen IS NULL OR s.next_seen > $at)))
        """,
        {"site": site, "at": when},
    ).fetchall()
    best: dict[tuple[str, int], tuple[float, int, str | None]] = {}
    for site_, version, doc, heading in carried:
        if doc in totals:
            key = (-totals[doc], doc, heading)
            best[(site_, version)] = min(best.get((site_, version), key), key)
    ranked = sorted((key, site_, version, heading) for (site_, version), (key, _, heading) in best.items())
    return [(site_, version, -key, heading) for key, site_, version, heading in ranked[:limit]]


def found(con: duckdb.DuckDBPyConnection, query: str, **options) -> list[tuple]:
    return [(h.site, h.version, h.score, h.heading) for h in fts.search(con, query, **options)]


def test_the_corpus_is_full_of_ties(corpus: Path) -> None:
    """The comparison below means something only if equal scores abound, across documents and versions."""
    con = connect(corpus, read_only=True)
    fts.load_fts(con)
    ranked = exhaustive(con, "cookies", limit=1000)
    scores = [score for _, _, score, _ in ranked]
    assert len(ranked) > 30 and len(set(scores)) < len(scores) / 3
    docs = con.execute("SELECT count(*) FROM search_doc").fetchone()[0]
    assert con.execute("SELECT count(*) FROM search_link").fetchone()[0] > 2 * docs


@pytest.mark.parametrize(
    "depth, batch, round_max, page",
    [(256, 32, 100_000, 2048), (1, 1, 100_000, 2048), (2, 3, 12, 1), (256, 2, 0, 2)],
    ids=["defaults", "deepening", "deepening-then-one-pass", "one-pass"],
)
def test_every_query_and_page_size_ranks_as_the_exhaustive_score(
    corpus: Path, monkeypatch, depth, batch, round_max, page
) -> None:
    """Small depths, batches and pages force many rounds, stops mid-walk, and the single-pass fallback."""
    monkeypatch.setattr(topk, "_DEPTH", depth)
    monkeypatch.setattr(topk, "_BATCH", batch)
    monkeypatch.setattr(topk, "_ROUND_MAX", round_max)
    monkeypatch.setattr(topk, "_PAGE", page)
    con = connect(corpus, read_only=True)
    fts.load_fts(con)
    for query in _QUERIES:
        for limit in (1, 2, 3, 5, 8, 20, 200):
            assert found(con, query, limit=limit) == exhaustive(con, query, limit=limit), (query, limit)


def test_the_one_pass_scores_only_documents_that_can_reach_the_page(corpus: Path, monkeypatch) -> None:
    """After a round that found a full page, the single pass leaves out documents lacking a term without which
    they cannot reach that page's last score; the answer stays the exhaustive one."""
    monkeypatch.setattr(topk, "_DEPTH", 1)
    monkeypatch.setattr(topk, "_BATCH", 1)
    monkeypatch.setattr(topk, "_ROUND_MAX", 3)
    monkeypatch.setattr(topk, "_PAGE", 2)
    needed: list[list[int]] = []
    spied = topk._needed_terms
    monkeypatch.setattr(topk, "_needed_terms", lambda *args: needed.append(spied(*args)) or needed[-1])
    con = connect(corpus, read_only=True)
    fts.load_fts(con)
    for query in _QUERIES:
        for limit in (1, 2, 3, 5, 8, 20):
            assert found(con, query, limit=limit) == exhaustive(con, query, limit=limit), (query, limit)
    assert any(needed), "no query left a document out: the test does not exercise the cut"


@pytest.mark.parametrize("depth, round_max", [(256, 100_000), (1, 100_000), (1, 0)])
def test_a_time_filter_ranks_as_the_exhaustive_score(corpus: Path, monkeypatch, depth, round_max) -> None:
    monkeypatch.setattr(topk, "_DEPTH", depth)
    monkeypatch.setattr(topk, "_ROUND_MAX", round_max)
    monkeypatch.setattr(topk, "_BATCH", 2)
    con = connect(corpus, read_only=True)
    fts.load_fts(con)
    moments = [at("20000101000000"), at("20100601000000"), at("20120101000000"), at("20150601000000")]
    moments += [at("20170101000100"), at("20300101000000")]
    for query in _QUERIES:
        for when in moments:
            for limit in (1, 3, 10):
                expected = exhaustive(con, query, when=when, limit=limit)
                assert found(con, query, at=when, limit=limit) == expected, (query, when, limit)


def test_a_site_filter_ranks_as_the_exhaustive_score(corpus: Path) -> None:
    con = connect(corpus, read_only=True)
    fts.load_fts(con)
    sites = [r[0] for r in con.execute("SELECT site FROM site ORDER BY site").fetchall()]
    for query in [*_QUERIES[:6], "parcels"]:
        for site in sites:
            for when in (None, at("20120101000000"), at("20180101000000")):
                expected = exhaustive(con, query, site=site, when=when, limit=3)
                assert found(con, query, site=site, at=when, limit=3) == expected, (query, site, when)


def test_absent_words_and_stopwords_find_nothing_and_change_nothing(corpus: Path) -> None:
    con = connect(corpus, read_only=True)
    fts.load_fts(con)
    assert found(con, "zyzzyva") == [] and found(con, "the and of") == []
    assert found(con, "zyzzyva", site="site01.example", at=at("20120101000000")) == []
    assert found(con, "cookies zyzzyva") == found(con, "cookies") != []


def test_ties_are_ranked_by_site_then_version(corpus: Path) -> None:
    con = connect(corpus, read_only=True)
    fts.load_fts(con)
    hits = found(con, "cookies", limit=200)
    keys = [(-score, site, version) for site, version, score, _ in hits]
    assert keys == sorted(keys) and len({score for *_, score, _ in hits}) < len(hits)


def test_an_index_without_its_tokens_answers_the_same(corpus: Path, tmp_path: Path) -> None:
    """A warehouse's own index keeps no token table (only tests keep it, to rank from): every search reads the
    postings, never the tokens, so answers are the same."""
    copy = tmp_path / "w.duckdb"
    shutil.copy(corpus, copy)
    con = connect(copy)
    assert con.execute("SELECT count(*) FROM fts_main_search_text.terms").fetchone()[0] > 0
    kept = {query: found(con, query) for query in _QUERIES}
    kept_at = found(con, "cookies advertising", at=at("20140101000000"))
    fts.build_index(con)
    assert con.execute("SELECT count(*) FROM fts_main_search_text.terms").fetchone()[0] == 0
    assert {query: found(con, query) for query in _QUERIES} == kept
    assert found(con, "cookies advertising", at=at("20140101000000")) == kept_at
    con.close()
