"""Headings that are headings in all but tag, turned into ``<h1>``–``<h6>`` before main-text extraction.

Single-page apps use ``role="heading"`` divs or large bold inline styles, accordions put section titles in
``<summary>`` or ``<button aria-expanded>``, shop builders write ``<p><strong>…</strong></p>``, 1990s table pages
write ``<font><b>…</b></font><br>``, Word's "Save as HTML" uses ``MsoHeading`` classes and Japanese pages number
their clauses in ``<dt>``. trafilatura prints such headings as plain lines or drops them, and sections would then
differ between two layouts of the same text (measured on the golden corpus, 2026-11).
"""

from __future__ import annotations

import re

import lxml.html

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
BLOCKS = {*HEADINGS, "p", "ul", "ol", "dl", "table", "blockquote", "pre", "div", "section", "article", "form", "hr"}
MAX_HEADING_CHARS = 120
#: Class names of headings without heading tags, including Word's "Save as HTML" styles (MsoTitle, MsoHeading2).
_HEADING_CLASS = re.compile(
    r"(?:^|[\s_-])(?:h[1-6]|heading|headline|section-?title|title|Mso(?:Title|Heading\d))(?:$|[\s_-])", re.I
)
#: Tags that can be headings in all but name (see _heading_level).
_HEADING_CANDIDATES = ("div", "p", "span", "b", "strong", "u", "font", "summary", "dt", "button")
_FONT_SIZE = re.compile(r"font-size\s*:\s*([\d.]+)\s*(px|pt|em|rem)", re.IGNORECASE)
_BOLD = re.compile(r"font-weight\s*:\s*(?:bold|[6-9]00)", re.IGNORECASE)
_HEADING_PIXELS = 18
_CLAUSE_CHARS = 30
_H1_PIXELS = 28
_LABELLED = re.compile(r"[:：]\s*\S")


def recover_headings(root: lxml.html.HtmlElement) -> int:
    """Turn elements that are headings in all but tag into ``<hN>``, and open folded ``<details>`` (trafilatura
    runs their paragraphs together and moves their summaries after them). Returns how many were turned."""
    for folded in root.iter("details"):
        folded.tag = "div"
    used = {element.tag for element in root.iter(*HEADINGS)}
    sub = "h3" if "h2" in used else "h2"
    turned = 0
    for element in list(root.iter(*_HEADING_CANDIDATES)):
        level = _heading_level(element, sub)
        if level is None:
            continue
        if element.tag == "dt":
            _open_definition(element)
        text = " ".join(element.text_content().split())
        for child in list(element):
            element.remove(child)
        element.text, element.tag = text, level
        for attribute in list(element.attrib):
            del element.attrib[attribute]
        turned += 1
    return turned


def _heading_level(element: lxml.html.HtmlElement, sub: str) -> str | None:
    # One wrapping <div> inside is fine (<div class="title"><div>Privacy</div></div>); any other block is not.
    # Checked first, leaving early: most candidates are containers, and their text is the whole page's.
    inner = []
    for child in element.iterdescendants():
        if child.tag in BLOCKS:
            inner.append(child.tag)
            if inner != ["div"]:
                return None
    text = " ".join(element.text_content().split())
    if not text or len(text) > MAX_HEADING_CHARS:
        return None
    if element.get("role") == "heading":
        level = element.get("aria-level", "2")
        return f"h{level}" if level in {"1", "2", "3", "4", "5", "6"} else "h2"
    styled = _styled_level(element.get("style") or "")
    if styled and element.tag in {"div", "p", "span"}:
        return styled
    rules = (
        element.tag == "summary",
        element.tag == "dt" and _heads_a_clause(element),
        element.tag == "button" and (element.get("aria-expanded") is not None or element.get("aria-controls")),
        element.tag in {"p", "div"} and _only_bold(element, text),
        element.tag in {"b", "strong", "font"} and _alone_on_its_line(element) and _only_bold(element, text),
        element.tag == "u" and _alone_on_its_line(element) and not _sentence(text),
        element.tag in {"div", "span", "p"} and bool(_HEADING_CLASS.search(element.get("class") or "")),
    )
    return sub if any(rules) else None


def _open_definition(term: lxml.html.HtmlElement) -> None:
    """The clause under a ``<dt>`` heading is prose, not a list item: its ``<dd>`` and ``<dl>`` become divs."""
    body, parent = term.getnext(), term.getparent()
    if body is not None and body.tag == "dd":
        body.tag = "div"
    if parent is not None and parent.tag == "dl":
        parent.tag = "div"


def _heads_a_clause(term: lxml.html.HtmlElement) -> bool:
    """A ``<dt>`` whose ``<dd>`` is a clause of prose: Japanese and legal pages number their clauses so."""
    following = term.getnext()
    return following is not None and following.tag == "dd" and len(following.text_content().strip()) >= _CLAUSE_CHARS


def _styled_level(style: str) -> str | None:
    """A heading level for inline styles that set large bold type (single-page apps style their headings so)."""
    size = _FONT_SIZE.search(style)
    if not size or not _BOLD.search(style):
        return None
    value, unit = float(size.group(1)), size.group(2).lower()
    pixels = value * {"px": 1.0, "pt": 4 / 3, "em": 16.0, "rem": 16.0}[unit]
    if pixels >= _H1_PIXELS:
        return "h1"
    return "h2" if pixels >= _HEADING_PIXELS else None


def _sentence(text: str) -> bool:
    """Reads as a sentence or as "Label: value", not as a heading."""
    return text.endswith((".", ",", ";", "。", "、")) or bool(_LABELLED.search(text))


def _only_bold(element: lxml.html.HtmlElement, text: str) -> bool:
    """All the element's text is bold, and it reads neither as a sentence nor as "Label: value"."""
    if _sentence(text):
        return False
    bold = " ".join(" ".join(b.text_content().split()) for b in element.iter("b", "strong"))
    if element.tag in {"b", "strong"}:
        bold = text
    return bold == text


def _alone_on_its_line(element: lxml.html.HtmlElement) -> bool:
    """Between two line breaks (or a block edge) with no other text beside it: a 1990s heading."""
    parent = element.getparent()
    if parent is None or parent.tag in {"a", "li", "h1", "h2", "h3", "h4", "h5", "h6"}:
        return False
    if parent.tag in {"b", "strong", "font", "span"} and " ".join(parent.text_content().split()) == " ".join(
        element.text_content().split()
    ):
        return False  # the parent wraps nothing else: it is the better candidate
    if (element.tail or "").strip():
        return False
    after = element.getnext()
    before = element.getprevious()
    breaks_after = after is None or after.tag == "br"
    breaks_before = before is None or (before.tag in {"br", *BLOCKS} and not (before.tail or "").strip())
    if before is None and (parent.text or "").strip():
        return False
    return breaks_after and breaks_before
