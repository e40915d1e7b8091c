"""Hand-built sites for report tests, beside ``tests/history.py``'s shop.example: a Japanese policy that gains a
section, and a policy whose text carries markup that must come out as text.

Both are written through the store API, so they reach the report through the same views as a crawl's.
"""

from __future__ import annotations

from palimpsest.extractors import count_words, text_sha256
from palimpsest.warehouse import store
from palimpsest.warehouse.rows import CaptureRow, TextRow
from palimpsest.warehouse.versions import rebuild_versions
from tests.history import at

JA_URL = "https://www.sakura-shop.example/privacy/"
JA_OLD = (
    "# 個人情報保護方針\n\n株式会社さくらショップは、お客様の個人情報を大切に扱います。\n\n"
    "## 利用目的\n\n商品の発送とお問い合わせへの回答のために利用します。"
)
JA_NEW = JA_OLD + "\n\n## 第三者提供\n\n広告配信事業者に購買履歴を提供することがあります。"

MARKUP_URL = "https://markup.example/privacy"
MARKUP_OLD = "# Privacy\n\nWe never run <script>alert(1)</script> on your data."
MARKUP_NEW = "# Privacy\n\nWe never run <script>alert(2)</script> & friends on your data."


def build_japanese(con, site: str = "sakura-shop.example") -> None:
    """Two versions: the second adds a section on third parties. One capture in between is a 404."""
    _build(
        con,
        site,
        JA_URL,
        "ja",
        [
            ("20140301000000", JA_OLD, "J1"),
            ("20150301000000", JA_OLD, "J1"),
            ("20160301000000", None, "J404"),
            ("20170301000000", JA_NEW, "J2"),
        ],
    )


def build_markup(con, site: str = "markup.example") -> None:
    _build(con, site, MARKUP_URL, "en", [("20200101000000", MARKUP_OLD, "M1"), ("20210101000000", MARKUP_NEW, "M2")])


def _build(con, site: str, url: str, language: str, captures: list[tuple[str, str | None, str]]) -> None:
    store.ensure_site(con, site)
    store.record_policy_url(con, site, url, since=None, source="start")
    texts = {text for _, text, _ in captures if text}
    store.save_texts(con, [TextRow(text_sha256(t), t, count_words(t), language, "hand-built") for t in sorted(texts)])
    rows = []
    for stamp, text, digest in captures:
        if text is None:
            rows.append(CaptureRow(site, url, at(stamp), digest, 404, "text/html", "not-found"))
            continue
        rows.append(
            CaptureRow(
                site,
                url,
                at(stamp),
                digest,
                200,
                "text/html",
                "same-text",
                text_sha256=text_sha256(text),
                quality="ok",
                usable=True,
            )
        )
    store.save_captures(con, rows)
    rebuild_versions(con, site)
