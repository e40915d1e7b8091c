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
        if _one_column(table):
            # A column of rows, one paragraph of the policy in each (a 2006 page builder's table), is the text
            # itself: every row is kept but those that are only links (a menu row). Keeping the longest rows
            # alone cut such a policy to its first paragraphs (PL's pets4you.com, 2006: 211 of 479 words).
            keep = [cell for cell, size in zip(cells, sizes, strict=True) if size and not _mostly_links(cell, size)]
        else:
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


#: A table whose largest cell holds less than this share of its text, over at least _MIN_ROWS rows with text,
#: is the text itself laid out in rows.
_SPREAD = 0.5
_MIN_ROWS = 4


def _one_column(table: lxml.html.HtmlElement) -> bool:
    """Whether the table's text is spread over its rows, a paragraph (or a label and its value) in each, rather
    than held by one content cell beside a menu or a sidebar: no cell holds half of it, over enough rows."""
    rows = [row for row in table.iter("tr") if _nearest_table(row) is table]
    sizes = [len(c.text_content().strip()) for row in rows for c in row if c.tag in {"td", "th"}]
    filled = sum(1 for row in rows if row.text_content().strip())
    return filled >= _MIN_ROWS and bool(sizes) and max(sizes) < _SPREAD * sum(sizes)


def _mostly_links(cell: lxml.html.HtmlElement, size: int) -> bool:
    linked = sum(len(a.text_content().strip()) for a in cell.iter("a"))
    return linked >= _CONTENT_SHARE * size
