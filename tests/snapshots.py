"""What a warehouse holds, as plain rows, for comparing two crawls' results (tests and benchmarks)."""

from __future__ import annotations

from pathlib import Path

from palimpsest.warehouse import connect

QUERIES = {
    "captures": (
        'SELECT site, url, "timestamp", status, mime, digest, outcome, text_sha256, provenance FROM captures'
        " ORDER BY 3, 2, 6"
    ),
    "versions": "SELECT * EXCLUDE (extractor) FROM versions ORDER BY site, version",
    "changes": "SELECT * FROM changes ORDER BY site, version",
    "texts": "SELECT text_sha256, text, words, language FROM policy_text ORDER BY 1",
    "payloads": "SELECT url, ts, digest, warc_file, warc_offset, warc_length FROM payload ORDER BY 2, 1, 3",
    "crawled": "SELECT site, last_crawl IS NOT NULL FROM site ORDER BY 1",
    "provenance": "SELECT provenance, count(*) FROM captures GROUP BY 1 ORDER BY 1",
    "digests": "SELECT count(DISTINCT digest) FROM captures",
}


def snapshot(db: Path, *names: str) -> dict[str, list[tuple]]:
    """The rows of each named query (all of them when none is named), read without taking the write lock."""
    con = connect(db, read_only=True)
    try:
        return {name: con.execute(QUERIES[name]).fetchall() for name in names or QUERIES}
    finally:
        con.close()


#: The parts a crawl's result is compared on by checksum: what a user reads (views) and the texts behind them.
CHECKED = ("captures", "versions", "changes", "texts", "crawled")


def checksums(db: Path, *names: str) -> dict[str, str]:
    """An md5 per named query (CHECKED by default) over its rows, each cast to text and sorted: two warehouses
    with equal checksums hold the same rows, whatever order they were written in."""
    con = connect(db, read_only=True)
    try:
        return {
            name: con.execute(
                "SELECT md5(coalesce(string_agg(CAST(q AS VARCHAR), chr(10) ORDER BY CAST(q AS VARCHAR)), ''))"  # noqa: S608 - a query from QUERIES, fixed in this file
                f" FROM ({QUERIES[name]}) AS q"
            ).fetchone()[0]
            for name in names or CHECKED
        }
    finally:
        con.close()
