"""What ``palimpsest doctor`` reads and repairs in the warehouse: whether the public views resolve, the stored
payloads (where their raw bytes are kept), the captures that make versions from bytes no payload holds, those
waiting to be fetched again, and forgetting payloads whose raw bytes are lost.

Reading the raw bytes themselves (the WARC store) is the fetchers' job; ``flows.doctor`` carries the payloads
between the two.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import duckdb

from palimpsest.warehouse.lake import begin, rollback
from palimpsest.warehouse.statements import statement

__all__ = [
    "RAW_MISSING",
    "VIEWS",
    "broken_views",
    "file_payloads",
    "forget_payloads",
    "move_payloads",
    "refetch_pending",
    "stored_payloads",
    "uncovered_captures",
    "unused_payloads",
]

#: The contract's views, and a probe for the macro.
VIEWS = ("captures", "versions", "changes", "sections")
_MACRO_PROBE = "SELECT * FROM policy_at('doctor.example', TIMESTAMPTZ '2000-01-01 00:00:00+00') LIMIT 0"
#: The outcome of a capture whose raw bytes were lost: the next crawl fetches it again (``store.RETRYABLE``).
RAW_MISSING = "error:raw-missing"


def broken_views(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(name, the first line of DuckDB's error) for each public view, then the ``policy_at`` macro, that does not
    resolve; empty when all do."""
    probes = [(view, f'SELECT * FROM "{view}" LIMIT 0') for view in VIEWS]  # noqa: S608 - identifier from VIEWS, never user input
    broken = []
    for name, probe in [*probes, ("policy_at", _MACRO_PROBE)]:
        try:
            con.execute(probe)
        except duckdb.Error as err:
            broken.append((name, str(err).splitlines()[0]))
    return broken


def stored_payloads(con: duckdb.DuckDBPyConnection) -> list[tuple[str, datetime, str, str, str, int, int]]:
    """(url, timestamp, digest, digest of the bytes as fetched, WARC file, offset, length) of every stored
    payload, oldest first. The bytes' digest is the capture's digest unless they were stored as missing it."""
    return con.execute(
        "SELECT url, ts, digest, coalesce(body_digest, digest), warc_file, warc_offset, warc_length FROM payload"
        " ORDER BY ts, url"
    ).fetchall()


def unused_payloads(con: duckdb.DuckDBPyConnection) -> list[tuple[str, datetime, str, str, int, int]]:
    """(url, timestamp, digest, WARC file, offset, length) of every stored payload whose digest no capture has:
    left by ``palimpsest forget``. Grouped by file, in the order of their records."""
    return con.execute(
        "SELECT url, ts, digest, warc_file, warc_offset, warc_length FROM payload"
        " WHERE digest NOT IN (SELECT digest FROM capture) ORDER BY warc_file, warc_offset"
    ).fetchall()


def file_payloads(con: duckdb.DuckDBPyConnection, warc_file: str) -> list[tuple[str, datetime, str, int, int]]:
    """(url, timestamp, digest, offset, length) of every payload stored in ``warc_file``, in file order."""
    return con.execute(
        "SELECT url, ts, digest, warc_offset, warc_length FROM payload WHERE warc_file = ? ORDER BY warc_offset",
        [warc_file],
    ).fetchall()


def move_payloads(
    con: duckdb.DuckDBPyConnection,
    dropped: Iterable[tuple[str, datetime, str]],
    moved: Iterable[tuple[str, datetime, str, str, int, int]],
) -> None:
    """In one transaction, forget the payloads ``dropped`` names by (url, timestamp, digest) and point each of
    ``moved`` (url, timestamp, digest, WARC file, offset, length) at its new place."""
    begin(con)
    try:
        for url, ts, digest in dropped:
            con.execute("DELETE FROM payload WHERE url = ? AND ts = ? AND digest = ?", [url, ts, digest])
        for url, ts, digest, warc_file, offset, length in moved:
            con.execute(
                "UPDATE payload SET warc_file = ?, warc_offset = ?, warc_length = ?"
                " WHERE url = ? AND ts = ? AND digest = ?",
                [warc_file, offset, length, url, ts, digest],
            )
        con.execute("COMMIT")
    except Exception:
        rollback(con)
        raise


def uncovered_captures(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, datetime, str]]:
    """(site, url, ts, digest) of captures that make versions from archived bytes no stored payload holds."""
    return con.execute(statement("checks.uncovered_captures")).fetchall()


def refetch_pending(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """(site, url, captures) for each policy URL with captures marked ``RAW_MISSING``, waiting to be fetched
    again by the next crawl."""
    return con.execute(
        "SELECT site, url, count(*) FROM capture WHERE outcome = ? GROUP BY site, url ORDER BY site, url",
        [RAW_MISSING],
    ).fetchall()


def forget_payloads(con: duckdb.DuckDBPyConnection, payloads: Iterable[tuple[str, datetime, str]]) -> int:
    """Forget the payloads named by (url, timestamp, digest); then, for each digest that a usable archive capture
    still has but no stored payload holds any more, forget what was extracted from it and mark its archive
    captures ``RAW_MISSING`` (not usable), so that the next crawl fetches them again. One transaction; the texts
    stay stored and versions are not rebuilt here. Returns the captures marked."""
    begin(con)
    for url, ts, digest in payloads:
        con.execute("DELETE FROM payload WHERE url = ? AND ts = ? AND digest = ?", [url, ts, digest])
    digests = sorted({digest for *_, digest in uncovered_captures(con)})
    marked = 0
    for digest in digests:
        con.execute("DELETE FROM extraction WHERE digest = ?", [digest])
        done = con.execute(
            "UPDATE capture SET outcome = ?, usable = false, detail = 'raw bytes lost; found by doctor'"
            " WHERE digest = ? AND provenance = 'archive'",
            [RAW_MISSING, digest],
        ).fetchone()
        marked += int(done[0]) if done else 0  # the rows changed, as DuckDB counts them (a lake takes no RETURNING)
    con.execute("COMMIT")
    return marked
