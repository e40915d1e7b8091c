"""A redline: the difference between two texts as a lawyer would mark it up, readable at a glance.

A plain word diff of a whole policy aligns stray words across paragraphs ("we", "your", spaces) and shreds
rewritten sentences into alternating fragments. A redline first pairs the lines (paragraphs, list items,
headings) that correspond, marks unpaired lines as wholly removed or added, diffs words only inside paired lines,
and then merges edits separated by a space or a short word into one removed and one added phrase.
"""

from __future__ import annotations

from palimpsest.comparison.diff import Piece, add_piece, edits, word_diff
from palimpsest.comparison.similarity import similarity
from palimpsest.text.normal import tokens

#: Two lines this similar (share of words in common) are one line edited, not one removed and one added.
SAME_LINE = 0.5
#: Above this many line pairs in one block, pairing is skipped and the block is word-diffed whole.
PAIRING_LIMIT = 40_000


def redline(old: str, new: str) -> list[Piece]:
    """The new text as pieces, with removed text as ``delete`` pieces where it stood."""
    a, b = old.splitlines(), new.splitlines()
    pieces: list[Piece] = []
    keys_a, keys_b = [_key(x) for x in a], [_key(y) for y in b]
    i = j = 0
    for op, old_keys, new_keys in edits(keys_a, keys_b):
        old_lines, new_lines = a[i : i + len(old_keys)], b[j : j + len(new_keys)]
        i, j = i + len(old_keys), j + len(new_keys)
        if op == "equal":
            for line in new_lines:
                add_piece(pieces, "equal", line + "\n")
        else:
            _block(pieces, old_lines, new_lines)
    if pieces and pieces[-1].text.endswith("\n") and not new.endswith("\n"):
        last = pieces.pop()
        add_piece(pieces, last.op, last.text[:-1])
    return _merge_short_equalities(pieces)


def _key(line: str) -> str:
    return " ".join(tokens(line))


def _block(pieces: list[Piece], old: list[str], new: list[str]) -> None:
    """A run of differing lines: pair similar ones (in order), the rest are removed or added whole."""
    if len(old) * len(new) > PAIRING_LIMIT:
        for piece in word_diff("\n".join(old) + "\n", "\n".join(new) + "\n"):
            add_piece(pieces, piece.op, piece.text)
        return
    i = j = 0
    for oi, nj in _pairing(old, new):
        for line in old[i:oi]:
            add_piece(pieces, "delete", line + "\n")
        for line in new[j:nj]:
            add_piece(pieces, "insert", line + "\n")
        for piece in word_diff(old[oi], new[nj]):
            add_piece(pieces, piece.op, piece.text)
        add_piece(pieces, "equal", "\n")
        i, j = oi + 1, nj + 1
    for line in old[i:]:
        add_piece(pieces, "delete", line + "\n")
    for line in new[j:]:
        add_piece(pieces, "insert", line + "\n")


def _pairing(old: list[str], new: list[str]) -> list[tuple[int, int]]:
    """The in-order pairs of similar lines with the greatest total similarity (a small alignment table)."""
    words_old, words_new = [tokens(x) for x in old], [tokens(y) for y in new]
    score = [[0.0] * (len(new) + 1) for _ in range(len(old) + 1)]
    for i in range(len(old) - 1, -1, -1):
        for j in range(len(new) - 1, -1, -1):
            similar = similarity(words_old[i], words_new[j])
            paired = score[i + 1][j + 1] + similar if similar >= SAME_LINE else -1.0
            score[i][j] = max(paired, score[i + 1][j], score[i][j + 1])
    pairs, i, j = [], 0, 0
    while i < len(old) and j < len(new):
        similar = similarity(words_old[i], words_new[j])
        if similar >= SAME_LINE and score[i][j] == score[i + 1][j + 1] + similar:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif score[i][j] == score[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def _merge_short_equalities(pieces: list[Piece]) -> list[Piece]:
    """Fold an unchanged run no longer than the edits on both sides of it into them (within one line)."""
    groups: list[list[Piece]] = []  # alternating: equal runs and edit runs (delete and/or insert)
    for piece in pieces:
        is_edit = piece.op != "equal"
        if groups and (groups[-1][0].op != "equal") == is_edit:
            groups[-1].append(piece)
        else:
            groups.append([piece])
    out: list[list[Piece]] = []
    for n, group in enumerate(groups):
        equal = group[0].op == "equal"
        text = group[0].text if equal else ""
        between = equal and 0 < n < len(groups) - 1 and out and out[-1][0].op != "equal"
        if between and "\n" not in text and _replaces(out[-1], groups[n + 1], text):
            out[-1] = _fold(out[-1], text)
            continue
        if not equal and out and out[-1][0].op != "equal":
            out[-1] = _join(out[-1], group)
            continue
        out.append(group)
    merged: list[Piece] = []
    for group in out:
        for piece in group:
            add_piece(merged, piece.op, piece.text)
    return merged


def _replaces(before: list[Piece], after: list[Piece], equal: str) -> bool:
    """Whether ``equal`` is short beside replacements on both sides (pure additions are left apart)."""
    ops = {p.op for p in before + after}
    return ops == {"delete", "insert"} and len(equal) <= min(_size(before), _size(after))


def _size(group: list[Piece]) -> int:
    return max((len(p.text) for p in group), default=0)


def _fold(edit: list[Piece], text: str) -> list[Piece]:
    removed = "".join(p.text for p in edit if p.op == "delete") + text
    added = "".join(p.text for p in edit if p.op == "insert") + text
    return [Piece("delete", removed), Piece("insert", added)]


def _join(first: list[Piece], second: list[Piece]) -> list[Piece]:
    removed = "".join(p.text for p in first + second if p.op == "delete")
    added = "".join(p.text for p in first + second if p.op == "insert")
    return [p for p in (Piece("delete", removed), Piece("insert", added)) if p.text]
