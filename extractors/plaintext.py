"""Plain-text policies (``text/plain`` bodies, printer-friendly ``<pre>`` pages) as Markdown.

Such files wrap lines at a fixed width, underline headings with ``===``/``---``, and mark list items with ``*``,
``-``, ``o`` or ``•``. Wrapped lines are joined back into paragraphs, underlined and short all-capital lines become
headings, and list markers become ``-``. The words themselves are never changed.
"""

from __future__ import annotations

import re

EXTRACTOR = "palimpsest-text-1"
_UNDERLINE = re.compile(r"^\s*(=+|-+|~+)\s*$")
_BULLET = re.compile(r"^\s*(?:[*\-•·o]|\d{1,2}[.)])\s+(?=\S)")
_CAPS_HEADING = re.compile(r"^[^a-z]*[A-Z][^a-z]*$")
_MAX_HEADING_WORDS = 12


def plain_text(text: str) -> str:
    """Markdown for a plain-text document: paragraphs joined, headings marked, list items as ``-``."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[str] = []
    paragraph: list[str] = []
    item: list[str] | None = None

    def flush() -> None:
        nonlocal item
        if item is not None:
            blocks.append("- " + " ".join(item))
            item = None
        if paragraph:
            blocks.append(" ".join(paragraph))
            paragraph.clear()

    for index, raw in enumerate(lines):
        line = raw.strip()
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if _UNDERLINE.match(raw) and not line.strip("=-~"):
            continue
        if not line:
            flush()
            continue
        if _UNDERLINE.match(following) and len(following.strip()) >= max(3, len(line) // 2):
            flush()
            level = 1 if following.strip().startswith("=") else 2
            blocks.append(f"{'#' * level} {line}")
            continue
        if _is_caps_heading(line, paragraph, item):
            flush()
            blocks.append(f"## {line}")
            continue
        bullet = _BULLET.match(raw)
        if bullet:
            flush()
            item = [raw[bullet.end() :].strip()]
            continue
        if item is not None and raw.startswith((" ", "\t")):
            item.append(line)
            continue
        if item is not None:
            flush()
        paragraph.append(line)
    flush()
    return join_blocks(blocks)


def _is_caps_heading(line: str, paragraph: list[str], item: list[str] | None) -> bool:
    return (
        not paragraph
        and item is None
        and bool(_CAPS_HEADING.match(line))
        and len(line.split()) <= _MAX_HEADING_WORDS
        and sum(ch.isalpha() for ch in line) >= 3
    )


def join_blocks(blocks: list[str]) -> str:
    """Blocks as Markdown: blank lines between them, none between consecutive list items."""
    out: list[str] = []
    for block in blocks:
        if out and block.startswith("- ") and out[-1].startswith("- "):
            out[-1] += "\n" + block
        else:
            out.append(block)
    return "\n\n".join(out).strip()
