"""CDX search: every capture of one URL in a time range, paged, deduplicated and sorted."""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from palimpsest.errors import TerminalArchiveError, TransientArchiveError
from palimpsest.fetchers.captures import Capture
from palimpsest.fetchers.cdx import CdxStats, collapse, dedupe, parse_cdx
from palimpsest.fetchers.client import ArchiveClient
from palimpsest.timestamps import to_14

log = logging.getLogger(__name__)

#: Rows per CDX page. IA pages with resume keys; pywb ignores limit paging and answers everything at once.
PAGE_SIZE = 5000
#: Hard stop on paging, so a server that keeps handing out resume keys cannot loop forever.
MAX_PAGES = 10_000


@dataclass(frozen=True)
class SearchResult:
    captures: tuple[Capture, ...]
    stats: CdxStats
    dialect: str


def search_captures(
    client: ArchiveClient,
    url: str,
    *,
    from_: datetime | None = None,
    to: datetime | None = None,
    collapse_on: str | None = None,
    page_size: int = PAGE_SIZE,
) -> SearchResult:
    """Every capture of ``url`` (exact match) between ``from_`` and ``to``, oldest first.

    Both dialects get the same parameters. IA honours ``collapse`` and pages with ``showResumeKey``; pywb ignores
    both, so we collapse again client-side (harmless on IA's already-collapsed answer) and stop when no resume key
    comes back. pywb rows marked ``is_fuzzy`` (near matches it offers when it has nothing for the URL) are dropped:
    as of 2026-11 pywb falls back to them unless ``allowFuzzy=0``, which we also send once we know it is pywb.
    """
    stats = CdxStats()
    base: list[tuple[str, str]] = [
        ("url", url),
        ("matchType", "exact"),
        ("output", "json"),
        ("showResumeKey", "true"),
        ("limit", str(page_size)),
    ]
    if from_ is not None:
        base.append(("from", to_14(from_)))
    if to is not None:
        base.append(("to", to_14(to)))
    if collapse_on:
        base.append(("collapse", collapse_on))
    rows: list[Capture] = []
    resume: str | None = None
    dialect = "ia"
    for _ in range(MAX_PAGES):
        params = list(base)
        if dialect == "pywb":
            params.append(("allowFuzzy", "0"))
        if resume:
            params.append(("resumeKey", resume))
        answer = client.get_cdx(params)
        stats.requests += 1
        try:
            page = parse_cdx(answer.body.decode("utf-8", "replace"))
        except ValueError as err:
            raise TerminalArchiveError(f"{client.cdx_url}: {err}", url=url) from err
        dialect = page.dialect
        stats.rows += len(page.captures)
        stats.fuzzy += page.fuzzy
        for bad in page.malformed:
            log.warning("CDX for %s: skipped malformed line %d (%s): %s", url, bad.line, bad.reason, bad.text)
        stats.malformed.extend(page.malformed)
        rows.extend(page.captures)
        if not page.resume_key or page.resume_key == resume or not page.captures:
            break
        resume = page.resume_key
    else:
        log.warning("CDX for %s: stopped after %d pages", url, MAX_PAGES)
    unique = dedupe(sorted(rows, key=lambda c: (c.timestamp, c.original, c.digest)), stats)
    if collapse_on:
        unique = collapse(unique, collapse_on)
    in_range = [c for c in unique if _within(c, from_, to)]
    return SearchResult(tuple(in_range), stats, dialect)


def _within(capture: Capture, from_: datetime | None, to: datetime | None) -> bool:
    # pywb reads a short ``to`` differently from IA; filtering again keeps both dialects to the same range.
    if from_ is not None and capture.timestamp < from_:
        return False
    return not (to is not None and capture.timestamp > to)


#: Words of the paths where sites keep their policies, to rank near matches.
_POLICY_PATH = re.compile(r"privacy|policy|legal|datenschutz|confidentialit|privacidad|terms|cookie", re.IGNORECASE)
#: Rows of one host read to find near matches (a single CDX request).
NEAR_ROWS = 2000


def near_matches(client: ArchiveClient, url: str, *, limit: int = 5) -> list[str]:
    """URLs of ``url``'s host that the archive holds as pages, those most like ``url`` first: what to suggest when
    it holds nothing for ``url`` itself. One CDX request (a prefix query on the host)."""
    host = urlsplit(url).hostname
    if not host:
        return []
    params = [("url", f"{host}/"), ("matchType", "prefix"), ("output", "json"), ("limit", str(NEAR_ROWS))]
    params += [("filter", "statuscode:200"), ("collapse", "urlkey")]
    try:
        page = parse_cdx(client.get_cdx(params).body.decode("utf-8", "replace"))
    except (ValueError, TransientArchiveError, TerminalArchiveError):
        return []
    wanted = url.lower()
    seen = {c.original for c in page.captures if c.statuscode == 200 and "html" in (c.mimetype or "html")}
    ranked = sorted(
        seen - {url},
        key=lambda u: (
            -difflib.SequenceMatcher(None, wanted, u.lower()).ratio() - (0.5 if _POLICY_PATH.search(u) else 0.0),
            u,
        ),
    )
    return ranked[:limit]
