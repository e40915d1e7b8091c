"""``palimpsest forget``: stop tracking a site filed by mistake, or one URL of its lineage."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from palimpsest.cli.invocation import invocation
from palimpsest.cli.output import plural, say
from palimpsest.errors import BadInput
from palimpsest.warehouse import queries
from palimpsest.warehouse.forget import forget as forget_site
from palimpsest.warehouse.forget import lineage


def forget(
    ctx: typer.Context,
    site: Annotated[str, typer.Argument(help="The tracked site (as `palimpsest sites` lists it)")],
    url: Annotated[str | None, typer.Option(help="Only this URL of the site's lineage; the rest is rebuilt")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask; needed when not on a terminal")] = False,
) -> None:
    """Stop tracking a site, or one URL of its lineage, with its captures, versions and imported documents.

    Raw bytes stay in the WARC store (a later crawl fetches nothing again); `palimpsest doctor --collect` removes
    those no site uses. Asks first on a terminal.

    Example: palimpsest forget lanternbooks.example --url http://www.lanternbooks.example/privacy --yes
    """
    with invocation(ctx).warehouse(write=True) as con:
        name = queries.resolve_site(con, site)
        urls = lineage(con, name)
        if url is not None and url not in urls:
            listed = "; ".join(urls) if urls else "none"
            raise BadInput(f"{url} is not in {name}'s lineage (its URLs: {listed})")
        what = f"{url} from {name}" if url else f"{name} ({plural(len(urls), 'URL')})"
        if not yes:
            if not sys.stdin.isatty():
                raise BadInput(f"forget {what}: add --yes to confirm when not on a terminal")
            if not typer.confirm(f"forget {what} with its captures and versions?", default=False):
                say("nothing forgotten")
                raise typer.Exit(code=1)
        gone = forget_site(con, name, url)
    say(
        f"forgot {what}: {plural(gone.captures, 'capture')}, {plural(gone.versions, 'version')}"
        + (f", {plural(gone.documents, 'imported document')}" if gone.documents else "")
        + "; raw bytes stay until palimpsest doctor --collect"
    )
