"""How alike two texts are, and whether a change between two versions is *minor*.

There is one similarity measure, :func:`similarity`: the share of words that the alignment of two word sequences
keeps (``2 × kept ÷ (words in both)``, 1.0 for identical sequences). Redlines pair lines with it, section
comparison recognises a renamed section with it, and ``verify`` reports it for an imported document.

A change is minor when the two texts are near duplicates: once dates are masked ("Last updated: 3 May 2018"
against "… 9 June 2019"), the alignment of their words changes at most a few (four, or 1% of the longer text),
none of them is a number or a negation, and the texts are at least 0.9 similar (or differ by two words at most).
The negation and number rule is what makes this trustworthy for policies: "we never sell" → "we sell" and
"30 days" → "90 days" are one-word changes that are never minor, and a negation that moves ("we no longer scan
faces" → "we scan no faces") is removed and added by the alignment, so it counts too. A minor change is still a
version; it is flagged in ``changes.minor``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from palimpsest.comparison.diff import edits
from palimpsest.text.dates import DATE_PATTERNS
from palimpsest.text.normal import tokens

_MINOR_SIMILARITY = 0.9
_FEW_WORDS = 4
_SHARE = 0.01
_DATE_MARK = "\u2063date\u2063"
_WEIGHTY = re.compile(
    r"^(?:\d.*|.*\d|not?|never|none|nothing|nor|without|cannot|can't|won't|don't|doesn't|isn't|aren't|"
    r"nicht|kein\w*|nie|niemals|ne|pas|jamais|aucun\w*|nunca|ningún|ninguna|sin|"
    r"ない|ません|ず|不|没|無|无|않|없|못)$",
    re.IGNORECASE,
)


def similarity(old: Sequence[str], new: Sequence[str]) -> float:
    """The share of the two word sequences that their alignment keeps: 1.0 when equal (or both empty), 0.0 when
    they share no word. Give it ``tokens(text)`` to compare texts as normalised words."""
    if not old and not new:
        return 1.0
    kept = sum(len(same) for op, same, _ in edits(old, new) if op == "equal")
    return 2 * kept / (len(old) + len(new))


def mask_dates(text: str) -> str:
    """The text with every date expression replaced by one placeholder."""
    for _kind, pattern in DATE_PATTERNS:
        text = pattern.sub(_DATE_MARK, text)
    return text


def is_minor(old: str, new: str) -> bool:
    """True when ``new`` is a near duplicate of ``old``: only dates or a few harmless words changed."""
    old_words, new_words = tokens(mask_dates(old)), tokens(mask_dates(new))
    if old_words == new_words:
        return True
    most = max(_FEW_WORDS, int(max(len(old_words), len(new_words)) * _SHARE))
    # Words whose count differs are a lower bound of the words the alignment changes: a cheap early no.
    if sum(((Counter(old_words) - Counter(new_words)) + (Counter(new_words) - Counter(old_words))).values()) > most:
        return False
    changed = [word for op, gone, came in edits(old_words, new_words) if op != "equal" for word in (*gone, *came)]
    if len(changed) > most or any(_WEIGHTY.match(word) for word in changed):
        return False
    return len(changed) <= 2 or similarity(old_words, new_words) >= _MINOR_SIMILARITY
