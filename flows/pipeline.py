"""The crawl's steps as plain functions: find, plan, extract, store (fetch is ``flows.fetching``). Flows wrap them
as Prefect tasks.

Each step takes and returns typed records, so the same sequence runs with or without Prefect (the
orchestration benchmark compares the two). Work is batched: a step handles many captures per call.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from palimpsest.errors import ExtractionError, PalimpsestError, UnusableText
from palimpsest.extractors import Extracted, extract_policy
from palimpsest.extractors.html import EXTRACTOR
from palimpsest.extractors.quality import OK
from palimpsest.fetchers import Capture, Fetched, SearchResult, WarcRef
from palimpsest.fetchers.search import near_matches, search_captures
from palimpsest.flows import fetching
from palimpsest.flows.outcomes import ExtractOutcome, FetchOutcome, Plan, StoreSummary
from palimpsest.settings import Settings
from palimpsest.warehouse import claims, store, warehouse
from palimpsest.warehouse.lake import transaction
from palimpsest.warehouse.rows import CaptureRow, ExtractionRow, PayloadRow, SectionRow, TextRow
from palimpsest.warehouse.versions import rebuild_versions

log = logging.getLogger(__name__)

# --- 1. find --------------------------------------------------------------------------------------------------


def find_captures(settings: Settings, url: str, from_: datetime | None, to: datetime | None) -> SearchResult:
    return search_captures(fetching.client_for(settings), url, from_=from_, to=to)


def suggest_urls(settings: Settings, url: str) -> list[str]:
    """Pages of ``url``'s host that the archive holds, the likeliest first (for a URL it holds nothing of)."""
    return near_matches(fetching.client_for(settings), url)


# --- 2. plan --------------------------------------------------------------------------------------------------


def plan_captures(
    settings: Settings, site: str, url: str, captures: tuple[Capture, ...], *, sampled: bool = False
) -> Plan:
    """Decide each new capture without fetching where we can; group the rest, one fetch per group.

    A sampled crawl keeps the captures it inferred as settled; a full crawl fetches them, to know for sure.
    """
    urls = {c.original for c in captures}
    with warehouse(settings.db, lock_timeout=settings.lock_timeout) as con:

        def open_site() -> int:  # one transaction: on a lake, two processes making the first run take turns
            store.ensure_site(con, site)
            return store.extraction_run(con, EXTRACTOR)

        run_id = transaction(con, open_site)
        settled = store.settled_captures(con, site, urls, include_inferred=sampled)
        inferred = store.inferred_captures(con, site, urls) if sampled else set()
        known = store.extractions_for(con, run_id, [c.digest for c in captures])
        waiting = [c.key for c in captures if c.key not in settled and c.digest not in known]
        stored = store.stored_payloads(con, waiting)
    decided: list[CaptureRow] = []
    groups: dict[tuple, list[Capture]] = {}
    run: list[Capture] | None = None
    for capture in (c for c in captures if c.key not in settled):
        if capture.is_redirect:
            # Bodiless redirects share one digest whatever their target, so we fetch one per run of
            # consecutive redirects, not one per digest; the rest of the run shares its target.
            if run is None:
                run = groups[("redirect", capture.key)] = []
            run.append(capture)
            continue
        run = None
        if capture.is_not_found:
            decided.append(_row(site, capture, "not-found"))
        elif capture.statuscode is not None and not 200 <= capture.statuscode < 300:
            decided.append(_row(site, capture, f"skipped:status-{capture.statuscode}"))
        elif capture.digest in known:
            decided.append(_from_extraction(site, capture, known[capture.digest]))
        else:
            groups.setdefault(group_key(capture), []).append(capture)
    return Plan(
        site=site,
        url=url,
        originals=frozenset(urls) | {url},
        decided=tuple(decided),
        groups=tuple(tuple(members) for members in groups.values()),
        run_id=run_id,
        known=known,
        settled=frozenset(settled),
        inferred=frozenset(inferred),
        stored=stored,
    )


def group_key(capture: Capture) -> tuple:
    """Captures with one key hold the same bytes: the digest, unless the archive gave none."""
    if capture.digest in {"", "-"}:
        return ("capture", capture.key)
    return ("digest", capture.digest)


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
            ExtractOutcome(
                capture,
                text_row(extracted),
                ExtractionRow(capture.digest, extracted.text_sha256, OK, others=extracted.others),
            )
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
    settings: Settings,
    plan: Plan,
    fetched: list[FetchOutcome],
    extracted: list[ExtractOutcome],
    *,
    interrupted: bool = False,
) -> StoreSummary:
    """Write payloads, texts, extractions and every capture's outcome in one transaction. ``interrupted``: the
    crawl stops, and fetched captures not extracted are kept as ``error:interrupted`` with their raw bytes, which
    the next crawl reads back instead of fetching."""
    summary = StoreSummary()
    by_capture = {e.capture.key: e for e in extracted}
    rows = list(plan.decided)
    payloads, texts, extractions = [], [], []
    for outcome in fetched:
        capture, group, page = outcome.capture, outcome.group, outcome.fetched
        if page is not None and outcome.ref is not None and not outcome.reused:
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
            unextracted = "error:interrupted" if interrupted else "error:not-extracted"
            rows.extend(_row(plan.site, c, unextracted) for c in group)
            continue
        extractions.append(result.extraction)
        if result.text is not None:
            texts.append(result.text)
        rows.extend(_from_extraction(plan.site, c, result.extraction) for c in group)
    with warehouse(settings.db, lock_timeout=settings.lock_timeout) as con:

        def write() -> int:  # one transaction; on a lake, run again whole if another writer came first
            store.save_payloads(con, payloads)
            store.save_texts(con, texts)
            # The first text stored under a hash is the one kept (save_texts), so its sections are the ones stored.
            first = {text.text_sha256: text for text in reversed(texts)}
            store.save_sections(con, [section for text in first.values() for section in text.sections])
            store.save_extractions(con, plan.run_id, extractions)
            claims.renew(con, plan.site)
            return store.save_captures(con, rows, archive=(settings.cdx_url, settings.replay_url))

        summary.rows = transaction(con, write)
        summary.moves = store.redirect_moves(con, plan.site, plan.originals)
    for row in rows:
        summary.outcomes[outcome_kind(row.outcome)] += 1
    summary.keys = [(row.url, row.ts, row.digest) for row in rows]
    return summary


def outcome_kind(outcome: str) -> str:
    """An outcome as a crawl's summary counts it: every ``error:…`` is one kind."""
    return outcome.split(":", 1)[0] if outcome.startswith("error") else outcome


def stored_outcomes(settings: Settings, site: str, keys: Iterable[tuple[str, datetime, str]]) -> Counter:
    """The outcomes the warehouse holds now for ``site``'s captures ``keys`` names (after versions are rebuilt,
    the first capture of each version is a ``version``, the rest ``same-text``)."""
    # Opened as every other step opens it, not read-only: as of duckdb 1.5.5 a read-only connection to a file that
    # another thread of this process holds open for writing fails ("Can't open a connection to same database file
    # with a different configuration"), which failed 6 of 8 sites crawled two at a time (2026-12).
    with warehouse(settings.db, lock_timeout=settings.lock_timeout) as con:
        rows = store.capture_outcomes(con, site, keys)
    counted: Counter = Counter()
    for outcome, count in rows:
        counted[outcome_kind(outcome)] += count
    return counted


@contextmanager
def site_claimed(settings: Settings, site: str) -> Iterator[None]:
    """Hold ``site`` for this crawl: another process crawling it now makes this one fail with SiteBusy before
    anything is written (``warehouse.claims``)."""
    with warehouse(settings.db, lock_timeout=settings.lock_timeout) as con:
        claims.claim(con, site)
    try:
        yield
    finally:
        with warehouse(settings.db, lock_timeout=settings.lock_timeout) as con:
            claims.release(con, site)


def store_versions(settings: Settings, site: str) -> int:
    with warehouse(settings.db, lock_timeout=settings.lock_timeout) as con:
        count = rebuild_versions(con, site)
        store.mark_crawled(con, site)
    return count


def record_move(
    settings: Settings, site: str, url: str, *, since: datetime | None, source: str, via: str | None
) -> None:
    with warehouse(settings.db, lock_timeout=settings.lock_timeout) as con:

        def record() -> None:
            store.ensure_site(con, site)
            store.record_policy_url(con, site, url, since=since, source=source, via=via)

        transaction(con, record)


# --- helpers --------------------------------------------------------------------------------------------------


def capture_row(site: str, capture: Capture, outcome: str, **fields: object) -> CaptureRow:
    """The row for one capture with its CDX fields, its outcome and any other column in ``fields``."""
    return CaptureRow(
        site=site,
        url=capture.original,
        ts=capture.timestamp,
        digest=capture.digest,
        status=capture.statuscode,
        mime=capture.mimetype,
        length=capture.length,
        outcome=outcome,
        **fields,  # type: ignore[arg-type]
    )


def _row(site: str, capture: Capture, outcome: str, *, detail: str | None = None) -> CaptureRow:
    return capture_row(site, capture, outcome, detail=detail)


def _from_extraction(site: str, capture: Capture, result: ExtractionRow) -> CaptureRow:
    return capture_row(
        site,
        capture,
        result.outcome,
        detail=None if result.usable else result.error,
        text_sha256=result.text_sha256,
        quality=result.quality,
        usable=result.usable,
        others=result.others,
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
