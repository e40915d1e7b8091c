"""Terminal output: rich tables when a person is watching, plain text in a pipe, CSV and JSON on request."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime

from rich.console import Console
from rich.table import Table

console = Console(highlight=False, soft_wrap=False)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


def error(message: str) -> None:
    """One line on stderr; messages are printed as they are (no rich markup, no wrapping)."""
    errors.print(message, markup=False)


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def render_table(
    columns: Sequence[str], rows: Sequence[Sequence[object]], *, title: str | None = None, fmt: str = "table"
) -> None:
    """Print rows as a table (rich when interactive, tab-separated in a pipe), CSV or JSON."""
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
    table = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(cell(v) for v in row))
    console.print(table)


def _jsonable(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
