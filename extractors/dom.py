"""Page repair before main-text extraction: the DOM as the policy's author meant it, with the chrome marked.

Archived pages from 1998 to today hide their structure in ways trafilatura does not read (measured on the golden
corpus, 2026-11):

* **frames**: a ``<frameset>`` page keeps its text in ``<noframes>``, which the HTML parser holds as raw text;
* **headings without heading tags** (``extractors.headings``);
* **lists without list tags**: ``role="list"`` divs in single-page apps;
* **bare text** between blocks and ``<br><br>`` (``extractors.paragraphs``);
* **layout tables** (``extractors.tables``);
* **chrome inside the content area**: cookie banners, consent toasts, share bars, feedback widgets and "related
  policies" boxes, which trafilatura's recall mode keeps.

Each step here is a plain function over an lxml tree, run in order by :func:`prepare`.
"""

from __future__ import annotations

import re
from itertools import islice

import lxml.html
from lxml import etree

from palimpsest.extractors.headings import HEADINGS, MAX_HEADING_CHARS, recover_headings
from palimpsest.extractors.paragraphs import paragraphise
from palimpsest.extractors.quality import POLICY_TERMS
from palimpsest.extractors.tables import unwrap_layout_tables

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
#: class/id words that mark chrome sitting inside or beside the content: consent tools, share bars, feedback
#: boxes, related-links lists, breadcrumbs.
_CHROME = re.compile(
    r"(?:^|[\s_-])(?:onetrust|cookiebot|didomi|usercentrics|cc-window|cc-banner|cmp|toast|sharedaddy|"
    r"share-?buttons?|social-share|jp-relatedposts|related-?(?:articles|posts|policies)|article-votes|feedback|"
    r"smart-?banner|announcement-?bar|skip-?links?|breadcrumbs?|topicpath|doc-tools|pagetop|cta|noprint|topbar|toolbar|navbar|menubar)"
    r"(?:$|[\s_-])",
    re.IGNORECASE,
)
#: The words above that name one product (a consent tool, a share plugin) and nothing else. The others are common
#: words that a site's own markup uses for its content too: a CMS that calls its components "cmp" wrapped a real
#: policy in ``<div class="cmp cmp-text">`` (OPP-115, 2015), so for them the element must also look like chrome.
_PRODUCTS = re.compile(
    r"onetrust|cookiebot|didomi|usercentrics|cc-window|cc-banner|sharedaddy|jp-relatedposts", re.IGNORECASE
)
#: Chrome is short, or says little about personal data: more words than this, at a policy's density of its
#: vocabulary (one term in every _POLICY_EVERY words), is content whatever its class says.
_CHROME_WORDS = 120
_POLICY_EVERY = 60
#: Elements sharing a common chrome word that together hold this share of the page's policy vocabulary are the
#: site's components for its content.
_GROUP_SHARE = 0.25
#: Words that mark chrome only beside a banner word ("cookie-banner", "consent-bar"): a policy's own sections
#: are often called "cookies" or "consent" (measured on the golden corpus, 2026-11).
_CONSENT = re.compile(r"cookie|consent|gdpr", re.IGNORECASE)
_BANNER = re.compile(r"banner|bar\b|notice|popup|modal|overlay|dialog|toast|wall|window|consent", re.IGNORECASE)
_SAFE_SHARE = 0.4
#: Fixed or sticky boxes (consent bars, app banners, toolbars) stay on screen while the policy scrolls under them.
_PINNED = re.compile(r"position\s*:\s*(?:fixed|sticky)", re.IGNORECASE)
#: Name fragments that make trafilatura drop an element; see defuse_names.
_TRIGGERS = re.compile(
    r"cookie|consent|gdpr|banner|popup|modal|share|social|comment|related|footer|sidebar|widget|newsletter|"
    r"subscribe|advert|sponsor|disclaimer|\bads?\b",
    re.IGNORECASE,
)
#: Lines that are chrome whatever their markup: copyright notices and the 1990s "best viewed with …".
_COPYRIGHT = re.compile(r"^\s*(?:©|\(c\)|copyright\b|(?:this site is )?best viewed (?:with|in|at)\b)", re.IGNORECASE)
#: Breadcrumb trails, by their words rather than their markup: the label CMSs print before the trail ("You are
#: here: Home » Legal", in the languages of the corpus), or a trail that starts at the home page ("Home > Privacy").
_BREADCRUMB = re.compile(
    r"^\s*(?:you are here|you're here|sie sind hier|vous [êe]tes ici|est[áa]s? aqu[íi]|usted est[áa] aqu[íi]|"
    r"u bent hier|sei qui|voc[êe] est[áa] aqui)\s*(?::|>|»|›|(?=home|startseite|accueil|inicio))"
    r"|^\s*(?:home|home ?page|startseite|accueil|inicio|in[íi]cio)\s*(?:>|»|›|/|\||-|–|::)\s*\w",
    re.IGNORECASE,
)
_BREADCRUMB_WORDS = 15
_LINK_SHARE = 0.5
_WHOLE_BLOCKS = frozenset({"p", "div", "li", "td", "th", "dd", "dt", "blockquote"})
_OUTSIDE = {"header", "nav", "footer", "aside", "form", "noscript"}
_LINK_LINE_WORDS = 30
_NOT_CHROME = {"html", "body", *HEADINGS}
_HEADING_TAGS = frozenset(HEADINGS)
_PUNCTUATION = re.compile(r"[\W_]")
#: The elements that tabs and chrome are told by, found by lxml in C rather than by a walk in Python.
_MARKED = etree.XPath("//*[@id or @class or @role or @aria-label or @style]")
#: Whatever _CHROME or _CONSENT would find: most elements fail this one search and need no other.
_SUSPECT = re.compile(f"{_CHROME.pattern}|{_CONSENT.pattern}", re.IGNORECASE)
_ARIA_LISTS = etree.XPath("//*[@role='list']")
_HOLDS_PANEL = etree.XPath("boolean(.//*[@role='tabpanel'])")
#: lxml.html's own parser asks a Python method for the class of every element lxml hands to Python (for its form
#: field classes), which was a tenth of the page-repair time and more inside trafilatura, which walks the same tree
#: (2026-11). This parser gives every element the plain ``HtmlElement`` class without leaving C; nothing here or in
#: trafilatura uses the form field classes.
_PARSER = lxml.html.HTMLParser()
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )
)


def parse(html: str) -> lxml.html.HtmlElement | None:
    """Parse a page; a frameset page is replaced by the body inside its ``<noframes>``."""
    html = _XML_DECLARATION.sub("", html, count=1)
    try:
        root = lxml.html.document_fromstring(html, parser=_PARSER)
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
    marked = _MARKED(root)
    choose_tab(root, marked)
    drop_chrome(root, marked)
    drop_link_lines(root)
    keep_content_headers(root)
    aria_lists(root)
    recover_headings(root)
    paragraphise(root)
    unwrap_layout_tables(root)
    unbold_whole_blocks(root)


def document_title(root: lxml.html.HtmlElement) -> str | None:
    """The text of the page's only ``<h1>``, unless it is a logo (a link) or sits in navigation or a header."""
    found = [h for h in root.iter("h1") if not any(a.tag in _OUTSIDE for a in h.iterancestors())]
    if len(found) != 1:
        return None
    heading = found[0]
    text = " ".join(heading.text_content().split())
    linked = " ".join(" ".join(a.text_content().split()) for a in heading.iter("a"))
    return text if text and linked != text and len(text) <= MAX_HEADING_CHARS else None


def drop_invisible(root: lxml.html.HtmlElement) -> None:
    """Remove what no reader sees or what trafilatura would discard anyway (scripts, styles, inline SVG, forms),
    so that nothing downstream spends time on it. Navigation and footers are marked, not removed: a policy's
    own ``<header>`` or a ``<nav>`` inside an article may hold text."""
    etree.strip_elements(root, "script", "style", "noscript", "template", "svg", "iframe", with_tail=False)
    etree.strip_elements(root, etree.Comment, with_tail=False)


def choose_tab(root: lxml.html.HtmlElement, marked: list | None = None) -> int:
    """Keep one panel of each set of tabs: the one about privacy. Returns how many panels were dropped.

    Legal pages put the privacy policy, the terms and the returns policy in tabs of one page, all in the HTML
    and all but one hidden by CSS. The panel with the most policy vocabulary is the policy; on a tie, the
    panel the page shows first. ``marked`` is every element with an id, class, role, label or style, if known."""
    groups: dict = {}
    tablists = []
    for element in _MARKED(root) if marked is None else marked:
        role = element.get("role")
        if role == "tabpanel" or " tab-pane " in f" {element.get('class')} ":
            groups.setdefault(element.getparent(), []).append(element)
        if role == "tablist":
            tablists.append(element)
    dropped = 0
    for panels in groups.values():
        if len(panels) < 2:
            continue
        keep = max(panels, key=lambda p: (len(POLICY_TERMS.findall(p.text_content())), _shown(p)))
        for panel in panels:
            if panel is not keep:
                _remove(panel)
                dropped += 1
        _drop_hub_title(keep)
    for tablist in tablists:
        # A tablist is the row of tab buttons, except in an accordion (Bootstrap 3's panel-group) that wraps its
        # panels in it: then it holds the policy itself.
        if not _HOLDS_PANEL(tablist):
            _remove(tablist)
    return dropped


def _drop_hub_title(panel: lxml.html.HtmlElement) -> None:
    """A panel that opens with its own heading makes the heading above the tabs ("Legal") the hub's, not the
    policy's title."""
    first = next((child for child in panel if isinstance(child.tag, str)), None)
    if first is None or first.tag not in HEADINGS:
        return
    for level in (panel, panel.getparent()):
        for sibling in list(level.itersiblings(preceding=True)) if level is not None else ():
            if sibling.tag in HEADINGS:
                _remove(sibling)
            elif sibling.get("role") != "tablist" and sibling.text_content().strip():
                return


def _shown(panel: lxml.html.HtmlElement) -> bool:
    classes = set((panel.get("class") or "").split())
    return bool(classes & {"active", "is-active", "show", "selected"}) or panel.get("hidden") is None


def drop_chrome(root: lxml.html.HtmlElement, marked: list | None = None) -> int:
    """Remove consent banners, share bars, feedback and related-links boxes. Returns how many went.

    An element holding a large share of the page's text is never removed, whatever its class says: some themes
    put ``cookie`` or ``cta`` in the class of the element that wraps the whole page. A common word (not a product's
    name) removes nothing that looks like content: long text with a policy's vocabulary, or elements that share
    the word and together hold a good part of the page's policy vocabulary (a CMS that calls every component of
    the page, each section of the policy among them, "cmp"). ``marked`` is as for :func:`choose_tab`: what that
    step removed is out of the page, and removing it again changes nothing.
    """
    body = root.find("body")
    total = len(body.text_content()) if body is not None else 0
    doomed: list[lxml.html.HtmlElement] = []
    by_word: dict[str, list[tuple[lxml.html.HtmlElement, str]]] = {}
    for element in _MARKED(root) if marked is None else marked:
        if element.getparent() is None or element.tag in _NOT_CHROME:
            continue
        get = element.get
        marks = " ".join(filter(None, (get("id"), get("class"), get("aria-label"))))
        style = get("style")
        chrome = marks and _SUSPECT.search(marks) and _CHROME.search(marks)
        if not (
            get("role") in {"dialog", "alertdialog"}
            or (style and _PINNED.search(style))
            or (marks and _SUSPECT.search(marks) and (chrome or _consent_banner(marks)))
        ):
            continue
        text = element.text_content()
        if total and len(text) > _SAFE_SHARE * total:
            continue
        if chrome and not _PRODUCTS.search(marks) and not _consent_banner(marks):
            by_word.setdefault(chrome.group().strip(" _-").lower(), []).append((element, text))
            continue
        doomed.append(element)
    page_terms = None
    for members in by_word.values():
        if page_terms is None:
            page_terms = len(POLICY_TERMS.findall(body.text_content())) if body is not None else 0
        held = sum(len(POLICY_TERMS.findall(text)) for _, text in members)
        if page_terms and held >= _GROUP_SHARE * page_terms:
            continue
        doomed.extend(element for element, text in members if not _looks_like_content(text))
    removed = 0
    for element in doomed:
        if element.getparent() is not None:
            _remove(element)
            removed += 1
    return removed


def _looks_like_content(text: str) -> bool:
    """Long text with a policy's vocabulary: what a generic chrome word in a class cannot remove on its own."""
    words = len(text.split())
    if words <= _CHROME_WORDS:
        return False
    needed = words // _POLICY_EVERY
    return next(islice(POLICY_TERMS.finditer(text), needed - 1, None), None) is not None


def _consent_banner(marks: str) -> bool:
    return bool(_CONSENT.search(marks) and _BANNER.search(_CONSENT.sub(" ", marks)))


def drop_link_lines(root: lxml.html.HtmlElement) -> int:
    """Remove short blocks that are chrome by their shape: two or more links and little else (menus, tool bars,
    tables of contents), a breadcrumb trail, or a copyright line. Returns how many went.

    A breadcrumb differs from one capture of a page to the next while the policy does not (a redesign drops it,
    a move renames its steps), so keeping it made versions from chrome alone."""
    removed = 0
    for element in list(root.iter("p", "div", "ul", "ol", "nav", "small", "address", "span")):
        if element.getparent() is None:
            continue
        # Splitting stops past the limit: the containers of the whole page are long, and they are most of the work.
        parts = element.text_content().split(None, _LINK_LINE_WORDS + 1)
        words = len(parts)
        if words > _LINK_LINE_WORDS or any(child.tag in _HEADING_TAGS for child in element.iter()):
            continue
        text = " ".join(parts)
        # A paragraph must be links and nothing more; a list or a div may carry a few joining words
        # ("Log in or register to post comments").
        share = 1.0 if element.tag == "p" else _LINK_SHARE
        links = len(list(element.iter("a")))
        menu = links >= 2 and _only_links_and_joiners(element, text, share)
        trail = links >= 1 and words <= _BREADCRUMB_WORDS and _BREADCRUMB.match(text)
        if menu or trail or (_COPYRIGHT.match(text) and words <= _LINK_LINE_WORDS // 2):
            _remove(element)
            removed += 1
    return removed


def _only_links_and_joiners(element: lxml.html.HtmlElement, text: str, share: float) -> bool:
    rest = text
    for a in element.iter("a"):
        rest = rest.replace(" ".join(a.text_content().split()), "", 1)
    if share == 1.0:
        return not _PUNCTUATION.sub("", rest)
    return len(rest.split()) <= len(text.split()) * (1 - share)


def unbold_whole_blocks(root: lxml.html.HtmlElement) -> int:
    """Unwrap bold that covers a whole block: a paragraph, list item or cell set entirely in bold. Returns how
    many. Bold headings are headings by now (``extractors.headings``); what is left is a policy's own text.

    With its Markdown formatting on (which marks headings), trafilatura 2.3.1 dropped such blocks, and blocks
    beside them that were not bold at all, once a few of them followed one another: a 2006 policy set in bold
    table cells (PL's pets4you.com) lost its notice of collection, order form and dispute clauses. Emphasis is
    no part of a version's identity (``palimpsest.text.normal``), so unwrapping it changes only what is kept."""
    unwrapped = 0
    for bold in list(root.iter("b", "strong")):
        block = next((a for a in bold.iterancestors() if a.tag in _WHOLE_BLOCKS), None)
        if block is None or bold.getparent() is None:
            continue
        text = bold.text_content().split()
        if text and text == block.text_content().split():
            bold.drop_tag()
            unwrapped += 1
    return unwrapped


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


def aria_lists(root: lxml.html.HtmlElement) -> int:
    """``<div role="list">`` as the ``<ul>`` it stands for, each element child an ``<li>``. Single-page apps write
    lists so, and trafilatura reads their items as short loose blocks that it may drop. Returns how many."""
    lists = _ARIA_LISTS(root)
    for element in lists:
        element.tag = "ul"
        for item in element:
            if isinstance(item.tag, str) and item.get("role") in {None, "listitem"}:
                item.tag = "li"
    return len(lists)


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
