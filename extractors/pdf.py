"""PDF policies (pypdf): text runs with their font size and position, rebuilt into Markdown.

A PDF has no paragraphs or headings, only positioned runs of text. We read each run's font size and baseline,
group runs into lines, and then:

* drop running headers, footers and page numbers (a line repeated on most pages once digits are ignored, or a
  bare "Page 3 of 7");
* mark lines set larger than the body text, or in a bold font, as headings (the largest size is ``#``);
* join wrapped lines into paragraphs, split where the gap between lines is larger than the usual line spacing,
  and rejoin words hyphenated across lines;
* turn bullet characters into ``-`` list items.
"""

from __future__ import annotations

import io
import itertools
import re
from collections import Counter
from dataclasses import dataclass

from palimpsest.errors import EmptyText, UnsupportedMedia
from palimpsest.extractors.plaintext import join_blocks

EXTRACTOR = "palimpsest-pdf-1"
_PAGE_NUMBER = re.compile(r"^(?:page|seite|page|página|p\.)?\s*\d+\s*(?:(?:of|von|sur|de|/)\s*\d+)?$", re.I)
_BULLET = re.compile(r"^[•·▪◦‣\-–*]\s+")
_HEADING_SCALE = 1.12
_GAP_SCALE = 1.5
_RUNNING_SHARE = 0.5
_MARGIN = 0.08


@dataclass(frozen=True)
class Line:
    page: int
    y: float
    edge: bool  # in the top or bottom margin of the page
    size: float
    bold: bool
    text: str


def pdf_text(body: bytes, url: str) -> str:
    """Markdown text of a PDF body. Raises UnsupportedMedia for an unreadable PDF, EmptyText for one with no text."""
    import pypdf  # noqa: PLC0415 - lazy: pypdf, 0.63 s; only PDF captures need it
    from pypdf.errors import PyPdfError  # noqa: PLC0415 - lazy: the same package

    try:
        reader = pypdf.PdfReader(io.BytesIO(body))
        lines = [line for number, page in enumerate(reader.pages) for line in _page_lines(page, number)]
    except (PyPdfError, ValueError, KeyError, TypeError) as err:
        raise UnsupportedMedia(f"{url}: unreadable PDF ({err})", url=url) from err
    pages = len(reader.pages)
    body = _body_size(lines)
    margins = _margin_lines(lines)
    lines = [line for line in lines if not _is_running(line, margins, pages, body)]
    if not lines:
        raise EmptyText(f"{url}: the PDF holds no text (a scan without a text layer?)", url=url)
    return _markdown(lines)


def _page_lines(page, number: int) -> list[Line]:
    runs: list[tuple[float, float, bool, str]] = []

    def visit(text, cm, tm, font, size) -> None:
        if not text.strip():
            return
        scale = abs(tm[3] * cm[3]) or 1.0
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        name = str((font or {}).get("/BaseFont", "")) if hasattr(font, "get") else ""
        runs.append((round(y, 1), float(size) * scale, "bold" in name.lower(), text))

    page.extract_text(visitor_text=visit)
    height = float(page.mediabox.height) or 842.0
    lines: dict[float, list[tuple[float, bool, str]]] = {}
    for y, size, bold, text in runs:
        for part in text.split("\n"):
            if part.strip():
                lines.setdefault(y, []).append((size, bold, part))
    out = []
    for y in sorted(lines, reverse=True):
        parts = lines[y]
        size = max(p[0] for p in parts)
        edge = not _MARGIN < y / height < 1 - _MARGIN
        out.append(Line(number, y, edge, size, all(p[1] for p in parts), " ".join(p[2].strip() for p in parts)))
    return out


def _is_running(line: Line, margins: set[Line], pages: int, body: float) -> bool:
    if _PAGE_NUMBER.match(line.text.strip()):
        return True
    if line.edge and line.size < body:
        return True  # small print in the page margin: a running header or footer, even on a one-page PDF
    if pages < 2 or line not in margins:
        return False
    shape = re.sub(r"\d+", "#", line.text.strip())
    seen = {other.page for other in margins if re.sub(r"\d+", "#", other.text.strip()) == shape}
    return len(seen) >= max(2, _RUNNING_SHARE * pages)


def _margin_lines(lines: list[Line]) -> set[Line]:
    """The first two and last two lines of every page: where running headers and footers sit."""
    by_page: dict[int, list[Line]] = {}
    for line in lines:
        by_page.setdefault(line.page, []).append(line)
    return {line for page in by_page.values() for line in page[:2] + page[-2:]}


def _body_size(lines: list[Line]) -> float:
    sizes: Counter = Counter()
    for line in lines:
        sizes[round(line.size, 1)] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _markdown(lines: list[Line]) -> str:
    body = _body_size(lines)
    heading_sizes = sorted({round(x.size, 1) for x in lines if x.size > body * _HEADING_SCALE}, reverse=True)
    spacing = _usual_spacing(lines)
    blocks: list[str] = []
    previous: Line | None = None
    for line in lines:
        text = line.text.strip()
        level = _heading_level(line, body, heading_sizes)
        if level:
            blocks.append(f"{'#' * level} {text}")
            previous = None
            continue
        bullet = _BULLET.match(text)
        gap = previous is not None and (line.page != previous.page or previous.y - line.y > spacing * _GAP_SCALE)
        if bullet:
            blocks.append("- " + text[bullet.end() :])
        elif previous is None or (gap and line.page == previous.page) or not blocks:
            blocks.append(text)
        else:
            blocks[-1] = _join(blocks[-1], text)
        previous = line
    return join_blocks(blocks)


def _heading_level(line: Line, body: float, heading_sizes: list[float]) -> int:
    size = round(line.size, 1)
    if size in heading_sizes:
        return min(heading_sizes.index(size) + 1, 6)
    short = len(line.text.split()) <= 12 and not line.text.rstrip().endswith((".", ",", ";"))
    return len(heading_sizes) + 1 if line.bold and short and size >= body else 0


def _usual_spacing(lines: list[Line]) -> float:
    gaps = Counter(round(a.y - b.y, 1) for a, b in itertools.pairwise(lines) if a.page == b.page and a.y > b.y)
    return gaps.most_common(1)[0][0] if gaps else 12.0


def _join(left: str, right: str) -> str:
    if left.endswith("-") and right[:1].islower() and not left.endswith(" -"):
        return left[:-1] + right
    return f"{left} {right}"
