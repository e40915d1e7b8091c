"""Terminal output: rich tables when a person is watching, plain text in a pipe, CSV and JSON on request."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime

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
    """Print rows as a table (rich when interactive, tab-separated in a pipe), CSV or JSON.

    On a terminal only the ``wrap`` columns (by index; default the last) may wrap, so dates and counts stay whole.
    """
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[cell(v) for v in row] for row in rows])
        sys.stdout.write(buffer.getvalue())
        return
    if fmt == "json":
        records = [dict(zip(columns, (_jsonable(v) for v in row), strict=True)) for row in rows]
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
        return
    if not console.is_terminal:
        if title:
            sys.stdout.write(f"{title}\n")
        sys.stdout.write("\t".join(columns) + "\n")
        for row in rows:
            sys.stdout.write("\t".join(cell(v).replace("\n", " ") for v in row) + "\n")
        return
    table = Table(title=title, title_justify="left", title_style="bold", header_style="bold", box=box.SIMPLE_HEAD)
    wrapping = {n % len(columns) for n in wrap} if columns else set()
    for n, column in enumerate(columns):
        table.add_column(column, overflow="fold", no_wrap=n not in wrapping)
    for row in rows:
        table.add_row(*(cell(v) for v in row))
    console.print(table)


def _jsonable(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
