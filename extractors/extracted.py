"""What extraction produces for one capture."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from palimpsest.text.normal import count_words, normalise, text_sha256
from palimpsest.text.sections import Section, split_sections


@dataclass(frozen=True)
class Extracted:
    """The policy text of one capture (Markdown-ish), with how it was obtained and what it says of itself.

    ``quality`` is the capture's class (``ok`` or why the page is not the policy, see ``extractors.quality``);
    ``stated_date`` is the date the text gives for itself ("Last updated …"), if any; ``others`` are the titles of
    the other documents the page held beside the policy (terms of use, …), left out of ``text``.
    """

    text: str
    language: str | None
    extractor: str
    encoding: str | None = None
    title: str | None = None
    quality: str = "ok"
    stated_date: date | None = None
    others: tuple[str, ...] = ()

    @cached_property
    def normalised(self) -> str:
        return normalise(self.text)

    @cached_property
    def text_sha256(self) -> str:
        return text_sha256(self.text)

    @property
    def words(self) -> int:
        return count_words(self.text)

    @cached_property
    def sections(self) -> tuple[Section, ...]:
        return tuple(split_sections(self.text))
