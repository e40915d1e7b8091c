"""The corpus flows: ``import_corpus``, ``verify_corpus`` and ``reextract``, thin over plain modules.

Each takes its settings as a parameter (by default the ``PALIMPSEST_*`` environment, as on a deployment's worker),
like ``crawl_policy``, and returns a plain dict that Prefect can show and store.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger

from palimpsest.flows.importing import import_documents, read_documents
from palimpsest.flows.reextraction import reextract as reextract_all
from palimpsest.flows.verification import verify_imports
from palimpsest.settings import Settings
from palimpsest.timestamps import parse_timestamp
from palimpsest.warehouse import warehouse


@flow(name="import_corpus", log_prints=False, retries=0)
def import_corpus(
    paths: list[str], site: str | None = None, at: str | None = None, settings: Settings | None = None
) -> dict:
    """Import seed-format files as versions with provenance ``imported``.

    Args:
        paths: the files to import; all are read and checked before anything is stored.
        site: the site for every file (needed for files with no header).
        at: the archive time for every file (needed for files with no header).
        settings: where the warehouse and raw captures are, and which archive to ask at what pace; by default the
            ``PALIMPSEST_*`` environment of the process running the flow (a deployment's worker).
    """
    settings = settings or Settings.from_env()
    documents = read_documents([Path(p) for p in paths])
    with warehouse(settings.db, lock_timeout=settings.lock_timeout) as con:
        summary = import_documents(con, documents, site=site, at=parse_timestamp(at) if at else None)
    get_run_logger().info("%d files read, %d new", len(summary.documents), summary.new)
    return {"files": len(summary.documents), "new": summary.new, "sites": sorted({d.site for d in summary.documents})}


@flow(name="verify_corpus", log_prints=False, retries=0)
def verify_corpus(site: str | None = None, settings: Settings | None = None) -> dict:
    """Fetch each imported document's cited snapshot, extract it and record how similar the texts are.

    Args:
        site: only this site's imported documents.
        settings: where the warehouse and raw captures are, and which archive to ask at what pace; by default the
            ``PALIMPSEST_*`` environment of the process running the flow (a deployment's worker).
    """
    results = verify_imports(settings or Settings.from_env(), site=site)
    outcomes: dict[str, int] = {}
    for result in results:
        outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
    get_run_logger().info("%d documents verified: %s", len(results), outcomes)
    return {"verified": len(results), "outcomes": outcomes}


@flow(name="reextract", log_prints=False, retries=0)
def reextract(settings: Settings | None = None) -> dict:
    """Re-extract every stored raw capture with the current extractor (fetching nothing) and rebuild versions.

    Args:
        settings: where the warehouse and raw captures are, and which archive to ask at what pace; by default the
            ``PALIMPSEST_*`` environment of the process running the flow (a deployment's worker).
    """
    summary = reextract_all(settings or Settings.from_env())
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
