"""How a text becomes the words of the search index, beyond what DuckDB's fts extension does on its own.

The extension splits text on what is not a letter and keeps a-z only, so Japanese, Chinese and Korean, which
write no spaces between words, gave no term at all, and "e-mail" gave "e" and "mail" where "email" gives "email".
Texts (and queries) are therefore rewritten before the extension reads them:

* each run of CJK or Hangul characters becomes its overlapping pairs of characters ("個人情報" → "個人 人情 情報"),
  as Lucene's CJK analyser indexes them: a word of two or more characters is found inside a sentence, and a query
  of several characters matches where its pairs stand together;
* a hyphenated word is indexed both as written and joined ("e-mail" also gives "email"), and a hyphenated query
  word is looked up joined, so "e-mail" and "email" find the same documents.
"""

from __future__ import annotations

import re

#: Kana, CJK ideographs and Hangul syllables: scripts whose words the extension's splitting cannot find.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\uff66-\uff9f"
_RUN = re.compile(f"[{CJK}]+")
_HYPHENATED = re.compile(r"\b([^\W\d_]+)-([^\W\d_]+)\b")
#: What the extension drops between words: everything but a-z and the scripts above (its default keeps a-z only).
IGNORE = (
    r"(\\.|[^a-z\x{3040}-\x{30ff}\x{3400}-\x{4dbf}\x{4e00}-\x{9fff}\x{f900}-\x{faff}\x{ac00}-\x{d7af}"
    r"\x{ff66}-\x{ff9f}])+"
)
#: Rows whose text needs rewriting: anything with those scripts or a hyphen between letters.
NEEDS = f"[{CJK}]|[A-Za-z]-[A-Za-z]"


def _pairs(run: str) -> str:
    if len(run) == 1:
        return f" {run} "
    return " " + " ".join(run[i : i + 2] for i in range(len(run) - 1)) + " "


def indexed(text: str) -> str:
    """The text as the index reads it."""
    text = _HYPHENATED.sub(lambda m: f"{m.group(0)} {m.group(1)}{m.group(2)}", text)
    return _RUN.sub(lambda m: _pairs(m.group()), text)


def query(text: str) -> str:
    """A query as it is looked up in the index."""
    return _RUN.sub(lambda m: _pairs(m.group()), _HYPHENATED.sub(r"\1\2", text))
