"""The HTTP layer: one ``requests`` session, one limiter per endpoint, and the only retry loop in Palimpsest.

Prefect tasks never add retries on top of this one (STYLE lesson 5). Failures are sorted here:

* transient (retried up to ``max_attempts``): connection errors, timeouts, truncated bodies, 5xx, 429;
  429 and 503 also penalise the endpoint's limiter so the whole process slows down;
* terminal (raised at once, recorded by the caller): 403 blocked/excluded, 404 no-memento, other 4xx.

Archived responses are data, not errors: a replay answer carrying ``Memento-Datetime`` is returned whatever its
status, because an archived 404 or 503 is a real capture of the site.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
import urllib3

from fetchers.limiter import RateLimiter, limiter_for
from palimpsest import __version__
from palimpsest.errors import (
    ArchiveError,
    ArchiveUnreachable,
    Blocked,
    NoMemento,
    RateLimited,
    TerminalArchiveError,
    TransientArchiveError,
)

log = logging.getLogger(__name__)

USER_AGENT = f"palimpsest/{__version__} (+https://github.com/palimpsest-policy/palimpsest; privacy-policy history)"
#: Bodies above this are cut off and recorded as an error: no policy page is that large (a 10 MB page still passes).
MAX_BODY = 64 * 1024 * 1024


@dataclass(frozen=True)
class Answer:
    """A complete HTTP answer: status, headers in order, and the body exactly as sent (not content-decoded)."""

    url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None

    @property
    def is_memento(self) -> bool:
        return self.header("Memento-Datetime") is not None


@dataclass
class ClientStats:
    requests: dict[str, int] = field(default_factory=lambda: {"cdx": 0, "replay": 0})
    retries: int = 0
    waited: float = 0.0


class ArchiveClient:
    """Talks to one archive: a CDX endpoint and a replay prefix, each with its own shared limiter."""

    def __init__(
        self,
        cdx_url: str,
        replay_url: str,
        *,
        cdx_rate: float = 24.0,
        replay_rate: float = 300.0,
        max_attempts: int = 5,
        backoff: float = 2.0,
        timeout: tuple[float, float] = (10.0, 60.0),
        limiter_options: dict[str, float] | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.cdx_url = cdx_url
        self.replay_url = replay_url if replay_url.endswith("/") else replay_url + "/"
        options = limiter_options or {}
        self.limiters: dict[str, RateLimiter] = {
            "cdx": limiter_for(f"cdx {_endpoint(cdx_url)}", cdx_rate, **options),
            "replay": limiter_for(f"replay {_endpoint(self.replay_url)}", replay_rate, **options),
        }
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.stats = ClientStats()

    @classmethod
    def from_settings(cls, settings, **options) -> ArchiveClient:
        return cls(
            settings.cdx_url,
            settings.replay_url,
            cdx_rate=settings.cdx_rate,
            replay_rate=settings.replay_rate,
            **options,
        )

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
        last: ArchiveError = ArchiveUnreachable(f"{url}: no attempt made", url=url)
        for attempt in range(1, self.max_attempts + 1):
            self.stats.waited += limiter.acquire()
            self.stats.requests[kind] += 1
            try:
                answer = self._send(url, params)
            except TransientArchiveError as err:
                last = err
            else:
                failure = _transient_failure(answer, kind)
                if failure is None:
                    limiter.relax()
                    return answer
                last = failure
            if isinstance(last, RateLimited):
                pause = limiter.penalise(last.retry_after)
                log.warning("%s: %s; slowing %s requests, cooling down %.0f s", url, last, kind, pause)
            elif attempt < self.max_attempts:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            if attempt < self.max_attempts:
                self.stats.retries += 1
                log.info("retrying %s (attempt %d of %d): %s", url, attempt + 1, self.max_attempts, last)
        if isinstance(last, TransientArchiveError) and kind == "cdx":
            raise ArchiveUnreachable(f"{url}: gave up after {self.max_attempts} attempts: {last}", url=url)
        raise last

    def _send(self, url: str, params: list[tuple[str, str]] | None) -> Answer:
        try:
            response = self.session.get(url, params=params, timeout=self.timeout, allow_redirects=False, stream=True)
        except (requests.ConnectionError, requests.Timeout) as err:
            raise TransientArchiveError(f"cannot reach {url}: {_short(err)}", url=url) from err
        except requests.RequestException as err:
            raise TransientArchiveError(f"request to {url} failed: {_short(err)}", url=url) from err
        with response:
            try:
                body = _read_body(response)
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


def _read_body(response: requests.Response) -> bytes:
    """Read the raw payload without content-decoding, so its SHA-1 matches the archive's digest."""
    chunks, size = [], 0
    while True:
        chunk = response.raw.read(1 << 16, decode_content=False)
        if not chunk:
            break
        size += len(chunk)
        if size > MAX_BODY:
            raise OSError(f"body larger than {MAX_BODY} bytes")
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
    return str(err).splitlines()[0][:200] if str(err) else type(err).__name__
