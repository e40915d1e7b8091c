"""The warehouse's bulk writes: one statement per batch, values intact, a repeated key keeping the last row."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from warehouse import connect, store
from warehouse.records import CaptureRow, TextRow


def test_rows_round_trip_through_one_statement() -> None:
    con = connect(":memory:")
    moment = datetime(2020, 2, 29, 23, 59, 59, tzinfo=UTC)
    odd = 'quotes " and \\ backslash, a NUL \x00, é, 個人情報, and a line\nbreak'
    rows = [
        CaptureRow("s", "http://a.example/", moment + timedelta(seconds=i), f"D{i}", None, None, "same-text")
        for i in range(300)
    ]
    last = CaptureRow("s", "http://a.example/", moment, "D0", 200, "text/html", "version", 12, odd, "T", "ok", True)
    rows.append(last)
    assert store.save_captures(con, rows) == 301
    assert con.execute("SELECT count(*) FROM capture").fetchone() == (300,)
    first = con.execute(
        "SELECT ts, status, mime, length, outcome, detail, text_sha256, quality, usable, provenance FROM capture"
        " WHERE digest = 'D0'"
    ).fetchone()
    assert first == (moment, 200, "text/html", 12, "version", odd, "T", "ok", True, "archive")  # the last one wins
    assert con.execute("SELECT status, usable FROM capture WHERE digest = 'D1'").fetchone() == (None, False)


def test_texts_keep_the_first_and_dates_survive() -> None:
    con = connect(":memory:")
    store.save_texts(con, [TextRow("H", "first", 1, "en", "x", date(2019, 5, 1))])
    store.save_texts(con, [TextRow("H", "second", 1, "en", "x", None), TextRow("I", "other", 1, None, None)])
    store.save_texts(con, [TextRow("J", "first of a batch", 3, None, None), TextRow("J", "later", 1, None, None)])
    assert con.execute("SELECT text_sha256, text, stated_date FROM policy_text ORDER BY 1").fetchall() == [
        ("H", "first", date(2019, 5, 1)),
        ("I", "other", None),
        ("J", "first of a batch", None),
    ]
