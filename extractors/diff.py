"""Word-level differences between two policy texts, for people (CLI, report, feed) and for counts."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from palimpsest.extractors.normalise import CJK_RANGES, tokens

_DISPLAY_TOKEN = re.compile(rf"\s+|[{CJK_RANGES}]|[^\s{CJK_RANGES}]+")


@dataclass(frozen=True)
class Piece:
    """A run of text that is ``equal``, ``insert``-ed or ``delete``-d going from the old text to the new."""

    op: str
    text: str


def word_diff(old: str, new: str) -> list[Piece]:
    """The new text as pieces, with removed words as ``delete`` pieces where they stood."""
    a, b = _DISPLAY_TOKEN.findall(old), _DISPLAY_TOKEN.findall(new)
    pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            add_piece(pieces, "equal", "".join(b[j1:j2]))
            continue
        if tag in {"delete", "replace"}:
            add_piece(pieces, "delete", "".join(a[i1:i2]))
        if tag in {"insert", "replace"}:
            add_piece(pieces, "insert", "".join(b[j1:j2]))
    return pieces


def add_piece(pieces: list[Piece], op: str, text: str) -> None:
    """Append ``text`` as a piece, joined to the last piece when that one has the same ``op``."""
    if not text:
        return
    if pieces and pieces[-1].op == op:
        pieces[-1] = Piece(op, pieces[-1].text + text)
    else:
        pieces.append(Piece(op, text))


def word_delta(old: str, new: str) -> tuple[int, int]:
    """Words added and removed between two texts, compared on their normalised word sequences."""
    a, b = tokens(old), tokens(new)
    added = removed = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in {"replace", "delete"}:
            removed += i2 - i1
        if tag in {"replace", "insert"}:
            added += j2 - j1
    return added, removed
