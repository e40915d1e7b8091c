"""``discover``, ``crawl-sites`` and ``refresh``: the multi-site and scheduled side of Palimpsest."""

from __future__ import annotations

import os
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
    prepare_prefect(verbose=run.verbose, idle=run.settings.prefect_idle)
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


#: ``--shards``: its help, shared by crawl-sites and refresh.
SHARDS_HELP = "Split the sites into N flow runs on the palimpsest work pool's workers (needs PREFECT_API_URL)"


def crawl_sites(
    ctx: typer.Context,
    sites_file: Annotated[Path, typer.Argument(help="CSV (header: url,site,from,to,sample) or TOML [[site]] list")],
    workers: Annotated[int, typer.Option(help="Sites crawled at once (one shared rate limit)")] = 2,
    shards: Annotated[int, typer.Option(help=SHARDS_HELP)] = 1,
) -> None:
    """Backfill every policy in a sites file. One site failing does not stop the others; failures are listed.

    With --shards N (N > 1) the sites are split into N shards, every entry of a site in one shard, and each shard
    runs as a crawl-shard flow run on a worker of the palimpsest pool: workers on several machines share the
    work. This command waits for every shard and sums them up; the workers read their settings (PALIMPSEST_DB,
    archive, rates) from their own environment. A shard whose worker is lost fails the command naming it, and
    the same command run again finishes it.

    Example: palimpsest crawl-sites sites.csv

    Example: PREFECT_API_URL=http://127.0.0.1:4200/api palimpsest crawl-sites sites.csv --shards 4
    """
    from palimpsest.flows.sites import read_sites  # noqa: PLC0415 - lazy: the archive client (requests, warcio), 0.3 s

    read_sites(sites_file)  # a bad file fails here, before Prefect starts
    _check_counts(workers, shards)
    run = invocation(ctx)
    if shards == 1:
        run.check_writable()  # with shards, the workers write the warehouse their environment names
    prepare_prefect(verbose=run.verbose, idle=run.settings.prefect_idle)
    from palimpsest.cli.progress import crawl_progress  # noqa: PLC0415 - lazy: trafilatura, 0.65 s
    from palimpsest.flows import crawl_sites as flow  # noqa: PLC0415 - lazy: Prefect, 1.5 s

    with crawl_progress(run.settings):
        state = flow(
            sites_file=str(sites_file), workers=workers, shards=shards, settings=run.settings, return_state=True
        )
    _print_run(_result(state))


def refresh(
    ctx: typer.Context,
    feed: Annotated[Path | None, typer.Option(help="Rewrite this Atom feed of changes after the run")] = None,
    workers: Annotated[int, typer.Option(help="Sites crawled at once (one shared rate limit)")] = 2,
    shards: Annotated[int, typer.Option(help=SHARDS_HELP)] = 1,
) -> None:
    """Crawl every tracked site for captures newer than the newest one held (what the daily schedule runs).

    With --shards N (N > 1) the tracked sites are split into N crawl-shard flow runs on the palimpsest pool's
    workers, as crawl-sites --shards does; the feed is written here once every shard has completed.

    Example: palimpsest refresh --feed changes.xml

    Example: PREFECT_API_URL=http://127.0.0.1:4200/api palimpsest refresh --shards 4
    """
    _check_counts(workers, shards)
    run = invocation(ctx)
    run.check_writable()
    prepare_prefect(verbose=run.verbose, idle=run.settings.prefect_idle)
    from palimpsest.cli.progress import crawl_progress  # noqa: PLC0415 - lazy: trafilatura, 0.65 s
    from palimpsest.flows import refresh_all  # noqa: PLC0415 - lazy: Prefect, 1.5 s

    with crawl_progress(run.settings):
        state = refresh_all(
            feed=str(feed) if feed else None, workers=workers, shards=shards, settings=run.settings, return_state=True
        )
    result = _result(state)
    _print_run(result)
    if result["failures"]:
        say("a site that keeps failing, or was tracked by mistake, stops being refreshed with: palimpsest forget SITE")
    if feed:
        say(f"wrote {feed} ({plural(result['feed_entries'], 'entry', 'entries')})")


def _check_counts(workers: int, shards: int) -> None:
    """Refuse a count that cannot work before anything starts; shards need the API the workers poll."""
    if workers < 1:
        raise BadInput("--workers must be at least 1")
    if shards < 1:
        raise BadInput("--shards must be at least 1")
    if shards > 1 and not os.environ.get("PREFECT_API_URL"):
        raise BadInput(
            f"--shards {shards} hands the sites to Prefect workers: set PREFECT_API_URL to the Prefect server they "
            "poll, with prefect.yaml deployed and workers started on the palimpsest pool (docs/scaling.md)"
        )


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
    for shard in result.get("shards", []):
        say(
            f"shard {shard['shard']} of {shard['of']}: {plural(len(shard['sites']), 'site')} on {shard['worker']} "
            f"(flow run {shard['flow_run']})"
        )
    requests = ", ".join(f"{count} {kind}" for kind, count in sorted(result["requests"].items()))
    say(f"archive requests: {requests or 'none'}; {result['waited']:.1f} s waiting on rate limits")
