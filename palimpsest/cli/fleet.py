"""``discover``, ``crawl-sites`` and ``refresh``: the multi-site and scheduled side of Palimpsest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from palimpsest.cli.invocation import invocation
from palimpsest.cli.output import plural, say
from palimpsest.cli.prefect_runtime import prepare_prefect
from palimpsest.errors import BadInput
from palimpsest.names import policy_url, site_name


def discover(
    ctx: typer.Context,
    homepage: Annotated[str, typer.Argument(help="The site's homepage, e.g. https://www.example.com/")],
    site: Annotated[str | None, typer.Option(help="Site name; defaults to the homepage's host without www.")] = None,
    crawl: Annotated[bool, typer.Option("--crawl", help="Also crawl every policy URL found")] = False,
) -> None:
    """Find the policy URL(s) linked from the archived homepage, one capture a year, and record the lineage.

    Link text and URL patterns are recognised in English, Japanese, German, French, Spanish, Portuguese,
    Italian, Dutch, Chinese and Korean.

    Example: palimpsest discover https://www.example.com/ --crawl
    """
    homepage = policy_url(homepage)
    if site is not None:
        site = site_name(site)
    run = invocation(ctx)
    run.check_writable()
    prepare_prefect(verbose=run.verbose)
    from palimpsest.cli.progress import crawl_progress  # noqa: PLC0415 - lazy: trafilatura, 0.65 s
    from palimpsest.flows import discover_policy  # noqa: PLC0415 - lazy: Prefect, 1.5 s

    with crawl_progress(run.settings):
        result = discover_policy(homepage=homepage, site=site, crawl=crawl, settings=run.settings)
    if not result["lineage"]:
        say(
            f"{result['site']}: no policy link found on {plural(result['captures_found'], 'archived homepage capture')}"
            "; nothing is tracked"
        )
    for span in result["lineage"]:
        say(f"{result['site']}: {span['url']}  linked {span['since'][:10]} … {span['until'][:10]}")
    for note in result["notes"]:
        say(f"note: {note}")
    if "crawl" in result:
        _print_run(result["crawl"])


def crawl_sites(
    ctx: typer.Context,
    sites_file: Annotated[Path, typer.Argument(help="CSV (header: url,site,from,to,sample) or TOML [[site]] list")],
    workers: Annotated[int, typer.Option(help="Sites crawled at once (one shared rate limit)")] = 2,
) -> None:
    """Backfill every policy in a sites file. One site failing does not stop the others; failures are listed.

    Example: palimpsest crawl-sites sites.csv
    """
    from palimpsest.flows.sites import read_sites  # noqa: PLC0415 - lazy: the archive client (requests, warcio), 0.3 s

    read_sites(sites_file)  # a bad file fails here, before Prefect starts
    if workers < 1:
        raise BadInput("--workers must be at least 1")
    run = invocation(ctx)
    run.check_writable()
    prepare_prefect(verbose=run.verbose)
    from palimpsest.cli.progress import crawl_progress  # noqa: PLC0415 - lazy: trafilatura, 0.65 s
    from palimpsest.flows import crawl_sites as flow  # noqa: PLC0415 - lazy: Prefect, 1.5 s

    with crawl_progress(run.settings):
        state = flow(sites_file=str(sites_file), workers=workers, settings=run.settings, return_state=True)
    _print_run(_result(state))


def refresh(
    ctx: typer.Context,
    feed: Annotated[Path | None, typer.Option(help="Rewrite this Atom feed of changes after the run")] = None,
    workers: Annotated[int, typer.Option(help="Sites crawled at once (one shared rate limit)")] = 2,
) -> None:
    """Crawl every tracked site for captures newer than the newest one held (what the daily schedule runs).

    Example: palimpsest refresh --feed changes.xml
    """
    run = invocation(ctx)
    run.check_writable()
    prepare_prefect(verbose=run.verbose)
    from palimpsest.cli.progress import crawl_progress  # noqa: PLC0415 - lazy: trafilatura, 0.65 s
    from palimpsest.flows import refresh_all  # noqa: PLC0415 - lazy: Prefect, 1.5 s

    with crawl_progress(run.settings):
        state = refresh_all(feed=str(feed) if feed else None, workers=workers, settings=run.settings, return_state=True)
    result = _result(state)
    _print_run(result)
    if result["failures"]:
        say("a site that keeps failing, or was tracked by mistake, stops being refreshed with: palimpsest forget SITE")
    if feed:
        say(f"wrote {feed} ({plural(result['feed_entries'], 'entry', 'entries')})")


def _result(state: object) -> dict:
    """The flow's result; a run where every site failed raises its error (one line, exit 1)."""
    return state.result()  # type: ignore[attr-defined]


def _print_run(result: dict) -> None:
    for report in result["sites"]:
        new = len(report["new_versions"])
        say(
            f"{report['site']}: {plural(report['captures_found'], 'capture')}, {report['fetched']} fetched, "
            f"{plural(report['versions'], 'version')} ({new} new)"
        )
    for failure in result["failures"]:
        say(f"failed: {failure['url']}: {failure['error']}")
    requests = ", ".join(f"{count} {kind}" for kind, count in sorted(result["requests"].items()))
    say(f"archive requests: {requests or 'none'}; {result['waited']:.1f} s waiting on rate limits")
