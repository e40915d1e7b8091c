"""Bytes → Unicode for archived pages, right for every page we have seen.

Precedence follows the HTML standard: byte-order mark, then the HTTP ``Content-Type`` charset, then a
``<meta>`` declaration in the first 4 KB, then detection (charset-normalizer). Two kinds of lies are caught:

* a page declared ``iso-8859-1``/``windows-1252``/``ascii`` whose bytes are valid UTF-8 with non-ASCII text
  (common after a CMS switched to UTF-8 but kept its old header) is read as UTF-8;
* a declared charset the bytes do not decode in falls through to the next source.

Mojibake already baked into the bytes (UTF-8 read as Latin-1 and saved again) is repaired with
``ftfy.fix_encoding`` on the decoded HTML, before extraction: trafilatura's output is too fragmented for ftfy to
repair afterwards (measured 2026-11). Only the encoding fix runs, never ftfy's quote or width changes, which
would alter the policy's wording.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import ftfy
from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(
    rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([\w.:-]+)",
    re.IGNORECASE,
)
#: Labels browsers decode as a superset; decoding with the superset avoids U+FFFD on real pages.
_SUPERSETS = {
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "ms_kanji": "cp932",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "big5": "big5hkscs",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "euc-jp": "euc_jis_2004",
    "x-euc-jp": "euc_jis_2004",
    "iso-2022-jp": "iso2022_jp_ext",
}
#: The commonest function characters of Chinese (simplified and traditional) and Korean running text.
_COMMON = frozenset(
    "的是了在和有我们們这這个個为為您与與及将將对對不人中以上时時到说說也就会會可能"
    "이의다는을를에하고가한지서로기수있습니및것"
)
_COMMON_CHARS = re.compile(f"[{''.join(sorted(_COMMON))}]")
#: The classes of _cjk_score_of: kana; ideographs and Hangul syllables (all of _COMMON is among them); CJK punctuation
#: and fullwidth forms; and what mis-decodes give (compatibility jamo, half-width kana, private use, Latin-1).
_KANA = re.compile("[\u3040-\u30ff]")
_IDEOGRAPHS = re.compile("[\u4e00-\u9fff\uac00-\ud7a3]")
_EAST_ASIAN_MARKS = re.compile("[\u3000-\u303f\uff01-\uff5e]")
_MISDECODED = re.compile("[\u0080-\u02ff\u3130-\u318f\uff61-\uff9f\ue000-\uf8ff]")
#: Multi-byte East Asian codecs, in the order ties are broken.
_CJK_CODECS = ("cp932", "euc_jis_2004", "gb18030", "big5hkscs", "cp949")
_CJK_FAMILY = {
    *_CJK_CODECS,
    *("shift_jis", "euc_jp", "euc_jisx0213", "gb2312", "gbk", "hz", "big5", "cp950", "euc_kr", "johab"),
}
#: The inside of every ASCII run longer than six characters. Every mojibake sequence ftfy looks for is non-ASCII
#: with at most three ASCII characters around it, so its answer on the text without these is the same, at a
#: tenth of the cost (0.05 against 0.45 ms a page on the golden corpus, 2026-11): most of a page is ASCII markup.
_ASCII_INSIDE = re.compile(r"(?<=[\x00-\x7f]{3})[\x00-\x7f]+(?=[\x00-\x7f]{3})")
_LATIN_LIES = {"cp1252", "iso8859-1", "iso8859-15", "ascii"}
_LATIN_FAMILY = {
    "cp1250",
    "cp1252",
    "cp1254",
    "cp1257",
    "latin-1",
    "iso8859-1",
    "iso8859-2",
    "iso8859-3",
    "iso8859-4",
    "iso8859-9",
    "iso8859-10",
    "iso8859-13",
    "iso8859-15",
    "iso8859-16",
    "mac-roman",
    "mac-latin2",
}


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    source: str  # bom | header | meta | detected | utf-8 (lie caught) | fallback
    repaired: bool = False


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode an HTML (or text) body. Never raises; the last resort replaces undecodable bytes."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return _finish(body.decode(encoding, "replace"), encoding, "bom")
    declared = _from_declarations(body, content_type)
    if declared is not None:
        return declared
    if b"\x1b$" in body[:200_000] and body.isascii():
        # ISO-2022-JP is 7-bit: it passes for ASCII, and only its escape sequences give it away.
        try:
            return _finish(body.decode("iso2022_jp_ext"), "iso2022_jp_ext", "detected")
        except UnicodeDecodeError:
            pass
    if _is_utf8_with_non_ascii(body) or body.isascii():
        return _finish(body.decode("utf-8"), "utf-8", "detected")
    best = from_bytes(body[:200_000]).best()
    if best is not None and best.encoding:
        codec = _codec(best.encoding) or best.encoding
        if codec in _LATIN_FAMILY:
            # Detection cannot tell Latin code pages apart on short texts (it picks cp1250 for French, measured
            # 2026-11); windows-1252 is what browsers assume for undeclared Western pages.
            codec = "cp1252"
        elif codec in _CJK_FAMILY:
            # On short pages detection mixes up the East Asian multi-byte codecs (EUC-JP read as cp949, measured
            # 2026-11): every one that decodes cleanly is scored on what real text of its language looks like.
            codec = _likeliest_cjk(body[:200_000]) or codec
        try:
            return _finish(body.decode(codec), codec, "detected")
        except (UnicodeDecodeError, LookupError):
            pass
    return _finish(body.decode("cp1252", "replace"), "cp1252", "fallback")


def _likeliest_cjk(body: bytes) -> str | None:
    scores = {}
    for codec in _CJK_CODECS:
        try:
            text = body.decode(codec)
        except UnicodeDecodeError:
            continue
        scores[codec] = _cjk_score_of(text)
    return max(scores, key=scores.__getitem__) if scores else None


def _cjk_score_of(text: str) -> int:
    """How much a text looks like running East Asian text, each character scored on its own: kana and the
    commonest Chinese characters and Korean particles 3, any other ideograph or Hangul syllable 1, CJK punctuation
    and fullwidth forms 1; compatibility jamo, half-width kana, private-use and Latin-1 letters, which are what
    mis-decodes give, -5. (EUC-KR and GB2312 share one byte layout, so only which characters come out tells them
    apart.) Each class is counted by one search in C."""
    common = len(_COMMON_CHARS.findall(text))
    return (
        3 * (len(_KANA.findall(text)) + common)
        + len(_IDEOGRAPHS.findall(text))
        - common
        + len(_EAST_ASIAN_MARKS.findall(text))
        - 5 * len(_MISDECODED.findall(text))
    )


def _from_declarations(body: bytes, content_type: str | None) -> Decoded | None:
    """Decode by the HTTP header's charset, else the <meta>'s; None when neither is usable."""
    candidates = []
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match:
            candidates.append((match.group(1), "header"))
    meta = _META_CHARSET.search(body[:4096])
    if meta:
        candidates.append((meta.group(1).decode("ascii", "replace"), "meta"))
    for label, source in candidates:
        codec = _codec(label)
        if codec is None:
            continue
        if codec in _LATIN_LIES and _is_utf8_with_non_ascii(body):
            return _finish(body.decode("utf-8"), "utf-8", f"utf-8 (declared {label} in {source})")
        try:
            return _finish(body.decode(codec), codec, source)
        except UnicodeDecodeError:
            continue
    return None


def _finish(text: str, encoding: str, source: str) -> Decoded:
    if not text.isascii() and ftfy.is_bad(_ASCII_INSIDE.sub("\n", text)):
        fixed = ftfy.fix_encoding(text)
        if fixed != text:
            return Decoded(fixed, encoding, source, repaired=True)
    return Decoded(text, encoding, source)


def _codec(label: str) -> str | None:
    name = label.strip().strip("\"'").lower()
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _is_utf8_with_non_ascii(body: bytes) -> bool:
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
