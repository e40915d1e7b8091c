"""``palimpsest crawl``: backfill one policy URL's history through the ``crawl_policy`` flow."""

from __future__ import annotations

from typing import Annotated

import typer

from palimpsest.cli.invocation import invocation
from palimpsest.cli.output import plural, say
from palimpsest.cli.prefect_runtime import prepare_prefect
from palimpsest.cli.read import print_history, read_history
from palimpsest.errors import BadInput
from palimpsest.names import policy_url, site_name
from palimpsest.timestamps import window

SAMPLES = ("daily", "weekly", "monthly", "yearly")


def crawl(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="The policy page, e.g. https://www.example.com/privacy")],
    site: Annotated[str | None, typer.Option(help="Site name; defaults to the URL's host without www.")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First time to include (YYYY…, ISO 8601; UTC)")] = None,
    to: Annotated[str | None, typer.Option(help="Last time to include")] = None,
    sample: Annotated[
        str | None,
        typer.Option(help="Fetch one capture per period (daily|weekly|monthly|yearly), then bisect"),
    ] = None,
) -> None:
    """Backfill the history of one policy URL: CDX → fetch each new digest → extract → store.

    Follows archived redirects inside the archive only. A rerun fetches nothing already stored.

    Example: palimpsest crawl https://www.example.com/privacy --from 2015 --sample monthly
    """
    # Everything the user typed is checked before Prefect starts (it takes seconds to).
    url = policy_url(url)
    if site is not None:
        site = site_name(site)
    if sample is not None and sample not in SAMPLES:
        raise BadInput(f"--sample must be one of {', '.join(SAMPLES)}, not {sample!r}")
    window(from_, to)
    run = invocation(ctx)
    run.check_writable()
    prepare_prefect(verbose=run.verbose, idle=run.settings.prefect_idle)
    from palimpsest.cli.progress import crawl_progress  # noqa: PLC0415 - lazy: trafilatura, 0.65 s
    from palimpsest.flows import crawl_policy  # noqa: PLC0415 - lazy: Prefect, 1.5 s

    with crawl_progress(run.settings):
        report = crawl_policy(url=url, site=site, from_=from_, to=to, sample=sample, settings=run.settings)
    outcomes = ", ".join(f"{name} {count}" for name, count in sorted(report["outcomes"].items()))
    inferred = f"{report['inferred']} inferred, " if report.get("inferred") else ""
    say(
        f"{report['site']}: {plural(report['captures_found'], 'capture')}, {report['fetched']} fetched, {inferred}"
        f"{plural(report['versions'], 'version')} ({outcomes or 'nothing new'})"
    )
    for note in report["cutoffs"]:
        say(f"note: {note}")
    print_history(read_history(run.settings, report["site"]), replay_prefix=run.settings.replay_url)
