"""Page repair before main-text extraction: the DOM as the policy's author meant it, with the chrome marked.

Archived pages from 1998 to today hide their structure in ways trafilatura does not read (measured on the golden
corpus, 2026-11):

* **frames**: a ``<frameset>`` page keeps its text in ``<noframes>``, which the HTML parser holds as raw text;
* **headings without heading tags**: ``role="heading"`` divs in single-page apps, ``<summary>`` in accordions,
  ``<p><strong>…</strong></p>`` in shop builders, ``<font><b>…</b></font><br>`` in table layouts. trafilatura
  prints these as paragraphs or drops them, so sections differ between two layouts of the same text;
* **bare text**: 1990s pages separate paragraphs with ``<br><br>`` and leave text after a ``</ul>`` outside any
  element; trafilatura drops such tails;
* **chrome inside the content area**: cookie banners, consent toasts, share bars, feedback widgets and "related
  policies" boxes, which trafilatura's recall mode keeps.

Each step here is a plain function over an lxml tree, run in order by :func:`prepare`.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from extractors.tables import unwrap_layout_tables

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
BLOCKS = {*HEADINGS, "p", "ul", "ol", "dl", "table", "blockquote", "pre", "div", "section", "article", "form", "hr"}
_CONTAINERS = ("td", "div", "font", "blockquote", "body", "center", "section", "article", "main", "dd", "span")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
#: class/id words that always mark chrome sitting inside or beside the content: consent tools, share bars,
#: feedback boxes, related-links lists, breadcrumbs.
_CHROME = re.compile(
    r"(?:^|[\s_-])(?:onetrust|cookiebot|didomi|usercentrics|cc-window|cc-banner|cmp|toast|sharedaddy|"
    r"share-?buttons?|social-share|jp-relatedposts|related-?(?:articles|posts|policies)|article-votes|feedback|"
    r"smart-?banner|announcement-?bar|skip-?links?|breadcrumbs?|topicpath|doc-tools|pagetop|cta|noprint)"
    r"(?:$|[\s_-])",
    re.IGNORECASE,
)
#: Words that mark chrome only beside a banner word ("cookie-banner", "consent-bar"): a policy's own sections
#: are often called "cookies" or "consent" (measured on the golden corpus, 2026-11).
_CONSENT = re.compile(r"cookie|consent|gdpr", re.IGNORECASE)
_BANNER = re.compile(r"banner|bar\b|notice|popup|modal|overlay|dialog|toast|wall|window|consent", re.IGNORECASE)
#: Class names of headings without heading tags, including Word's "Save as HTML" styles (MsoTitle, MsoHeading2).
_HEADING_CLASS = re.compile(
    r"(?:^|[\s_-])(?:h[1-6]|heading|headline|section-?title|title|Mso(?:Title|Heading\d))(?:$|[\s_-])", re.I
)
_MAX_HEADING_CHARS = 120
_SAFE_SHARE = 0.4
#: Fixed or sticky boxes (consent bars, app banners, toolbars) stay on screen while the policy scrolls under them.
_PINNED = re.compile(r"position\s*:\s*(?:fixed|sticky)", re.IGNORECASE)
#: Tags that can be headings in all but name (see _heading_level).
_HEADING_CANDIDATES = ("div", "p", "span", "b", "strong", "font", "summary", "dt", "button")
#: Name fragments that make trafilatura drop an element; see defuse_names.
_TRIGGERS = re.compile(
    r"cookie|consent|gdpr|banner|popup|modal|share|social|comment|related|footer|sidebar|widget|newsletter|"
    r"subscribe|advert|sponsor|disclaimer|\bads?\b",
    re.IGNORECASE,
)
_FONT_SIZE = re.compile(r"font-size\s*:\s*([\d.]+)\s*(px|pt|em|rem)", re.IGNORECASE)
_BOLD = re.compile(r"font-weight\s*:\s*(?:bold|[6-9]00)", re.IGNORECASE)
_HEADING_PIXELS = 18
_CLAUSE_CHARS = 30
_H1_PIXELS = 28
_LABELLED = re.compile(r"[:：]\s*\S")
#: Lines that are chrome whatever their markup: copyright notices and the 1990s "best viewed with …".
_COPYRIGHT = re.compile(r"^\s*(?:©|\(c\)|copyright\b|(?:this site is )?best viewed (?:with|in|at)\b)", re.IGNORECASE)
_LINK_SHARE = 0.5
_OUTSIDE = {"header", "nav", "footer", "aside", "form", "noscript"}
_LINK_LINE_WORDS = 30


def parse(html: str) -> lxml.html.HtmlElement | None:
    """Parse a page; a frameset page is replaced by the body inside its ``<noframes>``."""
    html = _XML_DECLARATION.sub("", html, count=1)
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None
    noframes = root.find(".//noframes")
    if root.find(".//frameset") is not None and noframes is not None and (noframes.text or "").strip():
        inner = parse(noframes.text)
        if inner is not None:
            title = root.find(".//title")
            head = inner.find("head")
            if title is not None and head is not None and head.find("title") is None:
                head.append(title)
            return inner
    return root


def prepare(root: lxml.html.HtmlElement) -> None:
    """Every repair, in order: chrome out, headings in, bare text into paragraphs, layout tables unwrapped."""
    drop_invisible(root)
    drop_chrome(root)
    drop_link_lines(root)
    keep_content_headers(root)
    recover_headings(root)
    paragraphise(root)
    unwrap_layout_tables(root)


def document_title(root: lxml.html.HtmlElement) -> str | None:
    """The text of the page's only ``<h1>``, unless it is a logo (a link) or sits in navigation or a header."""
    found = [h for h in root.iter("h1") if not any(a.tag in _OUTSIDE for a in h.iterancestors())]
    if len(found) != 1:
        return None
    heading = found[0]
    text = " ".join(heading.text_content().split())
    linked = " ".join(" ".join(a.text_content().split()) for a in heading.iter("a"))
    return text if text and linked != text and len(text) <= _MAX_HEADING_CHARS else None


def drop_invisible(root: lxml.html.HtmlElement) -> None:
    """Remove what no reader sees or what trafilatura would discard anyway (scripts, styles, inline SVG, forms),
    so that nothing downstream spends time on it. Navigation and footers are marked, not removed: a policy's
    own ``<header>`` or a ``<nav>`` inside an article may hold text."""
    etree.strip_elements(root, "script", "style", "noscript", "template", "svg", "iframe", with_tail=False)
    etree.strip_elements(root, etree.Comment, with_tail=False)


def drop_chrome(root: lxml.html.HtmlElement) -> int:
    """Remove consent banners, share bars, feedback and related-links boxes. Returns how many went.

    An element holding a large share of the page's text is never removed, whatever its class says: some themes
    put ``cookie`` or ``cta`` in the class of the element that wraps the whole page.
    """
    body = root.find("body")
    total = len(body.text_content()) if body is not None else 0
    removed = 0
    for element in root.xpath("//*[@id or @class or @role or @aria-label or @style]"):
        if element.getparent() is None or element.tag in {"html", "body", *HEADINGS}:
            continue
        marks = " ".join(filter(None, (element.get("id"), element.get("class"), element.get("aria-label"))))
        consent = _CONSENT.search(marks) and _BANNER.search(_CONSENT.sub(" ", marks))
        pinned = _PINNED.search(element.get("style") or "")
        if element.get("role") in {"dialog", "alertdialog"} or pinned or (marks and (_CHROME.search(marks) or consent)):
            if total and len(element.text_content()) > _SAFE_SHARE * total:
                continue
            _remove(element)
            removed += 1
    return removed


def drop_link_lines(root: lxml.html.HtmlElement) -> int:
    """Remove short blocks that are chrome by their shape: two or more links and little else (menus, tool bars,
    tables of contents), or a copyright line. Returns how many went."""
    removed = 0
    for element in list(root.iter("p", "div", "ul", "ol", "nav", "small", "address", "span")):
        if element.getparent() is None:
            continue
        text = " ".join(element.text_content().split())
        words = len(text.split())
        if words > _LINK_LINE_WORDS or any(child.tag in HEADINGS for child in element.iter()):
            continue
        # A paragraph must be links and nothing more; a list or a div may carry a few joining words
        # ("Log in or register to post comments").
        share = 1.0 if element.tag == "p" else _LINK_SHARE
        menu = len(list(element.iter("a"))) >= 2 and _only_links_and_joiners(element, text, share)
        if menu or (_COPYRIGHT.match(text) and words <= _LINK_LINE_WORDS // 2):
            _remove(element)
            removed += 1
    return removed


def _only_links_and_joiners(element: lxml.html.HtmlElement, text: str, share: float) -> bool:
    rest = text
    for a in element.iter("a"):
        rest = rest.replace(" ".join(a.text_content().split()), "", 1)
    if share == 1.0:
        return not re.sub(r"[\W_]", "", rest)
    return len(rest.split()) <= len(text.split()) * (1 - share)


def defuse_names(block: lxml.html.HtmlElement) -> int:
    """Strip chrome-sounding ``class``/``id`` values inside the main block. Returns how many elements changed.

    trafilatura removes any element whose class or id mentions cookies, comments, sharing and the like, so a
    policy's own "Cookies" section vanished (measured 2026-11). Our own chrome filter has already run, so what is
    left inside the main block is content.
    """
    changed = 0
    for element in block.iterdescendants():
        if not isinstance(element.tag, str):
            continue
        for attribute in ("class", "id"):
            value = element.get(attribute)
            if value and _TRIGGERS.search(value):
                del element.attrib[attribute]
                changed += 1
    return changed


def keep_content_headers(root: lxml.html.HtmlElement) -> None:
    """A ``<header>`` inside ``<article>`` or ``<main>`` holds the document's title, not the site's chrome."""
    for header in list(root.iter("header")):
        if any(ancestor.tag in {"article", "main"} for ancestor in header.iterancestors()):
            header.tag = "div"


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
    text = " ".join(element.text_content().split())
    inner = [child.tag for child in element.iterdescendants() if child.tag in BLOCKS]
    # One wrapping <div> inside is fine (<div class="title"><div>Privacy</div></div>); any other block is not.
    if not text or len(text) > _MAX_HEADING_CHARS or inner not in ([], ["div"]):
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


def _only_bold(element: lxml.html.HtmlElement, text: str) -> bool:
    """All the element's text is bold, and it reads neither as a sentence nor as "Label: value"."""
    if text.endswith((".", ",", ";", "。", "、")) or _LABELLED.search(text):
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
        if isinstance(child.tag, str) and child.tag in BLOCKS:
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


def _remove(element: lxml.html.HtmlElement) -> None:
    """Remove an element but keep its tail text in place."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    previous = element.getprevious()
    parent.remove(element)
    if tail and tail.strip():
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
