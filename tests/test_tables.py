"""Layout tables: a page grid gives up its content cells, and a policy laid out one paragraph per row keeps them all.

The second shape is modelled on a real 2006 page (PL's pets4you.com): the policy's paragraphs, and its address as
label and value cells, each in a row of their own inside nested layout tables. Keeping only the cells at least half
as long as the longest cut it to its first paragraphs.
"""

from __future__ import annotations

from palimpsest.extractors import dom, extract_policy
from palimpsest.extractors.tables import unwrap_layout_tables

ROWS = [
    "We want our users to always be aware of what information we collect and how we use it.",
    "WEBSITE ADMINISTRATION",
    ("Business name:", "Original Services"),
    ("Address:", "P.O. Box 1584"),
    "Registration is not required to enter our site.",
    "We have an order form, and we use the details you give on it only to fill your order.",
    "CONFLICT RESOLUTION",
    "We will try to settle any complaint about our use of your information within thirty days.",
]


def _page(rows: list, menu: bool) -> str:
    cells = "".join(
        f"<tr><td><b>{row}</b></td></tr>" if isinstance(row, str) else f"<tr><td>{row[0]}</td><td>{row[1]}</td></tr>"
        for row in rows
    )
    nav = "<td><a href='/'>Home</a> | <a href='/dogs'>Dogs</a> | <a href='/cats'>Cats</a></td>" if menu else ""
    inner = f"<table><tr><td><h3>Privacy Statement</h3></td></tr>{cells}</table>"
    return f"<html><body><table><tr>{nav}<td>{inner}</td></tr></table></body></html>"


def test_a_policy_laid_out_one_paragraph_per_row_keeps_every_row() -> None:
    root = dom.parse(_page(ROWS, menu=False))
    before = root.text_content().split()
    assert unwrap_layout_tables(root)
    after = root.text_content()
    assert after.split() == before
    assert "thirty days" in after and "P.O. Box 1584" in after


def test_a_page_grid_drops_its_menu_column() -> None:
    root = dom.parse(_page(ROWS, menu=True))
    unwrap_layout_tables(root)
    text = root.text_content()
    assert "Registration is not required" in text and "thirty days" in text
    assert "Dogs" not in text


def test_a_policy_set_in_bold_cells_keeps_every_cell() -> None:
    """Whole cells in bold, some wrapping a list, one after another: trafilatura's Markdown mode dropped them and
    the plain cells between them (2006 layout, modelled on PL's pets4you.com)."""
    sentences = [
        ("", "This privacy policy explains what personal information Kestrel Kennels collects and how we use it."),
        ("", "We do not share personal data with third parties for their marketing, and we set no cookies."),
        ("b", "Our server notes the domain of every visitor to count traffic, and nothing more."),
        ("", "We use the notes to plan the capacity of the site."),
        ("b", "The details you give us are:<ul><li>used to ship your order.</li><li>never sold.</li></ul>"),
        ("b", "You need no account to read the site."),
        ("b", "Our order form asks for your name and card:<ul><li>to bill you.</li><li>to ship to you.</li></ul>"),
        ("", "Card numbers go to a payment processor over an encrypted link."),
        ("b", "We answer complaints about your data within five working days."),
        ("", "You may ask to see, correct or delete the personal information we hold about you at any time."),
    ]
    rows = "".join(
        f"<tr><td colspan='2'><font face='Arial' size='2'>{f'<b>{text}</b>' if bold else text}</font></td></tr>"
        for bold, text in sentences
    )
    page = (
        "<html><head><title>Kestrel Kennels - Privacy</title></head><body><center><table width='780'><tr><td>"
        f"<table>{rows}</table></td></tr></table></center></body></html>"
    )
    text = extract_policy(page.encode(), "http://kestrel.example/privacy.html").text
    for needle in [
        "domain of every visitor",
        "capacity of the site",
        "never sold",
        "no account",
        "to bill you",
        "payment processor",
        "five working days",
    ]:
        assert needle in text, needle
