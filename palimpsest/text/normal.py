"""Version identity: the normalised form of a policy text, and its SHA-256.

Two captures belong to the same version when their normalised texts are identical. Normalisation is Unicode
NFKC, Markdown markup ignored and whitespace collapsed, so a change of page chrome, encoding or line wrapping is
never a new version. Whitespace between two CJK characters is dropped entirely: Japanese and Chinese do not
separate words with spaces, so a hard-wrapped Japanese paragraph and its re-flowed form compare equal.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

#: CJK punctuation, kana, ideographs, and the fullwidth *punctuation* and half-width kana blocks: scripts written
#: without spaces between words, where each character is a word and a line break is no space.
#: Fullwidth Latin letters and digits (U+FF10–19, FF21–3A, FF41–5A) are left out: they are words, not CJK.
#: Hangul is left out too: Korean separates words with spaces, so its words are counted like English ones.
CJK_RANGES = (
    r"\u3000-\u303f\u3040-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    r"\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff9f\uffe0-\uffef"
)
_CJK_GAP = re.compile(rf"(?<=[{CJK_RANGES}])\s+(?=[{CJK_RANGES}])")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)
_QUOTE = re.compile(r"^\s*(>\s?)+", re.MULTILINE)
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+", re.MULTILINE)
_RULE = re.compile(r"^\s*(?:[-*_=]\s*){3,}$", re.MULTILINE)
_TABLE_RULE = re.compile(r"^\s*\|?(?:\s*:?-{2,}:?\s*\|)+\s*:?-*:?\s*\|?\s*$", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*{1,3}|_{1,3}|`+|~~)(?=\S)(.+?)(?<=\S)\1")
_PIPE = re.compile(r"\s*\|\s*")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(rf"[{CJK_RANGES}]|[^\s{CJK_RANGES}]+")
_CJK = re.compile(f"[{CJK_RANGES}]")
#: A whitespace-delimited word of printable ASCII with a letter in it and none of the characters normalisation
#: deletes (emphasis, pipes, backslashes, heading and quote marks): normalisation keeps it as exactly one word.
#: List markers ("1.", "-") and rules ("---") hold no letter. Only a link (``[text](url)``) can drop such a word.
_KEPT = r"[\x21\x22\x24-\x29\x2b-\x3d\x3f-\x5b\x5d\x5e\x61-\x7b\x7d]"  # printable ASCII but * _ ` ~ | \\ # >
_KEPT_WORD = re.compile(rf"(?<!\S){_KEPT}*?[A-Za-z]{_KEPT}*(?!\S)")


#: Characters that Shift_JIS (CP932) and Unicode's JIS mapping decode differently, so the same Japanese page read
#: as Shift_JIS and as UTF-8 would otherwise differ: WAVE DASH vs FULLWIDTH TILDE, and their kin. NFKC then folds
#: the fullwidth forms to ASCII.
_JIS_VARIANTS = str.maketrans({"\u301c": "~", "\u2225": "\u2016", "\u2212": "-", "\uff0d": "-"})


@lru_cache(maxsize=32)
def normalise(text: str) -> str:
    """The normalised form whose SHA-256 is a version's ``text_sha256``.

    Cached: one extraction asks for the same text's normal form for its hash, its words, its quality and its
    language."""
    # Join CJK line breaks before NFKC too: NFKC turns fullwidth punctuation such as "）" into ASCII, after which
    # a break beside it no longer looks like one between two CJK characters.
    # Each pattern below needs a character that many texts lack; looking for it first is far cheaper than the
    # pattern's own search, and skipping a pattern that cannot match changes nothing.
    ascii_only = text.isascii()
    out = text if ascii_only else unicodedata.normalize("NFKC", _CJK_GAP.sub("", text).translate(_JIS_VARIANTS))
    if "](" in out:
        out = _LINK.sub(r"\1", out)
    if "--" in out:
        out = _TABLE_RULE.sub(" ", out)
    if "-" in out or "*" in out or "_" in out or "=" in out:
        out = _RULE.sub(" ", out)
    if "#" in out:
        out = _HEADING.sub("", out)
    if ">" in out:
        out = _QUOTE.sub("", out)
    out = _BULLET.sub("", out)
    if "*" in out or "_" in out or "`" in out or "~" in out:
        out = _EMPHASIS.sub(r"\2", out)
    if "|" in out:
        out = _PIPE.sub(" ", out)
    out = out.replace("\\", "")
    out = _SPACE.sub(" ", out).strip()
    return out if ascii_only else _CJK_GAP.sub("", out)


def text_sha256(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def tokens(text: str) -> list[str]:
    """The words of the normalised text; each CJK character is a word of its own."""
    return _WORD.findall(normalise(text))


def count_words(text: str) -> int:
    """Words in the normalised text; each CJK character counts as one, as word counts in CJK usually do."""
    normal = normalise(text)
    if normal.isascii() or not _CJK.search(normal):
        return len(normal.split())  # without CJK, the words are what lies between whitespace
    return len(_WORD.findall(normal))


def fewest_words(text: str) -> int:
    """A lower bound of ``count_words(text)`` that needs no normalisation: the plain ASCII words (see _KEPT_WORD).

    It lets a caller that only asks "at least this many words?" skip normalising most texts."""
    if "](" in text:
        return 0
    return len(_KEPT_WORD.findall(text))
