"""``discover_policy``: find a site's policy URL(s) on its archived homepage, and optionally crawl them."""

from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.discovery import discover
from flows.fleet import crawl_many
from flows.multi import finish_run
from flows.notify import run_logger
from flows.sites import SiteEntry
from flows.tasks import TASKS
from palimpsest.settings import Settings

find_policy_links = task(name="find_policy_links", cache_policy=NO_CACHE, retries=0, persist_result=False)(discover)


@flow(name="discover_policy", log_prints=False, retries=0)
def discover_policy(homepage: str, site: str | None = None, crawl: bool = False) -> dict:
    """Find the privacy policy link on the homepage's archived captures (one a year) and record its lineage.

    Args:
        homepage: the site's homepage URL as archived, e.g. ``https://www.example.com/``.
        site: the site name to file the policy under; defaults to the homepage's host without ``www.``.
        crawl: also crawl every policy URL found (the first from the start, later ones from when first linked).
    """
    settings = Settings.from_env()
    found = find_policy_links(settings, homepage, site)
    logger = run_logger()
    for span in found.lineage:
        logger.info("%s: %s linked from %s to %s", found.site, span.url, f"{span.since:%Y}", f"{span.until:%Y}")
    result = {
        "site": found.site,
        "homepage": homepage,
        "captures_found": found.captures_found,
        "lineage": [
            {"url": s.url, "since": s.since.isoformat(), "until": s.until.isoformat(), "sightings": s.sightings}
            for s in found.lineage
        ],
        "notes": [f"{s.capture.ts14}: {s.note}" for s in found.sightings if s.note],
    }
    if crawl and found.lineage:
        first: dict[str, str | None] = {}
        for span in found.lineage:
            first.setdefault(span.url, f"{span.since:%Y%m%d%H%M%S}" if first else None)
        entries = [SiteEntry(url, found.site, since) for url, since in first.items()]
        # One after the other: a later URL is often the target of an earlier one's redirect.
        run = crawl_many(settings, entries, steps=TASKS, workers=1, log_to=run_logger)
        result["crawl"] = finish_run(settings, f"Crawl of the policy of {found.site}", run, "palimpsest-discover")
    return result
