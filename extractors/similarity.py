"""Near-duplicate texts: is a change between two versions *minor*?

A change is minor when the two texts are near duplicates: once dates are masked ("Last updated: 3 May 2018"
against "… 9 June 2019"), the word 3-shingle resemblance (Jaccard) is at least 0.9, at most a few words differ
(four, or 1% of the longer text), and none of the differing words is a number or a negation. The last rule is
what makes this trustworthy for policies: "we never sell" → "we sell" and "30 days" → "90 days" are one-word
changes that are never minor. A minor change is still a version; it is flagged in ``changes.minor``.
"""

from __future__ import annotations

import re
from collections import Counter

from palimpsest.extractors.normalise import tokens
from palimpsest.extractors.stated_date import DATE_PATTERNS

_SHINGLE = 3
_RESEMBLANCE = 0.9
_FEW_WORDS = 4
_SHARE = 0.01
_DATE_MARK = "\u2063date\u2063"
_WEIGHTY = re.compile(
    r"^(?:\d.*|.*\d|not?|never|none|nothing|nor|without|cannot|can't|won't|don't|doesn't|isn't|aren't|"
    r"nicht|kein\w*|nie|niemals|ne|pas|jamais|aucun\w*|nunca|ningún|ninguna|sin|"
    r"ない|ません|ず|不|没|無|无|않|없|못)$",
    re.IGNORECASE,
)


def mask_dates(text: str) -> str:
    """The text with every date expression replaced by one placeholder."""
    for _kind, pattern in DATE_PATTERNS:
        text = pattern.sub(_DATE_MARK, text)
    return text


def resemblance(old: str, new: str, size: int = _SHINGLE) -> float:
    """Jaccard similarity of the two texts' word ``size``-shingles (1.0 for identical texts)."""
    a, b = _shingles(tokens(old), size), _shingles(tokens(new), size)
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def changed_words(old: str, new: str) -> Counter:
    """Words that appear a different number of times in the two texts (each difference counted once)."""
    a, b = Counter(tokens(old)), Counter(tokens(new))
    return (a - b) + (b - a)


def is_minor(old: str, new: str) -> bool:
    """True when ``new`` is a near duplicate of ``old``: only dates or a few harmless words changed."""
    old_masked, new_masked = mask_dates(old), mask_dates(new)
    if tokens(old_masked) == tokens(new_masked):
        return True
    changed = changed_words(old_masked, new_masked)
    longest = max(len(tokens(old_masked)), len(tokens(new_masked)))
    if sum(changed.values()) > max(_FEW_WORDS, int(longest * _SHARE)):
        return False
    if any(_WEIGHTY.match(word) for word in changed):
        return False
    return resemblance(old_masked, new_masked) >= _RESEMBLANCE or sum(changed.values()) <= 2


def _shingles(words: list[str], size: int) -> set[tuple[str, ...]]:
    if len(words) < size:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}
