"""Reading the warehouse: ``history``, ``show``, ``diff``, ``sql`` and ``sites``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from palimpsest.cli import app, settings
from palimpsest.errors import BadInput
from palimpsest.output import console, render_table
from palimpsest.timestamps import parse_timestamp

FORMATS = ("table", "csv", "json")


def _open(db: Path):
    from warehouse import connect  # noqa: PLC0415

    return connect(db, read_only=True)


def history_rows(db: Path, site: str) -> tuple[list[str], list[tuple]]:
    from warehouse import queries  # noqa: PLC0415

    con = _open(db)
    try:
        versions = queries.history(con, site)
        changes = (
            {
                row[0]: row[1:]
                for row in con.execute(
                    "SELECT version, changed_after, changed_by, minor FROM changes WHERE site = ?",
                    [versions[0].site],
                ).fetchall()
            }
            if versions
            else {}
        )
    finally:
        con.close()
    columns = ["version", "first seen", "last seen", "captures", "words", "change", "policy url"]
    rows = []
    for v in versions:
        change = changes.get(v.version)
        kind = "" if change is None else ("minor" if change[2] else "substantive")
        rows.append((v.version, v.first_seen, v.last_seen, v.captures, v.words, kind, v.policy_url))
    return columns, rows


@app.command()
def history(site: Annotated[str, typer.Argument(help="A tracked site, e.g. example.com")]) -> None:
    """A table of a site's policy versions: first/last seen, captures, words, policy URL.

    Example: palimpsest history example.com
    """
    columns, rows = history_rows(settings().db, site)
    render_table(columns, rows, title=f"{site}: policy history")


@app.command()
def show(
    site: Annotated[str, typer.Argument(help="A tracked site")],
    at: Annotated[str | None, typer.Option(help="The policy in force at this time (YYYY…, ISO 8601)")] = None,
    version: Annotated[int | None, typer.Option(help="One version by number")] = None,
) -> None:
    """The policy text in force at a time, or one version (default: the latest).

    Example: palimpsest show example.com --at 2016-05-01
    """
    from warehouse import queries  # noqa: PLC0415

    if at and version is not None:
        raise BadInput("give --at or --version, not both")
    con = _open(settings().db)
    try:
        if at:
            found = queries.version_at(con, site, parse_timestamp(at, end=True))
        elif version is not None:
            found = queries.version_number(con, site, version)
        else:
            found = queries.history(con, site)[-1]
    except IndexError:
        raise BadInput(f"{site} has no versions yet") from None
    finally:
        con.close()
    console.print(
        f"{found.site} version {found.version}: first seen {found.first_seen:%Y-%m-%d}, last seen "
        f"{found.last_seen:%Y-%m-%d}, {found.captures} captures, {found.words} words; {found.policy_url} "
        f"[{found.extractor}]",
        style="dim",
        markup=False,
    )
    sys.stdout.write(found.text.rstrip() + "\n")


@app.command()
def diff(
    site: Annotated[str, typer.Argument(help="A tracked site")],
    a: Annotated[int | None, typer.Argument(help="Older version (alone: diff it against the one before)")] = None,
    b: Annotated[int | None, typer.Argument(help="Newer version")] = None,
) -> None:
    """A word-level diff of two versions (default: the last two). Removed [-like this-], added {+like this+}.

    Example: palimpsest diff example.com 2 3
    """
    from extractors.diff import word_diff  # noqa: PLC0415
    from warehouse import queries  # noqa: PLC0415

    con = _open(settings().db)
    try:
        versions = queries.history(con, site)
    finally:
        con.close()
    by_number = {v.version: v for v in versions}
    if a is not None and b is not None:
        old_number, new_number = a, b
    elif a is not None:  # one number: that version against the one before it
        old_number, new_number = a - 1, a
    else:
        new_number = len(versions)
        old_number = new_number - 1
    if old_number not in by_number or new_number not in by_number:
        raise BadInput(f"{site} has {len(versions)} version(s); cannot diff {old_number} and {new_number}")
    old, new = by_number[old_number], by_number[new_number]
    console.print(f"--- {site} version {old.version} ({old.first_seen:%Y-%m-%d})", markup=False)
    console.print(f"+++ {site} version {new.version} ({new.first_seen:%Y-%m-%d})", markup=False)
    for piece in word_diff(old.text, new.text):
        if piece.op == "equal":
            console.out(piece.text, end="", highlight=False)
        elif piece.op == "delete":
            console.out(f"[-{piece.text}-]", style="red strike", end="", highlight=False)
        else:
            console.out(f"{{+{piece.text}+}}", style="green", end="", highlight=False)
    console.out("")


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL over the views captures, versions, changes, policy_at()")],
    format_: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
) -> None:
    """Run read-only SQL on the warehouse and print the result.

    Example: palimpsest sql "SELECT site, count(*) FROM versions GROUP BY site" --format csv
    """
    from warehouse import queries  # noqa: PLC0415

    if format_ not in FORMATS:
        raise BadInput(f"--format must be one of {', '.join(FORMATS)}")
    con = _open(settings().db)
    try:
        columns, rows = queries.run_sql(con, query)
    finally:
        con.close()
    render_table(columns, rows, fmt=format_)


@app.command()
def sites(format_: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table") -> None:
    """Every tracked site with its counts and last crawl.

    Example: palimpsest sites --format json
    """
    from warehouse import queries  # noqa: PLC0415

    con = _open(settings().db)
    try:
        rows = queries.sites(con)
    finally:
        con.close()
    columns = ["site", "versions", "captures", "policy urls", "first seen", "last seen", "last crawl"]
    render_table(columns, rows, fmt=format_)
