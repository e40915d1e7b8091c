"""Extraction facts through the pipeline into the warehouse: quality, sections, stated dates, minor changes and
the disclosure lag in ``changes``, and the README's "first appearance of a clause" query over ``sections``."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from palimpsest.fetchers import Capture, Fetched
from palimpsest.flows.pipeline import FetchOutcome, extract_texts
from palimpsest.warehouse import connect, store
from palimpsest.warehouse.rows import CaptureRow, TextRow
from palimpsest.warehouse.versions import rebuild_versions

SITE = "shop.example"
URL = "https://shop.example/privacy"


def at(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y%m%d").replace(tzinfo=UTC)


def _policy(date_line: str, extra: str = "") -> bytes:
    return (
        "<html><body><main><h1>Privacy Policy</h1>"
        f"<p>{date_line}</p><p>We collect your name and address to deliver your orders and never sell personal data."
        " We keep order records for six years because tax law requires it.</p>"
        "<h2>Cookies</h2><p>We set one cookie that remembers your basket and no advertising cookies.</p>"
        f"{extra}</main></body></html>"
    ).encode()


def _outcome(stamp: str, body: bytes, digest: str) -> FetchOutcome:
    capture = Capture(at(stamp), URL, digest, 200, "text/html")
    fetched = Fetched(capture, 200, (("Content-Type", "text/html; charset=utf-8"),), body, at(stamp))
    return FetchOutcome(capture, fetched)


def test_extract_texts_records_quality_date_sections_and_language() -> None:
    soft_404 = (
        b"<html><head><title>Page not found</title></head><body><h1>Oops</h1><p>Page not found.</p></body></html>"
    )
    results = extract_texts(
        [_outcome("20180101", _policy("Last updated: 1 January 2018"), "D1"), _outcome("20190101", soft_404, "D2")]
    )
    policy, missing = results
    assert policy.extraction.quality == "ok" and policy.extraction.usable
    assert policy.text.stated_date == date(2018, 1, 1)
    assert policy.text.language == "en"
    assert [s.path for s in policy.text.sections] == ["Privacy Policy", "Privacy Policy > Cookies"]
    assert missing.extraction.quality == "soft-404"
    assert not missing.extraction.usable
    assert missing.extraction.outcome == "skipped:soft-404"
    assert missing.text.sections == ()


def test_a_policy_url_that_now_shows_the_homepage_is_not_a_policy() -> None:
    home = (
        b"<html><body><main><h1>Fresh bread every morning</h1><p>Sourdough baked in a wood oven since 1962. Order "
        b"croissants, tarts and loaves for tomorrow and pick them up at the shop on Tanners Street.</p>"
        b"<h2>Opening hours</h2><p>Tuesday to Saturday from seven until half past seven.</p></main></body></html>"
    )
    capture = Capture(at("20200101"), "https://shop.example/", "DH", 200, "text/html")
    fetched = Fetched(capture, 200, (("Content-Type", "text/html"),), home, at("20200101"))
    (result,) = extract_texts([FetchOutcome(capture, fetched)])
    assert result.extraction.quality == "not-a-policy"
    assert result.extraction.outcome == "skipped:not-a-policy"
    assert "Sourdough" in result.text.text


@pytest.fixture
def history(tmp_path):
    """Six versions: a date-only edit (minor), a new clause under a new date, a change under the old date, one
    dated before the archive last saw the old text (backdated), and one published ahead of its date."""
    con = connect(tmp_path / "w.duckdb")
    store.ensure_site(con, SITE)
    captures = [
        ("20180110", _policy("Last updated: 1 January 2018")),
        ("20180610", _policy("Last updated: 1 June 2018")),
        ("20190301", _policy("Last updated: 1 January 2019", "<h2>Biometrics</h2><p>We scan faces at the door.</p>")),
        ("20200301", _policy("Last updated: 1 January 2019", "<h2>Biometrics</h2><p>We scan faces and keep them.</p>")),
        ("20200601", _policy("Last updated: 1 February 2020", "<h2>Biometrics</h2><p>We no longer scan faces.</p>")),
        ("20200901", _policy("Effective: 1 December 2020", "<h2>Biometrics</h2><p>We scan no faces.</p>")),
    ]
    outcomes = extract_texts([_outcome(stamp, body, f"D{n}") for n, (stamp, body) in enumerate(captures)])
    rows: list[TextRow] = [o.text for o in outcomes]
    store.save_texts(con, rows)
    store.save_sections(con, [s for row in rows for s in row.sections])
    store.save_captures(
        con,
        [
            CaptureRow(
                SITE,
                URL,
                o.capture.timestamp,
                o.capture.digest,
                200,
                "text/html",
                "same-text",
                text_sha256=o.text.text_sha256,
                quality="ok",
                usable=True,
            )
            for o in outcomes
        ],
    )
    rebuild_versions(con, SITE)
    yield con
    con.close()


def test_changes_flag_minor_edits_and_measure_the_disclosure_lag(history) -> None:
    rows = history.execute(
        "SELECT version, minor, stated_date, previous_stated_date, disclosure_lag_days, date_status"
        " FROM changes ORDER BY version"
    ).fetchall()
    assert rows == [
        (2, True, date(2018, 6, 1), date(2018, 1, 1), 9, "consistent"),
        (3, False, date(2019, 1, 1), date(2018, 6, 1), 59, "consistent"),
        (4, False, date(2019, 1, 1), date(2019, 1, 1), 425, "unchanged"),
        (5, False, date(2020, 2, 1), date(2019, 1, 1), 121, "backdated"),
        (6, False, date(2020, 12, 1), date(2020, 2, 1), -91, "ahead"),
    ]


def test_the_readme_query_finds_when_a_clause_first_appeared(history) -> None:
    rows = history.execute(
        """
        SELECT site, min(first_seen) AS first_appeared, arg_min(path, first_seen) AS section
        FROM sections WHERE body ILIKE '%faces%'
        GROUP BY site ORDER BY first_appeared
        """
    ).fetchall()
    assert rows == [(SITE, at("20190301"), "Privacy Policy > Biometrics")]


def test_versions_show_the_stated_date(history) -> None:
    dates = history.execute("SELECT version, stated_date FROM versions ORDER BY version").fetchall()
    assert dates[:4] == [(1, date(2018, 1, 1)), (2, date(2018, 6, 1)), (3, date(2019, 1, 1)), (4, date(2019, 1, 1))]
