"""Main-text extraction: page repair, headings recovered from the DOM, tables, the fallback, PDF and plain text.

Fixtures here are short pages written for these tests; each test names the archived-page habit it stands for.
"""

from __future__ import annotations

import pytest

from palimpsest.errors import EmptyText, UnsupportedMedia
from palimpsest.extractors import extract_policy, normalise
from palimpsest.extractors import html as html_extractor
from palimpsest.extractors.dom import parse, prepare
from palimpsest.extractors.pdf import pdf_text
from palimpsest.extractors.plaintext import plain_text
from tests.fixtures.pages.src.blocks import read_blocks
from tests.fixtures.pages.src.documents import pdf

POLICY = (
    "We collect your name and e-mail address when you register, and we keep them while your account is open. "
    "We never sell personal data to anyone, and we share it only with the company that hosts our servers."
)


def _page(body: str, head: str = "") -> bytes:
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>".encode()


def _headings(text: str) -> list[str]:
    return [line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")]


@pytest.mark.parametrize(
    ("markup", "habit"),
    [
        ('<div role="heading" aria-level="2">Sharing</div>', "single-page app"),
        ("<p><strong>Sharing</strong></p>", "shop builder"),
        ('<p class="MsoHeading2">Sharing</p>', "Word 'Save as HTML'"),
        ('<div style="font-size:22px;font-weight:700"><span>Sharing</span></div>', "inline-styled app"),
        ('<button aria-expanded="false">Sharing</button>', "accordion"),
    ],
)
def test_headings_without_heading_tags_are_recovered(markup: str, habit: str) -> None:
    page = _page(f"<main><h1>Privacy</h1><p>{POLICY}</p>{markup}<p>{POLICY.upper()}</p></main>")
    text = extract_policy(page, "https://x.example/privacy").text
    assert "Sharing" in _headings(text), habit
    assert text.index("Sharing") < text.index(POLICY.upper()[:20])


def test_aria_lists_keep_every_item() -> None:
    """Single-page apps write lists as ``role="list"`` divs; read as loose short blocks, their items were lost."""
    items = [
        "<strong>Log information:</strong> the browser you use and your IP address.",
        "<strong>Device information:</strong> the model of your device.",
        "<strong>Usage information:</strong> which features you use.",
    ]
    listed = "".join(f'<div class="ListItem_root">{item}</div>' for item in items)
    body = f'<main><h1>Privacy</h1><p>{POLICY}</p><div role="list">{listed}</div><p>{POLICY.upper()}</p></main>'
    text = extract_policy(_page(body), "u").text
    for label in ("Log information", "Device information", "Usage information"):
        assert f"- **{label}:**" in text


def test_folded_sections_keep_their_order() -> None:
    """trafilatura runs <details> paragraphs together and moves summaries after them; we open them first."""
    folds = "".join(
        f"<details><summary>Part {n}</summary><p>{POLICY} Part {n} ends here.</p></details>" for n in (1, 2, 3)
    )
    text = extract_policy(_page(f"<main><h1>Privacy</h1>{folds}</main>"), "u").text
    positions = [text.index(f"# Part {n}") for n in (1, 2, 3)]
    assert positions == sorted(positions)
    assert text.index("# Part 2") < text.index("Part 2 ends here") < text.index("# Part 3")


def test_bold_label_lines_are_not_headings() -> None:
    page = _page(f"<article><h1>Privacy</h1><p><b>Last updated: 3 May 2018</b></p><p>{POLICY}</p></article>")
    assert "Last updated: 3 May 2018" not in _headings(extract_policy(page, "u").text)


def test_a_section_called_cookies_is_not_a_cookie_banner() -> None:
    body = (
        f'<main><h1>Privacy</h1><p>{POLICY}</p><h2 id="cookies">Cookies</h2>'
        '<div class="cookies">We set one cookie to remember your language.</div>'
        '</main><div class="cookie-banner"><p>We use cookies. Accept all?</p><button>OK</button></div>'
    )
    text = extract_policy(_page(body), "u").text
    assert "Cookies" in _headings(text)
    assert "remember your language" in text
    assert "Accept all" not in text


def test_of_several_tabs_the_privacy_one_is_kept_wherever_it_is() -> None:
    terms = "<p>Prices include tax. Title and risk pass to you when we hand your order to the carrier.</p>"
    for active in ("terms", "privacy"):
        panes = "".join(
            f'<div role="tabpanel" class="tab-pane{" active" if name == active else ""}" id="{name}">'
            f"<h2>{name.title()}</h2>{body}</div>"
            for name, body in [("terms", terms), ("privacy", f"<p>{POLICY}</p>")]
        )
        page = _page(f'<main><h1>Legal</h1><ul role="tablist"><li><a href="#t">Terms</a></li></ul>{panes}</main>')
        text = extract_policy(page, "u").text
        assert POLICY in text and "risk pass" not in text, active
        assert "Legal" not in _headings(text)


def test_pinned_boxes_without_telling_names_are_chrome() -> None:
    body = (
        f"<main><h1>Privacy</h1><p>{POLICY}</p></main>"
        '<div style="position: fixed; bottom: 0">We and our partners use cookies to personalise ads.'
        "<span>Accept</span></div>"
    )
    assert "personalise ads" not in extract_policy(_page(body), "u").text


def test_nineties_table_pages_keep_bare_text_and_font_headings() -> None:
    """Text after a </ul> and <br><br>-separated paragraphs in a layout cell, headings as <font><b>."""
    cell = (
        '<font size="+1"><b>What we collect</b></font><br>Your name.<br><br>'
        f"<ul><li>Orders</li><li>Returns</li></ul>{POLICY}<br><br>"
        '<font size="+1"><b>Contact</b></font><br>Write to us at 1 Quay Street.'
    )
    page = _page(
        '<table width="600"><tr><td width="120"><a href="/">Home</a><br><a href="/shop">Shop</a></td>'
        f"<td>{cell}</td></tr></table>"
    )
    text = extract_policy(page, "u").text
    assert _headings(text) == ["What we collect", "Contact"]
    assert POLICY in text
    assert "Shop" not in text


def test_data_tables_survive_and_layout_tables_do_not() -> None:
    rows = "".join(
        f"<tr><td>{kind}</td><td><ul><li>{example}</li></ul></td><td>{days} days</td></tr>"
        for kind, example, days in [("Account", "e-mail", 30), ("Usage", "pages viewed", 90), ("Device", "model", 14)]
    )
    table = f"<table><tr><th>Category</th><th>Examples</th><th>Kept for</th></tr>{rows}</table>"
    text = extract_policy(_page(f"<main><h1>Privacy</h1><p>{POLICY}</p>{table}</main>"), "u").text
    assert "| Usage | pages viewed | 90 days |" in text.replace("- ", "")


def test_chrome_after_the_main_block_is_dropped() -> None:
    body = (
        f'<div class="row"><div class="col-8"><h1>Privacy</h1><p>{POLICY}</p><p>{POLICY.lower()}</p>'
        f"<p>{POLICY.upper()}</p></div>"
        '<div class="col-4"><h3>Refinance and save</h3><p>Move your loan to us and get a bonus of 100.</p></div>'
        "</div><p>Member of the deposit insurance scheme. Rates may change without notice.</p>"
    )
    text = extract_policy(_page(body), "u").text
    assert "Refinance" not in text and "deposit insurance" not in text
    assert POLICY.lower() in text


def test_a_frameset_page_is_read_from_its_noframes() -> None:
    page = (
        "<html><head><title>Privacy</title></head><frameset cols='20%,*'><frame src='menu.html'>"
        f"<frame src='main.html'><noframes><body><h2>Privacy</h2><p>{POLICY}</p></body></noframes></frameset></html>"
    ).encode()
    assert POLICY in extract_policy(page, "u").text


def test_an_xhtml_page_with_an_xml_declaration_is_read() -> None:
    page = f'<?xml version="1.0" encoding="UTF-8"?>\n<html><body><h1>Privacy</h1><p>{POLICY}</p></body></html>'
    assert POLICY in extract_policy(page.encode(), "u").text


def test_the_fallback_takes_over_when_trafilatura_finds_little(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html_extractor.trafilatura, "extract", lambda *args, **kwargs: "Home")
    result = extract_policy(_page(f"<div><h1>Privacy</h1><p>{POLICY}</p><p>{POLICY.upper()}</p></div>"), "u")
    assert result.extractor.endswith("palimpsest-dom-1")
    assert POLICY in result.text and result.text.startswith("# Privacy")


def test_a_trafilatura_crash_falls_back_to_our_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*args, **kwargs):
        raise ValueError("invalid literal for int() with base 10: ''")

    monkeypatch.setattr(html_extractor.trafilatura, "extract", crash)
    result = extract_policy(_page(f"<div><h1>Privacy</h1><p>{POLICY}</p></div>"), "u")
    assert result.extractor.endswith("palimpsest-dom-1") and POLICY in result.text


def test_trafilatura_is_kept_when_it_finds_the_text() -> None:
    result = extract_policy(_page(f"<main><h1>Privacy</h1><p>{POLICY}</p></main>"), "u")
    assert "trafilatura" in result.extractor


def test_prepare_never_removes_an_element_holding_most_of_the_page() -> None:
    root = parse(f'<html><body><div class="cookie-consent-wrapper"><h1>Privacy</h1><p>{POLICY}</p></div></body></html>')
    prepare(root)
    assert POLICY in root.text_content()


def test_printer_friendly_pre_pages_become_paragraphs() -> None:
    wrapped = (
        "Privacy\n=======\n\nWe collect your name and\ne-mail address when you\nregister.\n\n  * Orders\n  * Returns\n"
    )
    text = extract_policy(_page(f"<pre>{wrapped}</pre>"), "u").text
    assert text == "# Privacy\n\nWe collect your name and e-mail address when you register.\n\n- Orders\n- Returns"


def test_plain_text_policies() -> None:
    raw = (
        "PRIVACY POLICY\r\n\r\nWe collect your name and\r\naddress.\r\n\r\nSharing\r\n-------\r\n\r\n"
        "  o Hosting\r\n    company\r\n  o Couriers\r\n\r\nWe keep data\r\nfor a year.\r\n"
    )
    assert plain_text(raw) == (
        "## PRIVACY POLICY\n\nWe collect your name and address.\n\n## Sharing\n\n- Hosting company\n- Couriers\n\n"
        "We keep data for a year."
    )
    result = extract_policy(raw.encode("cp1252"), "u", {"Content-Type": "text/plain"})
    assert result.extractor == "palimpsest-text-1"


def test_pdf_policies_lose_running_headers_and_keep_headings() -> None:
    text = "# Privacy\n\nLast updated: 1 May 2020\n\n" + "\n\n".join(
        f"## Part {n}\n\n" + " ".join([POLICY] * 3) for n in range(1, 9)
    )
    body = pdf(read_blocks(text), "Example Ltd - Privacy Policy")
    result = pdf_text(body, "u")
    assert "Example Ltd - Privacy Policy" not in result
    assert "Page 1 of" not in result
    assert _headings(result)[:3] == ["Privacy", "Part 1", "Part 2"]
    assert normalise(result) == normalise(text)
    extracted = extract_policy(body, "u", {"Content-Type": "application/octet-stream"})
    assert extracted.extractor == "palimpsest-pdf-1"


def test_a_broken_pdf_is_unsupported_media() -> None:
    with pytest.raises(UnsupportedMedia):
        extract_policy(b"%PDF-1.4\n\x00\x01 garbage", "u", {"Content-Type": "application/pdf"})


def test_an_empty_page_raises_empty_text() -> None:
    with pytest.raises(EmptyText):
        extract_policy(_page('<div id="root"></div><script>app()</script>'), "u")
