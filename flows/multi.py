"""``crawl_sites`` and ``refresh_all``: many sites in one Prefect flow run, one failing never failing the rest, in
this process or split into shards that ``crawl_shard`` flow runs crawl on the work pool's workers."""

from __future__ import annotations

import time

from prefect import flow

from palimpsest.errors import PalimpsestError
from palimpsest.flows.fanout import ShardsIncomplete, fan_out, publish_summary
from palimpsest.flows.fleet import SITE_WORKERS, RunReport, crawl_many, refresh_entries
from palimpsest.flows.notify import announce, publish, run_logger
from palimpsest.flows.shards import Shard, incomplete, merged
from palimpsest.flows.sites import SiteEntry, entries_from, read_sites
from palimpsest.flows.tasks import TASKS
from palimpsest.settings import Settings
from palimpsest.warehouse.feed import write_feed


class NothingDone(PalimpsestError):
    """Raised (failing the flow run) when every site of a multi-site run failed."""


@flow(name="crawl_sites", log_prints=False, retries=0)
def crawl_sites(
    sites_file: str, workers: int = SITE_WORKERS, shards: int = 1, settings: Settings | None = None
) -> dict:
    """Backfill every policy listed in a sites file (CSV with a header row, or TOML ``[[site]]`` tables).

    Args:
        sites_file: path to the list; columns/keys ``url`` (required), ``site``, ``from``, ``to``, ``sample``.
        workers: sites crawled at once (in each shard); all share the archive's one rate limit.
        shards: 1 crawls here; more splits the sites into that many ``crawl-shard`` flow runs on the ``palimpsest``
            work pool (every entry of a site in one shard), waits for them and sums them up.
        settings: where the warehouse and raw captures are, and which archive to ask at what pace; by default the
            ``PALIMPSEST_*`` environment of the process running the flow (a deployment's worker). Shards read
            their worker's environment.
    """
    settings = settings or Settings.from_env()
    title = f"Crawl of the sites in {sites_file}"
    return run_entries(settings, read_sites(sites_file), title, "palimpsest-crawl-sites", workers, shards)


@flow(name="refresh_all", log_prints=False, retries=0)
def refresh_all(
    feed: str | None = None, workers: int = SITE_WORKERS, shards: int = 1, settings: Settings | None = None
) -> dict:
    """The scheduled incremental crawl: every tracked site, only captures newer than the newest one held.

    Args:
        feed: if given, the path of an Atom feed of changes to rewrite after the run.
        workers: sites crawled at once (in each shard); all share the archive's one rate limit.
        shards: 1 crawls here; more splits the sites into that many ``crawl-shard`` flow runs on the ``palimpsest``
            work pool, waits for them and sums them up.
        settings: where the warehouse and raw captures are, and which archive to ask at what pace; by default the
            ``PALIMPSEST_*`` environment of the process running the flow (a deployment's worker). Shards read
            their worker's environment.
    """
    settings = settings or Settings.from_env()
    entries = refresh_entries(settings)
    result = run_entries(settings, entries, "Refresh of every tracked site", "palimpsest-refresh-all", workers, shards)
    if feed:
        result["feed_entries"] = write_feed(settings, feed)
        run_logger().info("rewrote the feed %s (%d entries)", feed, result["feed_entries"])
    return result


@flow(name="crawl_shard", log_prints=False, retries=0)
def crawl_shard(entries: list[dict], workers: int = SITE_WORKERS, settings: Settings | None = None) -> dict:
    """One shard of a sharded ``crawl_sites`` or ``refresh_all``: crawl these entries as ``crawl_sites`` crawls its
    list, announce new versions, and publish the shard's summary for the run that split the sites.

    Args:
        entries: the shard's sites, each with a sites file's fields: ``url`` (required), ``site``, ``from``,
            ``to``, ``sample``.
        workers: sites crawled at once; all share the archive's one rate limit.
        settings: by default the ``PALIMPSEST_*`` environment of the worker running the shard.
    """
    settings = settings or Settings.from_env()
    run = crawl_many(settings, entries_from(entries, "the shard"), steps=TASKS, workers=workers, log_to=run_logger)
    for report in run.reports:
        announce(report.new_versions, settings.replay_url)
    publish(f"Shard of {len(entries)} site(s)", run, None)
    return publish_summary(run, str(settings.db))


def run_entries(settings: Settings, entries: list[SiteEntry], title: str, key: str, workers: int, shards: int) -> dict:
    """Crawl the entries here (one shard, or nothing to split), or in shards on the work pool; then sum up."""
    if shards <= 1 or not entries:
        run = crawl_many(settings, entries, steps=TASKS, workers=workers, log_to=run_logger)
        for report in run.reports:
            announce(report.new_versions, settings.replay_url)
        return finish_run(title, run, key)
    started = time.monotonic()
    plan = fan_out(entries, shards, workers, run_logger())
    warehouses = sorted({shard.summary["warehouse"] for shard in plan if shard.completed and shard.summary})
    if len(warehouses) > 1:
        run_logger().warning(
            "the shards wrote different warehouses (%s): set one PALIMPSEST_DB on every worker", warehouses
        )
    return finish_run(f"{title}, in {len(plan)} shards", merged(plan, time.monotonic() - started), key, plan)


def finish_run(title: str, run: RunReport, key: str, plan: list[Shard] | None = None) -> dict:
    """Publish the artifact; fail the run when a shard did not complete, or when every site failed."""
    publish(title, run, key, plan)
    if plan and not all(shard.completed for shard in plan):
        raise ShardsIncomplete(incomplete(plan))
    if run.results and len(run.failures) == len(run.results):
        hint = "; palimpsest forget SITE stops refreshing a site tracked by mistake" if "refresh" in key else ""
        raise NothingDone(f"every site failed; first: {run.failures[0].url}: {run.failures[0].error}{hint}")
    result = {
        "sites": [report.as_dict() for report in run.reports],
        "failures": [{"url": f.url, "site": f.site, "error": f.error} for f in run.failures],
        "requests": run.requests,
        "waited": run.waited,
    }
    if plan:
        result["shards"] = [
            {"shard": s.number, "of": s.of, "flow_run": s.flow_run, "worker": s.worker, "sites": s.sites} for s in plan
        ]
    return result
