"""Warehouses as releases before migration 0010 wrote them: texts, sections, captures, versions and changes keyed
by text hash, written with plain SQL in that layout (today's store writes today's layout).

The history is :func:`tests.history.build_history`'s, with the sections of its texts and the word counts of its
changes, so that a file migrated from it can be compared, view by view, with one written by today's code.
"""

from __future__ import annotations

from palimpsest.comparison.diff import word_delta
from palimpsest.comparison.similarity import is_minor
from palimpsest.extractors import count_words, text_sha256
from palimpsest.text.sections import split_sections
from palimpsest.warehouse import store
from tests.history import NEW_URL, OLD_URL, TEXT_A, TEXT_B, at

_CAPTURES = [
    (OLD_URL, "20150101000000", "DA1", 200, "same-text", TEXT_A, None),
    (OLD_URL, "20150601000000", "DA2", 200, "same-text", TEXT_A, None),
    (OLD_URL, "20160101000000", "D404", 404, "not-found", None, None),
    (OLD_URL, "20170101000000", "DR", 301, "redirect", None, NEW_URL),
    (NEW_URL, "20170101000100", "DB1", 200, "same-text", TEXT_B, None),
    (NEW_URL, "20180101000000", "DB1", 200, "same-text", TEXT_B, None),
    (NEW_URL, "20190101000000", "DA3", 200, "same-text", TEXT_A, None),
]

# How those releases rebuilt a site's versions and marked the first capture of each.
_REBUILD = """
INSERT INTO version (site, version, text_sha256, policy_url, first_seen, last_seen, captures)
WITH ordered AS (
    SELECT url, ts, digest, text_sha256, lag(text_sha256) OVER (ORDER BY ts, url, digest) AS previous
    FROM capture WHERE site = $site AND usable
), numbered AS (
    SELECT *, sum(CASE WHEN previous IS DISTINCT FROM text_sha256 THEN 1 ELSE 0 END)
                  OVER (ORDER BY ts, url, digest ROWS UNBOUNDED PRECEDING) AS version
    FROM ordered
)
SELECT $site, version, any_value(text_sha256), arg_min(url, ts), min(ts), max(ts), count(*)
FROM numbered GROUP BY version
"""
_MARK_FIRSTS = """
UPDATE capture AS c
SET outcome = CASE WHEN EXISTS (SELECT 1 FROM version AS v WHERE v.site = c.site AND v.first_seen = c.ts
                                AND v.policy_url = c.url) THEN 'version' ELSE 'same-text' END
WHERE c.site = $site AND c.usable
"""


def old_texts(con, texts: list[str], *, sections: bool = False) -> None:
    """Store ``texts`` (and, with ``sections``, their sections) as those releases did."""
    for text in texts:
        sha = text_sha256(text)
        con.execute(
            "INSERT INTO policy_text (text_sha256, text, words, language, extractor)"
            " VALUES (?, ?, ?, 'en', 'hand-built') ON CONFLICT DO NOTHING",
            [sha, text, count_words(text)],
        )
        if sections:
            for s in split_sections(text):
                con.execute(
                    "INSERT INTO section (text_sha256, ord, path, heading, body, section_sha256)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    [sha, s.ord, s.path, s.heading, s.body, s.section_sha256],
                )


def old_history(con, site: str = "shop.example") -> None:
    """The hand-built history (A, A, outage, B at a moved URL, B, A again) in the layout before 0010."""
    store.ensure_site(con, site)
    store.record_policy_url(con, site, OLD_URL, since=None, source="start")
    store.record_policy_url(con, site, NEW_URL, since=at("20170101000000"), source="redirect", via=OLD_URL)
    old_texts(con, [TEXT_A, TEXT_B], sections=True)
    for url, stamp, digest, status, outcome, text, detail in _CAPTURES:
        con.execute(
            "INSERT INTO capture (site, url, ts, digest, status, mime, outcome, detail, text_sha256, quality, usable)"
            " VALUES (?, ?, ?, ?, ?, 'text/html', ?, ?, ?, ?, ?)",
            [site, url, at(stamp), digest, status, outcome, detail, text and text_sha256(text), text and "ok",
             text is not None],
        )  # fmt: skip
    con.execute(_REBUILD, {"site": site})
    con.execute(_MARK_FIRSTS, {"site": site})
    for old, new in ((TEXT_A, TEXT_B), (TEXT_B, TEXT_A)):
        added, removed = word_delta(old, new)
        con.execute(
            "INSERT INTO text_change (from_sha256, to_sha256, words_added, words_removed, minor)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [text_sha256(old), text_sha256(new), added, removed, is_minor(old, new)],
        )
