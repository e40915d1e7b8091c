"""``extract_policy``: raw capture bytes → the policy text, its language, and the extractor that produced it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import unescape

from palimpsest.errors import EmptyText, UnsupportedMedia, UnusableText
from palimpsest.extractors.charset import decode_html
from palimpsest.extractors.documents import scope, trim
from palimpsest.extractors.extracted import Extracted
from palimpsest.extractors.html import main_text
from palimpsest.extractors.language import detect_language
from palimpsest.extractors.pdf import EXTRACTOR as PDF
from palimpsest.extractors.pdf import pdf_text
from palimpsest.extractors.plaintext import EXTRACTOR as PLAIN
from palimpsest.extractors.plaintext import plain_text
from palimpsest.extractors.quality import OK, classify
from palimpsest.extractors.stated_date import stated_date
from palimpsest.text.normal import normalise
from palimpsest.text.sections import canonical_headings

_TEXT_TYPES = ("text/plain",)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_PDF_TYPES = ("application/pdf", "application/x-pdf")
_HTML_TYPES = ("text/html", "application/xhtml+xml", "")
_BINARY_TYPES = ("image/", "audio/", "video/", "font/", "application/zip", "application/octet-stream")


def extract_policy(body: bytes, url: str, headers: Mapping[str, str] | None = None) -> Extracted:
    """Extract the policy text from one capture's raw body.

    Raises :class:`EmptyText` when the page holds no text, :class:`UnusableText` (with the extraction attached)
    when its text is not the policy (a soft 404, a bot wall, …), and :class:`UnsupportedMedia` for bodies that
    are not documents; all derive from ``PalimpsestError``.
    """
    content_type = next((value for name, value in (headers or {}).items() if name.lower() == "content-type"), "")
    media = content_type.split(";", 1)[0].strip().lower()
    is_pdf = media in _PDF_TYPES or body[:1024].lstrip().startswith(b"%PDF-")
    if not is_pdf and (media.startswith(_BINARY_TYPES) or _looks_binary(body)):
        raise UnsupportedMedia(f"{url}: {media or 'binary'} body is not a document", url=url)
    if is_pdf:
        text, extractor, encoding, markup = pdf_text(body, url), PDF, None, None
    else:
        decoded = decode_html(body, content_type)
        encoding, markup = decoded.encoding, None
        if media in _TEXT_TYPES:
            text, extractor = plain_text(decoded.text), PLAIN
        else:
            text, extractor = main_text(decoded.text, url)
            markup = decoded.text
    text = canonical_headings(text)
    others: tuple[str, ...] = ()
    if markup is not None:
        # A web page may hold the terms of use or a legal page's other notices beside the policy (documents.py).
        scoped = scope(trim(text))
        text, others = scoped.text, scoped.others
        if others:
            text = canonical_headings(text)  # the policy's own title now opens the text
    if not normalise(text):
        raise EmptyText(f"{url}: no text found in {len(body)} bytes", url=url)
    language = detect_language(text)
    title = _title(markup)
    extracted = Extracted(
        text=text,
        language=language,
        extractor=extractor,
        encoding=encoding,
        title=title,
        quality=classify(text, title=title, html=markup, url=url),
        stated_date=stated_date(text, language),
        others=others,
    )
    if extracted.quality != OK:
        raise UnusableText(
            f"{url}: not a policy ({extracted.quality}): {title or text[:60]!r}",
            url=url,
            quality=extracted.quality,
            extracted=extracted,
        )
    return extracted


def _title(markup: str | None) -> str | None:
    match = _TITLE.search(markup[:20_000]) if markup else None
    return " ".join(unescape(match.group(1)).split()) or None if match else None


def _looks_binary(body: bytes) -> bool:
    head = body[:1024]
    return b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff"))
