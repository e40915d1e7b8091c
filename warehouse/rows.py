"""Rows the warehouse stores and returns. Datetimes are timezone-aware UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class CaptureRow:
    """One capture's processed state, ready to store."""

    site: str
    url: str
    ts: datetime
    digest: str
    status: int | None
    mime: str | None
    outcome: str
    length: int | None = None
    detail: str | None = None
    text_sha256: str | None = None
    quality: str | None = None
    usable: bool = False
    provenance: str = "archive"
    #: Titles of the other documents the page held beside the policy, left out of its text.
    others: tuple[str, ...] = ()
    #: The archive it came from: (CDX endpoint or None when unknown, replay prefix).
    archive: tuple[str | None, str] | None = None


@dataclass(frozen=True)
class PayloadRow:
    url: str
    ts: datetime
    digest: str
    status: int
    body_digest: str
    warc_file: str
    warc_offset: int
    warc_length: int
    location: str | None = None


@dataclass(frozen=True)
class ExtractionRow:
    """What one extraction run made of one payload digest."""

    digest: str
    text_sha256: str | None
    quality: str
    error: str | None = None
    #: Titles of the other documents the page held beside the policy, left out of its text.
    others: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        return self.text_sha256 is not None and self.quality == "ok"

    @property
    def outcome(self) -> str:
        """The capture outcome this result implies (usable ones are settled as version/same-text on rebuild)."""
        if self.usable:
            return "same-text"
        if self.text_sha256 is not None:
            return f"skipped:{self.quality}"
        return self.error or "error:extraction"


@dataclass(frozen=True)
class SectionRow:
    """One section of a text, split on its headings (``extractors.sections``)."""

    text_sha256: str
    ord: int
    path: str
    heading: str | None
    body: str
    section_sha256: str


@dataclass(frozen=True)
class TextRow:
    text_sha256: str
    text: str
    words: int
    language: str | None
    extractor: str | None
    stated_date: date | None = None
    sections: tuple[SectionRow, ...] = ()


@dataclass(frozen=True)
class Version:
    """A row of the ``versions`` view, with the date the policy states for itself when the extractor found one."""

    site: str
    version: int
    policy_url: str
    first_seen: datetime
    last_seen: datetime
    captures: int
    language: str | None
    words: int
    text: str
    text_sha256: str
    extractor: str | None = None
    stated_date: date | None = None
