"""Sections: a policy text split on its Markdown headings, each with a path and a hash of its own.

"When did a clause about X first appear" and "which sections changed" are questions about sections, so each
version's text is stored both whole and split. A section's path is its chain of headings (``Your rights >
Access``); text before the first heading belongs to a section with an empty path.

Paths must not depend on the layout, so extraction writes headings at canonical levels (:func:`canonical_headings`):
a page that marks its title ``<h1>`` and its sections ``<h2>`` and one that marks all of them ``<h2>`` give the
same Markdown, hence the same paths. Heading marks are ignored by normalisation, so versions are unaffected.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from palimpsest.text.normal import normalise

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_EMPHASIS = re.compile(r"^[*_]+|[*_]+$")


@dataclass(frozen=True)
class Section:
    ord: int
    path: str
    heading: str | None
    level: int
    body: str

    @property
    def section_sha256(self) -> str:
        """Hash of the normalised heading and body: equal sections compare equal across versions."""
        return hashlib.sha256(normalise(f"{self.heading or ''}\n{self.body}").encode("utf-8")).hexdigest()


def split_sections(text: str) -> list[Section]:
    """Split Markdown text on ``#`` headings, in order. Never returns an empty list for non-empty text."""
    sections: list[Section] = []
    trail: list[tuple[int, str]] = []
    heading: str | None = None
    level = 0
    lines: list[str] = []

    def close() -> None:
        body = "\n".join(lines).strip()
        if heading is not None or body:
            path = " > ".join(title for _, title in trail)
            sections.append(Section(len(sections), path, heading, level, body))

    for line in text.splitlines():
        match = _HEADING.match(line)
        if not match:
            lines.append(line)
            continue
        close()
        level, heading, lines = len(match.group(1)), _EMPHASIS.sub("", match.group(2)).strip(), []
        trail = [(lvl, title) for lvl, title in trail if lvl < level] + [(level, heading)]
    close()
    return sections


def canonical_headings(text: str) -> str:
    """The text with its headings at canonical levels: a heading that opens the text is the title (``#``) and
    every other heading sits below it (from ``##``), the levels the page used keeping their order."""
    lines = text.split("\n")
    marks = [_HEADING.match(line) for line in lines]
    first = next((index for index, line in enumerate(lines) if line.strip()), None)
    title = first if first is not None and marks[first] else None
    levels = sorted({len(m.group(1)) for index, m in enumerate(marks) if m and index != title})
    base = 2 if title is not None else 1
    rank = {level: min(base + position, 6) for position, level in enumerate(levels)}
    out = []
    for index, (line, match) in enumerate(zip(lines, marks, strict=True)):
        if not match:
            out.append(line)
            continue
        depth = 1 if index == title else rank[len(match.group(1))]
        out.append(f"{'#' * depth} {_EMPHASIS.sub('', match.group(2)).strip()}")
    return "\n".join(out)
