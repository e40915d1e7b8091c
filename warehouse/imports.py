"""Storing seed-format documents: each becomes a capture with provenance and outcome ``imported``.

The document is kept exactly as given (``imported_document``), its text is stored content-addressed like any
extracted text (described by the caller: words, language, stated date and sections come from extraction, see
``flows.importing``), and the site's versions are rebuilt, so an imported text joins the crawled history in time
order. Importing the same file again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from palimpsest.errors import BadInput
from palimpsest.text.normal import normalise
from palimpsest.warehouse import store
from palimpsest.warehouse.lake import transaction, variant
from palimpsest.warehouse.rows import CaptureRow, TextRow
from palimpsest.warehouse.seeds import UNCITED, SeedDocument, parse
from palimpsest.warehouse.statements import statement
from palimpsest.warehouse.versions import rebuild_versions, stale_sites

#: The extractor an imported text is filed under: it was given, not extracted.
EXTRACTOR = "imported"
_SAVE_DOCUMENT = statement("imports.save_document")


@dataclass(frozen=True)
class Imported:
    """A document read: where it is stored (for one imported before, where it was stored then), and whether
    this import stored it. ``asked`` is the (site, timestamp) this import asked for, when that differs."""

    name: str
    site: str
    url: str
    timestamp: datetime
    text_sha256: str
    new: bool
    asked: tuple[str, datetime] | None = None


@dataclass
class ImportSummary:
    documents: list[Imported] = field(default_factory=list)

    @property
    def new(self) -> int:
        return sum(1 for d in self.documents if d.new)


def read_documents(paths: list[Path]) -> list[tuple[str, SeedDocument]]:
    """Read and parse every file first, so one bad file stops the import before anything is stored."""
    documents = []
    for path in paths:
        try:
            content = path.read_bytes().decode("utf-8")
        except OSError as err:
            raise BadInput(f"cannot read {path}: {err.strerror or err}") from err
        except UnicodeDecodeError as err:
            raise BadInput(f"{path} is not UTF-8 text (byte {err.start}): seed files are UTF-8 Markdown") from err
        if not normalise(content):
            raise BadInput(f"{path} holds no text")
        doc = parse(content, source=str(path))
        if not normalise(doc.body):
            raise BadInput(f"{path} holds a header and no text after it")
        documents.append((path.name, doc))
    return documents


def placed(name: str, doc: SeedDocument, site: str | None, at: datetime | None) -> tuple[str, str, datetime]:
    """The (site, url, timestamp) a document is stored under: its header's, unless --site/--at say otherwise."""
    chosen_site = store.site_name(site) if site is not None else doc.site
    when = at or doc.timestamp
    if chosen_site is None or when is None:
        raise BadInput(f"{name} has no header citing a snapshot; give --site and --at for it")
    url = doc.url or f"{UNCITED}{name}"
    return chosen_site, url, when


def store_documents(
    con: duckdb.DuckDBPyConnection,
    documents: list[tuple[str, SeedDocument, TextRow]],
    *,
    site: str | None = None,
    at: datetime | None = None,
) -> ImportSummary:
    """Store the documents, each with the row describing its text, in one transaction, then rebuild the versions
    of every site they touched.

    A file imported before (the same bytes) is not stored again, wherever this import would place it: it is
    reported with the site and time it was stored under."""
    plan = [(name, doc, text, *placed(name, doc, site, at)) for name, doc, text in documents]
    summary = ImportSummary()

    def write() -> list[Imported]:
        """The documents' rows, in one transaction (on a lake, run again whole if another writer came first)."""
        documents: list[Imported] = []
        stored = {
            row[0]: row[1:]
            for row in con.execute(
                "SELECT file_sha256, site, url, ts FROM imported_document"
                " WHERE file_sha256 IN (SELECT unnest(?::VARCHAR[]))",
                [[doc.file_sha256 for _, doc, *_ in plan]],
            ).fetchall()
        }
        texts, sections, captures = [], [], []
        for name, doc, text, site_, url, when in plan:
            sha = text.text_sha256
            if doc.file_sha256 in stored:
                stored_site, stored_url, stored_ts = stored[doc.file_sha256]
                asked = None if (stored_site, stored_ts) == (site_, when) else (site_, when)
                documents.append(Imported(name, stored_site, stored_url, stored_ts, sha, False, asked))
                continue
            stored[doc.file_sha256] = (site_, url, when)  # the same file twice in one import: stored once
            digest = f"imported:{doc.file_sha256[:16]}"
            texts.append(text)
            sections.extend(text.sections)
            captures.append(
                CaptureRow(
                    site_,
                    url,
                    when,
                    digest,
                    None,
                    "text/markdown",
                    "imported",
                    text_sha256=sha,
                    quality="ok",
                    usable=True,
                    provenance="imported",
                    archive=(None, doc.archive) if doc.archive else None,
                )
            )
            store.ensure_site(con, site_)
            store.record_policy_url(con, site_, url, since=None, source="imported")
            con.execute(
                variant(con, _SAVE_DOCUMENT),
                [
                    doc.file_sha256,
                    name,
                    site_,
                    url,
                    when,
                    digest,
                    doc.cited,
                    doc.label,
                    doc.archived_on,
                    doc.body,
                    sha,
                    doc.header,
                ],
            )
            documents.append(Imported(name, site_, url, when, sha, True))
        store.save_texts(con, texts)
        store.save_sections(con, sections)
        store.save_captures(con, captures)
        return documents

    summary.documents.extend(transaction(con, write))
    # Sites that gained a document, and sites whose versions an interrupted import left out of date.
    touched = {d.site for d in summary.documents if d.new}
    touched |= {s for s, _, _ in stale_sites(con, sorted({d.site for d in summary.documents}))}
    for site_ in sorted(touched):
        rebuild_versions(con, site_)
    return summary
