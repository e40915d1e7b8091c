"""The corpus flows: ``import_corpus``, ``verify_corpus`` and ``reextract``, thin over plain modules.

Each reads its settings from the ``PALIMPSEST_*`` environment, like ``crawl_policy``, and returns a plain dict
that Prefect can show and store.
"""

from __future__ import annotations

from pathlib import Path

from palimpsest.flows.reextraction import reextract as reextract_all
from palimpsest.flows.verification import verify_imports
from palimpsest.warehouse import warehouse
from palimpsest.warehouse.imports import import_documents, read_documents
from prefect import flow, get_run_logger

from palimpsest.settings import Settings
from palimpsest.timestamps import parse_timestamp


@flow(name="import_corpus", log_prints=False, retries=0)
def import_corpus(paths: list[str], site: str | None = None, at: str | None = None) -> dict:
    """Import seed-format files as versions with provenance ``imported``.

    Args:
        paths: the files to import; all are read and checked before anything is stored.
        site: the site for every file (needed for files with no header).
        at: the archive time for every file (needed for files with no header).
    """
    documents = read_documents([Path(p) for p in paths])
    with warehouse(Settings.from_env().db) as con:
        summary = import_documents(con, documents, site=site, at=parse_timestamp(at) if at else None)
    get_run_logger().info("%d files read, %d new", len(summary.documents), summary.new)
    return {"files": len(summary.documents), "new": summary.new, "sites": sorted({d.site for d in summary.documents})}


@flow(name="verify_corpus", log_prints=False, retries=0)
def verify_corpus(site: str | None = None) -> dict:
    """Fetch each imported document's cited snapshot, extract it and record how similar the texts are.

    Args:
        site: only this site's imported documents.
    """
    results = verify_imports(Settings.from_env(), site=site)
    outcomes: dict[str, int] = {}
    for result in results:
        outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
    get_run_logger().info("%d documents verified: %s", len(results), outcomes)
    return {"verified": len(results), "outcomes": outcomes}


@flow(name="reextract", log_prints=False, retries=0)
def reextract() -> dict:
    """Re-extract every stored raw capture with the current extractor (fetching nothing) and rebuild versions."""
    summary = reextract_all(Settings.from_env())
    get_run_logger().info(
        "run %d: %d payloads, %d technical changes", summary.run_id, summary.payloads, len(summary.changes)
    )
    return {
        "run_id": summary.run_id,
        "payloads": summary.payloads,
        "unreadable": summary.unreadable,
        "appeared": sum(1 for c in summary.changes if c.kind == "appeared"),
        "vanished": sum(1 for c in summary.changes if c.kind == "vanished"),
    }
