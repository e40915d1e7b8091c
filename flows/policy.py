"""``crawl_policy``: the history of one policy URL, as a Prefect flow."""

from __future__ import annotations

from prefect import flow

from palimpsest.flows.crawl import run_crawl
from palimpsest.flows.fleet import Meter, SiteResult
from palimpsest.flows.notify import announce, publish, run_logger
from palimpsest.flows.tasks import TASKS
from palimpsest.settings import Settings
from palimpsest.timestamps import window


@flow(name="crawl_policy", log_prints=False, retries=0)
def crawl_policy(
    url: str,
    site: str | None = None,
    from_: str | None = None,
    to: str | None = None,
    sample: str | None = None,
    settings: Settings | None = None,
) -> dict:
    """Backfill one policy URL's history: CDX → fetch each new digest → extract → store → versions.

    Args:
        url: the policy page's URL as archived, e.g. ``https://www.example.com/privacy``.
        site: the site name to file it under; defaults to the URL's host without ``www.``.
        from_: only captures at or after this time (``YYYY``…``YYYYMMDDhhmmss`` or ISO 8601, UTC).
        to: only captures at or before this time.
        sample: ``daily``, ``weekly``, ``monthly`` or ``yearly`` to fetch one capture per period and bisect.
        settings: where the warehouse and raw captures are, and which archive to ask at what pace; by default the
            ``PALIMPSEST_*`` environment of the process running the flow (a deployment's worker).
    """
    settings = settings or Settings.from_env()
    meter = Meter(settings)
    start, end = window(from_, to)
    report = run_crawl(
        settings,
        url,
        site=site,
        from_=start,
        to=end,
        sample=sample,
        steps=TASKS,
    )
    run_logger().info(
        "%s: %d captures, %d fetched, %d inferred, %d versions; outcomes %s",
        report.site,
        report.captures_found,
        report.fetched,
        report.inferred,
        report.versions,
        dict(report.outcomes),
    )
    announce(report.new_versions, settings.replay_url)
    publish(f"Crawl of {url}", meter.finish([SiteResult(url, report.site, report)]), "palimpsest-crawl-policy")
    return report.as_dict()
