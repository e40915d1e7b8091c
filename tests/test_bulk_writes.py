"""The warehouse's bulk writes: one statement per batch, values intact, a repeated key keeping the last row."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from palimpsest.errors import WarehouseError
from palimpsest.warehouse import connect, store
from palimpsest.warehouse.rows import CaptureRow, TextRow


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
    store.save_texts(con, [TextRow("T", "the text", 2, "en", "x")])
    assert store.save_captures(con, rows) == 301
    assert con.execute("SELECT count(*) FROM capture").fetchone() == (300,)
    first = con.execute(
        "SELECT c.ts, c.status, c.mime, c.length, c.outcome, c.detail, t.text_sha256, c.quality, c.usable,"
        " c.provenance FROM capture AS c LEFT JOIN policy_text AS t USING (text_id) WHERE c.digest = 'D0'"
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


def test_a_capture_naming_a_text_not_stored_is_refused() -> None:
    con = connect(":memory:")
    moment = datetime(2020, 1, 1, tzinfo=UTC)
    row = CaptureRow("s", "http://a.example/", moment, "D", 200, "text/html", "same-text", text_sha256="U", usable=True)
    with pytest.raises(WarehouseError, match="no stored text has the hash U"):
        store.save_captures(con, [row])
    assert con.execute("SELECT count(*) FROM capture").fetchone() == (0,)
