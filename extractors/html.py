"""Main text of an HTML page: our page repair (``extractors.dom``), then trafilatura, then a check against the
visible text with our own DOM reader as the fallback.

trafilatura settings were chosen by measurement on the golden corpus (``benchmarks/extraction_eval.py``, 2026-11):

* ``favor_recall``: precision mode lost up to 28% of a page (a Japanese ``<dl>`` page, 1990s table pages, a Word
  export);
* ``fast``: trafilatura's own fallback comparisons (readability, jusText) cost a third of its time and changed
  one page of the corpus once ``role="list"`` divs became lists (``dom.aria_lists``); our own fallback check below
  covers what they were for;
* ``include_tables`` keeps the tables of data categories that policies hold;
* ``include_formatting`` is what makes trafilatura print headings as ``#`` lines (without it no heading is marked
  on any layout); the bold and italic marks it adds are ignored by normalisation;
* ``deduplicate`` is off: a policy may legitimately repeat a sentence.

trafilatura's text is then checked against our own reading of the page's main block (``extractors.fallback``):
headings and opening title or date lines it dropped are put back, and blocks it took from after the main block
are dropped. When trafilatura returns nothing, or fewer than half the words of the page's visible non-link text,
the main block is rendered by our own reader and the extractor is recorded as ``palimpsest-dom-1``.
"""

from __future__ import annotations

import logging
import re
from copy import copy

import trafilatura
from trafilatura.settings import Extractor

from palimpsest.extractors import dom, fallback
from palimpsest.extractors.plaintext import plain_text
from palimpsest.text.normal import count_words, fewest_words

log = logging.getLogger(__name__)
#: The version names the settings and page repairs too: a change of either is a new extractor for ``reextract``.
_VERSION = "palimpsest-html-5"
EXTRACTOR = f"{_VERSION}/trafilatura-{trafilatura.__version__}"
FALLBACK = f"{_VERSION}/{fallback.EXTRACTOR}"
#: trafilatura must find at least this share of the visible non-link words, or the fallback is used.
_FOUND_SHARE = 0.5
_HEADING_LINE = re.compile(r"^#{1,6}\s")
_WORDS = re.compile(r"[^\W_]+")
_OPENING_BLOCKS, _OPENING_WORDS, _OPENING_CHARS = 3, 40, 200
_KEY_WORDS, _KEY_CHARS = 8, 160
#: Inline tags trafilatura 2.3.1 copies into Markdown as they are (measured 2026-11 on <u> in an ASP.NET page).
_LEFTOVER_TAG = re.compile(r"</?(?:u|ins|del|s|sup|sub|small|big|mark|span|font|tt)\b[^>]*>", re.IGNORECASE)
#: The settings above as trafilatura's options object, built once: building it reads trafilatura's configuration
#: file's values one by one, which cost 0.1 ms a page (2026-11). Each page gets a copy with its own URL.
_OPTIONS = Extractor(
    output_format="markdown",
    fast=True,
    recall=True,
    comments=False,
    formatting=True,
    links=False,
    images=False,
    tables=True,
    dedup=False,
    with_metadata=False,
)


def main_text(html: str, url: str | None = None) -> tuple[str, str]:
    """The page's main text as Markdown and the extractor that produced it; ``("", EXTRACTOR)`` when empty."""
    root = dom.parse(html)
    if root is None:
        return "", EXTRACTOR
    pre = _preformatted(root)
    if pre is not None:
        return plain_text(pre), f"{_VERSION}/pre/{fallback.EXTRACTOR}"
    dom.prepare(root)
    visible, block = fallback.main_block(root)
    reference = (
        "\n\n".join(fallback.markdown(e) for e in [*fallback.opening(block), block]) if block is not None else ""
    )
    if block is not None:
        dom.defuse_names(block)
    try:
        result = trafilatura.extract(root, url=url, options=_options(url))
    except (ValueError, TypeError, IndexError, KeyError, AttributeError) as err:
        # As of 2026-11, trafilatura's issue tracker holds crashes on malformed pages (ValueError on table spans,
        # adbar/trafilatura#681 and #685; TypeError, #60 and #140). One odd page must not stop a crawl: our own
        # reader takes over, and the fallback is recorded as the extractor.
        log.warning("trafilatura failed on %s (%s); using our own reader", url, err)
        result = None
    text = _tidy(result or "")
    # Counting words needs the normal form; most texts clear the bar on their plain words alone.
    if fewest_words(text) < _FOUND_SHARE * visible:
        found = count_words(text)
        if found < _FOUND_SHARE * visible and count_words(reference) > found:
            return reference, FALLBACK
    if block is not None:
        text = drop_trailing_chrome(text, block)
    text = restore_opening(mark_headings(text, reference), reference)
    return _with_title(text, dom.document_title(root)), EXTRACTOR


def _options(url: str | None) -> Extractor:
    options = copy(_OPTIONS)
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")  # as trafilatura sets it, for its log
    return options


def drop_trailing_chrome(text: str, block) -> str:
    """Drop blocks of trafilatura's text that come from after the page's main block and are not in it.

    The main block holds at least 80% of the visible non-link words; what follows it in the page (promotions,
    sidebars, comment threads, disclaimers) is chrome that trafilatura's recall mode keeps. Text *before* the main
    block is kept: titles and "last updated" lines often sit just above it.
    """
    after = " ".join(_WORDS.findall(" ".join(_following_text(block)).casefold()))
    if not after:
        return text
    inside = None
    kept = []
    for chunk in text.split("\n\n"):
        key = _key(chunk)
        if key and key in after:
            if inside is None:
                inside = " ".join(_WORDS.findall(block.text_content().casefold()))
            if key not in inside:
                continue
        kept.append(chunk)
    return "\n\n".join(kept)


def _following_text(block):
    """Text of everything after ``block`` in document order, outside it."""
    for ancestor in [block, *block.iterancestors()]:
        for sibling in ancestor.itersiblings():
            if isinstance(sibling.tag, str):
                yield sibling.text_content()


def mark_headings(text: str, reference: str) -> str:
    """Headings as our DOM reader saw them: plain lines that are headings get their ``#``, and headings that
    trafilatura dropped are put back before the block that follows them in the page."""
    blocks = [block.strip() for block in reference.split("\n\n") if block.strip()]
    levels: dict[str, int] = {}
    anchors: list[tuple[str, str]] = []  # (heading line, the start of the block after it)
    for index, block in enumerate(blocks):
        if _HEADING_LINE.match(block) and "\n" not in block:
            marks, _, title = block.partition(" ")
            levels.setdefault(title.strip(), len(marks))
            following = next((b for b in blocks[index + 1 :] if not _HEADING_LINE.match(b)), "")
            anchors.append((block, _key(following)))
    if not levels:
        return text
    lines = text.split("\n")
    present = set()
    for number, line in enumerate(lines):
        bare = line.strip().strip("*").strip()
        if _HEADING_LINE.match(line):
            present.add(line.partition(" ")[2].strip().strip("*").strip())
        elif bare in levels:
            lines[number] = f"{'#' * levels[bare]} {bare}"
            present.add(bare)
    keys = None  # each line's key, computed once
    for heading, anchor in anchors:
        title = heading.partition(" ")[2].strip()
        if title in present or not anchor:
            continue
        if keys is None:
            keys = [_key(line) for line in lines]
        for number, key in enumerate(keys):
            if key == anchor:
                lines[number:number] = [heading, ""]
                keys[number:number] = [_key(heading), ""]
                present.add(title)
                break
    return "\n".join(lines)


def restore_opening(text: str, reference: str) -> str:
    """Put back the main block's opening lines (a title, a "last updated" line) that trafilatura took for page
    metadata and dropped: up to three short blocks before the first block it kept."""
    blocks = [block.strip() for block in reference.split("\n\n") if block.strip()]
    if not blocks:
        return text
    # Only the first blocks can be the first one kept (past them nothing is put back), and usually the very first
    # is: reading the text's lines stops as soon as one of them starts like it.
    keys = [_key(block) for block in blocks[: _OPENING_BLOCKS + 1]]
    found = set()
    for line in text.split("\n"):
        key = _key(line)
        if key == keys[0]:
            return text
        found.add(key)
    first = next((i for i, key in enumerate(keys) if key in found), None)
    if not first:
        return text
    opening = blocks[:first]
    if any(len(block.split()) > _OPENING_WORDS or len(block) > _OPENING_CHARS for block in opening):
        return text
    return "\n\n".join([*opening, text])


def _with_title(text: str, title: str | None) -> str:
    """Put the page's own title (its one ``<h1>``) first when trafilatura left it out as metadata."""
    if not title or not text or title in {line.lstrip("#").strip() for line in text.splitlines()[:3]}:
        return text
    return f"# {title}\n\n{text}"


def _key(block: str) -> str:
    """The first words of a block, without markup, to find it again in another rendering."""
    first = block.lstrip().partition("\n")[0]
    # The first words lie in the line's start: when it holds more than eight, they are whole.
    words = _WORDS.findall(first[:_KEY_CHARS].casefold())
    if len(words) <= _KEY_WORDS and len(first) > _KEY_CHARS:
        words = _WORDS.findall(first.casefold())
    return " ".join(words[:_KEY_WORDS])


def _tidy(text: str) -> str:
    """trafilatura's Markdown, without the inline tags it passes through untranslated (``<u>``, ``<sup>``…)."""
    return _LEFTOVER_TAG.sub("", text).strip()


def _preformatted(root) -> str | None:
    """The text of a ``<pre>`` that holds nearly all of the page's visible text (a printer-friendly page)."""
    pres = list(root.iter("pre"))
    if len(pres) != 1:
        return None
    text = pres[0].text_content()
    body = root.find("body")
    total = len(body.text_content().split()) if body is not None else 0
    return text if total and len(text.split()) >= 0.85 * total else None
