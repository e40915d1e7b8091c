"""Finding a site's policy from its archived homepage, as plain calls.

1. find the homepage's captures in the CDX (one request);
2. keep one capture per year (the first successful one; an archived redirect when the year has nothing else);
3. fetch each, following archived redirects *inside the archive* (http → https, to ``www.``, to a landing page:
   the target's own captures from the redirect on, never the live web), and score its links
   (:mod:`extractors.links`);
4. turn the best link per year into a lineage: each policy URL with the first and last year it was linked;
5. record the lineage in the warehouse (``policy_url``, source ``discovered``, via the homepage).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from palimpsest.errors import ArchiveUnreachable, NoCaptures, PalimpsestError
from palimpsest.extractors.links import policy_links
from palimpsest.fetchers import ArchiveClient, Capture, Fetched, fetch_capture, search_captures
from palimpsest.flows.crawl import default_site
from palimpsest.flows.fetching import client_for
from palimpsest.flows.pipeline import suggest_urls
from palimpsest.flows.sampling import period_of
from palimpsest.settings import Settings
from palimpsest.warehouse import store, warehouse

#: Archived redirects followed from one homepage capture before giving up on it (the crawl cuts loops the same way).
MAX_REDIRECTS = 3
#: How long after an archived redirect its target's capture may be and still stand for that year's homepage.
TARGET_WINDOW = timedelta(days=366)


@dataclass(frozen=True)
class Sighting:
    """What one yearly homepage capture linked to as its policy (``url`` None: nothing found, see ``note``).

    ``capture`` is the page the link was read on: the redirect's target when the year's capture was an archived
    redirect (``note`` then names the redirect).
    """

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
    """The first successful (or revisit) capture of each year, else its first archived redirect, in time order."""
    chosen: dict[tuple[int, ...], Capture] = {}
    for capture in captures:
        key = period_of(capture.timestamp, "yearly")
        if capture.statuscode in (None, 200):
            if key not in chosen or chosen[key].is_redirect:
                chosen[key] = capture
        elif capture.is_redirect:
            chosen.setdefault(key, capture)
    return [chosen[key] for key in sorted(chosen)]


def discover(settings: Settings, homepage: str, site: str | None = None, *, from_: datetime | None = None) -> Discovery:
    """Find the policy link on the homepage's archived captures, one per year, and record the lineage."""
    client = client_for(settings)
    result = Discovery(homepage, site or default_site(homepage))
    # 1. find
    found = search_captures(client, homepage, from_=from_)
    result.captures_found = len(found.captures)
    if not found.captures:
        raise NoCaptures(
            f"the archive holds no capture of {homepage}; nothing is tracked",
            url=homepage,
            suggestions=suggest_urls(settings, homepage),
        )
    # 2–3. one capture a year, fetched and read
    for capture in yearly(found.captures):
        result.sightings.append(_sight(client, capture))
    # 4. lineage
    result.lineage = lineage(result.sightings)
    # 5. record (a homepage that links no policy leaves nothing tracked)
    if not result.lineage:
        return result
    with warehouse(settings.db, lock_timeout=settings.lock_timeout) as con:
        store.ensure_site(con, result.site)
        for span in result.lineage:
            store.record_policy_url(con, result.site, span.url, since=span.since, source="discovered", via=homepage)
    return result


def _sight(client: ArchiveClient, capture: Capture) -> Sighting:
    try:
        fetched = _followed(client, capture)
    except ArchiveUnreachable:
        raise  # going on would only pile up failures; a rerun resumes
    except PalimpsestError as err:  # this capture only: noted, and the other years still count
        return Sighting(capture, None, note=f"not fetched: {err}")
    page = fetched.capture
    via = f" (via the archived redirect of {capture.original} at {capture.ts14})" if page != capture else ""
    if fetched.location or fetched.status != 200:
        answer = f"archived answer {fetched.status} {fetched.location or ''}".strip()
        return Sighting(page, None, note=answer + via)
    links = policy_links(fetched.content, page.original, fetched.header("Content-Type"))
    if not links:
        return Sighting(page, None, note="no link that looks like a privacy policy" + via)
    return Sighting(page, links[0].url, links[0].text, note=via.strip(" ()"))


def _followed(client: ArchiveClient, capture: Capture) -> Fetched:
    """The capture's bytes, or, for an archived redirect, those of its target's next capture in the archive.

    The target is looked up in the archive's CDX from the redirect on, as the crawl does; a target the archive
    holds no capture of within :data:`TARGET_WINDOW`, or a chain longer than :data:`MAX_REDIRECTS`, leaves the
    redirect itself as the answer.
    """
    fetched = fetch_capture(client, capture)
    seen = {(capture.original, capture.ts14)}
    for _ in range(MAX_REDIRECTS):
        if not fetched.location:
            break
        when = fetched.capture.timestamp
        found = search_captures(client, fetched.location, from_=when, to=when + TARGET_WINDOW)
        fresh = [c for c in found.captures if (c.original, c.ts14) not in seen]
        target = next((c for c in fresh if c.statuscode in (None, 200)), None) or next(
            (c for c in fresh if c.is_redirect), None
        )
        if target is None:
            break
        seen.add((target.original, target.ts14))
        fetched = fetch_capture(client, target)
    return fetched


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
