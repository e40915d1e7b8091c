"""End to end: a real pywb over the demo WARC, the real crawl_policy flow, and the public views.

Every figure is checked against the builder's expected JSON: version count, first/last seen, captures per
version, policy URL, snippets, outcomes, reverts, and the absence of mojibake.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from palimpsest.warehouse import connect
from tests.conftest import settings_for

pytestmark = pytest.mark.slow


EXPORTED = (
    "PALIMPSEST_DB",
    "PALIMPSEST_CDX_URL",
    "PALIMPSEST_REPLAY_URL",
    "PALIMPSEST_CDX_RATE",
    "PALIMPSEST_REPLAY_RATE",
)


def _export(settings) -> None:
    os.environ["PALIMPSEST_DB"] = str(settings.db)
    os.environ["PALIMPSEST_CDX_URL"] = settings.cdx_url
    os.environ["PALIMPSEST_REPLAY_URL"] = settings.replay_url
    os.environ["PALIMPSEST_CDX_RATE"] = str(settings.cdx_rate)
    os.environ["PALIMPSEST_REPLAY_RATE"] = str(settings.replay_rate)


@pytest.fixture(scope="module")
def crawled(wayback, demo_build, prefect_harness, tmp_path_factory) -> dict:
    """Crawl every demo site with the Prefect flow, then crawl them all again."""
    from palimpsest.flows import crawl_policy

    _, expected = demo_build
    settings = settings_for(wayback, tmp_path_factory.mktemp("e2e") / "palimpsest.duckdb")
    _export(settings)
    first = {s["site"]: crawl_policy(url=s["url"], site=s["site"]) for s in expected["sites"]}
    second = {s["site"]: crawl_policy(url=s["url"], site=s["site"]) for s in expected["sites"]}
    for name in EXPORTED:  # only these: the session's own settings (tests/conftest.py) stay
        del os.environ[name]
    return {"settings": settings, "expected": expected, "first": first, "second": second}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_every_site_has_the_expected_versions(crawled: dict) -> None:
    con = connect(crawled["settings"].db, read_only=True)
    for site in crawled["expected"]["sites"]:
        rows = con.execute(
            "SELECT version, first_seen, last_seen, captures, policy_url, text, text_sha256"
            " FROM versions WHERE site = ? ORDER BY version",
            [site["site"]],
        ).fetchall()
        assert len(rows) == len(site["versions"]), site["site"]
        shas = {}
        for row, want in zip(rows, site["versions"], strict=True):
            number, first, last, captures, policy_url, text, sha = row
            shas[number] = sha
            assert number == want["version"]
            assert _iso(first) == want["first_seen"], (site["site"], number)
            assert _iso(last) == want["last_seen"], (site["site"], number)
            assert captures == want["captures"], (site["site"], number)
            assert policy_url == want["policy_url"], (site["site"], number)
            for snippet in want["contains"]:
                assert snippet in text, (site["site"], number, snippet)
            if "same_text_as" in want:
                assert sha == shas[want["same_text_as"]]


def test_no_mojibake_in_any_text(crawled: dict) -> None:
    con = connect(crawled["settings"].db, read_only=True)
    texts = [row[0] for row in con.execute("SELECT text FROM versions").fetchall()]
    assert texts
    for marker in crawled["expected"]["mojibake"]:
        assert not [t for t in texts if marker in t], f"mojibake {marker!r} in extracted text"


def test_every_capture_has_the_expected_outcome(crawled: dict) -> None:
    con = connect(crawled["settings"].db, read_only=True)
    for site in crawled["expected"]["sites"]:
        rows = con.execute(
            "SELECT outcome, count(*) FROM captures WHERE site = ? GROUP BY outcome", [site["site"]]
        ).fetchall()
        assert dict(rows) == site["outcomes"], site["site"]
        assert sum(count for _, count in rows) == site["captures"]


def test_the_redirect_is_followed_inside_the_archive_and_recorded_as_lineage(crawled: dict) -> None:
    con = connect(crawled["settings"].db, read_only=True)
    lineage = con.execute(
        "SELECT url, source, via FROM policy_url WHERE site = 'fjordfit.example' ORDER BY since NULLS FIRST"
    ).fetchall()
    assert lineage == [
        ("http://fjordfit.example/privacy.html", "start", None),
        ("https://fjordfit.example/legal/privacy", "redirect", "http://fjordfit.example/privacy.html"),
    ]
    draft = con.execute(
        "SELECT count(*) FROM captures WHERE site = 'fjordfit.example' AND \"timestamp\" < '2017-01-01'"
        " AND url LIKE '%/legal/%'"
    ).fetchone()[0]
    assert draft == 0, "captures of the new URL from before the move must not join the history"


def test_a_rerun_fetches_nothing_and_changes_nothing(crawled: dict) -> None:
    for site, report in crawled["second"].items():
        assert report["fetched"] == 0, site
        assert report["versions"] == crawled["first"][site]["versions"]
    first_fetched = sum(r["fetched"] for r in crawled["first"].values())
    con = connect(crawled["settings"].db, read_only=True)
    distinct = con.execute("SELECT count(*) FROM payload").fetchone()[0]
    assert first_fetched == distinct


def test_raw_captures_are_kept_in_warc_files(crawled: dict) -> None:
    from palimpsest.fetchers import WarcRef, WarcStore, sha1_base32

    settings = crawled["settings"]
    con = connect(settings.db, read_only=True)
    store = WarcStore(settings.warc_dir)
    rows = con.execute("SELECT url, digest, status, warc_file, warc_offset, warc_length FROM payload").fetchall()
    assert rows
    for url, digest, status, name, offset, length in rows:
        record = store.read(WarcRef(name, offset, length))
        assert record.url == url
        assert record.status == status
        if status == 200:
            assert sha1_base32(record.body) == digest
    assert all(Path(settings.warc_dir, name).suffix == ".gz" for *_, name, _, _ in rows)
