"""Main text of an HTML page: our layout-table repair, then trafilatura, tuned for privacy policies.

trafilatura settings were chosen by measurement on policy pages: ``favor_recall`` keeps lists and the ~30% of
text that precision mode drops on pages without ``<main>``/``<article>``; tables are kept because policies hold
their data categories in them; Markdown output keeps headings and list items as structure.

Before trafilatura sees a page, **layout tables** (tables whose cells hold headings, paragraphs or lists, as
1990s–2000s sites were built) are replaced by their content cells. trafilatura otherwise reads the whole page
grid as one data table, navigation column and footer included, and a redesign then looks like a new policy.
The content cells are the one with the most text and any other holding at least half as much; the rest
(navigation, banners, footers) are dropped.
"""

from __future__ import annotations

import lxml.html
import trafilatura
from lxml import etree

EXTRACTOR = f"palimpsest-html-1/trafilatura-{trafilatura.__version__}"

_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "blockquote", "table", "pre"}
_CONTENT_SHARE = 0.5


def parse(html: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def unwrap_layout_tables(root: lxml.html.HtmlElement) -> int:
    """Replace each layout table by its content cells, outermost first. Returns how many were replaced."""
    replaced = 0
    for table in list(root.iter("table")):
        if table.getroottree().getroot() is not root or not _is_layout(table):
            continue
        cells = [cell for cell in table.iter("td", "th") if _nearest_table(cell) is table]
        if not cells:
            continue
        sizes = [len(cell.text_content().strip()) for cell in cells]
        floor = max(sizes) * _CONTENT_SHARE
        keep = [cell for cell, size in zip(cells, sizes, strict=True) if size >= floor and size > 0]
        parent = table.getparent()
        if parent is None:
            continue
        position = parent.index(table)
        tail = table.tail
        parent.remove(table)
        for offset, cell in enumerate(keep):
            cell.tag = "div"
            for attribute in list(cell.attrib):
                del cell.attrib[attribute]
            cell.tail = None
            parent.insert(position + offset, cell)
        if keep:
            keep[-1].tail = tail
        replaced += 1
    return replaced


def _is_layout(table: lxml.html.HtmlElement) -> bool:
    return any(
        element.tag in _BLOCKS and _nearest_table(element) is table
        for element in table.iterdescendants()
        if isinstance(element.tag, str)
    )


def _nearest_table(element: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    parent = element.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def main_text(html: str, url: str | None = None) -> str:
    """The page's main text as Markdown, or an empty string when nothing is found."""
    root = parse(html)
    if root is None:
        return ""
    unwrap_layout_tables(root)
    result = trafilatura.extract(
        root,
        url=url,
        output_format="markdown",
        favor_recall=True,
        include_tables=True,
        include_comments=False,
        include_links=False,
        include_images=False,
        include_formatting=False,
        deduplicate=False,
        with_metadata=False,
    )
    return (result or "").strip()
