"""A small hand-built history, written through the store API, for warehouse tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from palimpsest.extractors import count_words, text_sha256
from palimpsest.warehouse import connect, store
from palimpsest.warehouse.rows import CaptureRow, TextRow
from palimpsest.warehouse.versions import rebuild_versions

OLD_URL = "http://shop.example/privacy"
NEW_URL = "https://shop.example/legal/privacy"
TEXT_A = "# Privacy\n\nWe keep your address to send your parcels."
TEXT_B = "# Privacy\n\nWe keep your address to send your parcels and share it with our advertising partners."


def at(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def history_file(path: Path, *sites: str) -> Path:
    """A warehouse file at ``path`` holding :func:`build_history` for each site (``shop.example`` when none)."""
    con = connect(path)
    try:
        for site in sites or ("shop.example",):
            build_history(con, site=site)
    finally:
        con.close()
    return path


def build_history(con, site: str = "shop.example") -> None:
    """A, A, outage, B (moved URL after a redirect), B, then back to A (a revert)."""
    store.ensure_site(con, site)
    store.record_policy_url(con, site, OLD_URL, since=None, source="start")
    store.record_policy_url(con, site, NEW_URL, since=at("20170101000000"), source="redirect", via=OLD_URL)
    texts = {TEXT_A: text_sha256(TEXT_A), TEXT_B: text_sha256(TEXT_B)}
    store.save_texts(con, [TextRow(sha, text, count_words(text), "en", "hand-built") for text, sha in texts.items()])

    def ok(url: str, stamp: str, text: str, digest: str) -> CaptureRow:
        return CaptureRow(
            site,
            url,
            at(stamp),
            digest,
            200,
            "text/html",
            "same-text",
            text_sha256=texts[text],
            quality="ok",
            usable=True,
        )

    rows = [
        ok(OLD_URL, "20150101000000", TEXT_A, "DA1"),
        ok(OLD_URL, "20150601000000", TEXT_A, "DA2"),
        CaptureRow(site, OLD_URL, at("20160101000000"), "D404", 404, "text/html", "not-found"),
        CaptureRow(site, OLD_URL, at("20170101000000"), "DR", 301, "text/html", "redirect", detail=NEW_URL),
        ok(NEW_URL, "20170101000100", TEXT_B, "DB1"),
        ok(NEW_URL, "20180101000000", TEXT_B, "DB1"),
        ok(NEW_URL, "20190101000000", TEXT_A, "DA3"),
    ]
    store.save_captures(con, rows)
    rebuild_versions(con, site)
