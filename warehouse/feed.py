"""An Atom feed (RFC 4287) of policy changes, one entry per version: ``palimpsest feed``, and ``refresh_all``'s
``feed`` parameter, which rewrites it after each scheduled run (so it lives here, below the flows, beside the
other exports).

Each entry links the archived snapshot where the new wording was first seen and carries the diff summary.
Entry ids are tag URIs built from the site, the text's hash and when it was first seen (a revert brings an
old text back, so the hash alone is not enough), so an entry keeps its id across rebuilds and reruns (a
version's number can shift when older captures arrive). The feed's ``updated`` is its newest entry's,
so rewriting an unchanged warehouse gives a byte-identical file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from palimpsest.settings import Settings
from palimpsest.timestamps import snapshot_url
from palimpsest.warehouse.changes import Change, changes
from palimpsest.warehouse.db import warehouse
from palimpsest.warehouse.queries import resolve_site

ATOM = "http://www.w3.org/2005/Atom"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def write_feed(settings: Settings, out: Path | str, *, site: str | None = None) -> int:
    """Write the feed of every site's (or ``site``'s) changes to ``out``; returns the number of entries. Its links
    point at ``settings.replay_url``'s archive."""
    with warehouse(settings.db, read_only=True, lock_timeout=settings.lock_timeout) as con:
        if site is not None:
            site = resolve_site(con, site)
        found = changes(con, site)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(render(found, replay_url=settings.replay_url, site=site))
    tmp.replace(out)
    return len(found)


def render(found: list[Change], *, replay_url: str, site: str | None = None) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    scope = site or "all sites"
    _text(feed, "id", f"tag:palimpsest-policy,2026:feed/{site or 'all'}")
    _text(feed, "title", f"Privacy policy changes: {scope}")
    _text(feed, "updated", _rfc3339(max((c.changed_by for c in found), default=EPOCH)))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "Palimpsest")
    _text(feed, "generator", "Palimpsest")
    for change in found:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(
            entry,
            "id",
            f"tag:palimpsest-policy,2026:{change.site}/{change.text_sha256}/{change.changed_by:%Y%m%d%H%M%S}",
        )
        _text(entry, "title", _title(change))
        _text(entry, "updated", _rfc3339(change.changed_by))
        _text(entry, "published", _rfc3339(change.changed_by))
        link = ET.SubElement(entry, f"{{{ATOM}}}link")
        link.set("rel", "alternate")
        link.set("type", "text/html")
        link.set("href", snapshot_url(change.archive or replay_url, change.changed_by, change.policy_url))
        _text(entry, "summary", _summary(change))
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def _title(change: Change) -> str:
    if change.previous_version is None:
        return f"{change.site}: first version seen"
    return f"{change.site}: version {change.version} replaces version {change.previous_version}"


def _summary(change: Change) -> str:
    seen = f"First seen {change.changed_by:%Y-%m-%d %H:%M} UTC at {change.policy_url}"
    if change.previous_version is None:
        return f"{seen}; {change.words} words."
    window = f"changed between {change.changed_after:%Y-%m-%d %H:%M} and {change.changed_by:%Y-%m-%d %H:%M} UTC"
    diff = f"+{change.words_added or 0} words, −{change.words_removed or 0} words"
    return f"{diff}; {window}. {seen}; {change.words} words now."


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(parent: ET.Element, name: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}")
    element.text = value
    return element
