"""What extraction produces for one capture."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from extractors.normalise import count_words, normalise, text_sha256


@dataclass(frozen=True)
class Extracted:
    """The policy text of one capture (Markdown-ish), with how it was obtained."""

    text: str
    language: str | None
    extractor: str
    encoding: str | None = None
    title: str | None = None

    @cached_property
    def normalised(self) -> str:
        return normalise(self.text)

    @cached_property
    def text_sha256(self) -> str:
        return text_sha256(self.text)

    @property
    def words(self) -> int:
        return count_words(self.text)
