"""The golden pages that model how real archived policy pages defeat extractors (``src/pitfalls.py``) model it.

Measured on OPP-115's 2015 pages, extraction failed in five classes: a refused policy, chrome kept, a policy cut
short, combined legal pages and small losses that change the meaning. ``tests/test_golden.py`` scores the extractor
on these pages; the tests here check the pages themselves, so that no later edit of a layout or a text quietly
removes what makes a page hard (a refused-policy page whose wrapper grew past the share that chrome removal spares,
a combined page whose terms lost their warranties) or makes an expected text easier than the page. They read
only the corpus files, never the extractor.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from palimpsest.text.normal import normalise

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"
TEXTS = PAGES / "src" / "texts"
EXPECTED = {page["id"]: page for page in json.loads((PAGES / "expected.json").read_text(encoding="utf-8"))["pages"]}

#: Each page modelled on a failure class, by class. Several variants each: markup, placement and wording differ.
CLASSES = {
    "refused policy": [
        "2015-aem-cmp-kettleford",
        "2016-aem-grid-kettleford",
        "2015-cta-column-copperline",
        "2015-toolbar-article-tidewater",
        "2015-toast-theme-fennelfig",
        "2015-kb-feedback-brightdesk",
    ],
    "chrome kept": [
        "2015-news-megamenu-harlowcourier",
        "2015-magazine-blocks-ridgewayangler",
        "2015-promo-carousel-saltmarsh",
        "2015-oldbrowser-plumtree",
    ],
    "policy cut short": [
        "2015-collapse-accordion-quarrymill",
        "2015-panels-wrenfield",
        "2015-readmore-ambergate",
        "2015-pagebuilder-rows-hollyhock",
    ],
    "combined legal page": [
        "2016-combined-terms-bramblework",
        "2016-combined-flat-cinderhill",
        "2016-combined-termsfirst-oakhollow",
        "2015-legal-disclaimer-gannetmarine",
        "2015-gov-notice-northvale",
        "2015-own-terms-pebblecove",
    ],
    "small loss": [
        "2013-lastmodified-halberdcollege",
        "2015-duplicate-paras-yarnbarn",
        "2015-nested-list-ashgrove",
        "2015-latest-news-moorhen",
        "2016-latest-news-column-moorhen",
    ],
}
ALL = [page for pages in CLASSES.values() for page in pages]
#: The policy's own wrapper on each refused-policy page, which carries a class token chrome removal matches.
WRAPPERS = {
    "2015-aem-cmp-kettleford": "cmp-text",
    "2016-aem-grid-kettleford": "cmp-text",
    "2015-cta-column-copperline": "has-cta",
    "2015-toolbar-article-tidewater": "with-toolbar",
    "2015-toast-theme-fennelfig": "toast-entry",
    "2015-kb-feedback-brightdesk": "feedback-enabled",
}
#: A third of the page: below the share at which chrome removal spares an element whatever its class
#: (``dom._SAFE_SHARE``, 0.4), as the real pages were.
LOW, HIGH = 0.3, 0.4
#: The combined pages whose other document is dropped: what the other document must hold and the page title.
OTHERS = {
    "2016-combined-terms-bramblework": ("bramblework-terms", "Bramblework Privacy Policy"),
    "2016-combined-flat-cinderhill": ("cinderhill-terms", "PRIVACY POLICY"),
    "2016-combined-termsfirst-oakhollow": ("oakhollow-terms", "Oak Hollow Privacy Policy"),
    "2015-legal-disclaimer-gannetmarine": ("gannetmarine-legal", "Privacy Policy"),
}
TERMS_SECTIONS = re.compile(r"warrant|liabilit|governing law|indemni", re.IGNORECASE)


def _tree(page_id: str) -> lxml.html.HtmlElement:
    page = EXPECTED[page_id]
    root = lxml.html.document_fromstring((PAGES / page["file"]).read_bytes())
    etree.strip_elements(root, "script", "style", "noscript", "template", "svg", "iframe", with_tail=False)
    etree.strip_elements(root, etree.Comment, with_tail=False)
    return root


def _has_class(token: str) -> str:
    return f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {token} ')]"


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", normalise(text).casefold())


def test_every_class_has_several_variants_in_the_corpus() -> None:
    assert len(ALL) >= 20
    assert len(set(ALL)) == len(ALL)
    for name, pages in CLASSES.items():
        assert len(pages) >= 4, name
        for page_id in pages:
            page = EXPECTED[page_id]
            assert page["quality"] == "ok", page_id
            assert page["stated_date"], page_id


@pytest.mark.parametrize("page_id", ALL)
def test_each_page_promises_only_what_its_text_and_page_hold(page_id: str) -> None:
    """Snippets that must survive are in the expected text; chrome that must not is on the page but not in it."""
    page = EXPECTED[page_id]
    expected = normalise(page["text"])
    visible = normalise(" ".join(_tree(page_id).find("body").itertext()))
    for snippet in page["must_contain"]:
        assert normalise(snippet) in expected, snippet
        assert normalise(snippet) in visible, snippet
    assert page["must_not_contain"]
    for snippet in page["must_not_contain"]:
        assert normalise(snippet) not in expected, snippet
        assert normalise(snippet) in visible, snippet


@pytest.mark.parametrize("page_id", CLASSES["refused policy"])
def test_the_refused_policy_sits_in_a_chrome_named_wrapper_beside_a_password_field(page_id: str) -> None:
    root = _tree(page_id)
    body = root.find("body")
    total = len(body.text_content())
    wrappers = root.xpath(_has_class(WRAPPERS[page_id]))
    assert wrappers
    held = sum(len(w.text_content()) for w in wrappers)
    assert LOW <= held / total <= HIGH, held / total
    assert all(len(w.text_content()) <= HIGH * total for w in wrappers)
    # The policy is all inside the wrappers (and their titles), none of it outside.
    policy = set(_words(EXPECTED[page_id]["text"]))
    inside = set(_words(" ".join(w.text_content() for w in wrappers)))
    assert len(policy - inside) <= 3, policy - inside
    passwords = root.xpath("//input[@type='password']")
    assert passwords
    assert not any(w in p.iterancestors() for p in passwords for w in wrappers)


def test_the_news_page_surrounds_the_policy_with_every_kind_of_news_chrome() -> None:
    root = _tree("2015-news-megamenu-harlowcourier")
    headings = {" ".join(h.text_content().split()) for h in root.iter("h3")}
    assert {"Latest news", "Most read", "Related articles", "Comments", "More pages from this section"} <= headings
    assert len(root.xpath(_has_class("mega-story"))) >= 9


def test_the_promotion_rotates_inside_the_content_column_and_the_warning_sits_above_the_policy() -> None:
    column = _tree("2015-promo-carousel-saltmarsh").xpath(_has_class("content-column"))[0]
    slides = column.xpath(".//*[contains(@class, 'promo-rotator')]/*[contains(@class, 'slide')]")
    assert len(slides) == 3
    main = _tree("2015-oldbrowser-plumtree").xpath(_has_class("main"))[0]
    first, second = [child for child in main if isinstance(child.tag, str)][:2]
    assert "browser-upgrade" in first.get("class")
    assert second.tag == "h1"


def test_the_cut_short_pages_hide_or_split_most_of_the_policy() -> None:
    accordion = _tree("2015-collapse-accordion-quarrymill").xpath("//*[@role='tablist']")[0]
    panels = accordion.xpath(".//*[@role='tabpanel']")
    assert len(panels) >= 8
    assert sum("in" not in p.get("class").split() for p in panels) == len(panels) - 1
    assert len(accordion.xpath(".//*[@aria-expanded='false']")) == len(panels) - 1
    policy = len(_words(EXPECTED["2015-readmore-ambergate"]["text"]))
    hidden = _tree("2015-readmore-ambergate").xpath("//*[@id='policy-more']")[0]
    assert "display: none" in hidden.get("style")
    assert len(_words(hidden.text_content())) > policy / 2
    assert len(_tree("2015-panels-wrenfield").xpath(_has_class("panel"))) >= 6
    rows = _tree("2015-pagebuilder-rows-hollyhock").xpath(_has_class("wpb_text_column"))
    assert len(rows) >= 8


@pytest.mark.parametrize("page_id", sorted(OTHERS))
def test_combined_pages_hold_another_document_that_the_expected_text_leaves_out(page_id: str) -> None:
    other, title = OTHERS[page_id]
    other_text = (TEXTS / "other" / f"{other}.md").read_text(encoding="utf-8")
    expected = EXPECTED[page_id]["text"]
    root = _tree(page_id)
    page_headings = [" ".join(h.text_content().split()) for h in root.xpath("//h1|//h2|//h3")]
    # The expected text is the privacy policy from its own title on, and the page shows that title as a heading.
    assert expected.splitlines()[0] == f"# {title}"
    assert title in page_headings
    # The other document is on the page, with its own headings, and none of its text is expected.
    other_headings = [line.lstrip("#").strip() for line in other_text.splitlines() if line.startswith("#")]
    assert set(other_headings) <= set(page_headings)
    for paragraph in (line for line in other_text.splitlines() if line and not line.startswith("#")):
        assert normalise(paragraph) not in normalise(expected)
    if other.endswith("-terms"):
        assert len({m.group(0).lower() for m in TERMS_SECTIONS.finditer(" ".join(other_headings))}) == 4
        assert len(other_text.split()) >= 200


def test_terms_first_then_privacy_and_a_flat_list_are_arranged_as_they_claim() -> None:
    root = _tree("2016-combined-termsfirst-oakhollow")
    titles = [" ".join(h.text_content().split()) for h in root.iter("h1")]
    assert titles == ["Oak Hollow Terms and Conditions", "Oak Hollow Privacy Policy"]
    flat = _tree("2016-combined-flat-cinderhill").xpath(_has_class("legal-content"))[0]
    levels = {child.tag for child in flat if child.tag.startswith("h")}
    assert levels == {"h3"}
    shop = _tree("2016-combined-terms-bramblework")
    assert [h.tag for h in shop.xpath("//h1|//h2") if "Bramblework" in h.text_content()] == ["h1", "h2"]


def test_a_notice_keeps_its_own_disclaimers_and_a_policy_its_own_terms_of_use_section() -> None:
    notice = EXPECTED["2015-gov-notice-northvale"]["text"]
    assert "## Disclaimer of liability" in notice
    assert "## Disclaimer of endorsement" in notice
    policy = EXPECTED["2015-own-terms-pebblecove"]["text"]
    section = policy.split("## Terms of Use", 1)[1].split("##", 1)[0]
    assert len(section.split()) < 60
    assert "Your use of this website is also governed by our Terms of Use" in section


def test_the_small_losses_are_in_the_expected_texts() -> None:
    halberd = EXPECTED["2013-lastmodified-halberdcollege"]
    assert halberd["text"].splitlines()[-1] == "This file was last modified June 21, 2013."
    assert halberd["stated_date"] == "2013-06-21"
    assert not re.search(r"last (?:updated|revised|reviewed)|effective", halberd["text"], re.IGNORECASE)

    yarn = EXPECTED["2015-duplicate-paras-yarnbarn"]
    twice = "We will never sell, rent or swap your details with any other company"
    assert yarn["text"].count(twice) == 2
    assert (PAGES / yarn["file"]).read_text(encoding="utf-8").count(twice) == 2

    ashgrove = EXPECTED["2015-nested-list-ashgrove"]
    assert len(re.findall(r"^  - ", ashgrove["text"], re.MULTILINE)) == 7
    nested = _tree("2015-nested-list-ashgrove").xpath("//li/ul/li")
    assert len(nested) == 7

    for page_id in ("2015-latest-news-moorhen", "2016-latest-news-column-moorhen"):
        root = _tree(page_id)
        order = [" ".join(h.text_content().split()) for h in root.xpath("//h1|//h2")]
        assert order.index("Latest news") < order.index("Privacy Policy"), page_id
        assert "Latest news" not in EXPECTED[page_id]["text"]
