"""Sections: a policy text split on its Markdown headings, each with a path and a hash of its own.

"When did a clause about X first appear" and "which sections changed" are questions about sections, so each
version's text is stored both whole and split. A section's path is its chain of headings (``Your rights >
Access``); text before the first heading belongs to a section with an empty path.

Paths must not depend on the layout. When the text opens with a heading, that heading is the document's
**title** and heads every path (``Privacy Policy > Your rights``), whatever its level; the other heading levels
are ranked among themselves. So a page that marks its title ``#`` and its sections ``##`` and one that marks all
of them ``##`` give the same paths.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from extractors.normalise import normalise

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_EMPHASIS = re.compile(r"^[*_]+|[*_]+$")


@dataclass(frozen=True)
class Section:
    ord: int
    path: str
    heading: str | None
    level: int  # depth in the path: 1 for the title or a top-level heading, 0 for text before any heading
    body: str

    @property
    def section_sha256(self) -> str:
        """Hash of the normalised heading and body: equal sections compare equal across versions."""
        return hashlib.sha256(normalise(f"{self.heading or ''}\n{self.body}").encode("utf-8")).hexdigest()


def split_sections(text: str) -> list[Section]:
    """Split Markdown text on ``#`` headings, in order. Never returns an empty list for non-empty text."""
    lines = text.splitlines()
    marks = [_heading(line) for line in lines]
    first = next((index for index, line in enumerate(lines) if line.strip()), None)
    title_at = first if first is not None and marks[first] else None
    ranks = {
        level: rank for rank, level in enumerate(sorted({m[0] for i, m in enumerate(marks) if m and i != title_at}), 1)
    }
    sections: list[Section] = []
    trail: list[tuple[int, str]] = [(0, marks[title_at][1])] if title_at is not None else []
    heading: str | None = None
    level = 0
    path = ""
    body: list[str] = []

    def close() -> None:
        content = "\n".join(body).strip()
        if heading is not None or content:
            sections.append(Section(len(sections), path, heading, level, content))

    for index, line in enumerate(lines):
        mark = marks[index]
        if not mark:
            body.append(line)
            continue
        close()
        body = []
        if index == title_at:
            heading, level, path = mark[1], 1, mark[1]
            continue
        rank = ranks[mark[0]]
        trail = [(lvl, title) for lvl, title in trail if lvl < rank] + [(rank, mark[1])]
        heading, level, path = mark[1], len(trail), " > ".join(title for _, title in trail)
    close()
    return sections


def _heading(line: str) -> tuple[int, str] | None:
    match = _HEADING.match(line)
    if not match:
        return None
    return len(match.group(1)), _EMPHASIS.sub("", match.group(2)).strip()
