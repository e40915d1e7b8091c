"""The crawl's steps as plain functions: find, plan, fetch, extract, store. Flows wrap them as Prefect tasks.

Each step takes and returns typed records, so the same sequence runs with or without Prefect (the
orchestration benchmark compares the two). Work is batched: a step handles many captures per call.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from extractors import Extracted, extract_policy
from extractors.html import EXTRACTOR
from extractors.quality import OK
from fetchers import ArchiveClient, Capture, Fetched, SearchResult, WarcRef, WarcStore, fetch_capture
from fetchers.search import search_captures
from fetchers.warcstore import WarcStoreError
from palimpsest.errors import (
    ExtractionError,
    PalimpsestError,
    TerminalArchiveError,
    TransientArchiveError,
    UnusableText,
)
from palimpsest.settings import Settings
from warehouse import store, warehouse
from warehouse.records import CaptureRow, ExtractionRow, PayloadRow, SectionRow, TextRow
from warehouse.versions import rebuild_versions

log = logging.getLogger(__name__)


# --- records passed between steps ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What to do with one URL's captures: rows already decided, leaders to fetch, and who shares their result."""

    site: str
    url: str
    originals: frozenset[str]
    decided: tuple[CaptureRow, ...]
    to_fetch: tuple[Capture, ...]
    followers: dict[tuple, tuple[Capture, ...]] = field(default_factory=dict)
    run_id: int = 0


@dataclass(frozen=True)
class FetchOutcome:
    capture: Capture
    fetched: Fetched | None = None
    ref: WarcRef | None = None
    error: str | None = None  # "error:<reason>" or "skipped:<reason>"
    detail: str | None = None


@dataclass(frozen=True)
class ExtractOutcome:
    capture: Capture
    text: TextRow | None = None
    extraction: ExtractionRow | None = None


@dataclass
class StoreSummary:
    """What one store step did; ``moves`` are every archived redirect of the URL: (first seen, target)."""

    rows: int = 0
    fetched: int = 0
    moves: list[tuple[datetime, str]] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))


# --- 1. find --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def client_for(settings: Settings) -> ArchiveClient:
    """One client per archive and rates in this process; every client shares the per-endpoint limiters."""
    return ArchiveClient.from_settings(settings)


def find_captures(settings: Settings, url: str, from_: datetime | None, to: datetime | None) -> SearchResult:
    return search_captures(client_for(settings), url, from_=from_, to=to)


# --- 2. plan --------------------------------------------------------------------------------------------------


def plan_captures(settings: Settings, site: str, url: str, captures: tuple[Capture, ...]) -> Plan:
    """Decide each new capture without fetching where we can; pick one leader to fetch per digest or redirect run."""
    with warehouse(settings.db) as con:
        store.ensure_site(con, site)
        settled = store.settled_captures(con, site, {c.original for c in captures})
        run_id = store.extraction_run(con, EXTRACTOR)
        fresh = [c for c in captures if c.key not in settled]
        known = store.extractions_for(con, run_id, [c.digest for c in fresh])
    decided: list[CaptureRow] = []
    leaders: dict[tuple, Capture] = {}
    followers: dict[tuple, list[Capture]] = defaultdict(list)
    run_leader: Capture | None = None
    for capture in fresh:
        if capture.is_redirect:
            if run_leader is None:
                # Bodiless redirects share one digest whatever their target, so we fetch one per run of
                # consecutive redirects, not one per digest; the rest of the run shares its target.
                run_leader = capture
                leaders[leader_key(capture)] = capture
            else:
                followers[leader_key(run_leader)].append(capture)
            continue
        run_leader = None
        if capture.is_not_found:
            decided.append(_row(site, capture, "not-found"))
        elif capture.statuscode is not None and not 200 <= capture.statuscode < 300:
            decided.append(_row(site, capture, f"skipped:status-{capture.statuscode}"))
        elif capture.digest in known:
            decided.append(_from_extraction(site, capture, known[capture.digest]))
        elif leader_key(capture) in leaders:
            followers[leader_key(capture)].append(capture)
        else:
            leaders[leader_key(capture)] = capture
    return Plan(
        site=site,
        url=url,
        originals=frozenset(c.original for c in captures) | {url},
        decided=tuple(decided),
        to_fetch=tuple(leaders.values()),
        followers={key: tuple(value) for key, value in followers.items()},
        run_id=run_id,
    )


def leader_key(capture: Capture) -> tuple:
    if capture.is_redirect:
        return ("redirect", capture.original, capture.timestamp)
    if capture.digest in {"", "-"}:
        return ("capture", capture.key)
    return ("digest", capture.digest)


# --- 3. fetch -------------------------------------------------------------------------------------------------


def fetch_captures(settings: Settings, captures: tuple[Capture, ...]) -> list[FetchOutcome]:
    """Fetch each capture's raw bytes and keep them in the WARC store. Failures become outcomes, never raise."""
    client = client_for(settings)
    warcs = WarcStore(settings.warc_dir)
    results = []
    for capture in captures:
        try:
            fetched = fetch_capture(client, capture)
        except TerminalArchiveError as err:
            results.append(FetchOutcome(capture, error=f"error:{err.reason}", detail=str(err)))
            continue
        except TransientArchiveError as err:
            results.append(FetchOutcome(capture, error=f"error:{err.reason}", detail=str(err)))
            continue
        if not fetched.digest_matches:
            detail = f"body SHA-1 {fetched.body_digest} does not match CDX digest {capture.digest}"
            if fetched.inexact:
                detail += f"; the archive served {fetched.memento:%Y%m%d%H%M%S} instead"
            results.append(FetchOutcome(capture, fetched, error="error:digest-mismatch", detail=detail))
            continue
        try:
            ref = warcs.write(fetched)
        except WarcStoreError as err:
            results.append(FetchOutcome(capture, error="error:warc-write", detail=str(err)))
            continue
        results.append(FetchOutcome(capture, fetched, ref))
    return results


# --- 4. extract -----------------------------------------------------------------------------------------------


def extract_texts(outcomes: list[FetchOutcome]) -> list[ExtractOutcome]:
    """Extract the policy text of every successfully fetched, non-redirect capture."""
    results = []
    for outcome in outcomes:
        fetched = outcome.fetched
        if outcome.error or fetched is None or fetched.location is not None or 300 <= fetched.status < 400:
            continue
        capture = outcome.capture
        if fetched.status >= 400:
            # The CDX row said 2xx (or revisit) but the archived answer is an error page.
            verdict = "not-found" if fetched.status in {404, 410} else f"skipped:status-{fetched.status}"
            row = ExtractionRow(capture.digest, None, "error", verdict)
            results.append(ExtractOutcome(capture, extraction=row))
            continue
        try:
            extracted = extract_policy(fetched.content, capture.original, dict(fetched.headers))
        except UnusableText as err:
            # Not the policy, but kept: the capture shows its quality class and the text stays inspectable.
            unusable = err.extracted
            row = ExtractionRow(capture.digest, unusable.text_sha256, err.reason)
            results.append(ExtractOutcome(capture, text_row(unusable), row))
            continue
        except ExtractionError as err:
            row = ExtractionRow(capture.digest, None, err.reason, f"skipped:{err.reason}")
            results.append(ExtractOutcome(capture, extraction=row))
            continue
        except PalimpsestError as err:  # pragma: no cover - defensive: extraction raised something unexpected
            row = ExtractionRow(capture.digest, None, "error", f"error:extraction: {err}")
            results.append(ExtractOutcome(capture, extraction=row))
            continue
        results.append(
            ExtractOutcome(capture, text_row(extracted), ExtractionRow(capture.digest, extracted.text_sha256, OK))
        )
    return results


def text_row(extracted: Extracted) -> TextRow:
    """The warehouse row of an extracted text: words, language, stated date, and sections when it is a policy."""
    sha = extracted.text_sha256
    sections = (
        tuple(SectionRow(sha, s.ord, s.path, s.heading, s.body, s.section_sha256) for s in extracted.sections)
        if extracted.quality == OK
        else ()
    )
    return TextRow(
        text_sha256=sha,
        text=extracted.text,
        words=extracted.words,
        language=extracted.language,
        extractor=extracted.extractor,
        stated_date=extracted.stated_date,
        sections=sections,
    )


# --- 5. store -------------------------------------------------------------------------------------------------


def store_results(
    settings: Settings, plan: Plan, fetched: list[FetchOutcome], extracted: list[ExtractOutcome]
) -> StoreSummary:
    """Write payloads, texts, extractions and every capture's outcome in one transaction."""
    summary = StoreSummary()
    by_capture = {e.capture.key: e for e in extracted}
    rows = list(plan.decided)
    payloads, texts, extractions = [], [], []
    for outcome in fetched:
        capture = outcome.capture
        group = (capture, *plan.followers.get(leader_key(capture), ()))
        page = outcome.fetched
        if page is not None and outcome.ref is not None:
            summary.fetched += 1
            payloads.append(_payload(capture, page, outcome.ref))
        if outcome.error or page is None:
            failure = outcome.error or "error:not-fetched"
            rows.extend(_row(plan.site, c, failure, detail=outcome.detail) for c in group)
            continue
        if page.location is not None or 300 <= page.status < 400:
            target = page.location
            rows.extend(_row(plan.site, c, "redirect", detail=target) for c in group)
            continue
        result = by_capture.get(capture.key)
        if result is None or result.extraction is None:
            continue
        extractions.append(result.extraction)
        if result.text is not None:
            texts.append(result.text)
        rows.extend(_from_extraction(plan.site, c, result.extraction) for c in group)
    with warehouse(settings.db) as con:
        con.execute("BEGIN TRANSACTION")
        store.save_payloads(con, payloads)
        store.save_texts(con, texts)
        # The first text stored under a hash is the one kept (save_texts), so its sections are the ones stored.
        first = {text.text_sha256: text for text in reversed(texts)}
        store.save_sections(con, [section for text in first.values() for section in text.sections])
        store.save_extractions(con, plan.run_id, extractions)
        summary.rows = store.save_captures(con, rows)
        con.execute("COMMIT")
        summary.moves = store.redirect_moves(con, plan.site, plan.originals)
    for row in rows:
        summary.outcomes[row.outcome.split(":", 1)[0] if row.outcome.startswith("error") else row.outcome] += 1
    return summary


def store_versions(settings: Settings, site: str) -> int:
    with warehouse(settings.db) as con:
        count = rebuild_versions(con, site)
        store.mark_crawled(con, site)
    return count


def record_move(
    settings: Settings, site: str, url: str, *, since: datetime | None, source: str, via: str | None
) -> None:
    with warehouse(settings.db) as con:
        store.ensure_site(con, site)
        store.record_policy_url(con, site, url, since=since, source=source, via=via)


# --- helpers --------------------------------------------------------------------------------------------------


def _row(site: str, capture: Capture, outcome: str, *, detail: str | None = None) -> CaptureRow:
    return CaptureRow(
        site=site,
        url=capture.original,
        ts=capture.timestamp,
        digest=capture.digest,
        status=capture.statuscode,
        mime=capture.mimetype,
        length=capture.length,
        outcome=outcome,
        detail=detail,
    )


def _from_extraction(site: str, capture: Capture, result: ExtractionRow) -> CaptureRow:
    return CaptureRow(
        site=site,
        url=capture.original,
        ts=capture.timestamp,
        digest=capture.digest,
        status=capture.statuscode,
        mime=capture.mimetype,
        length=capture.length,
        outcome=result.outcome,
        detail=None if result.usable else result.error,
        text_sha256=result.text_sha256,
        quality=result.quality,
        usable=result.usable,
    )


def _payload(capture: Capture, fetched: Fetched, ref: WarcRef) -> PayloadRow:
    return PayloadRow(
        url=capture.original,
        ts=capture.timestamp,
        digest=capture.digest,
        status=fetched.status,
        body_digest=fetched.body_digest,
        warc_file=ref.filename,
        warc_offset=ref.offset,
        warc_length=ref.length,
        location=fetched.location,
    )
