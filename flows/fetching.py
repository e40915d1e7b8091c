"""The crawl's fetch step: the archive client of a crawl's settings, and each group of identical captures fetched
once into the raw store (``flows.pipeline`` holds the other steps; the flows run them in order).

Groups are fetched by a few threads at once; an interrupted crawl's raw bytes are read back instead of fetched
again; a stop request leaves the groups not yet started for the next crawl.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import lru_cache, partial
from pathlib import Path

from palimpsest.errors import BadInput
from palimpsest.fetchers import ArchiveClient, Capture, Fetched, WarcRef, WarcStore
from palimpsest.fetchers.groups import fetch_group
from palimpsest.fetchers.warcstore import WarcStoreError
from palimpsest.flows.outcomes import FetchOutcome
from palimpsest.settings import Settings

log = logging.getLogger(__name__)

#: Replay requests in flight at once; the limiter spaces them all the same.
FETCH_WORKERS = 4


@lru_cache(maxsize=8)
def client_for(settings: Settings) -> ArchiveClient:
    """One client per archive and rates in this process; every client shares the per-endpoint limiters."""
    return ArchiveClient.from_settings(settings, rate_limit=prefect_rate_limit)


def prefect_rate_limit(name: str) -> None:
    """Take a slot of Prefect's global concurrency limit ``name``, which hosts behind one address share
    (``PALIMPSEST_SHARED_LIMIT``; ``fetchers/limiter.py`` says how to create it)."""
    from prefect.concurrency.asyncio import ConcurrencySlotAcquisitionError  # noqa: PLC0415 - lazy: prefect, 1.3 s
    from prefect.concurrency.sync import rate_limit  # noqa: PLC0415 - lazy: prefect, 1.3 s

    try:
        rate_limit(name, strict=True)
    except ConcurrencySlotAcquisitionError as err:
        raise BadInput(
            f"PALIMPSEST_SHARED_LIMIT: no slot of Prefect's limit {name!r} ({err}); it must exist with slot decay: "
            f"prefect gcl create {name} --limit 1 --slot-decay-per-second <requests a second>"
        ) from err


def fetch_captures(
    settings: Settings,
    groups: tuple[tuple[Capture, ...], ...],
    stored: dict[tuple, tuple] | None = None,
    stop: threading.Event | None = None,
) -> list[FetchOutcome]:
    """Fetch one member of each group and keep the bytes in the WARC store. Failures become outcomes.

    Groups are fetched by a few threads at once (the limiter still spaces every request), so that an archive
    that takes a second to answer, as IA often does, can still be asked at the configured rate. A group with a
    member in ``stored`` (raw bytes kept by a crawl interrupted before it extracted them: capture key to status,
    location and WARC ref) is read back from the store instead. Once ``stop`` is set, the groups not started
    are left for the next crawl and what has come back is returned at once; the fetches in flight are dropped.
    """
    outcomes, groups = _read_back(settings, groups, stored or {})
    client = client_for(settings)
    results = _fetch_until(partial(fetch_group, client), groups, stop or threading.Event())
    warcs = warc_store_for(settings.warc_dir)
    for result in results:
        for stray in result.strays:
            try:
                outcomes.append(FetchOutcome(stray.served, stray, warcs.write(stray)))
            except WarcStoreError as err:
                log.warning("could not keep the bytes of %s: %s", stray.served.original, err)
        first = result.group[0]
        if result.fetched is None:
            outcomes.append(FetchOutcome(first, error=result.error, detail=result.detail, group=result.group))
            continue
        try:
            ref = warcs.write(result.fetched)
        except WarcStoreError as err:
            outcomes.append(FetchOutcome(first, error="error:warc-write", detail=str(err), group=result.group))
            continue
        outcomes.append(FetchOutcome(result.fetched.served, result.fetched, ref, group=result.group))
    return outcomes


def _read_back(
    settings: Settings, groups: tuple[tuple[Capture, ...], ...], stored: dict[tuple, tuple]
) -> tuple[list[FetchOutcome], tuple[tuple[Capture, ...], ...]]:
    """The groups whose bytes the raw store holds, read back as outcomes; and the groups left to fetch."""
    if not stored:
        return [], groups
    warcs = warc_store_for(settings.warc_dir)
    outcomes, rest = [], []
    for group in groups:
        member = next((c for c in group if c.key in stored), None)
        if member is None:
            rest.append(group)
            continue
        status, location, *where = stored[member.key]
        ref = WarcRef(*where)
        try:
            kept = warcs.read(ref)
        except WarcStoreError:
            rest.append(group)  # lost since: fetch it again
            continue
        page = Fetched(member, status, kept.headers, kept.body, member.timestamp, location, served_url=member.original)
        outcomes.append(FetchOutcome(member, page, ref, group=group, reused=True))
    return outcomes, tuple(rest)


def _fetch_until(work: Callable, groups: tuple, stop: threading.Event) -> list:
    """``work(group)`` for each group on up to FETCH_WORKERS threads, results in the groups' order; once ``stop``
    is set, only the results already in. The threads are daemons: one still waiting on the archive when the
    crawl is interrupted neither delays the exit nor decides anything."""
    queue = list(enumerate(groups))
    results: dict[int, object] = {}
    failures: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        while not stop.is_set() and not failures:
            with lock:
                if not queue:
                    return
                index, group = queue.pop(0)
            try:
                result = work(group)
            except BaseException as err:  # handed to the caller's thread, raised there
                failures.append(err)
                return
            with lock:
                results[index] = result

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, min(FETCH_WORKERS, len(groups))))]
    for thread in threads:
        thread.start()
    while not stop.is_set() and (alive := [thread for thread in threads if thread.is_alive()]):
        alive[0].join(0.1)
    if failures:
        raise failures[0]
    with lock:
        return [results[index] for index in sorted(results)]


@lru_cache(maxsize=8)
def warc_store_for(directory: Path) -> WarcStore:
    """One raw store per directory in this process, so a crawl appends to one file rather than one per batch."""
    return WarcStore(directory)
