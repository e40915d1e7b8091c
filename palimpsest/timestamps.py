"""Times as Palimpsest reads and writes them. All times are UTC.

Input accepts ``YYYY``, ``YYYYMM``, ``YYYYMMDD``, ``YYYYMMDDhhmmss`` or ISO 8601; the archive's own form is the
14-digit timestamp; a snapshot link is the archive's page for a capture at such a timestamp; a span is a duration as
people say it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from palimpsest.errors import BadInput

_DIGITS = re.compile(r"\d{4}(\d{2}){0,5}")
#: ISO 8601 calendar dates of reduced precision (``2016-07``) and full dates (``2016-07-01``) name periods too.
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


def parse_timestamp(value: str, *, end: bool = False) -> datetime:
    """Parse a user timestamp to an aware UTC datetime.

    A partial digit form names a period; ``end=True`` gives its last second (for ``--to`` alone), otherwise its
    first: ``--at`` and ``--from`` everywhere, as DuckDB reads ``TIMESTAMPTZ '2016-05-06'``.
    """
    text = value.strip()
    iso_date = _ISO_DATE.fullmatch(text)
    if iso_date:
        text = "".join(part for part in iso_date.groups() if part)
    if _DIGITS.fullmatch(text):
        return _from_digits(text, end=end, original=value)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as err:
        raise BadInput(
            f"cannot read timestamp {value!r}: use YYYY, YYYYMM, YYYYMMDD, YYYYMMDDhhmmss or ISO 8601"
        ) from err
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _from_digits(text: str, *, end: bool, original: str) -> datetime:
    width = len(text)
    pad = "1231235959" if end else "0101000000"
    full = text + pad[width - 4 :]
    if end and width == 6:  # a month: its last day depends on the month
        year, month = int(text[:4]), int(text[4:6])
        nxt = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
        return datetime.fromtimestamp(nxt.timestamp() - 1, tz=UTC)
    try:
        return datetime.strptime(full, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError as err:
        raise BadInput(f"cannot read timestamp {original!r}: not a real date") from err


def to_14(moment: datetime) -> str:
    """The archive's 14-digit form of an aware datetime, in UTC."""
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def snapshot_url(replay_prefix: str, moment: datetime, url: str) -> str:
    """The archive's page for a capture, as a reader browses it: ``<replay prefix><14-digit timestamp>/<url>``."""
    prefix = replay_prefix if replay_prefix.endswith("/") else replay_prefix + "/"
    return f"{prefix}{to_14(moment)}/{url}"


def span(delta: timedelta) -> str:
    """A duration as people say it: ``3 y 2 m``, ``5 m 12 d``, ``4 d``, ``6 h``, ``40 min``, ``12 s``."""
    seconds = max(int(delta.total_seconds()), 0)
    days = seconds // 86400
    if days >= 365:
        years, rest = divmod(days, 365)
        months = rest // 30
        return f"{years} y {months} m" if months else f"{years} y"
    if days >= 30:
        months, rest = divmod(days, 30)
        return f"{months} m {rest} d" if rest else f"{months} m"
    if days:
        return f"{days} d"
    if seconds >= 3600:
        return f"{seconds // 3600} h"
    if seconds >= 60:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def window(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    """A ``--from``/``--to`` pair as moments: the first second of ``start``'s period and the last of ``end``'s.
    A window that ends before it starts is refused: it holds no capture."""
    first = parse_timestamp(start) if start else None
    last = parse_timestamp(end, end=True) if end else None
    if first is not None and last is not None and first > last:
        raise BadInput(f"--from {start} is after --to {end}: no capture lies between them")
    return first, last
