"""``palimpsest lake push`` and ``lake pull``: a file warehouse copied into a DuckLake, or a lake into a file.

One side is the warehouse ``--db`` (``PALIMPSEST_DB``) names, the other the argument: push copies the file into
the lake, pull the lake into the file, whichever of the two is named where.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from palimpsest.cli.invocation import invocation
from palimpsest.cli.output import plural, say
from palimpsest.errors import BadInput
from palimpsest.settings import LAKE_PREFIX, Lake, Settings
from palimpsest.warehouse import lake_copy

app = typer.Typer(
    help="Move a warehouse between a DuckDB file and a DuckLake.", no_args_is_help=True, rich_markup_mode=None
)

_OTHER = "A DuckLake (ducklake:…) when --db is a file, or a file when --db is a lake"


@app.command("push")
def push(ctx: typer.Context, other: Annotated[str, typer.Argument(metavar="LAKE", help=_OTHER)]) -> None:
    """Copy the file warehouse into an empty DuckLake; the views are then compared row for row.

    Example: palimpsest --db palimpsest.duckdb lake push "ducklake:postgres:dbname=policies host=db.example"
    """
    settings = invocation(ctx).settings
    file, lake = _pair(settings, other)
    _report(lake_copy.push(file, lake, lock_timeout=settings.lock_timeout), f"{file} → {lake}")


@app.command("pull")
def pull(ctx: typer.Context, other: Annotated[str, typer.Argument(metavar="LAKE", help=_OTHER)]) -> None:
    """Copy a DuckLake into a new (or empty) file warehouse; the views are then compared row for row.

    Example: palimpsest --db copy.duckdb lake pull ducklake:sqlite:policies.sqlite
    """
    settings = invocation(ctx).settings
    file, lake = _pair(settings, other)
    _report(lake_copy.pull(lake, file, lock_timeout=settings.lock_timeout), f"{lake} → {file}")


def _pair(settings: Settings, other: str) -> tuple[Path, Lake]:
    """(the file, the lake) of the warehouse the settings name and the argument: one of each."""
    given = Lake.parse(other, settings.lake_data) if other.startswith(LAKE_PREFIX) else Path(other)
    if isinstance(settings.db, Lake) and isinstance(given, Path):
        return given, settings.db
    if isinstance(settings.db, Path) and isinstance(given, Lake):
        return settings.db, given
    raise BadInput(f"one of --db ({settings.db}) and {other} must be a file and the other a lake (ducklake:…)")


def _report(copied: lake_copy.Copied, what: str) -> None:
    views = ", ".join(f"{name} {plural(rows, 'row')}" for name, (rows, _) in copied.views.items())
    say(f"copied {what}: {plural(copied.tables, 'table')}, {plural(copied.rows, 'row')}; views equal: {views}")
