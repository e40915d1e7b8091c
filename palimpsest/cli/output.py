"""Terminal output: rich tables when a person is watching, plain text in a pipe, CSV and JSON on request."""

from __future__ import annotations

import base64
import csv
import io
import json
import math
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

from rich import box
from rich.console import Console
from rich.table import Table

console = Console(highlight=False, soft_wrap=False)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


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
    table = Table(title=title, title_justify="left", title_style="bold", header_style="bold", box=box.SIMPLE_HEAD)
    wrapping = {n % len(columns) for n in wrap} if columns else set()
    for n, column in enumerate(columns):
        table.add_column(column, overflow="fold", no_wrap=n not in wrapping)
    for row in rows:
        table.add_row(*(cell(v) for v in row))
    console.print(table)


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
