"""One policy's crawl as numbered steps, runnable as plain calls or as Prefect tasks (same code path).

1. find the captures of the URL in the archive's CDX;
2. plan: settle what needs no fetch, group the rest by digest (or redirect run), one fetch per group;
3. fetch each batch's raw bytes into the WARC store (all groups, or with ``sample``, one per period and then
   bisection between differing neighbours: :mod:`flows.sampling`);
4. extract the policy text of each fetched body;
5. store payloads, texts and every capture's outcome;
6. follow archived redirects *inside the archive* (CDX of the target, from the redirect on), cutting loops;
7. rebuild the site's versions.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import signal
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import NamedTuple
from urllib.parse import urlsplit

from palimpsest.errors import NoCaptures, TerminalArchiveError, TrackConflict
from palimpsest.flows import fetching, pipeline, progress, sampling
from palimpsest.settings import Settings
from palimpsest.warehouse import store, warehouse
from palimpsest.warehouse.changes import Change, changes
from palimpsest.warehouse.rows import CaptureRow

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
    fetching.fetch_captures,
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
    sample: str | None = None
    inferred: int = 0
    to_fetch: int = 0
    extracted: int = 0
    new_versions: list[Change] = field(default_factory=list)

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
    sample: str | None = None,
    steps: Steps = PLAIN,
    batch_size: int = BATCH_SIZE,
    on_progress: Callable[[CrawlReport], None] | None = None,
) -> CrawlReport:
    """Crawl one policy URL (and the URLs its archived redirects lead to) into the warehouse.

    Every batch is stored in its own transaction as soon as it is fetched, so a crawl killed at any point loses
    at most the batches in flight, and a rerun picks up from what is stored. ``sample`` (daily, weekly, monthly
    or yearly) fetches one capture per period and bisects between differing neighbours (:mod:`flows.sampling`).
    """
    sampling.check_period(sample)
    site = store.site_name(site) if site else default_site(url)
    with pipeline.site_claimed(settings, site):
        return _run_crawl(settings, url, site, from_, to, sample, steps, batch_size, on_progress)


def _run_crawl(
    settings: Settings,
    url: str,
    site: str,
    from_: datetime | None,
    to: datetime | None,
    sample: str | None,
    steps: Steps,
    batch_size: int,
    on_progress: Callable[[CrawlReport], None] | None,
) -> CrawlReport:
    report = CrawlReport(site=site, url=url, sample=sample)
    crawl = _Crawl(settings, steps, batch_size, report, on_progress)
    known = {change.key for change in site_changes(settings, site)}
    queue: list[tuple[str, datetime | None]] = [(url, from_)]
    visited: set[str] = set()
    while queue:
        current, start = queue.pop(0)
        visited.add(same_page(current))
        report.urls.append(current)
        # 1. find (a redirect target the archive will not list is noted, not fatal)
        try:
            found = steps.find_captures(settings, current, start, to)
        except TerminalArchiveError as err:
            if current == url:
                raise
            report.cutoffs.append(f"{current}: not followed, the archive's index refused it ({err})")
            continue
        if current == url:
            if not found.captures:
                _nothing_archived(settings, site, url, from_, to)
            check_one_track(settings, site, url, found.captures)
            steps.record_move(settings, site, url, since=None, source="start", via=None)
        report.captures_found += len(found.captures)
        report.malformed_rows += len(found.stats.malformed)
        # 2. plan, and store what needed no fetch
        plan = steps.plan_captures(settings, site, current, found.captures, sampled=sample is not None)
        summary = crawl.store(plan, [], [])
        # 3–5. fetch, extract, store, batch by batch (all groups, or sample and bisect)
        if sample is None:
            summary = crawl.fetch(plan, plan.groups) or summary
        else:
            summary = _sampled(crawl, plan, found.captures, sample) or summary
        # 6. follow archived redirects inside the archive
        for moved_at, target in summary.moves:
            if same_page(target) in visited:
                if same_page(target) != same_page(current):
                    report.cutoffs.append(f"{current} → {target}: already crawled (redirect loop cut)")
                continue
            visited.add(same_page(target))
            steps.record_move(settings, site, target, since=moved_at, source="redirect", via=current)
            queue.append((target, max(moved_at, from_) if from_ else moved_at))
    # 7. versions, and which of them are new to this crawl
    report.versions = steps.store_versions(settings, site)
    # Counted again now: storing a batch files every usable capture as same-text, and the rebuild just made the
    # first of each version a "version".
    report.outcomes = pipeline.stored_outcomes(settings, site, crawl.keys)
    report.new_versions = [change for change in site_changes(settings, site) if change.key not in known]
    return report


def _nothing_archived(settings: Settings, site: str, url: str, start: datetime | None, end: datetime | None) -> None:
    """A URL the site does not track yet and the archive holds nothing of is an error that tracks nothing (a
    tracked URL with nothing new since its last capture is a quiet crawl)."""
    with warehouse(settings.db, lock_timeout=settings.lock_timeout) as con:
        tracked = {same_page(known) for known, _ in store.lineage_links(con, site)}
    if same_page(url) in tracked:
        return
    period = ""
    if start or end:
        period = f" between {start:%Y-%m-%d} and " if start else " up to "
        period += f"{end:%Y-%m-%d}" if end else "now"
    raise NoCaptures(
        f"the archive holds no capture of {url}{period}; nothing is tracked",
        url=url,
        suggestions=pipeline.suggest_urls(settings, url),
    )


def check_one_track(settings: Settings, site: str, url: str, captures: Sequence) -> None:
    """Refuse to file ``url`` under ``site`` when another of the site's policy URLs, not linked to it by an
    archived redirect, holds policy captures in the same years: the history would flip between two documents and
    count every flip as a change. A URL that follows another in time (a move the archive did not record) is fine.
    """
    pages = [c.timestamp for c in captures if c.statuscode is not None and 200 <= c.statuscode < 300]
    if not pages:
        return
    first, last = min(pages), max(pages)
    with warehouse(settings.db, lock_timeout=settings.lock_timeout) as con:
        spans = store.url_spans(con, site)
        links = store.lineage_links(con, site)
    kin = _lineage(same_page(url), [(same_page(u), same_page(via) if via else None) for u, via in links])
    for other, since, until in spans:
        if same_page(other) in kin or until < first or last < since:
            continue
        raise TrackConflict(
            f"{site} already follows {other}, whose captures ({since:%Y-%m-%d} to {until:%Y-%m-%d}) overlap those "
            f"of {url} ({first:%Y-%m-%d} to {last:%Y-%m-%d}); a site follows one policy URL at a time. File it "
            f"under another site (--site), or crawl it --from {until:%Y-%m-%d} if it replaced {other}"
        )


def _lineage(start: str, links: list[tuple[str, str | None]]) -> set[str]:
    """Every URL joined to ``start`` by redirects, in either direction."""
    found, frontier = {start}, [start]
    while frontier:
        current = frontier.pop()
        for url, via in links:
            for a, b in ((url, via), (via, url)):
                if a == current and b and b not in found:
                    found.add(b)
                    frontier.append(b)
    return found


def site_changes(settings: Settings, site: str) -> list[Change]:
    """The site's versions with their change summaries (none for a site not crawled yet)."""
    with warehouse(settings.db, lock_timeout=settings.lock_timeout) as con:
        return changes(con, site)


def _sampled(crawl: _Crawl, plan: pipeline.Plan, captures: tuple, period: str) -> pipeline.StoreSummary | None:
    """Fetch the redirect runs and the samples, then bisect round by round; store what can be inferred."""
    known = {digest: row.text_sha256 if row.usable else None for digest, row in plan.known.items()}
    tried = {key for key in plan.settled - plan.inferred if key[2] not in known}
    bisection = sampling.Bisection(captures, period, known, tried)
    groups = [group for group in plan.groups if group[0].is_redirect]
    groups += bisection.groups(bisection.next_round())
    summary = None
    while groups:
        fetched, extracted = [], []
        summary = crawl.fetch(plan, tuple(groups), fetched, extracted) or summary
        for outcome in fetched:
            bisection.asked(outcome.group)
        for row in (result.extraction for result in extracted if result.extraction is not None):
            bisection.learn(row.digest, row.text_sha256 if row.usable else None)
        groups = bisection.groups(bisection.next_round())
    rows = tuple(_inferred_row(plan.site, item) for item in bisection.inferred())
    crawl.report.inferred += len(rows)
    return crawl.store(replace(plan, decided=rows), [], []) if rows else summary


def _inferred_row(site: str, item: sampling.Inference) -> CaptureRow:
    return pipeline.capture_row(
        site,
        item.capture,
        "same-text",
        detail=f"inferred: between {item.after.ts14} and {item.before.ts14}, which have this text",
        text_sha256=item.text_sha256,
        quality="ok",
        usable=True,
        provenance="inferred",
    )


class _Crawl:
    """Runs the fetch–extract–store steps for a crawl, fetching the next batch while the current one is stored."""

    def __init__(
        self,
        settings: Settings,
        steps: Steps,
        batch_size: int,
        report: CrawlReport,
        on_progress: Callable[[CrawlReport], None] | None,
    ) -> None:
        self.settings, self.steps, self.batch_size = settings, steps, batch_size
        self.report, self.on_progress = report, on_progress
        self.keys: set[tuple] = set()

    def store(self, plan: pipeline.Plan, fetched: list, extracted: list) -> pipeline.StoreSummary:
        summary = self.steps.store_results(self.settings, plan, fetched, extracted)
        self.report.fetched += summary.fetched
        self.report.outcomes.update(summary.outcomes)
        self.keys.update(summary.keys)
        if self.on_progress is not None:
            self.on_progress(self.report)
        progress.publish(self.report)
        return summary

    def fetch(
        self,
        plan: pipeline.Plan,
        groups: tuple[tuple, ...],
        fetched_out: list | None = None,
        extracted_out: list | None = None,
    ) -> pipeline.StoreSummary | None:
        """Fetch, extract and store ``groups`` batch by batch; the last store's summary, or None if none.

        Ctrl-C stops at once: the groups not yet asked for are dropped, and what was fetched but not stored is
        kept (its raw bytes, and its captures as ``error:interrupted``, which the next crawl reads back from the
        raw store rather than fetch again). Each store runs to its end first, so no batch is half written.
        """
        batches = list(_batches(groups, self.batch_size))
        self.report.to_fetch += len(groups)
        summary = None
        stop = threading.Event()
        pending = self._submit(plan, batches[0], stop) if batches else None
        fetched: list | None = None
        try:
            for index in range(len(batches)):
                fetched, pending = pending.result(), None  # type: ignore[union-attr]
                if index + 1 < len(batches):
                    pending = self._submit(plan, batches[index + 1], stop)
                extracted = self.steps.extract_texts(fetched)
                self.report.extracted += len(extracted)
                with _interrupts_deferred():
                    summary = self.store(replace(plan, decided=()), fetched, extracted)
                    stored, fetched = fetched, None
                if fetched_out is not None and extracted_out is not None:
                    fetched_out.extend(stored)
                    extracted_out.extend(extracted)
        except KeyboardInterrupt:
            stop.set()
            with _interrupts_deferred():
                self._keep_fetched(plan, fetched, pending)
            raise
        return summary

    def _keep_fetched(self, plan: pipeline.Plan, fetched: list | None, pending: Future | None) -> None:
        """On an interrupt: store what was fetched and not stored, the batch in hand and what the batch being
        fetched has brought back so far, unextracted (extraction would hold the exit up for seconds)."""
        kept = list(fetched or [])
        if pending is not None:
            # A failed fetch (the archive gone) brings nothing to keep; a slow one is not waited for.
            with contextlib.suppress(Exception, KeyboardInterrupt):
                more = pending.result(timeout=STOP_WAIT)
                if more is not fetched:  # not the batch in hand, taken from the future as the interrupt came
                    kept.extend(more)
        if kept:
            self.report.fetched += self.steps.store_results(
                self.settings, replace(plan, decided=()), kept, [], interrupted=True
            ).fetched

    def _submit(self, plan: pipeline.Plan, batch: tuple, stop: threading.Event) -> Future:
        """Fetch ``batch`` on a daemon thread (an interrupted crawl does not wait for it). The copied context
        carries a Prefect flow run (when there is one) into the thread."""
        stored = {c.key: plan.stored[c.key] for group in batch for c in group if c.key in plan.stored}
        future: Future = Future()
        context = contextvars.copy_context()

        def run() -> None:
            try:
                future.set_result(context.run(self.steps.fetch_captures, self.settings, batch, stored, stop))
            except BaseException as err:  # handed to the crawl's thread through the future
                future.set_exception(err)

        threading.Thread(target=run, name="prefetch", daemon=True).start()
        return future


#: How long an interrupted crawl waits for the batch being fetched to hand over what it has (seconds).
STOP_WAIT = 1.0


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold a Ctrl-C until the block ends, so that a store is never cut in the middle; then raise it. Only the
    main thread receives signals, so elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: caught.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def _batches(items: Sequence, size: int) -> Iterator[tuple]:
    for start in range(0, len(items), size):
        yield tuple(items[start : start + size])
