"""Warehouse at scale: load a synthetic history (130K sites, 1M versions by default) and time the questions.

    .venv/bin/python -m benchmarks.warehouse_scale --versions 1000000 --sites 130000
    .venv/bin/python -m benchmarks.warehouse_scale --bench-json        # 100K versions, JSON lines on stdout

Steps: generate the corpus in DuckDB (``benchmarks/synthetic_corpus.py``) and write it as Parquet, untimed;
then, timed, load it into a fresh warehouse through the migrations with bulk ``INSERT … SELECT FROM
read_parquet`` (the path a bulk import takes; rows go in grouped by site, in the order a crawl writes them)
and build the search index. Every table a crawled history fills is filled: two captures of each version
(digests of 32 base-32 characters, 160 bits like the archive's), the payload and extraction rows their fetch
leaves, and the word counts of every change. Then it prints: load time
(goal < 5 min), file size ÷ zstd-compressed raw text size (goal ≤ 1.5), p50/p95 of ``policy_at(site, ts)``
(goal < 10 ms), ``history(site)`` and a BM25 full-text search against an ``ILIKE`` scan (goal < 100 ms), and
the first appearance of a clause across all sites. Texts are content-addressed by the SHA-256 DuckDB computes
of the text itself (the synthetic texts need no normalising).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import duckdb
import pyarrow as pa

from benchmarks.synthetic_corpus import generate
from palimpsest.warehouse import connect, queries
from palimpsest.warehouse import search as fts

_LOAD = [
    "INSERT INTO site (site) SELECT DISTINCT site FROM read_parquet($dir || '/version.parquet')",
    "INSERT INTO policy_url (site, url, since, source)"
    " SELECT DISTINCT site, policy_url, NULL::TIMESTAMPTZ, 'start' FROM read_parquet($dir || '/version.parquet')",
    # Texts numbered in the order their first version came, as a crawl stores them; each version's number.
    "CREATE TEMP TABLE bench_text AS SELECT sha, row_number() OVER (ORDER BY min(site), min(version)) AS text_id,"
    " any_value(text) AS text, any_value(words) AS words, any_value(stated) AS stated"
    " FROM read_parquet($dir || '/text.parquet') GROUP BY sha",
    "CREATE TEMP TABLE bench_version AS SELECT t.site, t.version, b.text_id"
    " FROM read_parquet($dir || '/text.parquet') AS t JOIN bench_text AS b USING (sha)",
    "INSERT INTO policy_text (text_id, text_key, text_sha256, text, words, language, extractor, stated_date)"
    " SELECT text_id, text_key(sha), sha, text, words, 'en', 'synthetic', stated FROM bench_text ORDER BY text_id",
    "CREATE TEMP TABLE bench_advance AS SELECT nextval('policy_text_ids') FROM bench_text",
    "INSERT INTO version (site, version, text_id, policy_url, first_seen, last_seen, captures)"
    " SELECT v.site, v.version, b.text_id, v.policy_url, v.first_seen, v.last_seen, v.captures"
    " FROM read_parquet($dir || '/version.parquet') AS v JOIN bench_version AS b USING (site, version)"
    " ORDER BY v.site, v.version",
    "INSERT INTO capture (site, url, ts, digest, status, mime, length, outcome, text_id, quality, usable)"
    " SELECT c.site, c.url, c.ts, c.digest, 200, 'text/html', c.length, c.outcome, b.text_id, 'ok', true"
    " FROM read_parquet($dir || '/capture.parquet') AS c JOIN bench_text AS b USING (sha) ORDER BY c.site, c.ts",
    # What fetching and extracting each of those captures leaves: where its bytes are (one WARC file per crawl
    # of a thousand sites, records one after another) and what extraction run 1 made of its digest.
    "INSERT INTO extraction_run (run_id, extractor, settings) VALUES (1, 'synthetic', '')",
    "INSERT INTO payload (url, ts, digest, status, body_digest, location, warc_file, warc_offset, warc_length)"
    " SELECT url, ts, digest, 200, NULL, NULL, 'palimpsest-20261201' || lpad((site_id // 1000)::VARCHAR, 6, '0')"
    " || '-4242.warc.gz', sum(length) OVER (PARTITION BY site_id // 1000 ORDER BY site, ts) - length, length"
    " FROM read_parquet($dir || '/capture.parquet') ORDER BY url, ts, digest",
    "INSERT INTO extraction (digest, run_id, text_id, quality)"
    " SELECT c.digest, 1, b.text_id, 'ok' FROM read_parquet($dir || '/capture.parquet') AS c"
    " JOIN bench_text AS b USING (sha) ORDER BY c.site, c.ts",
    # Every change's word counts, as a rebuild computes them once per pair of consecutive texts.
    "INSERT INTO text_change (from_id, to_id, words_added, words_removed, minor)"
    " SELECT DISTINCT ON (p.text_id, t.text_id) p.text_id, t.text_id, 1 + hash(t.text_id, 'added') % 90,"
    " hash(t.text_id, 'removed') % 60, hash(t.text_id, 'minor') % 10 = 0"
    " FROM bench_version AS t JOIN bench_version AS p ON p.site = t.site AND p.version = t.version - 1"
    " ORDER BY t.text_id, p.text_id",
    # Each distinct section once, numbered in the order of the first text holding it, and each text's list.
    "CREATE TEMP TABLE bench_section AS SELECT DISTINCT ON (b.text_id, s.ord) b.text_id, s.ord, s.path, s.heading,"
    " s.body, section_key(s.heading, s.body) AS section_key"
    " FROM read_parquet($dir || '/section.parquet') AS s JOIN bench_version AS b USING (site, version)",
    "INSERT INTO section_text (section_id, section_key, section_sha256, heading, body)"
    " SELECT row_number() OVER (ORDER BY min(text_id), arg_min(ord, text_id)), section_key,"
    " sha256(any_value(heading) || E'\\n' || any_value(body)), any_value(heading), any_value(body)"
    " FROM bench_section GROUP BY section_key ORDER BY 1",
    "CREATE TEMP TABLE bench_advance_sections AS SELECT nextval('section_text_ids') FROM section_text",
    "INSERT INTO text_section (text_id, ord, path, section_id)"
    " SELECT s.text_id, s.ord, s.path, t.section_id FROM bench_section AS s JOIN section_text AS t USING (section_key)"
    " ORDER BY s.text_id, s.ord",
]


# Each text's sections as extractors.sections splits it: the title with its "Last updated" line, then the twelve
# sections, each under a path from the title.
_SECTIONS = """
SELECT site, version, 0 AS ord, 'Privacy policy of ' || site AS path, 'Privacy policy of ' || site AS heading,
       'Last updated: ' || strftime(first_seen, '%B %-d, %Y') AS body
FROM syn_version
UNION ALL
SELECT site, version, ord + 1, 'Privacy policy of ' || site || ' > ' || heading, heading, body FROM syn_section
"""


# Two captures of each version, its first and its last, each with a digest of 32 base-32 characters (160 bits,
# as the archive's SHA-1 digests are) and the length of a compressed page.
_CAPTURES = """
SELECT site_id, site, url, ts, outcome, sha, length,
       array_to_string(list_transform(range(32), i -> substr('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567',
           1 + ('0x' || substr(h, 1 + 2 * i::INTEGER, 2))::INTEGER % 32, 1)), '') AS digest
FROM (
    SELECT v.site_id, v.site, v.policy_url AS url, x.ts, x.outcome, sha256(t.text) AS sha,
           sha256(v.site || v.version || x.outcome) AS h,
           (8000 + hash(v.site_id, v.version, x.outcome) % 40000)::BIGINT AS length
    FROM syn_version AS v JOIN syn_text AS t USING (site, version),
         LATERAL (VALUES (v.first_seen, 'version'), (v.last_seen, 'same-text')) AS x(ts, outcome)
)
"""


def write_corpus(out: Path, *, versions: int, sites: int) -> float:
    """Generate the corpus and write version/text/section Parquet files; returns the raw text's zstd size."""
    con = duckdb.connect()
    generate(con, versions=versions, sites=sites)
    con.execute(
        "COPY (SELECT site, version, first_seen, last_seen, captures, policy_url FROM syn_version)"
        " TO ? (FORMAT parquet)",
        [str(out / "version.parquet")],
    )
    con.execute(
        "COPY (SELECT t.site, t.version, t.text, sha256(t.text) AS sha,"
        " len(string_split_regex(t.text, '\\s+')) AS words, CAST(v.first_seen AS DATE) AS stated"
        " FROM syn_text AS t JOIN syn_version AS v USING (site, version))"
        " TO ? (FORMAT parquet)",
        [str(out / "text.parquet")],
    )
    con.sql(_SECTIONS).write_parquet(str(out / "section.parquet"))
    con.sql(_CAPTURES).write_parquet(str(out / "capture.parquet"))
    raw = _zstd_size(con)
    con.close()
    return raw


def _zstd_size(con: duckdb.DuckDBPyConnection) -> int:
    """Every version's text, in site and version order, through zstd at its default level (3)."""
    sink = pa.BufferOutputStream()
    stream = pa.CompressedOutputStream(sink, "zstd")
    cursor = con.execute("SELECT text FROM syn_text ORDER BY site, version")
    while batch := cursor.fetchmany(20_000):
        stream.write("".join(row[0] for row in batch).encode("utf-8"))
    stream.close()
    return sink.getvalue().size


def zstd_each(corpus: Path) -> int:
    """Every version's text through zstd (level 3) on its own: the corpus as files, one per version, each
    compressed, as the seed format keeps it."""
    con = duckdb.connect()
    cursor = con.execute("SELECT text FROM read_parquet(?)", [str(corpus / "text.parquet")])
    total = 0
    while batch := cursor.fetchmany(20_000):
        total += sum(len(pa.compress(row[0].encode("utf-8"), codec="zstd", asbytes=True)) for row in batch)
    con.close()
    return total


def load(db: Path, corpus: Path) -> tuple[float, float]:
    """Load the Parquet corpus into a fresh warehouse; returns (load seconds, index seconds)."""
    started = time.perf_counter()
    con = connect(db)
    con.execute("BEGIN TRANSACTION")
    for statement in _LOAD:
        con.execute(statement, {"dir": str(corpus)} if "$dir" in statement else None)
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    loaded = time.perf_counter() - started
    fts.build_index(con)
    con.execute("CHECKPOINT")
    con.close()
    return loaded, time.perf_counter() - started - loaded


def breakdown(db: Path) -> tuple[dict[str, int], int]:
    """Bytes each table takes in the file (its blocks, shared ones counted once) and the rest (indexes, catalog)."""
    con = duckdb.connect(str(db), read_only=True)
    tables: dict[str, int] = {}
    seen: set[int] = set()
    block = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0]
    for schema, table in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall():
        rows = con.execute(
            "SELECT block_id, additional_block_ids FROM pragma_storage_info(?)", [f"{schema}.{table}"]
        ).fetchall()
        blocks = {b for b, _ in rows if b is not None and b >= 0} | {b for _, extra in rows for b in extra or []}
        seen |= blocks
        name = table if schema == "main" else f"{schema}.{table}"
        tables[name] = len(blocks) * block
    used = con.execute("SELECT used_blocks FROM pragma_database_size()").fetchone()[0] * block
    con.close()
    return tables, used - len(seen) * block


def key_bytes(db: Path) -> tuple[int, int]:
    """The identifiers any store of this history must keep, at their entropy: a SHA-256 (32 bytes) per distinct
    text and a SHA-1 (20 bytes, the archive's digest) per capture; and the (term, section) postings any
    full-text index of it holds, which take at least a byte each (a document number and a count)."""
    con = duckdb.connect(str(db), read_only=True)
    texts, captures, postings = con.execute(
        "SELECT (SELECT count(*) FROM policy_text), (SELECT count(*) FROM capture),"
        " (SELECT count(*) FROM search_impact)"
    ).fetchone()
    con.close()
    return texts * 32 + captures * 20, postings


def timed(action: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def measure(db: Path, *, runs: int, seed: int = 11) -> dict[str, list[float] | float | str]:
    rng = random.Random(seed)
    con = connect(db, read_only=True)
    fts.load_fts(con)
    sites = [r[0] for r in con.execute("SELECT site FROM site USING SAMPLE 500 ROWS").fetchall()]
    span = con.execute("SELECT min(first_seen), max(last_seen) FROM version").fetchone()
    seconds = int((span[1] - span[0]).total_seconds())

    def policy_at() -> None:
        when = span[0] + timedelta(seconds=rng.randrange(seconds))
        con.execute("SELECT * FROM policy_at(?, ?)", [rng.choice(sites), when]).fetchall()

    found: dict[str, object] = {}
    clause = "%never sell personal information to third parties%"
    first = (
        "SELECT site, version, first_seen FROM sections WHERE body ILIKE ? ORDER BY first_seen LIMIT 1",
        [clause],
    )
    results = {
        "policy_at": timed(policy_at, runs),
        "history": timed(lambda: queries.history(con, rng.choice(sites)), runs),
        "search_bm25": timed(lambda: found.setdefault("bm25", fts.search(con, "advertising partners")), 7),
        "search_one_term": timed(lambda: fts.search(con, "cookies"), 7),
        "search_three_terms": timed(lambda: fts.search(con, "share personal information"), 7),
        "search_at": timed(lambda: fts.search(con, "advertising partners", at=span[0] + (span[1] - span[0]) / 2), 7),
        "search_site": timed(lambda: fts.search(con, "advertising partners", site=rng.choice(sites)), 7),
        "search_ilike": timed(
            lambda: con.execute(
                "SELECT v.site, v.version FROM version AS v JOIN policy_text AS t USING (text_id)"
                " WHERE t.text ILIKE '%advertising partners%' LIMIT 20"
            ).fetchall(),
            5,
        ),
        "search_ilike_all": timed(
            lambda: con.execute(
                "SELECT count(*) FROM version AS v JOIN policy_text AS t USING (text_id)"
                " WHERE t.text ILIKE '%advertising partners%'"
            ).fetchall(),
            3,
        ),
        "first_clause": timed(lambda: found.setdefault("first", con.execute(*first).fetchall()), 3),
        "first_clause_query": timed(
            lambda: found.setdefault("first_query", queries.first_appearances(con, clause.strip("%"))), 3
        ),
    }
    con.close()
    results["first_clause_answer"] = f"{found.get('first')} (queries.first_appearances: {found.get('first_query')})"
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=1_000_000)
    parser.add_argument("--sites", type=int, default=130_000)
    parser.add_argument("--runs", type=int, default=200, help="repetitions of each point query")
    parser.add_argument("--keep", type=Path, help="keep the warehouse at this path")
    parser.add_argument("--bench-json", action="store_true", help="quick run (100K versions), JSON lines on stdout")
    args = parser.parse_args(argv)
    if args.keep and args.keep.exists():
        parser.error(f"{args.keep} exists; --keep writes a new warehouse")
    if args.bench_json:
        args.versions, args.sites = 100_000, 13_000
    log = sys.stderr if args.bench_json else sys.stdout
    with tempfile.TemporaryDirectory(prefix="palimpsest-scale-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        raw_zstd = write_corpus(work, versions=args.versions, sites=args.sites)
        each_zstd = zstd_each(work)
        print(f"generated {args.versions:,} versions of {args.sites:,} sites in {time.perf_counter() - started:.0f} s",
              file=log)  # fmt: skip
        db = args.keep or work / "scale.duckdb"
        loaded, indexed = load(db, work)
        size = db.stat().st_size
        tables, rest = breakdown(db)
        keys, postings = key_bytes(db)
        figures = measure(db, runs=args.runs)
    rows = [
        ("load time", loaded, None, "s", "< 300 s"),
        ("search index build", indexed, None, "s", "(reported)"),
        ("file size / zstd raw text", size / raw_zstd, None, "×", "≤ 1.5"),
        ("file size / each version's text zstd on its own", size / each_zstd, None, "×", "(reported)"),
        ("texts table (policy_text) / zstd raw text", tables["policy_text"] / raw_zstd, None, "×", "(reported)"),
        ("floor: zstd raw text + binary text hashes and capture digests", (raw_zstd + keys) / raw_zstd, None, "×",
         "(reported)"),
        ("the same + a byte per search posting", (raw_zstd + keys + postings) / raw_zstd, None, "×", "(reported)"),
        ("policy_at p50", pct(figures["policy_at"], 50), None, "ms", "< 10 ms"),
        ("policy_at p95", pct(figures["policy_at"], 95), None, "ms", "< 10 ms"),
        ("history(site) p50", pct(figures["history"], 50), None, "ms", "< 100 ms"),
        ("history(site) p95", pct(figures["history"], 95), None, "ms", "< 100 ms"),
        ("full-text search (BM25) median", statistics.median(figures["search_bm25"]),
         statistics.median(figures["search_ilike"]), "ms", "< 100 ms"),
        ("search, one term (cookies) median", statistics.median(figures["search_one_term"]), None, "ms", "< 100 ms"),
        ("search, three terms median", statistics.median(figures["search_three_terms"]), None, "ms", "< 100 ms"),
        ("search with --at median", statistics.median(figures["search_at"]), None, "ms", "< 100 ms"),
        ("search with --site median", statistics.median(figures["search_site"]), None, "ms", "< 100 ms"),
        ("ILIKE scan, every match", statistics.median(figures["search_ilike_all"]), None, "ms", "(reported)"),
        ("first appearance of a clause (first_appearances)", statistics.median(figures["first_clause_query"]),
         statistics.median(figures["first_clause"]), "ms", "(reported)"),
    ]  # fmt: skip
    print(f"warehouse {size / 1e6:,.0f} MB; raw text zstd {raw_zstd / 1e6:,.0f} MB as one stream in site order,"
          f" {each_zstd / 1e6:,.0f} MB text by text", file=log)  # fmt: skip
    parts = sorted(tables.items(), key=lambda item: -item[1])
    print("  " + ", ".join(f"{name} {size_ / 1e6:,.1f}" for name, size_ in parts if size_ >= 1e6), file=log)
    print(f"  indexes and catalog {rest / 1e6:,.1f} MB", file=log)
    print(f"first appearance: {figures['first_clause_answer']}", file=log)
    for measure_, ours, reference, unit, goal in rows:
        if args.bench_json:
            record = {
                "measure": f"{measure_} ({args.versions // 1000}K versions)",
                "ours": round(ours, 3),
                "reference": None if reference is None else round(reference, 3),
                "reference_label": "ILIKE substring scan" if reference is not None else "",
                "unit": unit,
                "goal": goal,
            }
            print(json.dumps(record, ensure_ascii=False))
        else:
            ref = f"  (ILIKE scan: {reference:.1f} {unit})" if reference is not None else ""
            print(f"{measure_:40s} {ours:10.2f} {unit:3s} goal {goal}{ref}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
