"""Importing seed-format documents: each document's text described as extraction describes a page's (words,
language, stated date, sections), then stored by the warehouse. Plain code, used by ``import_corpus`` and
``palimpsest import``."""

from __future__ import annotations

from datetime import datetime

import duckdb

from palimpsest.extractors import Extracted
from palimpsest.extractors.language import detect_language
from palimpsest.extractors.stated_date import stated_date
from palimpsest.flows.pipeline import text_row
from palimpsest.warehouse.imports import EXTRACTOR, ImportSummary, read_documents, store_documents
from palimpsest.warehouse.rows import TextRow
from palimpsest.warehouse.seeds import SeedDocument

__all__ = ["describe", "import_documents", "read_documents"]


def describe(body: str) -> TextRow:
    """The warehouse row of an imported text: the text as given, with what extraction reads from it."""
    language = detect_language(body)
    return text_row(Extracted(body, language, EXTRACTOR, stated_date=stated_date(body, language)))


def import_documents(
    con: duckdb.DuckDBPyConnection,
    documents: list[tuple[str, SeedDocument]],
    *,
    site: str | None = None,
    at: datetime | None = None,
) -> ImportSummary:
    """Store the documents read by :func:`read_documents` (see ``warehouse.imports.store_documents``)."""
    described = [(name, doc, describe(doc.body)) for name, doc in documents]
    return store_documents(con, described, site=site, at=at)
