"""One policy's crawl as numbered steps, runnable as plain calls or as Prefect tasks (same code path).

1. find the captures of the URL in the archive's CDX;
2. plan: settle what needs no fetch, pick one capture per digest (or redirect run) to fetch;
3. fetch each batch's raw bytes into the WARC store;
4. extract the policy text of each fetched body;
5. store payloads, texts and every capture's outcome;
6. follow archived redirects *inside the archive* (CDX of the target, from the redirect on), cutting loops;
7. rebuild the site's versions.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import NamedTuple
from urllib.parse import urlsplit

from flows import pipeline
from palimpsest.settings import Settings

log = logging.getLogger(__name__)

BATCH_SIZE = 50


class Steps(NamedTuple):
    find_captures: Callable
    plan_captures: Callable
    fetch_captures: Callable
    extract_texts: Callable
    store_results: Callable
    store_versions: Callable
    record_move: Callable


PLAIN = Steps(
    pipeline.find_captures,
    pipeline.plan_captures,
    pipeline.fetch_captures,
    pipeline.extract_texts,
    pipeline.store_results,
    pipeline.store_versions,
    pipeline.record_move,
)


@dataclass
class CrawlReport:
    site: str
    url: str
    urls: list[str] = field(default_factory=list)
    captures_found: int = 0
    fetched: int = 0
    outcomes: Counter = field(default_factory=Counter)
    versions: int = 0
    malformed_rows: int = 0
    cutoffs: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["outcomes"] = dict(self.outcomes)
        return data


def default_site(url: str) -> str:
    """A site's default name: the URL's host, lower-cased, without ``www.``."""
    host = (urlsplit(url if "://" in url else f"http://{url}").hostname or url).lower()
    return host.removeprefix("www.")


def same_page(url: str) -> str:
    """A URL's identity as CDX matches it: no scheme, no ``www.``, no default port, no trailing slash."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = f":{parts.port}" if parts.port and parts.port not in {80, 443} else ""
    path = parts.path.rstrip("/") or ""
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{port}{path}{query}"


def run_crawl(
    settings: Settings,
    url: str,
    *,
    site: str | None = None,
    from_: datetime | None = None,
    to: datetime | None = None,
    steps: Steps = PLAIN,
    batch_size: int = BATCH_SIZE,
) -> CrawlReport:
    site = site or default_site(url)
    report = CrawlReport(site=site, url=url)
    steps.record_move(settings, site, url, since=None, source="start", via=None)
    queue: list[tuple[str, datetime | None]] = [(url, from_)]
    visited: set[str] = set()
    while queue:
        current, start = queue.pop(0)
        visited.add(same_page(current))
        report.urls.append(current)
        # 1. find
        found = steps.find_captures(settings, current, start, to)
        report.captures_found += len(found.captures)
        report.malformed_rows += len(found.stats.malformed)
        # 2. plan, and store what needed no fetch
        plan = steps.plan_captures(settings, site, current, found.captures)
        summary = steps.store_results(settings, plan, [], [])
        _count(report, summary)
        # 3–5. fetch, extract, store, batch by batch
        for batch in _batches(plan.to_fetch, batch_size):
            fetched = steps.fetch_captures(settings, batch)
            extracted = steps.extract_texts(fetched)
            summary = steps.store_results(settings, replace(plan, decided=()), fetched, extracted)
            _count(report, summary)
        # 6. follow archived redirects inside the archive
        for moved_at, target in summary.moves:
            if same_page(target) in visited:
                if same_page(target) != same_page(current):
                    report.cutoffs.append(f"{current} → {target}: already crawled (redirect loop cut)")
                continue
            visited.add(same_page(target))
            steps.record_move(settings, site, target, since=moved_at, source="redirect", via=current)
            queue.append((target, max(moved_at, from_) if from_ else moved_at))
    # 7. versions
    report.versions = steps.store_versions(settings, site)
    return report


def _count(report: CrawlReport, summary: pipeline.StoreSummary) -> None:
    report.fetched += summary.fetched
    report.outcomes.update(summary.outcomes)


def _batches(items: Sequence, size: int) -> Iterator[tuple]:
    for start in range(0, len(items), size):
        yield tuple(items[start : start + size])
