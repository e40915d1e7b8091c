"""The corpus as a whole: ``search``, ``import``, ``export``, ``verify`` and ``reextract``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from palimpsest.cli.invocation import invocation
from palimpsest.cli.output import console, error, plural, render_table, say
from palimpsest.errors import BadInput, NotAWarehouse, WarehouseError, WarehouseLocked
from palimpsest.timestamps import parse_timestamp
from palimpsest.warehouse import export as exports
from palimpsest.warehouse import queries
from palimpsest.warehouse import search as fts
from palimpsest.warehouse.imports import read_documents

FORMATS = ("table", "csv", "json")
#: How long search waits for the write lock to rebuild a stale index before it scans instead (seconds).
INDEX_WAIT = 2.0


def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help='Words to look for, e.g. "third parties"')],
    site: Annotated[str | None, typer.Option(help="Only this site")] = None,
    at: Annotated[str | None, typer.Option(help="Only the versions in force at this time (YYYY…, ISO 8601)")] = None,
    limit: Annotated[int, typer.Option(help="At most this many results")] = 20,
    format_: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
) -> None:
    """Full-text search (BM25) over every version and section; best matches first, one row per version.

    The index is rebuilt first when texts were added since it was built (after a crawl, import or reextract).
    A warehouse that cannot be written then (a read-only disk, another process holding it) is searched by an
    exact scan of every text instead, with a note: every word must occur, ranked by how often.

    Example: palimpsest search "third parties" --site example.com --at 2018
    """
    if format_ not in FORMATS:
        raise BadInput(f"--format must be one of {', '.join(FORMATS)}")
    if limit < 1:
        raise BadInput("--limit must be 1 or more")
    moment = parse_timestamp(at) if at else None
    run = invocation(ctx)
    exact = fts.no_index(run.settings.db)  # why the index cannot be used, when it cannot
    try:
        if exact is None and fts.ensure_index(
            run.settings.db, on_wait=error, lock_timeout=min(run.settings.lock_timeout, INDEX_WAIT)
        ):
            error("search index rebuilt: texts were added since it was built")
    except WarehouseLocked:
        exact = "the search index is out of date and another process holds the warehouse"
    except NotAWarehouse:
        raise
    except WarehouseError as err:
        reason = str(err).rsplit(": ", 1)[-1].strip()
        exact = f"the search index is out of date and the warehouse cannot be written here ({reason})"
    with run.warehouse() as con:
        name = queries.resolve_site(con, site) if site else None
        if exact:
            error(f"note: {exact}; every text was scanned for the exact words")
            hits = fts.scan(con, query, site=name, at=moment, limit=limit)
        else:
            hits = fts.search(con, query, site=name, at=moment, limit=limit)
    columns = ["site", "version", "first seen", "last seen", "score", "section", "snippet"]
    rows = [(h.site, h.version, h.first_seen, h.last_seen, round(h.score, 3), h.heading or "", h.snippet) for h in hits]
    render_table(columns, rows, fmt=format_, title=f"{plural(len(hits), 'result')} for {query!r}")


def import_(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Seed-format files (Markdown after a header citing a snapshot)")],
    site: Annotated[str | None, typer.Option(help="Site for every file (needed for files with no header)")] = None,
    at: Annotated[str | None, typer.Option(help="Archive time for every file (needed with no header)")] = None,
) -> None:
    """Import seed-format documents as versions with provenance 'imported'.

    The header's cited snapshot (https://web.archive.org/web/<ts>id_/<url>) gives the site, URL and time.
    Every file is read and checked before anything is stored; importing a file again changes nothing.

    Example: palimpsest import policy.md --site example.com --at 2016-05-01
    """
    from palimpsest.flows.importing import import_documents  # noqa: PLC0415 - lazy: trafilatura, 0.65 s

    moment = parse_timestamp(at) if at else None
    documents = read_documents(files)
    with invocation(ctx).warehouse(write=True) as con:
        summary = import_documents(con, documents, site=site, at=moment)
    for doc in summary.documents:
        state = "imported" if doc.new else "already imported"
        line = f"{doc.name}: {state} as {doc.site} at {doc.timestamp:%Y-%m-%d %H:%M:%S} ({doc.url})"
        if doc.asked:
            line += f"; the same file is not stored again as {doc.asked[0]} at {doc.asked[1]:%Y-%m-%d %H:%M:%S}"
        say(line)
    say(f"{plural(summary.new, 'new document')}, {plural(len(summary.documents), 'file')} read")


def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Argument(help="Folder to write into (created if missing)")],
    format_: Annotated[str, typer.Option("--format", help="markdown, parquet or jsonl")] = "markdown",
) -> None:
    """Export every version: markdown (one seed-format file per version), or parquet/jsonl (one file per view).

    Imported documents come back byte for byte. Parquet files are zstd-compressed and keep the views' types.

    Example: palimpsest export out/ --format parquet
    """
    if format_ not in exports.FORMATS:
        raise BadInput(f"--format must be one of {', '.join(exports.FORMATS)}")
    with invocation(ctx).warehouse() as con:
        summary = exports.export(con, out, format_)
    say(f"wrote {plural(len(summary.files), 'file')} ({plural(summary.rows, 'row')}) to {out}")


def verify(
    ctx: typer.Context,
    site: Annotated[str | None, typer.Option(help="Only this site's imported documents")] = None,
    format_: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
) -> None:
    """Fetch the snapshot each imported document cites, extract it, and report how similar the texts are.

    Similarity is 1.0 for the same normalised text; snapshots come through PALIMPSEST_REPLAY_URL. Documents that
    cite no snapshot are listed as skipped. Exits 1 when a snapshot differs from its document or could not be
    checked.

    Example: palimpsest verify --site example.com
    """
    from palimpsest.flows.verification import verify_imports  # noqa: PLC0415 - lazy: trafilatura, 0.65 s

    if format_ not in FORMATS:
        raise BadInput(f"--format must be one of {', '.join(FORMATS)}")
    results = verify_imports(invocation(ctx).settings, site=site)
    rows = [
        (r.name, r.site, None if r.similarity is None else round(r.similarity, 3), r.outcome, r.cited) for r in results
    ]
    render_table(["file", "site", "similarity", "outcome", "snapshot"], rows, fmt=format_)
    counted = Counter(r.outcome.split(":")[0] for r in results)
    summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counted.items()))
    error(f"{plural(len(results), 'document')}: {summary or 'none imported'}")
    failed = [r for r in results if r.failed]
    if failed:
        error(f"{plural(len(failed), 'snapshot')} did not show the imported text or could not be checked")
        raise typer.Exit(code=1)


def reextract(ctx: typer.Context) -> None:
    """Re-run extraction over the stored raw captures with the current extractor; fetches nothing.

    Versions are rebuilt. Versions that appeared or vanished because of the extractor, not the site, are listed
    (and kept in the table technical_change).

    Example: palimpsest reextract
    """
    from palimpsest.flows.reextraction import reextract as run  # noqa: PLC0415 - lazy: trafilatura, 0.65 s

    with console.status("re-extracting the stored captures …"):
        summary = run(invocation(ctx).settings)
    if not summary.run_id:
        say("no raw captures are stored (imported documents keep only their text): nothing to re-extract")
        return
    say(
        f"extraction run {summary.run_id}: {plural(summary.payloads, 'payload')} re-extracted"
        + (f", {summary.unreadable} unreadable" if summary.unreadable else "")
        + f", {plural(summary.sites, 'site')} rebuilt"
    )
    rows = [(c.site, c.kind, c.first_seen, c.last_seen, c.text_sha256[:12]) for c in summary.changes]
    if rows:
        render_table(["site", "version", "first seen", "last seen", "text"], rows, title="technical changes")
    else:
        say("no version appeared or vanished: the extractor changed no version")
