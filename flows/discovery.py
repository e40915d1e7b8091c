"""Finding a site's policy from its archived homepage, as plain calls.

1. find the homepage's captures in the CDX (one request);
2. keep one successful capture per year (the first of the year);
3. fetch each and score its links (:mod:`extractors.links`);
4. turn the best link per year into a lineage: each policy URL with the first and last year it was linked;
5. record the lineage in the warehouse (``policy_url``, source ``discovered``, via the homepage).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from extractors.links import policy_links
from fetchers import Capture, fetch_capture, search_captures
from flows.crawl import default_site
from flows.pipeline import client_for
from flows.sampling import period_of
from palimpsest.errors import ArchiveUnreachable, PalimpsestError
from palimpsest.settings import Settings
from warehouse import store, warehouse


@dataclass(frozen=True)
class Sighting:
    """What one yearly homepage capture linked to as its policy (``url`` None: nothing found, see ``note``)."""

    capture: Capture
    url: str | None
    text: str = ""
    note: str = ""


@dataclass(frozen=True)
class Lineage:
    """One policy URL and the span of homepage captures that linked to it."""

    url: str
    since: datetime
    until: datetime
    sightings: int


@dataclass
class Discovery:
    homepage: str
    site: str
    captures_found: int = 0
    sightings: list[Sighting] = field(default_factory=list)
    lineage: list[Lineage] = field(default_factory=list)


def yearly(captures: tuple[Capture, ...]) -> list[Capture]:
    """The first successful (or revisit) capture of each year, in time order."""
    chosen: dict[tuple[int, ...], Capture] = {}
    for capture in captures:
        if capture.statuscode not in (None, 200):
            continue
        chosen.setdefault(period_of(capture.timestamp, "yearly"), capture)
    return [chosen[key] for key in sorted(chosen)]


def discover(settings: Settings, homepage: str, site: str | None = None, *, from_: datetime | None = None) -> Discovery:
    """Find the policy link on the homepage's archived captures, one per year, and record the lineage."""
    client = client_for(settings)
    result = Discovery(homepage, site or default_site(homepage))
    # 1. find
    found = search_captures(client, homepage, from_=from_)
    result.captures_found = len(found.captures)
    # 2–3. one capture a year, fetched and read
    for capture in yearly(found.captures):
        result.sightings.append(_sight(client, capture))
    # 4. lineage
    result.lineage = lineage(result.sightings)
    # 5. record
    with warehouse(settings.db) as con:
        store.ensure_site(con, result.site)
        for span in result.lineage:
            store.record_policy_url(con, result.site, span.url, since=span.since, source="discovered", via=homepage)
    return result


def _sight(client: object, capture: Capture) -> Sighting:
    try:
        fetched = fetch_capture(client, capture)  # type: ignore[arg-type]
    except ArchiveUnreachable:
        raise  # going on would only pile up failures; a rerun resumes
    except PalimpsestError as err:  # this capture only: noted, and the other years still count
        return Sighting(capture, None, note=f"not fetched: {err}")
    if fetched.location or fetched.status != 200:
        return Sighting(capture, None, note=f"archived answer {fetched.status} {fetched.location or ''}".strip())
    links = policy_links(fetched.content, capture.original, fetched.header("Content-Type"))
    if not links:
        return Sighting(capture, None, note="no link that looks like a privacy policy")
    return Sighting(capture, links[0].url, links[0].text)


def lineage(sightings: list[Sighting]) -> list[Lineage]:
    """Consecutive sightings of one URL become one span; a URL that comes back later starts a new span."""
    spans: list[Lineage] = []
    for sighting in (s for s in sightings if s.url):
        when = sighting.capture.timestamp
        if spans and spans[-1].url == sighting.url:
            last = spans[-1]
            spans[-1] = Lineage(last.url, last.since, when, last.sightings + 1)
        else:
            spans.append(Lineage(sighting.url, when, when, 1))  # type: ignore[arg-type]
    return spans
