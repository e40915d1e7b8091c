"""Input timestamps: every form the contract names, as UTC, with periods read as their start or end."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from palimpsest.errors import BadInput
from palimpsest.timestamps import parse_timestamp


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2016", datetime(2016, 1, 1, tzinfo=UTC), datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("201602", datetime(2016, 2, 1, tzinfo=UTC), datetime(2016, 2, 29, 23, 59, 59, tzinfo=UTC)),
        ("2016-02", datetime(2016, 2, 1, tzinfo=UTC), datetime(2016, 2, 29, 23, 59, 59, tzinfo=UTC)),
        ("20161231", datetime(2016, 12, 31, tzinfo=UTC), datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("2016-12-31", datetime(2016, 12, 31, tzinfo=UTC), datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("20161231235958", datetime(2016, 12, 31, 23, 59, 58, tzinfo=UTC), None),
        ("2016-12-31T12:00:00+09:00", datetime(2016, 12, 31, 3, tzinfo=UTC), None),
        ("2016-12-31T12:00:00Z", datetime(2016, 12, 31, 12, tzinfo=UTC), None),
        ("2016-12-31 12:00", datetime(2016, 12, 31, 12, tzinfo=UTC), None),
    ],
)
def test_every_contract_form(text: str, start: datetime, end: datetime | None) -> None:
    assert parse_timestamp(text) == start
    assert parse_timestamp(text, end=True) == (end or start)


@pytest.mark.parametrize("text", ["2016-13", "20160230", "last tuesday", "16-01-01", ""])
def test_nonsense_is_bad_input(text: str) -> None:
    with pytest.raises(BadInput):
        parse_timestamp(text)
