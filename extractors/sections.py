"""Sections: a policy text split on its Markdown headings, each with a path and a hash of its own.

"When did a clause about X first appear" and "which sections changed" are questions about sections, so each
version's text is stored both whole and split. A section's path is its chain of headings (``Your rights >
Access``); text before the first heading belongs to a section with an empty path.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from extractors.normalise import normalise

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


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
        level, heading, lines = len(match.group(1)), match.group(2).strip(), []
        trail = [(lvl, title) for lvl, title in trail if lvl < level] + [(level, heading)]
    close()
    return sections
