"""Terminal output: rich tables when a person is watching, plain text in a pipe, CSV and JSON on request."""

from __future__ import annotations

import base64
import csv
import io
import json
import math
import sys
import textwrap
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

from rich.console import Console

_CONSOLE = {"highlight": False, "soft_wrap": False}
_ERRORS = {"stderr": True, "highlight": False, "soft_wrap": True}
console = Console(**_CONSOLE)
errors = Console(**_ERRORS)


def renew_consoles() -> None:
    """Look at the terminal and the environment again: a process that took over another's standard streams (the
    warm runner's child) has consoles that rich set up for the streams it had at import (colours, ``NO_COLOR``)."""
    console.__init__(**_CONSOLE)  # type: ignore[misc]
    errors.__init__(**_ERRORS)  # type: ignore[misc]


def error(message: str) -> None:
    """One line on stderr; messages are printed as they are (no rich markup, no wrapping)."""
    errors.print(message, markup=False)


def say(text: str, style: str | None = None) -> None:
    """One line on stdout as it is: never wrapped, no markup, styled only when a terminal shows it."""
    console.out(text, style=style, highlight=False)


#: How a redline prints: removed words struck through in red, added in green; the markers stay in a pipe.
PIECE_STYLE = {"delete": ("[-", "-]", "red strike"), "insert": ("{+", "+}", "green")}


def say_pieces(pieces: Iterable[object], *, end: str = "\n") -> None:
    """Word-diff pieces (``.op``, ``.text``) as ``[-removed-]{+added+}`` text, coloured on a terminal."""
    for piece in pieces:
        op, text = piece.op, piece.text  # type: ignore[attr-defined]
        if op not in PIECE_STYLE:
            console.out(text, end="", highlight=False)
            continue
        opening, closing, style = PIECE_STYLE[op]
        # A marker never spans a line break, so every line of the output reads on its own.
        for n, part in enumerate(text.split("\n")):
            if n:
                console.out("\n", end="", highlight=False)
            if part:
                console.out(f"{opening}{part}{closing}", style=style, end="", highlight=False)
    console.out("", end=end, highlight=False)


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 capture``, ``3 captures``; ``many`` for a word whose plural is not ``word`` + s."""
    return f"{count} {word}" if count == 1 else f"{count} {many or word + 's'}"


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def render_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    title: str | None = None,
    fmt: str = "table",
    wrap: Sequence[int] = (-1,),
) -> None:
    """Print rows as a table (rich when interactive), CSV or JSON; in a pipe, a table is plain TSV.

    On a terminal only the ``wrap`` columns (by index; default the last) may wrap, so dates and counts stay whole.
    CSV and JSON keep every value whole (times in ISO 8601 with their offset; see :func:`jsonable`); TSV has no
    title line, and a tab, a line break or a backslash inside a value is written ``\\t``, ``\\n``, ``\\\\``.
    """
    columns = unique_names(columns)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_csv_cell(v) for v in row] for row in rows])
        sys.stdout.write(buffer.getvalue())
        return
    if fmt == "json":
        records = [dict(zip(columns, (jsonable(v) for v in row), strict=True)) for row in rows]
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
        return
    if not console.is_terminal:
        sys.stdout.write("\t".join(_tsv(c) for c in columns) + "\n")
        for row in rows:
            sys.stdout.write("\t".join(_tsv(cell(v)) for v in row) + "\n")
        return
    wrapping = {n % len(columns) for n in wrap} if columns else set()
    headers, texts, widths, gap = fit(columns, rows, console.width, wrapping)
    if title:
        for line in title.splitlines():
            say(line, style="bold")
    for line in _block([header.split("\n") for header in headers], widths, gap):
        say(line, style="bold")
    say("─" * min(console.width, sum(widths) + gap * max(0, len(widths) - 1)))
    for row in texts:
        lines = [textwrap.wrap(text, width) or [""] if n in wrapping else [text] for n, (text, width) in
                 enumerate(zip(row, widths, strict=True))]  # fmt: skip
        for line in _block(lines, widths, gap, bottom=False):
            say(line)


def _block(cells: list[list[str]], widths: list[int], gap: int, *, bottom: bool = True) -> list[str]:
    """Lines of one row whose cells hold several lines each, padded to ``widths`` (``gap`` spaces apart); ``bottom``
    aligns the cells' last lines (headers), otherwise their first."""
    height = max(len(lines) for lines in cells) if cells else 0
    padded = [([""] * (height - len(lines)) + lines) if bottom else (lines + [""] * (height - len(lines)))
              for lines in cells]  # fmt: skip
    return [
        (" " * gap).join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        for line in zip(*padded, strict=True)
    ]


def fit(
    columns: Sequence[str], rows: Sequence[Sequence[object]], width: int, wrapping: set[int]
) -> tuple[list[str], list[list[str]], list[int], int]:
    """Headers, cells, column widths and the gap between columns that fit a terminal ``width`` without dropping
    a column. In turn, while the table is too wide: headers break at their spaces; times lose their hour (a
    column of times only); the ``wrapping`` columns narrow to their longest word (their cells wrap); other text
    columns (sites, URLs) are cut in the middle, down to 12 characters; columns stand one space apart, not two.
    Numbers and dates are never cut: a table that still does not fit runs over."""
    headers = list(columns)
    texts = [[cell(v) for v in row] for row in rows]
    room = width - 2 * max(0, len(headers) - 1)  # two spaces between columns
    if sum(_widths(headers, texts)) > room:
        headers = [header.replace(" ", "\n") for header in headers]
    if sum(_widths(headers, texts)) > room:
        _dates_only(rows, texts)
    widths = _widths(headers, texts)
    floors = _floors(headers, texts, widths, wrapping)
    excess = sum(widths) - room
    while excess > 0 and (shrinkable := [n for n in floors if widths[n] > floors[n]]):
        widest = max(shrinkable, key=lambda n: widths[n] - floors[n])  # narrow the one with most to spare
        widths[widest] -= 1
        excess -= 1
    for n in set(floors) - wrapping:
        for row in texts:
            row[n] = middle_cut(row[n], widths[n])
    return headers, texts, widths, 1 if excess > 0 else 2


def _widths(headers: list[str], texts: list[list[str]]) -> list[int]:
    return [
        max([len(line) for line in header.split("\n")] + [len(row[n]) for row in texts])
        for n, header in enumerate(headers)
    ]


def _dates_only(rows: Sequence[Sequence[object]], texts: list[list[str]]) -> None:
    """Write the columns that hold times only as their dates."""
    for n in range(len(texts[0]) if texts else 0):
        values = [row[n] for row in rows if row[n] is not None]
        if values and all(isinstance(v, datetime) for v in values):
            for text, row in zip(texts, rows, strict=True):
                text[n] = row[n].strftime("%Y-%m-%d") if row[n] is not None else ""  # type: ignore[union-attr]


def _floors(headers: list[str], texts: list[list[str]], widths: list[int], wrapping: set[int]) -> dict[int, int]:
    """How narrow each column that may narrow can get: a wrapping one to its longest word, a text one to 12."""
    floors = {}
    for n, header in enumerate(headers):
        cells = [row[n] for row in texts if row[n]]
        head = max(len(line) for line in header.split("\n"))
        if n in wrapping:
            floors[n] = max([head, *(len(word) for text in cells for word in text.split())])
        elif cells and not all(_is_number(text) or _is_date(text) for text in cells):
            floors[n] = min(widths[n], max(12, head))
    return floors


def middle_cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, its middle replaced by "…" (both ends of a URL stay readable)."""
    if len(text) <= width:
        return text
    keep = width - 1
    return text[: (keep + 1) // 2] + "…" + text[len(text) - keep // 2 :]


def _is_number(text: str) -> bool:
    return text.replace(".", "", 1).replace("-", "", 1).replace("+", "", 1).replace(",", "").isdigit()


def _is_date(text: str) -> bool:
    return len(text) >= 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit()


def unique_names(columns: Sequence[str]) -> list[str]:
    """Column names with repeats told apart (``a``, ``a_2``): a JSON object cannot hold one key twice."""
    seen: dict[str, int] = {}
    out = []
    for name in columns:
        count = seen.get(name, 0) + 1
        seen[name] = count
        label = name if count == 1 else f"{name}_{count}"
        while label in seen and label != name:
            count += 1
            label = f"{name}_{count}"
        seen.setdefault(label, 1)
        out.append(label)
    return out


def jsonable(value: object) -> object:  # noqa: PLR0911 - one return per kind of value
    """A value of any DuckDB type as JSON: times in ISO 8601 (intervals as durations), UUIDs as text, BLOBs in
    base64, NaN and infinities as null, decimals as numbers when a float holds them exactly, nested types as JSON."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        exact = float(value)
        return exact if math.isfinite(exact) and Decimal(repr(exact)) == value else str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return iso_duration(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    return str(value)


def iso_duration(delta: timedelta) -> str:
    """An ISO 8601 duration: ``P1DT2H3M4.5S``, ``-PT30M``, ``PT0S``."""
    sign = "-" if delta < timedelta(0) else ""
    delta = abs(delta)
    minutes, seconds = divmod(delta.seconds, 60)
    hours, minutes = divmod(minutes, 60)
    fraction = str(seconds)
    if delta.microseconds:
        fraction = f"{seconds + delta.microseconds / 1e6:.6f}".rstrip("0").rstrip(".")
    clock = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M")) if n)
    clock += f"{fraction}S" if seconds or delta.microseconds else ""
    if not delta.days and not clock:
        return "PT0S"
    return f"{sign}P{f'{delta.days}D' if delta.days else ''}{'T' + clock if clock else ''}"


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    shown = jsonable(value)
    return json.dumps(shown, ensure_ascii=False) if isinstance(shown, dict | list) else str(shown)


def _tsv(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
