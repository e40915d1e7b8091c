"""Redlines and section comparisons, which the report, ``diff`` and ``history --format log`` all show."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from palimpsest.comparison.diff import Piece
from palimpsest.comparison.redline import redline
from palimpsest.comparison.sections import compare_sections, hunks, outline, summary

LINES = st.lists(
    st.sampled_from(
        [
            "We keep your address.",
            "We keep your address and phone number.",
            "Cookies keep you signed in.",
            "- Your name",
            "- Your name and e-mail",
            "# Rights",
            "",
            "当社は個人情報を大切に扱います。",
            "当社は個人情報を慎重に扱います。",
        ]
    ),
    max_size=12,
)


def side(pieces: list[Piece], dropped: str) -> str:
    return "".join(p.text for p in pieces if p.op != dropped)


@settings(max_examples=300, deadline=None)
@given(LINES, LINES)
def test_a_redline_holds_both_texts_exactly(old: list[str], new: list[str]) -> None:
    a, b = "\n".join(old), "\n".join(new)
    pieces = redline(a, b)
    assert side(pieces, "delete").rstrip("\n") == b.rstrip("\n")
    assert side(pieces, "insert").rstrip("\n") == a.rstrip("\n")
    assert all(p.text for p in pieces)
    assert all(x.op != y.op for x, y in itertools.pairwise(pieces))  # runs are merged


def test_words_change_inside_a_line_and_short_gaps_join_the_edit() -> None:
    pieces = redline(
        "To do that, the app needs your location, but only roughly.",
        "To do that, the app uses your precise location, but only roughly.",
    )
    assert pieces == [
        Piece("equal", "To do that, the app "),
        Piece("delete", "needs your"),
        Piece("insert", "uses your precise"),
        Piece("equal", " location, but only roughly."),
    ]


def test_a_rewritten_line_is_removed_and_added_whole() -> None:
    pieces = redline(
        "Intro\nWe sell books.\nContact us.", "Intro\nCookies keep you signed in on every visit.\nContact us."
    )
    assert pieces == [
        Piece("equal", "Intro\n"),
        Piece("delete", "We sell books.\n"),
        Piece("insert", "Cookies keep you signed in on every visit.\n"),
        Piece("equal", "Contact us."),
    ]


def test_sections_are_paired_by_path_then_by_body() -> None:
    old = "# A\n\nalpha beta gamma delta\n\n# B\n\none two three four five\n\n# C\n\ngone section text here"
    new = "# A\n\nalpha beta gamma delta\n\n# Bee\n\none two three four five six\n\n# D\n\nbrand new words"
    changes = compare_sections(old, new)
    assert [(c.status, c.path, c.old_path) for c in changes] == [
        ("unchanged", "A", "A"),
        ("renamed", "Bee", "B"),
        ("removed", "C", "C"),  # where it used to be: after the section it followed
        ("added", "D", None),
    ]
    assert summary(changes) == {"renamed": 1, "added": 1, "removed": 1, "unchanged": 1}
    renamed = changes[1]
    assert [p for p in renamed.body if p.op != "equal"] == [Piece("insert", " six")]


def test_repeated_headings_pair_in_order() -> None:
    old = "# Note\n\nfirst\n\n# Note\n\nsecond"
    new = "# Note\n\nfirst\n\n# Note\n\nsecond, amended"
    assert [c.status for c in compare_sections(old, new)] == ["unchanged", "changed"]


def test_plain_short_lines_are_read_as_headings_only_without_markdown_ones() -> None:
    text = (
        "Title\nSome long paragraph of text here.\n- item one\nShort heading\n"
        "Another paragraph that is long enough.\nEnds with a colon:\nfollowing text line that is long"
    )
    assert [s.path for s in outline(text)] == ["Title", "Short heading"]
    assert [s.path for s in outline("# Real\n\nShort line\nA longer line of body text.")] == ["Real"]


def test_hunks_carry_the_heading_above_and_the_context_asked_for() -> None:
    old = "# One\n\nkeep\n\n# Two\n\nbefore\nold line here\nafter"
    new = "# One\n\nkeep\n\n# Two\n\nbefore\nnew line here\nafter"
    (hunk,) = hunks(old, new)
    assert hunk.heading == "Two"
    assert ["".join(p.text for p in line if p.op != "delete") for line in hunk.lines] == ["new line here"]
    (wider,) = hunks(old, new, context=1)
    assert ["".join(p.text for p in line if p.op != "delete") for line in wider.lines] == [
        "before",
        "new line here",
        "after",
    ]
