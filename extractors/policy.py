"""``extract_policy``: raw capture bytes → the policy text, its language, and the extractor that produced it."""

from __future__ import annotations

from collections.abc import Mapping

from extractors.charset import decode_html
from extractors.html import EXTRACTOR, main_text
from extractors.language import detect_language
from extractors.normalise import normalise
from extractors.records import Extracted
from palimpsest.errors import EmptyText, UnsupportedMedia

_TEXT_TYPES = ("text/plain",)
_HTML_TYPES = ("text/html", "application/xhtml+xml", "")
_BINARY_TYPES = ("image/", "audio/", "video/", "font/", "application/zip", "application/octet-stream")


def extract_policy(body: bytes, url: str, headers: Mapping[str, str] | None = None) -> Extracted:
    """Extract the policy text from one capture's raw body.

    Raises :class:`EmptyText` when the page holds no text and :class:`UnsupportedMedia` for bodies that are not
    documents; both derive from ``PalimpsestError``.
    """
    content_type = _header(headers, "Content-Type") or ""
    media = content_type.split(";", 1)[0].strip().lower()
    if media.startswith(_BINARY_TYPES) or _looks_binary(body):
        raise UnsupportedMedia(f"{url}: {media or 'binary'} body is not a document", url=url)
    decoded = decode_html(body, content_type)
    if media in _TEXT_TYPES:
        text, extractor = decoded.text.strip(), "plain-text"
    else:
        text, extractor = main_text(decoded.text, url), EXTRACTOR
    if not normalise(text):
        raise EmptyText(f"{url}: no text found in {len(body)} bytes", url=url)
    return Extracted(
        text=text,
        language=detect_language(text),
        extractor=extractor,
        encoding=decoded.encoding,
    )


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def _looks_binary(body: bytes) -> bool:
    head = body[:1024]
    return b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff"))
