"""Typed, immutable records for what the archive tells us. Field names are the CDX API's own (IA spelling)."""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from palimpsest.timestamps import to_14

#: base32 SHA-1 of the empty body: the digest IA gives to bodiless redirects (seen in recorded CDX, 2022).
EMPTY_DIGEST = "3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"


def header_value(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """The first value of header ``name`` (any case) among ``(name, value)`` pairs, or None."""
    lowered = name.lower()
    return next((value for key, value in headers if key.lower() == lowered), None)


def sha1_base32(body: bytes) -> str:
    """The CDX digest of a body: base32 of its SHA-1, as both IA and pywb compute it."""
    return base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")  # noqa: S324 - the archive's own digest


@dataclass(frozen=True)
class Capture:
    """One CDX row. ``statuscode`` is None for revisit records and ``-`` fields; ``length`` likewise."""

    timestamp: datetime
    original: str
    digest: str
    statuscode: int | None = None
    mimetype: str = ""
    urlkey: str = ""
    length: int | None = None
    #: The timestamp exactly as the archive wrote it. Usually ``ts14``; differs for 2000-era rows with month or
    #: day ``00``, which we repair for ``timestamp`` but must replay under their own spelling.
    timestamp_raw: str = field(default="", compare=False)

    @property
    def ts14(self) -> str:
        return to_14(self.timestamp)

    @property
    def replay_timestamp(self) -> str:
        return self.timestamp_raw or self.ts14

    @property
    def is_revisit(self) -> bool:
        return self.mimetype == "warc/revisit"

    @property
    def is_redirect(self) -> bool:
        return self.statuscode is not None and 300 <= self.statuscode < 400

    @property
    def is_not_found(self) -> bool:
        return self.statuscode in {404, 410}

    @property
    def key(self) -> tuple[str, datetime, str]:
        """The content-addressed identity of a capture: (url, timestamp, digest)."""
        return (self.original, self.timestamp, self.digest)


@dataclass(frozen=True)
class Fetched:
    """The raw answer to one ``id_`` replay request, as the archive gave it.

    ``body`` is the payload exactly as archived (content-encoding not removed), so its SHA-1 is comparable to the
    CDX digest. ``headers`` are the original response headers as archived. ``memento`` and ``served_url`` are the
    capture time and URL the archive says it really served, which can differ from what we asked for when the
    archive answers with its nearest capture instead (IA through a 302 hop, pywb directly): see :attr:`served`.
    """

    capture: Capture
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    memento: datetime
    location: str | None = None
    requested_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    served_url: str = ""

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)

    @property
    def body_digest(self) -> str:
        return sha1_base32(self.body)

    @property
    def content(self) -> bytes:
        """The body with its Content-Encoding removed (gzip/deflate); the raw body if it cannot be decoded."""
        encoding = (self.header("Content-Encoding") or "").strip().lower()
        if encoding in {"gzip", "x-gzip", "deflate"} and self.body:
            try:
                return zlib.decompress(self.body, wbits=47 if encoding != "deflate" else 15)
            except zlib.error:
                try:
                    return zlib.decompress(self.body, wbits=-15)
                except zlib.error:
                    return self.body
        return self.body

    @property
    def digest_matches(self) -> bool:
        """Whether we hold the bytes the CDX row promised (on the raw or the content-decoded body).

        Revisit rows carry the original's digest, so they match the payload the archive resolves them to.
        """
        wanted = self.capture.digest
        if wanted in {"", "-"}:
            return True
        return wanted in {self.body_digest, sha1_base32(self.content)}

    @property
    def inexact(self) -> bool:
        """The archive served another capture than the one asked for (its nearest one, at another time)."""
        return self.memento.replace(microsecond=0) != self.capture.timestamp

    @property
    def served(self) -> Capture:
        """The capture these bytes really are: the archive's time and URL, and the digest of the bytes."""
        if not self.inexact:
            return self.capture
        digest = self.capture.digest if self.digest_matches else self.body_digest
        return Capture(
            timestamp=self.memento.replace(microsecond=0),
            original=self.served_url or self.capture.original,
            digest=digest,
            statuscode=self.status,
            mimetype=(self.header("Content-Type") or "").split(";", 1)[0].strip(),
        )
