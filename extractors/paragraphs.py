"""Bare text into paragraphs: 1990s pages separate paragraphs with ``<br><br>`` and leave text after a ``</ul>``
outside any element, and trafilatura drops such tails (measured on the golden corpus, 2026-11)."""

from __future__ import annotations

import lxml.html
from lxml import etree

from palimpsest.extractors.headings import BLOCKS

_CONTAINERS = ("td", "div", "font", "blockquote", "body", "center", "section", "article", "main", "dd", "span")


def paragraphise(root: lxml.html.HtmlElement) -> int:
    """Wrap runs of bare text (between blocks, or split by ``<br><br>``) in ``<p>``. Returns how many were made."""
    made = 0
    for container in list(root.iter(*_CONTAINERS)):
        if not any(child.tag in BLOCKS or child.tag == "br" for child in container):
            continue
        if container.tag in {"font", "span"} and not any(child.tag in BLOCKS for child in container):
            continue
        made += _wrap_runs(container)
    return made


def _wrap_runs(container: lxml.html.HtmlElement) -> int:
    """Rebuild ``container``: blocks stay, every run of inline content between them becomes a ``<p>``."""
    leading, container.text = container.text, None
    children = list(container)
    for child in children:
        container.remove(child)
    made = 0
    for item in _runs(leading, children):
        if not isinstance(item, list):
            container.append(item)
        elif _has_content(item):
            _fill(etree.SubElement(container, "p"), item)
            made += 1
    return made


def _runs(leading: str | None, children: list) -> list:
    """Blocks as themselves and inline runs as lists; a double ``<br>`` ends a run."""
    out: list = []
    run: list = [leading] if leading and leading.strip() else []
    after_break = False
    for child in children:
        tail, child.tail = child.tail, None
        if isinstance(child.tag, str) and (child.tag in BLOCKS or _holds_blocks(child)):
            out += [run, child]
            run, after_break = [], False
        elif child.tag == "br" and (after_break or not run):
            out.append(run)
            run, after_break = [], False
        else:
            run.append(child)
            after_break = child.tag == "br"
        if tail and tail.strip():
            run.append(tail)
            after_break = False
    out.append(run)
    return out


def _holds_blocks(element: lxml.html.HtmlElement) -> bool:
    """An inline element wrapping blocks (``<font>`` around a whole 1990s page) is a block boundary itself."""
    return any(isinstance(inner.tag, str) and inner.tag in BLOCKS for inner in element.iterdescendants())


def _has_content(run: list) -> bool:
    while run and not isinstance(run[-1], str) and run[-1].tag == "br":
        run.pop()
    return any(not isinstance(part, str) or part.strip() for part in run)


def _fill(paragraph: lxml.html.HtmlElement, run: list) -> None:
    for part in run:
        if not isinstance(part, str):
            paragraph.append(part)
        elif len(paragraph):
            paragraph[-1].tail = (paragraph[-1].tail or "") + part
        else:
            paragraph.text = (paragraph.text or "") + part
