"""In-process loopback HTTP servers for tests: a cassette replayer and a scriptable fault-injecting archive."""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from palimpsest.fetchers.captures import sha1_base32

IA = "https://web.archive.org"


@dataclass
class Reply:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    #: Seconds to wait before answering (a slow archive).
    delay: float = 0.0
    #: "reset": drop the connection with a TCP reset, no answer; "truncate": promise the body, send half of it.
    cut: str | None = None
    #: Seconds between the body's bytes (a slow-loris answer: headers at once, then a byte at a time).
    drip: float = 0.0


@dataclass(frozen=True)
class Hit:
    """One request as the server saw it: when it arrived (monotonic), its path and query, and what it answered."""

    at: float
    path: str
    status: int | str


Handler = Callable[[str, dict[str, list[str]]], Reply]


class LoopbackServer:
    """Serve ``handler(path, query)`` on 127.0.0.1; records every request with its arrival time and answer."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.hits: list[Hit] = []
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                # The client may give up first (a timeout we provoked): then there is nobody to answer.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._answer()

            def _answer(self) -> None:
                arrived = time.monotonic()
                parts = urlsplit(self.path)
                query: dict[str, list[str]] = {}
                for key, value in parse_qsl(parts.query, keep_blank_values=True):
                    query.setdefault(key, []).append(value)
                reply = outer.handler(parts.path, query)
                outer.hits.append(Hit(arrived, self.path, reply.cut or reply.status))
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.cut == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                names = {k.lower() for k, _ in reply.headers}
                for key, value in reply.headers:
                    self.send_header(key, value)
                if "content-length" not in names:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if reply.cut == "truncate":
                    self.wfile.write(reply.body[: len(reply.body) // 2])
                    self.close_connection = True
                    return
                if reply.drip:
                    for index in range(len(reply.body)):
                        self.wfile.write(reply.body[index : index + 1])
                        self.wfile.flush()
                        time.sleep(reply.drip)
                    return
                self.wfile.write(reply.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def requests(self) -> list[tuple[float, str]]:
        return [(hit.at, hit.path) for hit in self.hits]

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def cassette_handler(interactions: list[dict], base: Callable[[], str]) -> Handler:
    """Answer requests from recorded IA interactions, as if our loopback server were web.archive.org.

    CDX requests match on ``url`` and ``resumeKey``; replay requests match on the path. IA's absolute and
    scheme-relative Locations are rewritten to our loopback address, as they would point at the archive we
    were configured with.
    """
    table: dict[tuple, dict] = {}
    for item in interactions:
        parts = urlsplit(item["uri"])
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        table[_key(parts.path, query)] = item

    def handle(path: str, query: dict[str, list[str]]) -> Reply:
        item = table.get(_key(path, {k: v[-1] for k, v in query.items()}))
        if item is None:
            return Reply(599, [("Content-Type", "text/plain")], f"no recording for {path} {query}".encode())
        headers = [(k, _rebase(v, base()) if k.lower() in {"location", "link"} else v) for k, v in item["headers"]]
        return Reply(item["status"], headers, item["body"])

    return handle


def _rebase(value: str, base: str) -> str:
    return value.replace(IA, base).replace("//web.archive.org", base.split(":", 1)[1])


def _key(path: str, query: dict[str, str]) -> tuple:
    if path.endswith("/cdx"):
        return (path, query.get("url", ""), query.get("resumeKey", ""))
    return (path,)


# --- a fault-injecting archive ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One capture the fault archive holds. ``digest`` is what its CDX row claims (the body's own by default)."""

    url: str
    when: str  # 14 digits
    body: bytes = b""
    status: int = 200
    location: str | None = None
    digest: str | None = None
    #: Send the archived Location as the site sent it (pywb) instead of rewritten into the archive (IA).
    raw_location: bool = False
    #: The archived response's own headers (e.g. Content-Type, Content-Encoding), sent before the archive's.
    headers: tuple[tuple[str, str], ...] = ()
    mime: str = "text/html"

    @property
    def cdx_digest(self) -> str:
        return self.digest or sha1_base32(self.body)


class FaultArchive:
    """An archive in IA's dialect (CDX JSON with resume keys, ``id_`` replay with 302 hops) whose faults a test
    scripts request by request.

    ``script(key, *faults)`` queues faults for the next requests for ``key``: ``"cdx"``, or a capture's 14-digit
    timestamp. A fault is ``"429"``, ``"503"``, ``"500"``, ``"reset"``, ``"truncate"``, ``"cut-json"`` (a CDX
    page that ends mid-array), ``"junk-rows"`` (a CDX page with malformed rows among the good ones), ``"slow"``
    (answer after ``slow_delay`` seconds), ``"loris"`` (headers at once, then the body a byte every
    ``slow_delay`` seconds), ``"truncate-body"`` (the capture's own headers, half its body), ``"404"`` (no memento),
    ``"corrupt"`` (flip the body's first byte), ``"nearest:<ts>"`` (serve another capture as IA's nearest, via a
    302 hop), ``"away:<url>"`` (a non-archived 302 to ``url``), or ``"ok"``. ``always`` faults never run out.
    ``storm(n)`` answers 429 to the next ``n`` replay requests, whatever they ask for.
    """

    def __init__(self, pages: list[Page], *, page_size: int | None = None, slow_delay: float = 1.0) -> None:
        self.pages = sorted(pages, key=lambda p: (p.when, p.url))
        self.page_size = page_size
        self.slow_delay = slow_delay
        self._queues: dict[str, deque[str]] = {}
        self._always: dict[str, str] = {}
        self._storm = 0
        self._lock = threading.Lock()
        self.server = LoopbackServer(self.handle)

    # -- scripting ------------------------------------------------------------------------------------------

    def script(self, key: str, *faults: str) -> None:
        self._queues.setdefault(key, deque()).extend(faults)

    def always(self, key: str, fault: str) -> None:
        self._always[key] = fault

    def storm(self, count: int) -> None:
        self._storm = count

    def _next_fault(self, key: str) -> str:
        with self._lock:
            if self._storm > 0 and key != "cdx":
                self._storm -= 1
                return "429"
            queue = self._queues.get(key)
            if queue:
                return queue.popleft()
            return self._always.get(key, "ok")

    # -- serving --------------------------------------------------------------------------------------------

    @property
    def base(self) -> str:
        return self.server.base

    @property
    def cdx_url(self) -> str:
        return f"{self.base}/cdx/search/cdx"

    @property
    def replay_url(self) -> str:
        return f"{self.base}/web/"

    @property
    def hits(self) -> list[Hit]:
        return self.server.hits

    def __enter__(self) -> FaultArchive:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    def handle(self, path: str, query: dict[str, list[str]]) -> Reply:
        if path == "/cdx/search/cdx":
            return self._cdx(query)
        if path.startswith("/web/"):
            stamp, _, url = path[len("/web/") :].partition("/")
            return self._replay(stamp.removesuffix("id_"), url)
        return Reply(404, [("Content-Type", "text/plain")], b"not an archive path")

    def _cdx(self, query: dict[str, list[str]]) -> Reply:
        fault = self._next_fault("cdx")
        failure = self._failure(fault)
        if failure is not None:
            return failure
        url = query.get("url", [""])[-1]
        rows = [p for p in self.pages if _same(p.url, url)]
        start = int(query.get("resumeKey", ["0"])[-1] or 0)
        size = self.page_size or len(rows) or 1
        chunk = rows[start : start + size]
        table: list[list[str]] = [["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]]
        table += [["k", p.when, p.url, p.mime, str(p.status), p.cdx_digest, str(len(p.body))] for p in chunk]
        if fault == "junk-rows":
            table[1:1] = [JUNK_ROWS[0]]
            table[len(table) // 2 : len(table) // 2] = JUNK_ROWS[1:]
        if start + size < len(rows):
            table += [[], [str(start + size)]]
        body = json.dumps(table).encode()
        if fault == "cut-json":
            body = body[: len(body) * 2 // 3]
        return Reply(200, [("Content-Type", "application/json")], body)

    def _replay(self, stamp: str, url: str) -> Reply:
        fault = self._next_fault(stamp)
        failure = self._failure(fault)
        if failure is not None:
            return failure
        if fault.startswith("away:"):
            return Reply(302, [("Location", fault.split(":", 1)[1])])
        if fault.startswith("nearest:"):
            return self._hop(fault.split(":", 1)[1], url)
        page = next((p for p in self.pages if p.when == stamp and _same(p.url, url)), None)
        if page is None:
            nearest = min((p for p in self.pages if _same(p.url, url)), default=None, key=lambda p: _gap(p, stamp))
            if nearest is None:
                return Reply(404, [("Content-Type", "text/html")], b"<p>Not archived.</p>")
            return self._hop(nearest.when, nearest.url)
        body = page.body if fault != "corrupt" else bytes([page.body[0] ^ 1]) + page.body[1:]
        moment = datetime.strptime(page.when, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        own = {name.lower() for name, _ in page.headers}
        headers = [*page.headers, ("Memento-Datetime", format_datetime(moment, usegmt=True))]
        if "content-type" not in own:
            headers.append(("Content-Type", "text/html; charset=utf-8" if page.status < 300 else "text/html"))
        headers.append(("Link", f'<{page.url}>; rel="original"'))
        if page.location:
            rewritten = f"{self.replay_url}{page.when}id_/{page.location}"
            headers.append(("Location", page.location if page.raw_location else rewritten))
        return Reply(
            page.status,
            headers,
            body,
            delay=self.slow_delay if fault == "slow" else 0.0,
            cut="truncate" if fault == "truncate-body" else None,
            drip=self.slow_delay if fault == "loris" else 0.0,
        )

    def _hop(self, stamp: str, url: str) -> Reply:
        """IA's answer for a time it holds no capture at: a 302 (no Memento-Datetime) to its nearest capture."""
        location = f"{self.replay_url}{stamp}id_/{url}"
        return Reply(302, [("Location", location), ("X-Archive-Redirect-Reason", f"found capture at {stamp}")])

    def _failure(self, fault: str) -> Reply | None:
        text = [("Content-Type", "text/plain")]
        if fault in {"429", "503", "500"}:
            return Reply(int(fault), text, b"slow down" if fault != "500" else b"oops")
        if fault == "404":
            return Reply(404, text, b"Hrm. The archive has not archived that URL.")
        if fault in {"reset", "truncate"}:
            return Reply(200, [*text, ("Memento-Datetime", "Mon, 01 Jan 2018 00:00:00 GMT")], b"x" * 400, cut=fault)
        return None


#: Rows a CDX server should never send: too few fields, a bad timestamp, a URL that is not http(s), not a list.
JUNK_ROWS: list = [
    ["k", "2019"],
    ["k", "20191399999999", "https://bakery.example/privacy", "text/html", "200", "X" * 32, "10"],
    ["k", "20190101000000", "mailto:someone@bakery.example", "text/html", "200", "X" * 32, "10"],
    ["k", "20190101000000", "https://bakery.example/privacy", "text/html", "two hundred", "X" * 32, "10"],
    "not a row",
]


def _same(a: str, b: str) -> bool:
    return a.split("://", 1)[-1].rstrip("/") == b.split("://", 1)[-1].rstrip("/")


def _gap(page: Page, stamp: str) -> float:
    moment = datetime.strptime(stamp.ljust(14, "0"), "%Y%m%d%H%M%S")
    return abs((datetime.strptime(page.when, "%Y%m%d%H%M%S") - moment).total_seconds())


def quick_client(server: object, **options: object):
    """An ArchiveClient for a loopback archive with test-sized waits: 0.1 s cool-downs, 10 ms back-off.

    The real defaults (a minute's cool-down, seconds of back-off) are what IA needs; the logic is the same.
    """
    from palimpsest.fetchers import ArchiveClient

    values: dict = {
        "cdx_rate": 6000.0,
        "replay_rate": 6000.0,
        "max_attempts": 3,
        "backoff": 0.01,
        "timeout": (2.0, 1.0),
        "limiter_options": {"cooldown": 0.1, "recovery": 0.1},
        **options,
    }
    return ArchiveClient(server.cdx_url, server.replay_url, **values)  # type: ignore[attr-defined]
