"""Two versions of a policy compared for people: the changed passages, and which sections changed.

Sections come from ``palimpsest.text.sections.split_sections``. They are paired by heading path first, then a section
whose heading changed is recognised by its body; whatever is left was added or removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from palimpsest.comparison.diff import Piece, word_diff
from palimpsest.comparison.redline import redline
from palimpsest.comparison.similarity import similarity
from palimpsest.text.normal import normalise, tokens
from palimpsest.text.sections import Section, split_sections

_SENTENCE_END = re.compile(r"[.!?:;,。．！？：；、」』）)]\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
#: A body this similar to an unpaired old one is that section with a new heading.
RENAMED_SIMILARITY = 0.6


@dataclass(frozen=True)
class SectionChange:
    """One section across two versions. ``status``: added, removed, changed, renamed or unchanged."""

    status: str
    path: str
    old_path: str | None
    heading: tuple[Piece, ...]
    body: tuple[Piece, ...]

    @property
    def title(self) -> str:
        return self.path or "(opening text)"

    @property
    def short(self) -> str:
        """The section's own heading, without the headings above it."""
        return self.title.rsplit(" > ", 1)[-1]


def outline(text: str) -> list[Section]:
    """The text's sections; when it has no Markdown headings, heading-like lines are taken as headings."""
    sections = split_sections(text)
    if any(s.heading for s in sections):
        return sections
    # As of 2026-11 the extractor keeps many headings only as plain short lines (every demo site's text comes out
    # so), which would leave one section per text; such lines still read as headings to a person.
    lines = text.splitlines()
    marked = [f"## {line.strip()}" if _looks_like_heading(lines, i) else line for i, line in enumerate(lines)]
    return split_sections("\n".join(marked)) if marked != lines else sections


def _looks_like_heading(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    following = next((n.strip() for n in lines[index + 1 :] if n.strip()), "")
    return (
        0 < len(line) <= 60
        and len(line.split()) <= 8
        and not _LIST_ITEM.match(line)
        and not _SENTENCE_END.search(line)
        and len(following) > len(line)
    )


def compare_sections(old_text: str, new_text: str) -> list[SectionChange]:
    """Every section of both texts, in the new text's order, with removed ones where they used to be."""
    old, new = outline(old_text), outline(new_text)
    pairs = _pair(old, new)
    by_new = {n: o for o, n in pairs.items()}
    changes: list[SectionChange] = [_removed(s) for s in old if s.ord not in pairs and _predecessor(s, pairs) is None]
    for section in new:
        partner = by_new.get(section.ord)
        changes.append(_added(section) if partner is None else _paired(old[partner], section))
        # Removed sections follow the new section paired with their nearest paired predecessor.
        changes.extend(_removed(s) for s in old if s.ord not in pairs and _predecessor(s, pairs) == section.ord)
    return changes


def _pair(old: list[Section], new: list[Section]) -> dict[int, int]:
    """old ord → new ord: same path (n-th occurrence with n-th), then same body, then a similar body."""
    pairs: dict[int, int] = {}
    seen: dict[str, list[int]] = {}
    for s in old:
        seen.setdefault(s.path, []).append(s.ord)
    for s in new:
        waiting = seen.get(s.path)
        if waiting:
            pairs[waiting.pop(0)] = s.ord
    taken = set(pairs.values())
    for s in new:
        if s.ord in taken:
            continue
        body = tokens(s.body)
        candidates = [(o, similarity(tokens(o.body), body)) for o in old if o.ord not in pairs]
        best = max(candidates, key=lambda c: c[1], default=None)
        if best is not None and best[1] >= RENAMED_SIMILARITY:
            pairs[best[0].ord] = s.ord
            taken.add(s.ord)
    return pairs


def _predecessor(section: Section, pairs: dict[int, int]) -> int | None:
    """The new ord paired with the closest paired old section before ``section``."""
    earlier = [o for o in pairs if o < section.ord]
    return pairs[max(earlier)] if earlier else None


def _paired(old: Section, new: Section) -> SectionChange:
    same_body = normalise(old.body) == normalise(new.body)
    same_heading = normalise(old.heading or "") == normalise(new.heading or "")
    if same_body and same_heading:
        status = "unchanged"
    elif old.path != new.path:
        status = "renamed"
    else:
        status = "changed"
    heading = tuple(word_diff(old.heading or "", new.heading or "")) if not same_heading else _equal(new.heading)
    body = _equal(new.body) if same_body else tuple(redline(old.body, new.body))
    return SectionChange(status, new.path, old.path, heading, body)


def _added(section: Section) -> SectionChange:
    return SectionChange("added", section.path, None, _one("insert", section.heading), _one("insert", section.body))


def _removed(section: Section) -> SectionChange:
    return SectionChange(
        "removed", section.path, section.path, _one("delete", section.heading), _one("delete", section.body)
    )


def _equal(text: str | None) -> tuple[Piece, ...]:
    return _one("equal", text)


def _one(op: str, text: str | None) -> tuple[Piece, ...]:
    return (Piece(op, text),) if text else ()


def summary(changes: list[SectionChange]) -> dict[str, int]:
    """How many sections have each status, in a fixed order, leaving out zeros."""
    order = ("changed", "renamed", "added", "removed", "unchanged")
    counts = {status: sum(1 for c in changes if c.status == status) for status in order}
    return {status: n for status, n in counts.items() if n}


@dataclass(frozen=True)
class Hunk:
    """Consecutive lines of the new text (with removed words in place), and the heading above them."""

    heading: str | None
    lines: tuple[tuple[Piece, ...], ...]


def hunks(old_text: str, new_text: str, *, context: int = 0) -> list[Hunk]:
    """The changed lines of a redline, each with ``context`` unchanged lines around it, like ``diff -U``."""
    lines = _lines(redline(old_text, new_text))
    headings = {normalise(s.heading) for s in outline(new_text) if s.heading}
    changed = [i for i, line in enumerate(lines) if _changed(line)]
    spans: list[list[int]] = []
    for i in changed:
        lo, hi = max(i - context, 0), min(i + context, len(lines) - 1)
        if spans and lo <= spans[-1][1] + 1:
            spans[-1][1] = max(spans[-1][1], hi)
        else:
            spans.append([lo, hi])
    found = []
    for lo, hi in spans:
        above = next((_plain(lines[j]) for j in range(lo - 1, -1, -1) if _is_heading(lines[j], headings)), None)
        found.append(Hunk(above, tuple(lines[lo : hi + 1])))
    return found


def _lines(pieces: list[Piece]) -> list[tuple[Piece, ...]]:
    """Pieces split at newlines into display lines; a line is changed when it holds an insert or a delete."""
    lines: list[list[Piece]] = [[]]
    for piece in pieces:
        parts = piece.text.split("\n")
        for n, part in enumerate(parts):
            if n:
                lines.append([])
            if part:
                lines[-1].append(Piece(piece.op, part))
    return [tuple(line) for line in lines if line]


def _changed(line: tuple[Piece, ...]) -> bool:
    return any(p.op != "equal" and p.text.strip() for p in line)


def _plain(line: tuple[Piece, ...]) -> str:
    return "".join(p.text for p in line if p.op != "delete").strip().lstrip("#").strip()


def _is_heading(line: tuple[Piece, ...], headings: set[str]) -> bool:
    return all(p.op == "equal" for p in line) and normalise(_plain(line)) in headings
