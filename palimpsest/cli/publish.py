"""``report`` and ``feed``: a history published as a static HTML page or an Atom feed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from palimpsest.cli.invocation import invocation
from palimpsest.cli.output import plural, say
from palimpsest.report import write_report
from palimpsest.warehouse import queries
from palimpsest.warehouse.feed import write_feed


def report(
    ctx: typer.Context,
    out: Annotated[Path, typer.Argument(help="The HTML file to write")],
    site: Annotated[str | None, typer.Option(help="Only this site")] = None,
) -> None:
    """Write a static, self-contained HTML timeline of every site's versions, with diffs.

    Example: palimpsest report history.html --site example.com
    """
    run = invocation(ctx)
    with run.warehouse() as con:
        if site:
            site = queries.resolve_site(con, site)
        path = write_report(con, out, replay_prefix=run.settings.replay_url, site=site)
    say(f"wrote {path}")


def feed(
    ctx: typer.Context,
    out: Annotated[Path, typer.Argument(help="The Atom file to write, e.g. changes.xml")],
    site: Annotated[str | None, typer.Option(help="Only this site's changes")] = None,
) -> None:
    """Write an Atom feed of policy changes; each entry links the archived snapshot and sums up the diff.

    Example: palimpsest feed changes.xml --site example.com
    """
    count = write_feed(invocation(ctx).settings, out, site=site)
    say(f"wrote {out} ({plural(count, 'entry', 'entries')})")
