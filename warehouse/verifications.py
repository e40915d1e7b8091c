"""Verifying imported documents against the snapshots they cite: the documents to verify, and the results kept
in ``verification``. Fetching and comparing the snapshot is ``flows.verification``'s work."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import duckdb

from palimpsest.warehouse.lake import begin
from palimpsest.warehouse.statements import statement

__all__ = ["cited_documents", "save_verifications", "uncited_documents"]


def cited_documents(
    con: duckdb.DuckDBPyConnection, site: str | None = None
) -> list[tuple[str, str, str, str, datetime, str, str]]:
    """(file SHA-256, name, site, url, timestamp, cited snapshot, body) of every imported document that cites a
    snapshot (those of ``site`` only, if given), by site, time and name."""
    return con.execute(statement("verifications.cited_documents"), [site, site]).fetchall()


def uncited_documents(con: duckdb.DuckDBPyConnection, site: str | None = None) -> list[tuple[str, str]]:
    """(name, site) of every imported document that cites no snapshot, so cannot be verified, by site and name."""
    return con.execute(
        "SELECT name, site FROM imported_document WHERE cited IS NULL AND (? IS NULL OR site = ?) ORDER BY site, name",
        [site, site],
    ).fetchall()


def save_verifications(
    con: duckdb.DuckDBPyConnection, results: Iterable[tuple[str, float | None, str, str | None]]
) -> None:
    """Keep each (file SHA-256, similarity, outcome, detail) in ``verification``, all in one transaction."""
    begin(con)
    for file_sha, similarity, outcome, detail in results:
        con.execute(
            "INSERT INTO verification (file_sha256, similarity, outcome, detail) VALUES (?, ?, ?, ?)",
            [file_sha, similarity, outcome, detail],
        )
    con.execute("COMMIT")
