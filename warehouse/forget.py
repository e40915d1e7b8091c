"""Forgetting a site, or one URL of its lineage: what ``palimpsest forget`` removes.

A site filed by mistake (a typo, the wrong URL) should not stay in every history, report and refresh. Its
captures, versions, lineage, imported documents and their verifications go, in one transaction, and a site that
keeps other URLs has its versions rebuilt from what is left. Texts stay (they are stored once for every site that
has them), and so do the raw bytes in the WARC store and their payload rows: a later crawl of the same captures
fetches nothing again. ``palimpsest doctor`` counts the raw captures no site uses any more, and
``doctor --collect`` removes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from palimpsest.warehouse.lake import begin, rollback
from palimpsest.warehouse.versions import rebuild_versions


@dataclass(frozen=True)
class Forgotten:
    site: str
    url: str | None
    captures: int
    versions: int
    documents: int


def forget(con: duckdb.DuckDBPyConnection, site: str, url: str | None = None) -> Forgotten:
    """Remove ``site`` (or only ``url`` of its lineage) from the warehouse; returns what went."""
    where, values = ("site = ?", [site]) if url is None else ("site = ? AND url = ?", [site, url])
    counted = Forgotten(
        site,
        url,
        _count(con, f"SELECT count(*) FROM capture WHERE {where}", values),  # noqa: S608 - one of two fixed filters
        _count(con, f"SELECT count(*) FROM version WHERE {where.replace('url', 'policy_url')}", values),  # noqa: S608 - the same fixed filters
        _count(con, f"SELECT count(*) FROM imported_document WHERE {where}", values),  # noqa: S608 - the same fixed filters
    )
    begin(con)
    try:
        documents = f"SELECT file_sha256 FROM imported_document WHERE {where}"  # noqa: S608 - the same fixed filters
        con.execute(f"DELETE FROM verification WHERE file_sha256 IN ({documents})", values)  # noqa: S608 - as above
        for table in ("imported_document", "capture", "policy_url"):
            con.execute(f"DELETE FROM {table} WHERE {where}", values)  # noqa: S608 - tables named here, fixed filters
        if url is None:
            for table in ("version", "technical_change", "site"):
                con.execute(f"DELETE FROM {table} WHERE site = ?", [site])  # noqa: S608 - tables named here
        con.execute("COMMIT")
    except Exception:
        rollback(con)
        raise
    if url is not None:
        rebuild_versions(con, site)
    return counted


def lineage(con: duckdb.DuckDBPyConnection, site: str) -> list[str]:
    """The URLs ``site``'s policy has lived at, oldest first."""
    rows = con.execute("SELECT url FROM policy_url WHERE site = ? ORDER BY since NULLS FIRST, url", [site])
    return [row[0] for row in rows.fetchall()]


def _count(con: duckdb.DuckDBPyConnection, query: str, values: list) -> int:
    row = con.execute(query, values).fetchone()
    return int(row[0]) if row else 0
