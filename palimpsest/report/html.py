"""The HTML report: one self-contained file (no CDN, no network, works offline) telling each site's history.

For every site it shows a timeline (versions as bands, captures as ticks, change windows hatched, unusable
captures in orange), each change as a card with its sections and redline, the sections across versions, every
version's text, and links to the archived snapshots. An index on top sorts and filters the sites. Data comes from
the public views only (``palimpsest.warehouse.history``); the HTML, CSS and JavaScript live in
``palimpsest/report/templates``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape

from palimpsest.comparison.sections import SectionChange, compare_sections, outline, summary
from palimpsest.report.timeline import Scale, Timeline, colours, timeline
from palimpsest.timestamps import snapshot_url, span
from palimpsest.warehouse.changes import Change
from palimpsest.warehouse.history import SiteHistory, load_history, site_names
from palimpsest.warehouse.rows import Version

_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_HEADING_MARK = re.compile(r"^#{1,6}\s+")
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class ChangeCard:
    """One change: the versions either side, the snapshots that bound it, and what happened to each section."""

    change: Change
    old: Version
    new: Version
    sections: tuple[SectionChange, ...]
    counts: dict[str, int]
    before: str
    after: str
    returns_to: int | None


@dataclass(frozen=True)
class SitePage:
    history: SiteHistory
    anchor: str
    timeline: Timeline
    overview: Timeline
    cards: tuple[ChangeCard, ...]
    matrix: tuple[tuple[str, int, tuple[str, ...]], ...]
    texts: dict[int, list[tuple[str, object]]]
    colours: dict[int, int]
    snapshots: dict[int, tuple[str, str]]

    @property
    def current(self) -> Version | None:
        return self.history.versions[-1] if self.history.versions else None

    @property
    def languages(self) -> list[str]:
        return sorted({v.language for v in self.history.versions if v.language})

    @property
    def headings(self) -> list[str]:
        return [s.path for s in outline(self.current.text) if s.heading] if self.current else []

    @property
    def last_change(self) -> Change | None:
        return self.history.changes[-1] if self.history.changes else None


def collect(con, *, replay_prefix: str, site: str | None = None) -> list[SitePage]:
    """Every site's page (or one site's), on a common scale for the index's overview bars."""
    histories = [load_history(con, name) for name in ([site] if site else site_names(con))]
    moments = [m for h in histories for m in (h.start, h.end) if m is not None]
    common = Scale.around(moments) if moments else None
    return [_page(h, common, replay_prefix) for h in histories]


def _page(history: SiteHistory, common: Scale | None, replay_prefix: str) -> SitePage:
    own = Scale.around([history.start, history.end]) if history.start else common
    returns = history.returns()
    cards = []
    for change in history.changes:
        old, new = history.version(change.previous_version), history.version(change.version)
        if old is None or new is None:
            continue
        sections = tuple(compare_sections(old.text, new.text))
        cards.append(
            ChangeCard(
                change,
                old,
                new,
                sections,
                summary(list(sections)),
                _evidence_link(history, old, change.changed_after, replay_prefix),
                _evidence_link(history, new, change.changed_by, replay_prefix),
                returns.get(new.version),
            )
        )
    snapshots = {}
    for v in history.versions:
        first, last = history.evidence(v), history.evidence(v, last=True)
        snapshots[v.version] = (
            first.link(replay_prefix) if first else snapshot_url(replay_prefix, v.first_seen, v.policy_url),
            last.link(replay_prefix) if last else snapshot_url(replay_prefix, v.last_seen, v.policy_url),
        )
    empty = Timeline((), (), (), ())
    return SitePage(
        history=history,
        anchor="site-" + _SLUG.sub("-", history.site.lower()).strip("-"),
        timeline=timeline(history, own, replay_prefix=replay_prefix) if own else empty,
        overview=timeline(history, common, replay_prefix=replay_prefix, ticks=False) if common else empty,
        cards=tuple(cards),
        matrix=_matrix(history, cards),
        texts={v.version: blocks(v.text) for v in history.versions},
        colours=colours(history),
        snapshots=snapshots,
    )


def _evidence_link(history: SiteHistory, version: Version, moment: datetime, replay_prefix: str) -> str:
    capture = history.capture_at(moment, version.text_sha256)
    return capture.link(replay_prefix) if capture else snapshot_url(replay_prefix, moment, version.policy_url)


def _matrix(history: SiteHistory, cards: list[ChangeCard]) -> tuple[tuple[str, int, tuple[str, ...]], ...]:
    """Each section's path, depth and state in each version: present (in the first), same, changed, renamed,
    added, or '' (absent)."""
    if not history.versions:
        return ()
    order: list[str] = []
    states: dict[str, dict[int, str]] = {}

    def place(title: str, after: str | None) -> None:
        if title not in states:
            states[title] = {}
            order.insert(order.index(after) + 1 if after in order else len(order), title)

    previous: str | None = None
    for section in outline(history.versions[0].text):
        title = section.path or "(opening text)"
        place(title, previous)
        states[title][history.versions[0].version] = "present"
        previous = title
    by_new = {card.new.version: card for card in cards}
    for v in history.versions[1:]:
        card = by_new.get(v.version)
        previous = None
        for change in card.sections if card else ():
            if change.status == "removed":
                continue
            place(change.title, previous)
            states[change.title][v.version] = "same" if change.status == "unchanged" else change.status
            previous = change.title
    numbers = [v.version for v in history.versions]
    return tuple((title, title.count(" > "), tuple(states[title].get(n, "") for n in numbers)) for title in order)


def blocks(text: str) -> list[tuple[str, object]]:
    """A text as display blocks: ("h", heading), ("p", paragraph) and ("ul", [items])."""
    headings = {s.heading for s in outline(text) if s.heading}
    found: list[tuple[str, object]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if _HEADING_MARK.match(line) or line in headings:
            found.append(("h", _HEADING_MARK.sub("", line)))
        elif _LIST_ITEM.match(line):
            item = _LIST_ITEM.sub("", line)
            if found and found[-1][0] == "ul":
                found[-1][1].append(item)  # type: ignore[attr-defined]
            else:
                found.append(("ul", [item]))
        else:
            found.append(("p", line))
    return found


def render(pages: list[SitePage], *, replay_prefix: str, title: str = "Privacy policy history") -> str:
    env = Environment(
        loader=PackageLoader("palimpsest.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = lambda value: f"{value:%Y-%m-%d}" if value else ""
    env.filters["moment"] = lambda value: f"{value:%Y-%m-%d %H:%M:%S} UTC" if value else ""
    env.filters["span"] = span
    archives = sorted({c.archive or replay_prefix for p in pages for c in p.history.captures} or {replay_prefix})
    totals = {
        "versions": sum(len(p.history.versions) for p in pages),
        "changes": sum(len(p.history.changes) for p in pages),
        "captures": sum(len(p.history.captures) for p in pages),
        "problems": sum(len(p.history.problems) for p in pages),
    }
    return env.get_template("report.html.j2").render(
        pages=pages,
        title=title,
        totals=totals,
        replay_prefix=replay_prefix,
        archives=[(archive, _local_port(archive)) for archive in archives],
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def _local_port(archive: str) -> int | None:
    """The port of an archive on this machine (the demo's pywb), whose links work only while it runs."""
    parts = urlsplit(archive)
    return parts.port or 80 if parts.hostname in {"127.0.0.1", "localhost", "::1"} else None


def write_report(con, out: Path, *, replay_prefix: str, site: str | None = None) -> Path:
    """Write the report for every site (or one) to ``out``; returns the path written."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    html = render(collect(con, replay_prefix=replay_prefix, site=site), replay_prefix=replay_prefix)
    out.write_text(html, encoding="utf-8")
    return out
