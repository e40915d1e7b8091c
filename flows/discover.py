"""``discover_policy``: find a site's policy URL(s) on its archived homepage, and optionally crawl them."""

from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from palimpsest.flows.discovery import Discovery, discover
from palimpsest.flows.fleet import Meter
from palimpsest.flows.multi import NothingDone
from palimpsest.flows.notify import run_logger
from palimpsest.flows.policy import crawl_policy
from palimpsest.settings import Settings

find_policy_links = task(name="find_policy_links", cache_policy=NO_CACHE, retries=0, persist_result=False)(discover)


@flow(name="discover_policy", log_prints=False, retries=0)
def discover_policy(
    homepage: str, site: str | None = None, crawl: bool = False, settings: Settings | None = None
) -> dict:
    """Find the privacy policy link on the homepage's archived captures (one a year) and record its lineage.

    Args:
        homepage: the site's homepage URL as archived, e.g. ``https://www.example.com/``.
        site: the site name to file the policy under; defaults to the homepage's host without ``www.``.
        crawl: also crawl every policy URL found, each as its own ``crawl_policy`` run over the span it was linked
            (the first from the start, the last to now).
        settings: where the warehouse and raw captures are, and which archive to ask at what pace; by default the
            ``PALIMPSEST_*`` environment of the process running the flow (a deployment's worker).
    """
    settings = settings or Settings.from_env()
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
        result["crawl"] = _crawl_lineage(settings, found)
    return result


def crawl_spans(found: Discovery) -> list[dict]:
    """``crawl_policy`` parameters for each span of the lineage, one after the other.

    A span's crawl runs from when the homepage first linked it to when the next span began: the first from the
    start (the policy is usually older than the homepage's first capture), the last to now.
    """
    spans = found.lineage
    runs = []
    for number, span in enumerate(spans):
        later = spans[number + 1] if number + 1 < len(spans) else None
        runs.append(
            {
                "url": span.url,
                "site": found.site,
                "from_": f"{span.since:%Y%m%d%H%M%S}" if number else None,
                "to": f"{later.since:%Y%m%d%H%M%S}" if later else None,
            }
        )
    return runs


def _crawl_lineage(settings: Settings, found: Discovery) -> dict:
    """Each span as a nested ``crawl_policy`` run, in order (a later URL is often an earlier one's redirect target).

    One span failing is listed and the others go on; the run fails only when every span failed.
    """
    meter = Meter(settings)
    sites, failures = [], []
    for parameters in crawl_spans(found):
        state = crawl_policy(**parameters, settings=settings, return_state=True)
        if state.is_completed():
            sites.append(state.result())
        else:
            failures.append({"url": parameters["url"], "site": found.site, "error": state.message or state.name})
            run_logger().warning("%s: failed: %s", parameters["url"], failures[-1]["error"])
    run = meter.finish([])
    if failures and not sites:
        raise NothingDone(f"every crawl failed; first: {failures[0]['url']}: {failures[0]['error']}")
    return {"sites": sites, "failures": failures, "requests": run.requests, "waited": run.waited}
