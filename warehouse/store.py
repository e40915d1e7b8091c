"""Writes: sites, policy-URL lineage, captures, payloads and texts. Every value goes through parameters.

Loads are idempotent: captures are keyed on (site, url, timestamp, digest), payloads on (url, timestamp,
digest) and texts on their normalised hash (``warehouse.texts``), so storing the same thing twice changes
nothing. Captures and extractions name texts by hash and are stored with the text's number.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime

import duckdb

from palimpsest.names import site_name
from palimpsest.warehouse.lake import is_lake, variant
from palimpsest.warehouse.rows import CaptureRow, ExtractionRow, PayloadRow
from palimpsest.warehouse.statements import statement
from palimpsest.warehouse.texts import require_text_ids, save_sections, save_texts

__all__ = [
    "RETRYABLE",
    "capture_outcomes",
    "ensure_site",
    "extraction_run",
    "extractions_for",
    "inferred_captures",
    "mark_crawled",
    "record_policy_url",
    "redirect_moves",
    "save_captures",
    "save_extractions",
    "save_payloads",
    "save_sections",
    "save_texts",
    "settled_captures",
    "site_name",
    "stored_payloads",
]

#: Outcomes worth fetching again on a rerun: the archive, the network or the local disk failed, not the page.
RETRYABLE = (
    "error:network",
    "error:truncated",
    "error:rate-limited",
    "error:server",
    "error:digest-mismatch",
    "error:warc-write",
    "error:raw-missing",
    "error:interrupted",
)


# Bulk writes: each batch of rows goes in one statement, as one JSON document bound to one parameter.
_SAVE_CAPTURES = statement("store.save_captures")
_RECORD_POLICY_URL = statement("store.record_policy_url")
_CAPTURE_COLUMNS = (
    ("site", "VARCHAR"),
    ("url", "VARCHAR"),
    ("ts", "TIMESTAMPTZ"),
    ("digest", "VARCHAR"),
    ("status", "INTEGER"),
    ("mime", "VARCHAR"),
    ("length", "BIGINT"),
    ("outcome", "VARCHAR"),
    ("detail", "VARCHAR"),
    ("text_id", "INTEGER"),
    ("quality", "VARCHAR"),
    ("usable", "BOOLEAN"),
    ("provenance", "VARCHAR"),
    ("others", "VARCHAR[]"),
    ("archive_id", "INTEGER"),
)
_PAYLOAD_COLUMNS = (
    ("url", "VARCHAR"),
    ("ts", "TIMESTAMPTZ"),
    ("digest", "VARCHAR"),
    ("status", "INTEGER"),
    ("body_digest", "VARCHAR"),
    ("location", "VARCHAR"),
    ("warc_file", "VARCHAR"),
    ("warc_offset", "BIGINT"),
    ("warc_length", "BIGINT"),
)
_SAVE_PAYLOADS = statement("store.save_payloads")
_EXTRACTION_COLUMNS = (
    ("digest", "VARCHAR"),
    ("run_id", "INTEGER"),
    ("text_id", "INTEGER"),
    ("quality", "VARCHAR"),
    ("error", "VARCHAR"),
    ("others", "VARCHAR[]"),
)
_SAVE_EXTRACTIONS = statement("store.save_extractions")


def _write_many(
    con: duckdb.DuckDBPyConnection,
    statement: str,
    columns: tuple[tuple[str, str], ...],
    data: list,
    key: int,
) -> None:
    """Run ``statement`` once for all ``data`` rows, passed as one JSON document; the first ``key`` values of a
    row are its primary key. A row repeating a key replaces the earlier one, as row-by-row writes did.

    As of duckdb 1.5.5, ``executemany`` costs about 10 ms a row on a table with a primary key (500 capture rows:
    5.2 s); one statement reading the same rows from a JSON parameter takes a few milliseconds (measured 2026-11).
    """
    if not data:
        return
    names = [name for name, _ in columns]
    rows: dict[tuple, dict] = {}
    for row in data:
        rows[tuple(row[:key])] = dict(zip(names, row, strict=True))
    spec = json.dumps([dict(columns)])
    con.execute(statement, [json.dumps(list(rows.values()), default=json_value), spec])


def json_value(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def ensure_site(con: duckdb.DuckDBPyConnection, site: str) -> None:
    if is_lake(con):  # no key for ON CONFLICT in a lake: the writer looks first
        con.execute("INSERT INTO site (site) SELECT $1 WHERE $1 NOT IN (SELECT site FROM site)", [site])
        return
    con.execute("INSERT INTO site (site) VALUES (?) ON CONFLICT DO NOTHING", [site])


def mark_crawled(con: duckdb.DuckDBPyConnection, site: str, when: datetime | None = None) -> None:
    con.execute("UPDATE site SET last_crawl = ? WHERE site = ?", [when or datetime.now(UTC), site])


def record_policy_url(
    con: duckdb.DuckDBPyConnection,
    site: str,
    url: str,
    *,
    since: datetime | None,
    source: str,
    via: str | None = None,
) -> None:
    """Add ``url`` to the site's lineage; an earlier ``since`` for a known URL wins."""
    con.execute(variant(con, _RECORD_POLICY_URL), [site, url, since, source, via])


def url_spans(con: duckdb.DuckDBPyConnection, site: str) -> list[tuple[str, datetime, datetime]]:
    """Each URL the site's archive captures hold a policy at, with its first and last such capture."""
    return con.execute(
        "SELECT url, min(ts), max(ts) FROM capture WHERE site = ? AND usable AND provenance <> 'imported'"
        " GROUP BY url ORDER BY 2",
        [site],
    ).fetchall()


def lineage_links(con: duckdb.DuckDBPyConnection, site: str) -> list[tuple[str, str | None]]:
    """The site's policy URLs, each with the URL it was reached from (a redirect's source), if any."""
    return con.execute("SELECT url, via FROM policy_url WHERE site = ? ORDER BY url", [site]).fetchall()


def save_captures(
    con: duckdb.DuckDBPyConnection, rows: Iterable[CaptureRow], *, archive: tuple[str | None, str] | None = None
) -> int:
    """Store captures (a capture stored before is replaced); every text they name must be stored already.
    ``archive`` (CDX endpoint, replay prefix) is the archive of every row that does not name its own."""
    rows = list(rows)
    ids = require_text_ids(con, (r.text_sha256 for r in rows))
    archives = archive_ids(con, {r.archive or archive for r in rows} - {None})
    data = [
        (
            r.site,
            r.url,
            r.ts,
            r.digest,
            r.status,
            r.mime,
            r.length,
            r.outcome,
            r.detail,
            ids.get(r.text_sha256) if r.text_sha256 else None,
            r.quality,
            r.usable,
            r.provenance,
            list(r.others) or None,
            archives.get(r.archive or archive),  # type: ignore[arg-type]
        )
        for r in rows
    ]
    _write_many(con, variant(con, _SAVE_CAPTURES), _CAPTURE_COLUMNS, data, key=4)
    return len(data)


def archive_ids(con: duckdb.DuckDBPyConnection, archives: Iterable) -> dict[tuple[str | None, str], int]:
    """The number of each (CDX endpoint, replay prefix), stored the first time it is seen."""
    wanted = sorted(set(archives), key=lambda a: (a[0] or "", a[1]))
    if not wanted:
        return {}
    known = {(cdx, replay): number for number, cdx, replay in con.execute(_ARCHIVES).fetchall()}
    lake = is_lake(con)
    for cdx, replay in wanted:
        if (cdx, replay) not in known:
            if lake:  # a lake's insert returns nothing: the number is the one just computed
                known[(cdx, replay)] = con.execute(_NEXT_ARCHIVE).fetchone()[0]
                con.execute(_ADD_ARCHIVE_NUMBERED, [known[(cdx, replay)], cdx, replay])
            else:
                known[(cdx, replay)] = con.execute(_ADD_ARCHIVE, [cdx, replay]).fetchone()[0]
    return {pair: known[pair] for pair in wanted}


_ARCHIVES = "SELECT archive_id, cdx_url, replay_url FROM archive"
_ADD_ARCHIVE = (
    "INSERT INTO archive (archive_id, cdx_url, replay_url)"
    " SELECT coalesce(max(archive_id), 0) + 1, ?, ? FROM archive RETURNING archive_id"
)
_NEXT_ARCHIVE = "SELECT coalesce(max(archive_id), 0) + 1 FROM archive"
_ADD_ARCHIVE_NUMBERED = "INSERT INTO archive (archive_id, cdx_url, replay_url) VALUES (?, ?, ?)"


def save_payloads(con: duckdb.DuckDBPyConnection, rows: Iterable[PayloadRow]) -> None:
    data = [
        (
            r.url,
            r.ts,
            r.digest,
            r.status,
            None if r.body_digest == r.digest else r.body_digest,  # stored only when the bytes missed the digest
            r.location,
            r.warc_file,
            r.warc_offset,
            r.warc_length,
        )
        for r in rows
    ]
    _write_many(con, _SAVE_PAYLOADS, _PAYLOAD_COLUMNS, data, key=3)


def settled_captures(
    con: duckdb.DuckDBPyConnection, site: str, urls: Iterable[str], *, include_inferred: bool = True
) -> set[tuple[str, datetime, str]]:
    """(url, timestamp, digest) of the site's captures of these URLs that need no more work.

    Everything is settled except retryable errors, which a rerun fetches again, and, unless
    ``include_inferred``, captures whose text a sampled crawl inferred instead of fetching.
    """
    wanted = sorted(set(urls))
    if not wanted:
        return set()
    rows = con.execute(
        statement("store.settled_captures"), [site, wanted, list(RETRYABLE), include_inferred]
    ).fetchall()
    return {(url, ts, digest) for url, ts, digest in rows}


def inferred_captures(con: duckdb.DuckDBPyConnection, site: str, urls: Iterable[str]) -> set[tuple[str, datetime, str]]:
    """(url, timestamp, digest) of the site's captures of these URLs whose text a sampled crawl inferred."""
    rows = con.execute(
        """
        SELECT url, ts, digest FROM capture
        WHERE site = ? AND url IN (SELECT unnest(?::VARCHAR[])) AND provenance = 'inferred'
        """,
        [site, sorted(set(urls))],
    ).fetchall()
    return {(url, ts, digest) for url, ts, digest in rows}


def stored_payloads(
    con: duckdb.DuckDBPyConnection, keys: Iterable[tuple[str, datetime, str]]
) -> dict[tuple[str, datetime, str], tuple[int, str | None, str, int, int]]:
    """For each (url, timestamp, digest) of ``keys`` whose raw bytes are stored: (status, location, WARC file,
    offset, length)."""
    columns = _key_columns(keys)
    if not columns[0]:
        return {}
    rows = con.execute(_PAYLOADS_OF, columns).fetchall()
    return {(url, ts, digest): tuple(rest) for url, ts, digest, *rest in rows}


def capture_outcomes(
    con: duckdb.DuckDBPyConnection, site: str, keys: Iterable[tuple[str, datetime, str]]
) -> list[tuple[str, int]]:
    """(outcome, captures) over ``site``'s captures named by (url, timestamp, digest), as stored now."""
    columns = _key_columns(keys)
    if not columns[0]:
        return []
    return con.execute(_OUTCOMES_OF, [*columns, site]).fetchall()


#: Capture keys bound as three lists (``_key_columns``) and read back as rows, to join on.
_KEYS = "(SELECT unnest(?::VARCHAR[]) AS url, unnest(?::TIMESTAMPTZ[]) AS ts, unnest(?::VARCHAR[]) AS digest)"
_PAYLOADS_OF = (
    "SELECT url, ts, digest, status, location, warc_file, warc_offset, warc_length FROM payload"  # noqa: S608 - _KEYS, a constant of this module, holds no value
    f" JOIN {_KEYS} USING (url, ts, digest)"
)
_OUTCOMES_OF = (
    f"SELECT outcome, count(*) FROM capture JOIN {_KEYS} USING (url, ts, digest)"  # noqa: S608 - as above
    " WHERE site = ? GROUP BY outcome ORDER BY outcome"
)


def _key_columns(keys: Iterable[tuple[str, datetime, str]]) -> list[list]:
    """(url, timestamp, digest) keys as three lists (urls, timestamps, digests), for ``_KEYS``."""
    rows = list(keys)
    return [[row[n] for row in rows] for n in range(3)]


def extraction_run(con: duckdb.DuckDBPyConnection, extractor: str, settings: str = "") -> int:
    """The id of the extraction run for this extractor and settings, created on first use."""
    row = con.execute(
        "SELECT run_id FROM extraction_run WHERE extractor = ? AND coalesce(settings, '') = ?",
        [extractor, settings],
    ).fetchone()
    if row:
        return int(row[0])
    next_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM extraction_run").fetchone()[0]
    con.execute(
        "INSERT INTO extraction_run (run_id, extractor, settings) VALUES (?, ?, ?)",
        [next_id, extractor, settings],
    )
    return int(next_id)


def save_extractions(con: duckdb.DuckDBPyConnection, run_id: int, rows: Iterable[ExtractionRow]) -> None:
    rows = list(rows)
    ids = require_text_ids(con, (r.text_sha256 for r in rows))
    data = [
        (
            r.digest,
            run_id,
            ids.get(r.text_sha256) if r.text_sha256 else None,
            r.quality,
            r.error,
            list(r.others) or None,
        )
        for r in rows
    ]
    _write_many(con, _SAVE_EXTRACTIONS, _EXTRACTION_COLUMNS, data, key=2)


def extractions_for(con: duckdb.DuckDBPyConnection, run_id: int, digests: Iterable[str]) -> dict[str, ExtractionRow]:
    """What this run already made of each digest (fetched and extracted before, for any URL)."""
    wanted = sorted({d for d in digests if d and d != "-"})
    if not wanted:
        return {}
    rows = con.execute(statement("store.extractions_for"), [run_id, wanted]).fetchall()
    return {d: ExtractionRow(d, sha, quality, error, tuple(others or ())) for d, sha, quality, error, others in rows}


def redirect_moves(con: duckdb.DuckDBPyConnection, site: str, urls: Iterable[str]) -> list[tuple[datetime, str]]:
    """Every target these URLs' archived redirects point to, with the first time each was seen."""
    rows = con.execute(statement("store.redirect_moves"), [site, sorted(set(urls))]).fetchall()
    return [(ts, target) for ts, target in rows]
