"""Extraction runs over the stored raw captures (``palimpsest reextract``): the payloads a run reads, what it
stores, pointing captures at its results, and the technical changes it leaves: the versions that appeared or
vanished because the extractor changed, not the site.

A run itself is created by ``store.extraction_run``; reading the payloads' bytes and extracting them is the
fetchers' and extractors' work, carried by ``flows.reextraction``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import duckdb

from palimpsest.warehouse import store
from palimpsest.warehouse.lake import begin
from palimpsest.warehouse.rows import ExtractionRow, TextRow
from palimpsest.warehouse.statements import statement

__all__ = [
    "TechnicalChange",
    "finish_run",
    "reextractable_payloads",
    "repoint_captures",
    "save_results",
    "technical_changes",
]


@dataclass(frozen=True)
class TechnicalChange:
    """A version that an extraction run made appear or vanish."""

    site: str
    kind: str  # appeared | vanished
    first_seen: datetime
    last_seen: datetime
    text_sha256: str


def reextractable_payloads(
    con: duckdb.DuckDBPyConnection,
) -> list[tuple[str, datetime, str, int, str | None, str, int, int]]:
    """(url, timestamp, digest, status, location, WARC file, offset, length) of one stored payload per digest
    (its earliest), for every digest whose payload was a success (2xx) and no redirect; by digest."""
    return con.execute(statement("runs.reextractable_payloads")).fetchall()


def save_results(
    con: duckdb.DuckDBPyConnection, run_id: int, texts: list[TextRow], extractions: Iterable[ExtractionRow]
) -> None:
    """Store a batch of a run's results in one transaction: its texts, the sections of each distinct text (of
    texts sharing a hash, the last one's), and the run's extractions."""
    begin(con)
    store.save_texts(con, texts)
    store.save_sections(con, [s for t in {t.text_sha256: t for t in texts}.values() for s in t.sections])
    store.save_extractions(con, run_id, extractions)
    con.execute("COMMIT")


def repoint_captures(con: duckdb.DuckDBPyConnection, run_id: int) -> None:
    """Point every capture of each digest the run extracted at the run's result: its text, quality, usability,
    outcome and other documents. Only captures whose outcome came from extraction follow the run (not redirects,
    404s, fetch failures or imports); versions are not rebuilt here."""
    con.execute(statement("runs.repoint_captures"), {"run": run_id})


def finish_run(con: duckdb.DuckDBPyConnection, run_id: int, changes: list[TechnicalChange]) -> None:
    """Record the run's technical changes (replacing any it recorded before) and its finishing time, in one
    transaction."""
    begin(con)
    con.execute("DELETE FROM technical_change WHERE run_id = ?", [run_id])
    if changes:
        con.executemany(
            "INSERT OR REPLACE INTO technical_change (run_id, site, kind, first_seen, last_seen, text_sha256)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(run_id, c.site, c.kind, c.first_seen, c.last_seen, c.text_sha256) for c in changes],
        )
    con.execute("UPDATE extraction_run SET finished_at = current_timestamp WHERE run_id = ?", [run_id])
    con.execute("COMMIT")


def technical_changes(con: duckdb.DuckDBPyConnection, run_id: int | None = None) -> list[TechnicalChange]:
    """The versions a re-extraction made appear or vanish (the latest run's, unless ``run_id``)."""
    rows = con.execute(statement("runs.technical_changes"), [run_id]).fetchall()
    return [TechnicalChange(*row) for row in rows]
