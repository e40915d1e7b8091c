"""Our own DOM reader: the page's visible text, and a Markdown rendering of its main block.

It serves two purposes. Its word count of the visible, non-link text tells whether trafilatura found the policy
at all (link text is left out because navigation, footers and sidebars are mostly links). And when trafilatura
returns nothing or far less than that, the smallest element holding most of the visible text is rendered as
Markdown instead: headings as ``#``, list items as ``-``, table rows as ``|`` lines, ``<br>`` as line breaks.
"""

from __future__ import annotations

import re

import lxml.html

from palimpsest.text.normal import CJK_RANGES

EXTRACTOR = "palimpsest-dom-1"
SKIP = {
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "select",
    "option",
    "textarea",
    "iframe",
    "svg",
    "head",
    "title",
}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BLOCKS = {"p", "div", "section", "article", "main", "ul", "ol", "dl", "dt", "dd", "table", "tr", "blockquote", "pre"}
_MAIN_SHARE = 0.8
_OPENING_BLOCKS, _OPENING_WORDS = 3, 40
_CJK = re.compile(f"[{CJK_RANGES}]")


def _weights(element: lxml.html.HtmlElement, table: dict | None = None) -> tuple[int, dict]:
    """Non-link visible words under each element, bottom-up, in one walk."""
    table = {} if table is None else table
    if not isinstance(element.tag, str) or element.tag in SKIP:
        return 0, table
    count = _size(element.text) if element.tag != "a" else 0
    for child in element:
        inner, _ = _weights(child, table)
        count += inner
        if element.tag != "a":
            count += _size(child.tail)
    if element.tag == "a":
        count = 0
    table[element] = count
    return count, table


def _size(text: str | None) -> int:
    """Words of a text fragment, each CJK character counting as one (as in ``normalise.count_words``)."""
    return len(text.split()) + len(_CJK.findall(text)) if text else 0


def opening(block: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """Up to three short elements just before the main block: the title and "last updated" lines that pages
    often set apart from the body."""
    found: list[lxml.html.HtmlElement] = []
    for sibling in block.itersiblings(preceding=True):
        if not isinstance(sibling.tag, str) or sibling.tag in SKIP:
            continue
        size, own = _size(sibling.text_content()), _weights(sibling)[0]
        if size > _OPENING_WORDS or len(found) == _OPENING_BLOCKS:
            break
        if own and own * 2 >= size:  # mostly its own text, not links: a title, not a logo or a menu
            found.append(sibling)
    return found[::-1]


def main_block(root: lxml.html.HtmlElement) -> tuple[int, lxml.html.HtmlElement | None]:
    """The page's visible words (outside links, navigation, headers, footers, sidebars, forms and scripts), and
    the smallest element holding most of them (None for a page without any)."""
    body = root.find("body")
    if body is None:
        return 0, None
    total, weights = _weights(body)
    if not total:
        return 0, None
    best = body
    while True:
        heavy = [child for child in best if weights.get(child, 0) >= _MAIN_SHARE * total]
        if not heavy:
            return total, best
        best = heavy[0]


def markdown(element: lxml.html.HtmlElement) -> str:
    """Render an element's visible text as Markdown."""
    out: list[str] = []
    _render(element, out)
    text = "".join(out)
    lines = [" ".join(line.split()) if not line.startswith("|") else line.strip() for line in text.split("\n")]
    blocks, current = [], []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return "\n\n".join(blocks).strip()


def _render(element: lxml.html.HtmlElement, out: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in SKIP or not tag:
        return
    if tag in _HEADINGS:
        out.append(f"\n\n{'#' * _HEADINGS[tag]} {' '.join(element.text_content().split())}\n\n")
        return
    if tag == "li":
        out.append("\n- ")
    elif tag == "tr":
        cells = [" ".join(c.text_content().split()) for c in element if c.tag in {"td", "th"}]
        out.append("\n| " + " | ".join(cells) + " |\n")
        return
    elif tag == "br":
        out.append("\n")
    elif tag in _BLOCKS:
        out.append("\n\n")
    out.append(element.text or "")
    for child in element:
        _render(child, out)
        out.append(child.tail or "")
    if tag in _BLOCKS or tag == "li":
        out.append("\n\n" if tag != "li" else "\n")
