"""In-process loopback HTTP servers for tests: a cassette replayer and a scriptable fault injector."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

IA = "https://web.archive.org"


@dataclass
class Reply:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


Handler = Callable[[str, dict[str, list[str]]], Reply]


class LoopbackServer:
    """Serve ``handler(path, query)`` on 127.0.0.1; records every request with its arrival time."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[tuple[float, str]] = []
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                outer.requests.append((time.monotonic(), self.path))
                parts = urlsplit(self.path)
                query: dict[str, list[str]] = {}
                for key, value in parse_qsl(parts.query, keep_blank_values=True):
                    query.setdefault(key, []).append(value)
                reply = outer.handler(parts.path, query)
                self.send_response(reply.status)
                names = {k.lower() for k, _ in reply.headers}
                for key, value in reply.headers:
                    self.send_header(key, value)
                if "content-length" not in names:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def cassette_handler(interactions: list[dict], base: Callable[[], str]) -> Handler:
    """Answer requests from recorded IA interactions, as if our loopback server were web.archive.org.

    CDX requests match on ``url`` and ``resumeKey``; replay requests match on the path. IA's absolute Locations
    are rewritten to our loopback address, as they would point at the archive we were configured with.
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
        headers = [(k, v.replace(IA, base()) if k.lower() in {"location", "link"} else v) for k, v in item["headers"]]
        return Reply(item["status"], headers, item["body"])

    return handle


def _key(path: str, query: dict[str, str]) -> tuple:
    if path.endswith("/cdx"):
        return (path, query.get("url", ""), query.get("resumeKey", ""))
    return (path,)
