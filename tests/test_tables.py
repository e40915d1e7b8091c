"""Layout tables: a page grid gives up its content cells, and a policy laid out one paragraph per row keeps them all.

The second shape is modelled on a real 2006 page (PL's pets4you.com): the policy's paragraphs, and its address as
label and value cells, each in a row of their own inside nested layout tables. Keeping only the cells at least half
as long as the longest cut it to its first paragraphs.
"""

from __future__ import annotations

from palimpsest.extractors import dom
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
