"""Layout tables versus data tables.

1990s–2000s sites built their page grid from tables whose cells hold headings, paragraphs or lists. trafilatura
reads such a grid as one data table, navigation column and footer included, so a redesign would look like a new
policy. A **layout table** is therefore replaced by its content cells (the one with the most text and any other
holding at least half as much); the rest (navigation, banners, footers) is dropped.

Policies also hold real **data tables** (categories of data, purposes, retention periods), whose cells may hold
lists. Those are kept: a table with header cells or a ``<thead>``/``<caption>``, whose rows have the same number of
cells, and whose cells hold no headings or nested tables, is data.
"""

from __future__ import annotations

import lxml.html

_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "blockquote", "table", "pre", "div", "form"}
_STRUCTURE = {"h1", "h2", "h3", "h4", "h5", "h6", "table", "form"}
_CONTENT_SHARE = 0.5


def unwrap_layout_tables(root: lxml.html.HtmlElement) -> int:
    """Replace each layout table by its content cells, outermost first. Returns how many were replaced."""
    replaced = 0
    for table in list(root.iter("table")):
        if table.getroottree().getroot() is not root or not is_layout(table):
            continue
        cells = own_cells(table)
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


def is_layout(table: lxml.html.HtmlElement) -> bool:
    inner = [e for e in table.iterdescendants() if isinstance(e.tag, str) and _nearest_table(e) is table]
    tags = {e.tag for e in inner}
    if tags & _STRUCTURE:
        return True
    if not tags & _BLOCKS:
        return False
    return not _looks_like_data(table, inner)


def _looks_like_data(table: lxml.html.HtmlElement, inner: list[lxml.html.HtmlElement]) -> bool:
    headed = any(e.tag in {"th", "thead", "caption"} for e in inner)
    rows = [row for row in inner if row.tag == "tr"]
    widths = {len([c for c in row if c.tag in {"td", "th"}]) for row in rows}
    return headed and len(rows) >= 2 and len(widths) == 1 and widths != {1}


def own_cells(table: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    return [cell for cell in table.iter("td", "th") if _nearest_table(cell) is table]


def _nearest_table(element: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    parent = element.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent
