"""The HTTP layer: one ``requests`` session per thread, one limiter per endpoint, and the only retry loop.

We talk to archives through this thin client on ``requests`` rather than edgi's ``wayback`` package: as of 0.5.1
that package hard-codes web.archive.org (``CDX_SEARCH_URL``, ``MEMENTO_URL_PATTERN``), so it cannot point at a
pywb or any other archive, which our tests and many users need.

Prefect tasks never add retries on top of this one (STYLE lesson 5). Failures are sorted here:

* transient (retried up to ``max_attempts``): connection errors, timeouts, truncated bodies, 5xx;
* "slow down" (429, and 503, which IA sends when overloaded): retried after the endpoint's limiter has paused
  and slowed every request to it (``fetchers/limiter.py``: a short pause, a slower pace, long cool-downs only
  while the 429s go on); these retries do not spend the request's attempts;
* terminal (raised at once, recorded by the caller): 403 blocked/excluded, 404 no-memento, other 4xx.

When the archive cannot be reached at all, going on only piles up failures (and, on IA, hammers a firewall), so
the client raises :class:`ArchiveUnreachable` and the crawl stops, to be resumed by a rerun: when 429s continue
after ``max_cooldowns`` long cool-downs in a row (``max_attempts − 1``: four, about a quarter of an hour of
them, with no success anywhere on the endpoint in between), when one request has been
told to slow down ``4 × max_attempts`` times, or after ``unreachable_after`` requests in a row spend every
attempt on connection errors or 5xx.

Archived responses are data, not errors: a replay answer carrying ``Memento-Datetime`` is returned whatever its
status, because an archived 404 or 429 is a real capture of the site.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests
import urllib3

from palimpsest import __version__
from palimpsest.errors import (
    ArchiveError,
    ArchiveUnreachable,
    BadInput,
    Blocked,
    NoMemento,
    RateLimited,
    TerminalArchiveError,
    TransientArchiveError,
)
from palimpsest.fetchers.captures import header_value
from palimpsest.fetchers.cdx import looks_truncated
from palimpsest.fetchers.limiter import RateLimiter, limiter_for

log = logging.getLogger(__name__)

USER_AGENT = f"palimpsest/{__version__} (+https://github.com/palimpsest-policy/palimpsest; privacy-policy history)"
#: Bodies above this are cut off and recorded as an error: no policy page is that large (a 10 MB page still passes).
MAX_BODY = 64 * 1024 * 1024
#: A request told to slow down this many times per attempt it is allowed gives up (a pathological server only:
#: the endpoint's cool-downs stop a crawl long before, unless other requests keep succeeding in between).
SLOW_DOWNS_PER_ATTEMPT = 4


@dataclass(frozen=True)
class Answer:
    """A complete HTTP answer: status, headers in order, and the body exactly as sent (not content-decoded)."""

    url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)

    @property
    def is_memento(self) -> bool:
        return self.header("Memento-Datetime") is not None


@dataclass
class ClientStats:
    requests: dict[str, int] = field(default_factory=lambda: {"cdx": 0, "replay": 0})
    retries: int = 0
    waited: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, kind: str, *, waited: float = 0.0, retry: bool = False) -> None:
        with self._lock:
            self.requests[kind] += 1
            self.waited += waited
            self.retries += retry


class _ArchiveSession(requests.Session):
    """A session that never looks for redirect targets.

    With ``allow_redirects=False`` requests 2.x still computes the "next" request of every 3xx, and to free the
    socket it first reads the body *content-decoded*, leaving nothing raw to read (found 2026-11 on IA's archived
    census.gov 301, which has a 138 kB body). Archived redirects are captures whose raw bytes we keep, and we
    never follow a redirect through requests anyway.
    """

    def get_redirect_target(self, resp: requests.Response) -> None:
        return None


class ArchiveClient:
    """Talks to one archive: a CDX endpoint and a replay prefix, each with its own process-wide limiter.

    Safe to share between threads: each thread gets its own ``requests`` session, and the limiters are shared.
    """

    def __init__(
        self,
        cdx_url: str,
        replay_url: str,
        *,
        cdx_rate: float = 24.0,
        replay_rate: float = 300.0,
        max_attempts: int = 5,
        max_cooldowns: int | None = None,
        backoff: float = 2.0,
        unreachable_after: int = 5,
        timeout: tuple[float, float] = (10.0, 60.0),
        body_timeout: float = 300.0,
        limiter_options: dict[str, float] | None = None,
        pace_dir: Path | None = None,
        shared_limit: str | None = None,
        rate_limit: Callable[[str], None] | None = None,
        session: requests.Session | None = None,
    ) -> None:
        """``pace_dir``: share each endpoint's pace with the other processes using that directory.
        ``shared_limit`` and ``rate_limit``: before each request, ``rate_limit("<shared_limit>-cdx")`` (or
        ``-replay``) waits for a slot of the hosts' shared limit (Prefect's, given by the flows)."""
        self.cdx_url = cdx_url
        self.replay_url = replay_url if replay_url.endswith("/") else replay_url + "/"
        if shared_limit and rate_limit is None:
            raise BadInput(f"PALIMPSEST_SHARED_LIMIT={shared_limit!r}: this client was given no Prefect rate limit")
        options = limiter_options or {}
        endpoints = {"cdx": (cdx_url, cdx_rate), "replay": (self.replay_url, replay_rate)}
        self.limiters: dict[str, RateLimiter] = {
            kind: limiter_for(
                f"{kind} {_endpoint(url)}",
                rate,
                pace_dir=pace_dir,
                gate=_gate(rate_limit, f"{shared_limit}-{kind}") if shared_limit and rate_limit else None,
                **options,
            )
            for kind, (url, rate) in endpoints.items()
        }
        self.max_attempts = max_attempts
        # As before 2026-12, when every attempt of a request met a 429: five attempts, four cool-downs between.
        self.max_cooldowns = max_attempts - 1 if max_cooldowns is None else max_cooldowns
        self.backoff = backoff
        self.unreachable_after = unreachable_after
        self.timeout = timeout
        self.body_timeout = body_timeout
        self._shared_session = session
        self._local = threading.local()
        self._rng = random.Random()  # noqa: S311 - jitter for back-off, not cryptography
        self._failures_in_a_row = 0
        self.stats = ClientStats()

    @classmethod
    def from_settings(cls, settings, **options) -> ArchiveClient:
        """A client as the settings say; ``rate_limit`` (Prefect's, from the flows) when a shared limit is set."""
        return cls(
            settings.cdx_url,
            settings.replay_url,
            cdx_rate=settings.cdx_rate,
            replay_rate=settings.replay_rate,
            pace_dir=settings.pace_dir,
            shared_limit=settings.shared_limit,
            **options,
        )

    @property
    def session(self) -> requests.Session:
        """This thread's session (or the one given to the constructor, for every thread)."""
        if self._shared_session is not None:
            return self._shared_session
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = _ArchiveSession()
            session.headers["User-Agent"] = USER_AGENT
        return session

    # -- public --------------------------------------------------------------------------------------------

    def get_cdx(self, params: list[tuple[str, str]]) -> Answer:
        """One CDX request. Non-2xx answers become errors (403 blocked, 4xx terminal, 5xx/429 transient)."""
        answer = self._get("cdx", self.cdx_url, params)
        if answer.status == 200:
            return answer
        raise _cdx_error(answer)

    def get_replay(self, url: str) -> Answer:
        """One replay request, redirects not followed. Archived answers (with Memento-Datetime) pass through."""
        return self._get("replay", url, None)

    @property
    def waited(self) -> float:
        return sum(limiter.stats.waited for limiter in self.limiters.values())

    # -- the retry loop --------------------------------------------------------------------------------------

    def _get(self, kind: str, url: str, params: list[tuple[str, str]] | None) -> Answer:
        limiter = self.limiters[kind]
        attempt = slow_downs = 0
        while True:
            release = limiter.acquire()
            self.stats.count(kind, waited=release.waited, retry=attempt + slow_downs > 0)
            try:
                answer = self._send(url, params)
                failure = _transient_failure(answer, kind)
            except TransientArchiveError as err:
                failure = err
            if failure is None:
                limiter.relax()
                self._failures_in_a_row = 0
                return answer
            if isinstance(failure, RateLimited):
                slow_downs += 1
                pause = limiter.penalise(failure.retry_after, sent_at=release.at)
                if limiter.cooldowns > self.max_cooldowns or slow_downs >= SLOW_DOWNS_PER_ATTEMPT * self.max_attempts:
                    self._give_up(kind, url, failure, slow_downs)
                log.warning("%s: %s; slowing %s requests, sending nothing for %.1f s", url, failure, kind, pause)
                continue
            attempt += 1
            if attempt >= self.max_attempts:
                self._give_up(kind, url, failure, slow_downs)
                raise failure
            # Jittered exponential back-off for this request only; the limiter still spaces everyone.
            time.sleep(self.backoff * 2 ** (attempt - 1) * self._rng.uniform(0.5, 1.5))
            log.info("retrying %s (attempt %d of %d): %s", url, attempt + 1, self.max_attempts, failure)

    def _give_up(self, kind: str, url: str, last: ArchiveError, slow_downs: int) -> None:
        """Going on would only make things worse: raise ArchiveUnreachable (or let the caller raise ``last``)."""
        self._failures_in_a_row += 1
        if isinstance(last, RateLimited):
            cooldowns = self.limiters[kind].cooldowns
            raise ArchiveUnreachable(
                f"{url}: the archive still answers {kind} requests with 'slow down' ({slow_downs} times for this "
                f"request, {cooldowns} cool-down(s) in a row); stopped so as not to be blocked. "
                f"Run the same command later to resume.",
                url=url,
            ) from last
        if kind == "cdx" or self._failures_in_a_row >= self.unreachable_after:
            setting = "--cdx-url (PALIMPSEST_CDX_URL)" if kind == "cdx" else "--replay-url (PALIMPSEST_REPLAY_URL)"
            requests_ = "" if self._failures_in_a_row == 1 else f", {self._failures_in_a_row} requests in a row"
            raise ArchiveUnreachable(
                f"{last} (gave up after {self.max_attempts} attempts{requests_}); check {setting} and the network",
                url=url,
            ) from last

    def _send(self, url: str, params: list[tuple[str, str]] | None) -> Answer:
        try:
            response = self.session.get(url, params=params, timeout=self.timeout, allow_redirects=False, stream=True)
        except (requests.ConnectionError, requests.Timeout) as err:
            raise TransientArchiveError(f"cannot reach {url}: {_short(err)}", url=url) from err
        except requests.RequestException as err:
            raise TransientArchiveError(f"request to {url} failed: {_short(err)}", url=url) from err
        with response:
            try:
                body = _read_body(response, time.monotonic() + self.body_timeout)
            except (
                requests.RequestException,
                urllib3.exceptions.HTTPError,
                OSError,
            ) as err:
                raise TransientArchiveError(
                    f"truncated body from {url}: {_short(err)}", url=url, reason="truncated"
                ) from err
            headers = tuple((k, v) for k, v in response.raw.headers.items())
            return Answer(response.url, response.status_code, headers, body)


def _gate(rate_limit: Callable[[str], None], name: str) -> Callable[[], None]:
    return lambda: rate_limit(name)


def _read_body(response: requests.Response, deadline: float) -> bytes:
    """Read the raw payload without content-decoding, so its SHA-1 matches the archive's digest.

    The read timeout bounds each wait for a byte, not the whole body: an answer that trickles in a byte at a time
    (a slow-loris server, or a proxy stuck mid-stream) would hold a fetch thread for hours. Reading whatever has
    arrived (``read1``) lets us stop at ``deadline``; the retry loop treats it like a truncated body.
    """
    chunks, size = [], 0
    while True:
        chunk = response.raw.read1(1 << 16, decode_content=False)
        if not chunk:
            break
        size += len(chunk)
        if size > MAX_BODY:
            raise OSError(f"body larger than {MAX_BODY} bytes")
        if time.monotonic() > deadline:
            raise OSError(f"body still arriving after the time allowed ({size} bytes so far)")
        chunks.append(chunk)
    body = b"".join(chunks)
    expected = response.headers.get("Content-Length")
    if expected and expected.isdigit() and int(expected) != len(body):
        raise OSError(f"expected {expected} bytes, got {len(body)}")
    return body


def _transient_failure(answer: Answer, kind: str) -> ArchiveError | None:
    """The error to retry for this answer, or None when the answer should go back to the caller."""
    if kind == "replay" and answer.is_memento:
        return None  # an archived status, whatever it is, is the capture itself
    if answer.status in {429, 503}:
        # IA sends no Retry-After (2026-11), and answers 503 when overloaded; both mean "slow down".
        retry_after = answer.header("Retry-After")
        seconds = float(retry_after) if retry_after and retry_after.isdigit() else None
        return RateLimited(f"{answer.status} from {answer.url}", url=answer.url, retry_after=seconds)
    if answer.status >= 500:
        return TransientArchiveError(f"{answer.status} from {answer.url}", url=answer.url, reason="server")
    if kind == "cdx" and answer.status == 200 and looks_truncated(answer.body.decode("utf-8", "replace")):
        return TransientArchiveError(f"truncated CDX answer from {answer.url}", url=answer.url, reason="truncated")
    return None


def _cdx_error(answer: Answer) -> ArchiveError:
    text = answer.body[:2000].decode("utf-8", "replace")
    if answer.status == 403 or "AccessControlException" in text or "Blocked" in text:
        return Blocked(f"the archive blocks this URL: {_first_line(text)}", url=answer.url, status=answer.status)
    if answer.status == 404:
        return NoMemento(f"CDX endpoint {answer.url} answered 404", url=answer.url, status=404)
    return TerminalArchiveError(
        f"CDX answered {answer.status}: {_first_line(text)}", url=answer.url, status=answer.status
    )


def _endpoint(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:200] if text.strip() else "(empty body)"


def _short(err: BaseException) -> str:
    """What went wrong, in a few words: the operating system's reason when there is one ("Connection refused",
    "Name or service not known"), not urllib3's nested repr of the whole request."""
    text = str(err)
    if errno := re.search(r"""\[Errno -?\d+\] ([^'")\]]+)""", text):
        return errno.group(1).strip()
    if "timed out" in text.lower():
        return "timed out"
    return text.splitlines()[0][:200] if text else type(err).__name__
