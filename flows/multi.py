"""``crawl_sites`` and ``refresh_all``: many sites in one Prefect flow run, one failing never failing the rest."""

from __future__ import annotations

from prefect import flow

from palimpsest.errors import PalimpsestError
from palimpsest.flows.fleet import SITE_WORKERS, RunReport, crawl_many, refresh_entries
from palimpsest.flows.notify import announce, publish, run_logger
from palimpsest.flows.sites import read_sites
from palimpsest.flows.tasks import TASKS
from palimpsest.settings import Settings
from palimpsest.warehouse.feed import write_feed


class NothingDone(PalimpsestError):
    """Raised (failing the flow run) when every site of a multi-site run failed."""


@flow(name="crawl_sites", log_prints=False, retries=0)
def crawl_sites(sites_file: str, workers: int = SITE_WORKERS, settings: Settings | None = None) -> dict:
    """Backfill every policy listed in a sites file (CSV with a header row, or TOML ``[[site]]`` tables).

    Args:
        sites_file: path to the list; columns/keys ``url`` (required), ``site``, ``from``, ``to``, ``sample``.
        workers: sites crawled at once; all share the archive's one rate limit.
        settings: where the warehouse and raw captures are, and which archive to ask at what pace; by default the
            ``PALIMPSEST_*`` environment of the process running the flow (a deployment's worker).
    """
    settings = settings or Settings.from_env()
    run = crawl_many(settings, read_sites(sites_file), steps=TASKS, workers=workers, log_to=run_logger)
    return finish_run(settings, f"Crawl of the sites in {sites_file}", run, "palimpsest-crawl-sites")


@flow(name="refresh_all", log_prints=False, retries=0)
def refresh_all(feed: str | None = None, workers: int = SITE_WORKERS, settings: Settings | None = None) -> dict:
    """The scheduled incremental crawl: every tracked site, only captures newer than the newest one held.

    Args:
        feed: if given, the path of an Atom feed of changes to rewrite after the run.
        workers: sites crawled at once; all share the archive's one rate limit.
        settings: where the warehouse and raw captures are, and which archive to ask at what pace; by default the
            ``PALIMPSEST_*`` environment of the process running the flow (a deployment's worker).
    """
    settings = settings or Settings.from_env()
    entries = refresh_entries(settings)
    run = crawl_many(settings, entries, steps=TASKS, workers=workers, log_to=run_logger)
    result = finish_run(settings, "Refresh of every tracked site", run, "palimpsest-refresh-all")
    if feed:
        result["feed_entries"] = write_feed(settings, feed)
        run_logger().info("rewrote the feed %s (%d entries)", feed, result["feed_entries"])
    return result


def finish_run(settings: Settings, title: str, run: RunReport, key: str) -> dict:
    """Announce new versions, publish the artifact; fail the run only when every site failed."""
    for report in run.reports:
        announce(report.new_versions, settings.replay_url)
    publish(title, run, key)
    if run.results and len(run.failures) == len(run.results):
        hint = "; palimpsest forget SITE stops refreshing a site tracked by mistake" if "refresh" in key else ""
        raise NothingDone(f"every site failed; first: {run.failures[0].url}: {run.failures[0].error}{hint}")
    return {
        "sites": [report.as_dict() for report in run.reports],
        "failures": [{"url": f.url, "site": f.site, "error": f.error} for f in run.failures],
        "requests": run.requests,
        "waited": run.waited,
    }
