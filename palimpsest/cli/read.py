"""Reading the warehouse: ``history``, ``show``, ``diff``, ``sql`` and ``sites``."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer

from palimpsest.cli.invocation import Invocation, invocation
from palimpsest.cli.output import console, plural, render_table, say
from palimpsest.cli.terminal import print_comparison, print_log
from palimpsest.errors import BadInput, UnknownVersion
from palimpsest.settings import Settings
from palimpsest.timestamps import parse_timestamp, snapshot_url, span
from palimpsest.warehouse import queries
from palimpsest.warehouse.history import SiteHistory, load_history
from palimpsest.warehouse.seeds import UNCITED

FORMATS = ("table", "csv", "json")
HISTORY_FORMATS = ("table", "log", "csv", "json")
HISTORY_COLUMNS = [
    "version",
    "first seen",
    "last seen",
    "captures",
    "words",
    "changed after",
    "changed by",
    "change",
    "words added",
    "words removed",
    "same text as",
    "policy url",
]


def read_history(settings: Settings, site: str) -> SiteHistory:
    """One site's history; an unknown site raises UnknownSite with the closest tracked names."""
    with Invocation(settings).warehouse() as con:
        return load_history(con, queries.resolve_site(con, site))


def history_rows(history: SiteHistory) -> list[tuple]:
    returns = history.returns()
    rows = []
    for v in history.versions:
        change = history.change_into(v.version)
        rows.append(
            (
                v.version,
                v.first_seen,
                v.last_seen,
                v.captures,
                v.words,
                change.changed_after if change else None,
                change.changed_by if change else None,
                change.kind if change else "",
                change.words_added if change else None,
                change.words_removed if change else None,
                returns.get(v.version),
                v.policy_url,
            )
        )
    return rows


def print_history(history: SiteHistory, fmt: str = "table", *, replay_prefix: str = "", patch: bool = False) -> None:
    """A history as a table (tab-separated in a pipe), a newest-first log, CSV or JSON."""
    if fmt == "log":
        print_log(history, replay_prefix=replay_prefix, patch=patch)
        return
    if fmt != "table" or not console.is_terminal:
        title = None if fmt != "table" else f"{history.site}: policy history"
        render_table(HISTORY_COLUMNS, history_rows(history), title=title, fmt=fmt)
        return
    returns = history.returns()
    urls = {v.policy_url for v in history.versions}
    rows = []
    for v in history.versions:
        change = history.change_into(v.version)
        between = change_text = ""
        if change:
            between = f"{change.changed_after:%Y-%m-%d} → {change.changed_by:%Y-%m-%d} ({span(change.uncertainty)})"
            change_text = f"{change.kind} +{change.words_added or 0} −{change.words_removed or 0}"
        if v.version in returns:
            change_text += f", text of v{returns[v.version]}"
        row = (
            v.version,
            f"{v.first_seen:%Y-%m-%d}",
            f"{v.last_seen:%Y-%m-%d}",
            v.captures,
            v.words,
            between,
            change_text,
        )
        rows.append(row + ((v.policy_url,) if len(urls) > 1 else ()))
    columns = ["v", "first seen", "last seen", "captures", "words", "changed between", "change"]
    title = _headline(history) + (f"\n{urls.pop()}" if len(urls) == 1 else "")
    render_table(columns + (["policy url"] if len(urls) > 1 else []), rows, title=title, wrap=(5, 6))


def _headline(history: SiteHistory) -> str:
    if not history.versions:
        return f"{history.site}: no versions yet ({plural(len(history.captures), 'capture')})"
    return (
        f"{history.site}: {plural(len(history.versions), 'version')}, {plural(len(history.changes), 'change')}, "
        f"{plural(len(history.captures), 'capture')}, {history.start:%Y-%m-%d} → {history.end:%Y-%m-%d}"
    )


def history(
    ctx: typer.Context,
    site: Annotated[str, typer.Argument(help="A tracked site, e.g. example.com")],
    format_: Annotated[str, typer.Option("--format", help="table, log (newest first, like git log), csv or json")] = (
        "table"
    ),
    patch: Annotated[bool, typer.Option("--patch", "-p", help="The log, with each change's redline")] = False,
) -> None:
    """A site's policy versions: first/last seen, captures, words, when each change happened and how big it was.

    "changed after"/"changed by" bound each change: the last capture with the old text and the first with the
    new. A change is minor when only a date line or a few words changed, substantive otherwise.

    Example: palimpsest history example.com --format log --patch
    """
    if format_ not in HISTORY_FORMATS:
        raise BadInput(f"--format must be one of {', '.join(HISTORY_FORMATS)}")
    if patch and format_ != "log":
        if format_ != "table":
            raise BadInput("--patch shows each change's redline in the log: use it with --format log")
        format_ = "log"  # -p alone asks for the log with its redlines, as git log -p does
    current = invocation(ctx).settings
    print_history(read_history(current, site), format_, replay_prefix=current.replay_url, patch=patch)


def show(
    ctx: typer.Context,
    site: Annotated[str, typer.Argument(help="A tracked site")],
    at: Annotated[
        str | None,
        typer.Option(help="The policy in force at this time (YYYY…, ISO 8601); a date means its first second"),
    ] = None,
    version: Annotated[int | None, typer.Option(help="One version by number")] = None,
    text_only: Annotated[bool, typer.Option("--text-only", help="Print the text alone, without provenance")] = False,
) -> None:
    """The policy text in force at a time, or one version (default: the latest), after a provenance header.

    The header names the version, the archived snapshot that shows this text (for --at, the last capture at or
    before that time) and the extractor that produced it. Times are UTC; a date or a partial time means its first
    second, in every command's --at and --from (only --to means the end of its period): --at 2016-05-06 is the
    text in force at 00:00:00 UTC that day, as policy_at(site, TIMESTAMPTZ '2016-05-06') answers in SQL.

    Example: palimpsest show example.com --at 2016-05-01
    """
    if at and version is not None:
        raise BadInput("give --at or --version, not both")
    run = invocation(ctx)
    current = run.settings
    moment = parse_timestamp(at) if at else None
    with run.warehouse() as con:
        found = load_history(con, queries.resolve_site(con, site))
        if not found.versions:
            raise UnknownVersion(f"{found.site} has no versions yet")
        in_force = queries.version_at(con, found.site, moment) if moment is not None else None
    if in_force is not None:
        chosen = in_force
    elif version is not None:
        chosen = found.version(version)
        if chosen is None:
            raise UnknownVersion(f"{found.site} has no version {version} (it has {len(found.versions)})")
    else:
        chosen = found.versions[-1]
    if not text_only:
        for line in _provenance(found, chosen.version, moment, current.replay_url):
            say(line, style="dim")
    sys.stdout.write(chosen.text.rstrip() + "\n")


def _provenance(history: SiteHistory, number: int, moment: datetime | None, replay_prefix: str) -> list[str]:
    v = history.version(number)
    assert v is not None  # noqa: S101 - the caller picked it from this history
    lines = [
        f"{v.site} version {v.version}: first seen {v.first_seen:%Y-%m-%d %H:%M:%S}, last seen "
        f"{v.last_seen:%Y-%m-%d %H:%M:%S} UTC, {plural(v.captures, 'capture')}, {plural(v.words, 'word')}"
        + (f", language {v.language}" if v.language else "")
    ]
    evidence = history.evidence(v, at=moment)
    url = evidence.url if evidence else v.policy_url
    link = evidence.link(replay_prefix) if evidence else snapshot_url(replay_prefix, v.first_seen, v.policy_url)
    source = (
        f"source: imported file {url.removeprefix(UNCITED)}, which cites no archived snapshot"
        if url.startswith(UNCITED)
        else f"snapshot: {link}"
    )
    lines.append(f"{source}  extractor: {v.extractor or 'unknown'}")
    nxt = history.change_into(number + 1)
    if moment is not None and nxt is not None and moment > nxt.changed_after:
        lines.append(
            f"note: the policy changed between {nxt.changed_after:%Y-%m-%d %H:%M:%S} and "
            f"{nxt.changed_by:%Y-%m-%d %H:%M:%S} UTC; the archive cannot tell which text was in force at "
            f"{moment:%Y-%m-%d %H:%M:%S}; below is the last text seen before it"
        )
    elif moment is not None and nxt is None and moment > v.last_seen:
        lines.append(f"note: last seen {v.last_seen:%Y-%m-%d}; no capture after that shows the policy")
    returned = history.returns().get(number)
    if returned:
        lines.append(f"note: this is the text of version {returned} again")
    return lines


def diff(
    ctx: typer.Context,
    site: Annotated[str, typer.Argument(help="A tracked site")],
    a: Annotated[int | None, typer.Argument(help="Older version (alone: diff it against the one before)")] = None,
    b: Annotated[int | None, typer.Argument(help="Newer version")] = None,
    sections: Annotated[bool, typer.Option("--sections", help="Only the changed sections, each whole")] = False,
    context: Annotated[int, typer.Option(help="Unchanged lines to show around each change")] = 0,
    full: Annotated[bool, typer.Option("--full", help="The whole text, changes marked in place")] = False,
) -> None:
    """A word-level diff of two versions (default: the last two). Removed [-like this-], added {+like this+}.

    Each hunk starts with "@@ heading @@", the section it is in. --sections lists the sections that were
    changed, added, removed or renamed, with their redlines, and counts the rest.

    Example: palimpsest diff example.com 2 3 --sections
    """
    if context < 0:
        raise BadInput("--context must be 0 or more")
    found = read_history(invocation(ctx).settings, site)
    if a is None and len(found.versions) < 2:
        raise BadInput(f"{found.site} has {plural(len(found.versions), 'version')}: nothing to compare yet")
    if a is not None and b is not None:
        old_number, new_number = a, b
    elif a is not None:  # one number: that version against the one before it
        if a == 1:
            raise BadInput(f"version 1 is {found.site}'s first: nothing before it to compare (try show --version 1)")
        old_number, new_number = a - 1, a
    else:
        new_number = len(found.versions)
        old_number = new_number - 1
    old, new = found.version(old_number), found.version(new_number)
    if old is None or new is None:
        raise BadInput(f"{found.site} has {len(found.versions)} version(s); cannot diff {old_number} and {new_number}")
    print_comparison(found, old, new, sections=sections, context=None if full else context)


def sql(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="SQL over the views captures, versions, changes, policy_at()")],
    format_: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
) -> None:
    """Run read-only SQL on the warehouse and print the result.

    Example: palimpsest sql "SELECT site, count(*) FROM versions GROUP BY site" --format csv
    """
    if format_ not in FORMATS:
        raise BadInput(f"--format must be one of {', '.join(FORMATS)}")
    with invocation(ctx).warehouse() as con:
        columns, rows = queries.run_sql(con, query)
    render_table(columns, rows, fmt=format_)


def sites(
    ctx: typer.Context, format_: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table"
) -> None:
    """Every tracked site with its counts and last crawl.

    Example: palimpsest sites --format json
    """
    if format_ not in FORMATS:
        raise BadInput(f"--format must be one of {', '.join(FORMATS)}")
    with invocation(ctx).warehouse() as con:
        rows = queries.sites(con)
    columns = ["site", "versions", "captures", "policy urls", "first seen", "last seen", "last crawl"]
    render_table(columns, rows, fmt=format_)
