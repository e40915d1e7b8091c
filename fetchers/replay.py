"""``id_`` replay: the raw bytes of one capture, and what its redirects point to. Never leaves the archive.

A capture is fetched as ``<replay prefix><timestamp>id_/<url>``. Redirects are never followed by ``requests``;
we read each one ourselves:

* An **archived** redirect (it carries ``Memento-Datetime``) is the capture itself: we return it with the
  target URL it names, unwrapped from the archive's replay URL when the archive rewrote it (IA does, pywb keeps
  the original ``Location``). The crawl then looks the target up *in the archive's CDX*, never on the live web.
* An **archive** redirect (no ``Memento-Datetime``: IA's hop to the nearest capture when the timestamp is
  inexact) is followed only when it stays under the configured replay prefix; anything else raises
  :class:`OutsideArchive` without a request being made (no SSRF through archived data).
"""

from __future__ import annotations

import posixpath
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from palimpsest.errors import Blocked, NoMemento, OutsideArchive, RedirectLoop, TerminalArchiveError
from palimpsest.fetchers.captures import Capture, Fetched
from palimpsest.fetchers.client import Answer, ArchiveClient

#: IA's nearest-capture hops seen in recordings are one or two long; more than this is a loop.
MAX_ARCHIVE_HOPS = 5
#: Headers the replay adds on top of the archived ones; they are not part of the original response.
REPLAY_HEADERS = {
    "memento-datetime",
    "link",
    "content-location",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "date",
    "server",
    "x-archive-src",
    "x-archive-guessed-content-type",
    "x-archive-guessed-charset",
    "x-archive-redirect-reason",
}
#: How far into a non-archived answer to look for the archive's exclusion message.
_SCAN = 512 * 1024
_EXCLUDED_MARKERS = (b"has been excluded from the Wayback Machine", b"Blocked Site Error")


def replay_url(client: ArchiveClient, capture: Capture) -> str:
    return f"{client.replay_url}{capture.replay_timestamp}id_/{capture.original}"


def fetch_capture(client: ArchiveClient, capture: Capture) -> Fetched:
    """Fetch one capture's raw bytes. Raises a TerminalArchiveError subclass for what must be recorded."""
    url = replay_url(client, capture)
    visited = {url}
    for _ in range(MAX_ARCHIVE_HOPS + 1):
        answer = client.get_replay(url)
        if answer.is_memento:
            return _fetched(client, capture, answer, url)
        _raise_for_non_memento(answer, capture)
        location = answer.header("Location")
        if not location or not 300 <= answer.status < 400:
            raise TerminalArchiveError(
                f"{url}: archive answered {answer.status} without Memento-Datetime",
                url=capture.original,
                status=answer.status,
            )
        target = urljoin(url, location)
        if not inside_archive(client, target):
            raise OutsideArchive(f"{url}: archive redirected outside itself to {target}", url=capture.original)
        if target in visited:
            raise RedirectLoop(f"{url}: the archive's redirects loop back to {target}", url=capture.original)
        visited.add(target)
        url = target
    raise RedirectLoop(f"{capture.original}: more than {MAX_ARCHIVE_HOPS} archive redirects", url=capture.original)


def _raise_for_non_memento(answer: Answer, capture: Capture) -> None:
    if answer.status == 404:
        raise NoMemento(f"the archive holds no capture of {capture.original} at {capture.ts14}", url=capture.original)
    if answer.status in {401, 403, 451} or any(marker in answer.body[:_SCAN] for marker in _EXCLUDED_MARKERS):
        # IA serves exclusions as a 200 page without Memento-Datetime, the message 56 kB in (recorded 2020).
        raise Blocked(f"the archive refuses to replay {capture.original}", url=capture.original, status=answer.status)


def _fetched(client: ArchiveClient, capture: Capture, answer: Answer, url: str) -> Fetched:
    memento = _memento_datetime(answer.header("Memento-Datetime"), capture)
    location = None
    if 300 <= answer.status < 400:
        raw = answer.header("x-archive-orig-location") or answer.header("Location")
        location = original_target(client, raw, capture.original) if raw else None
    # Which capture this really is: pywb names it in Content-Location, IA in the URL its 302 hop led us to.
    served = _unwrapped(client, answer.header("Content-Location") or "") or _unwrapped(client, url)
    return Fetched(
        capture=capture,
        status=answer.status,
        headers=original_headers(answer.headers),
        body=answer.body,
        memento=memento,
        location=location,
        served_url=served or capture.original,
    )


def original_target(client: ArchiveClient, location: str, page_url: str) -> str:
    """The original URL an archived redirect points to, whether or not the archive rewrote the Location."""
    unwrapped = _unwrapped(client, location)
    if unwrapped:
        return unwrapped
    # pywb keeps the archived Location as the site sent it: resolve relative ones against the captured page.
    return urljoin(page_url, location)


def _unwrapped(client: ArchiveClient, url: str) -> str | None:
    """``<replay prefix><timestamp><modifier>/<original>`` → ``<original>``; None for any other URL.

    Relative (``/web/…``) and scheme-relative (``//web.archive.org/web/…``) forms, as IA writes archived
    Locations (recorded 2020), are read against the replay prefix.
    """
    if not url:
        return None
    absolute = urljoin(client.replay_url, url) if url.startswith(("/", "//")) else url
    prefix = client.replay_url
    if not absolute.startswith(prefix):
        return None
    stamp, _, target = absolute[len(prefix) :].partition("/")
    if stamp[:4].isdigit() and target:
        return _fix_scheme_slashes(target)
    return None


def _fix_scheme_slashes(url: str) -> str:
    # Some replay servers collapse "https://" to "https:/" inside paths.
    for scheme in ("http:/", "https:/"):
        if url.startswith(scheme) and not url.startswith(scheme + "/"):
            return scheme + "/" + url[len(scheme) :]
    return url


def original_headers(headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The response headers as the site sent them at capture time.

    IA prefixes archived headers with ``X-Archive-Orig-``; pywb's ``id_`` mode sends them as they were and adds
    its own memento headers. Both reduce to the original set here.
    """
    prefixed = [(k[len("x-archive-orig-") :], v) for k, v in headers if k.lower().startswith("x-archive-orig-")]
    kept = [(k, v) for k, v in headers if k.lower() not in REPLAY_HEADERS and not k.lower().startswith("x-archive")]
    if prefixed:
        names = {k.lower() for k, _ in prefixed}
        extra = [
            (k, v) for k, v in kept if k.lower() in {"content-type", "content-encoding"} and k.lower() not in names
        ]
        return tuple(prefixed + extra)
    return tuple(kept)


def _memento_datetime(value: str | None, capture: Capture) -> datetime:
    if not value:
        return capture.timestamp
    try:
        return parsedate_to_datetime(value).astimezone(UTC)
    except (TypeError, ValueError):
        return capture.timestamp


def inside_archive(client: ArchiveClient, url: str) -> bool:
    """Whether ``url`` is under the configured replay prefix (same scheme, host, port and path prefix).

    The host is compared as written, user-info included (``http://archive@evil.example/`` is outside), and dot
    segments are resolved first, so ``<prefix>../elsewhere`` is outside too.
    """
    target, prefix = urlsplit(url), urlsplit(client.replay_url)
    path = posixpath.normpath(target.path) + ("/" if target.path.endswith("/") else "")
    same_host = (target.scheme, target.netloc) == (prefix.scheme, prefix.netloc)
    return same_host and (path.startswith(prefix.path) or path + "/" == prefix.path)
