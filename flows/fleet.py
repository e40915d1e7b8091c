"""Many sites in one run, as plain calls: bounded concurrency, one shared archive limiter, failures per site.

Every site's crawl goes through the same process-wide client (:func:`flows.fetching.client_for`), so however
many sites run at once, the archive sees one rate. A site that fails is recorded with its reason and the
others go on; the caller decides whether a run in which *nothing* could be done is a failure.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from palimpsest.errors import PalimpsestError
from palimpsest.flows.crawl import PLAIN, CrawlReport, Steps, run_crawl
from palimpsest.flows.fetching import client_for
from palimpsest.flows.sites import SiteEntry
from palimpsest.settings import Settings
from palimpsest.timestamps import parse_timestamp
from palimpsest.warehouse import warehouse
from palimpsest.warehouse.changes import tracked_sites

log = logging.getLogger(__name__)

#: Sites crawled at once. More would only queue on the shared limiter; two overlap one site's CDX wait with
#: another's fetching and extraction.
SITE_WORKERS = 2


@dataclass
class SiteResult:
    url: str
    site: str | None
    report: CrawlReport | None = None
    error: str | None = None


@dataclass
class RunReport:
    """What a multi-site run did: each site's report or failure, the requests made and the time spent waiting."""

    results: list[SiteResult] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    waited: float = 0.0
    seconds: float = 0.0

    @property
    def failures(self) -> list[SiteResult]:
        return [result for result in self.results if result.error is not None]

    @property
    def reports(self) -> list[CrawlReport]:
        return [result.report for result in self.results if result.report is not None]


class Meter:
    """Archive requests made and time spent waiting on rate limits, from now until :meth:`finish`."""

    def __init__(self, settings: Settings) -> None:
        self.client = client_for(settings)
        self.requests, self.waited = dict(self.client.stats.requests), self.client.waited
        self.started = time.monotonic()

    def finish(self, results: list[SiteResult]) -> RunReport:
        requests = {kind: count - self.requests.get(kind, 0) for kind, count in self.client.stats.requests.items()}
        return RunReport(results, requests, self.client.waited - self.waited, time.monotonic() - self.started)


def crawl_many(
    settings: Settings,
    entries: list[SiteEntry],
    *,
    steps: Steps = PLAIN,
    workers: int = SITE_WORKERS,
    log_to: Callable[[], logging.Logger | logging.LoggerAdapter] = lambda: log,
) -> RunReport:
    """Crawl every entry, ``workers`` at a time; a site that raises is recorded, never stops the others."""
    meter = Meter(settings)
    steps = serialised(steps) if workers > 1 else steps

    def one(entry: SiteEntry) -> SiteResult:
        result = SiteResult(entry.url, entry.site)
        try:
            result.report = run_crawl(
                settings,
                entry.url,
                site=entry.site,
                from_=parse_timestamp(entry.from_) if entry.from_ else None,
                to=parse_timestamp(entry.to, end=True) if entry.to else None,
                sample=entry.sample,
                steps=steps,
            )
            result.site = result.report.site
        except PalimpsestError as err:
            result.error = str(err)
        except Exception as err:  # one site's unexpected failure must not end the others
            result.error = f"{type(err).__name__}: {err}"
        if result.error:
            log_to().warning("%s: failed: %s", entry.url, result.error)
        return result

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(entries))), thread_name_prefix="site") as pool:
        # Each site gets its own copy of the caller's context, which carries a Prefect flow run when there is one.
        futures = [pool.submit(contextvars.copy_context().run, one, entry) for entry in entries]
        results = [future.result() for future in futures]
    return meter.finish(results)


def serialised(steps: Steps) -> Steps:
    """The same steps, with the ones that write to the warehouse taking turns.

    As of 2026-11 (DuckDB 1.5.5), two connections of one process writing at once fail with "write-write
    conflict" when they touch the same rows or catalog entries (a shared extraction run, the first migration,
    a text two sites share), and nothing retries them. Writes are milliseconds next to an archive request, so
    taking turns costs nothing worth measuring; fetching and extraction still overlap.
    """
    lock = threading.Lock()

    def turn(step: Callable) -> Callable:
        @functools.wraps(step)
        def guarded(*args: object, **kwargs: object) -> object:
            with lock:
                return step(*args, **kwargs)

        return guarded

    writers = {"plan_captures", "store_results", "store_versions", "record_move"}
    return Steps(*(turn(step) if name in writers else step for name, step in zip(Steps._fields, steps, strict=True)))


def refresh_entries(settings: Settings) -> list[SiteEntry]:
    """One entry per tracked site: its current policy URL, from just after the newest capture we hold."""
    with warehouse(settings.db, lock_timeout=settings.lock_timeout) as con:
        tracked = tracked_sites(con)
    entries = []
    for site in tracked:
        after = site.last_seen + timedelta(seconds=1) if site.last_seen else None
        entries.append(SiteEntry(site.url, site.site, after.strftime("%Y%m%d%H%M%S") if after else None))
    return entries
