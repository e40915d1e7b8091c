"""The alignment of two texts' words, and the word-level differences people read and counts are made of.

Every comparison in Palimpsest goes through :func:`edits`: the redline, section pairing, the similarity measure
and the words added and removed by a change.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from palimpsest.text.normal import CJK_RANGES, tokens

#: Words, CJK characters and the whitespace between them: a text split so that joining the pieces gives it back.
_DISPLAY_TOKEN = re.compile(rf"\s+|[{CJK_RANGES}]|[^\s{CJK_RANGES}]+")


@dataclass(frozen=True)
class Piece:
    """A run of text that is ``equal``, ``insert``-ed or ``delete``-d going from the old text to the new."""

    op: str
    text: str


def edits(old: Sequence[str], new: Sequence[str]) -> Iterator[tuple[str, Sequence[str], Sequence[str]]]:
    """The runs of an alignment of two sequences, in order: ``(op, old items, new items)``, where ``op`` is
    ``equal``, ``delete``, ``insert`` or ``replace``. Junk heuristics are off: in a policy, every word counts."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        yield op, old[i1:i2], new[j1:j2]


def word_diff(old: str, new: str) -> list[Piece]:
    """The new text as pieces, with removed words as ``delete`` pieces where they stood."""
    pieces: list[Piece] = []
    for op, removed, added in edits(_DISPLAY_TOKEN.findall(old), _DISPLAY_TOKEN.findall(new)):
        if op == "equal":
            add_piece(pieces, "equal", "".join(added))
            continue
        add_piece(pieces, "delete", "".join(removed))
        add_piece(pieces, "insert", "".join(added))
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
    added = removed = 0
    for op, gone, came in edits(tokens(old), tokens(new)):
        if op != "equal":
            removed += len(gone)
            added += len(came)
    return added, removed
