"""Long synthetic capture histories of one policy page, written as a WARC that pywb can serve.

The pages are ours: a fictional bakery's privacy policy whose wording changes at chosen captures. Every capture
can carry a render counter in its chrome (an HTML comment and a ``<meta>``), as many CMSs do, so its digest
differs from every other capture's while its policy text does not: the case that defeats one-fetch-per-digest
and that ``--sample`` exists for. Used by the sampling, resume and raw-store tests and by ``benchmarks/``.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

URL = "https://crumbandcrust.example/privacy"
_NAMESPACE = uuid.UUID("0b7e3c52-9a61-4f0e-8d4c-2f6a9e1d7b35")

_BASE = [
    "Crumb & Crust is a neighbourhood bakery. This privacy notice explains what personal information we collect "
    "when you order bread, cakes or catering from us, online or at the counter, and what we do with it.",
    "When you order online we keep your name, your delivery address, your telephone number and what you "
    "ordered, so that the right loaf reaches the right door while it is still warm. We retain these details "
    "for two years after your last order.",
    "We never sell your data. Our delivery riders see your address and telephone number for the day of the "
    "delivery only, and our card processor sees your payment details, which we never store ourselves. Our "
    "website sets one cookie, which remembers your basket.",
    "You have the right to ask us at any time for a copy of the personal data we hold about you, or to ask us to "
    "correct or delete it, by writing to the bakery or asking at the counter.",
]
#: What each new version adds: version k of the policy is the base text plus the first k of these.
_ADDITIONS = [
    "Our loyalty card records each visit so that every tenth coffee is on the house.",
    "Photographs of celebration cakes are shared on our noticeboard only with the customer's written consent.",
    "The CCTV camera above the till keeps its recordings for fourteen days before they are overwritten.",
    "Newsletter subscribers receive one letter a month about seasonal breads, and may leave with one click.",
    "Allergy notes attached to an order are kept for one year so that repeat orders stay safe.",
    "Wholesale customers' invoices are kept for six years, as the tax authority requires.",
    "Feedback cards left in the shop are read by the owners and shredded at the end of each month.",
    "Deliveries outside the town are made by a courier who receives the parcel label and nothing more.",
]


@dataclass(frozen=True)
class Timeline:
    """What was written: the WARC, the page URL, each capture's time and which policy version it shows."""

    warc: Path
    url: str
    stamps: tuple[str, ...]
    versions: tuple[int, ...]  # the policy version (0-based) shown by each capture

    @property
    def changes(self) -> int:
        return sum(a != b for a, b in zip(self.versions, self.versions[1:], strict=False))


def policy_text(version: int) -> list[str]:
    if version > len(_ADDITIONS):
        raise ValueError(f"only {len(_ADDITIONS)} changes are written; asked for version {version}")
    return [*_BASE, *_ADDITIONS[:version]]


def page(version: int, render: int | None) -> bytes:
    """One capture's HTML: the policy of ``version``, with ``render`` (if given) in the chrome only."""
    stamp = f"\n<!-- rendered by oven-cms, render {render} -->" if render is not None else ""
    meta = f'\n<meta name="render-id" content="r{render}">' if render is not None else ""
    paragraphs = "\n".join(f"<p>{escape(text)}</p>" for text in policy_text(version))
    html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Privacy | Crumb &amp; Crust</title>{meta}</head>
<body>
<header><nav><a href="/">Home</a> <a href="/menu">Menu</a> <a href="/order">Order</a></nav></header>
<main><article>
<h1>Privacy notice</h1>
{paragraphs}
</article></main>
<footer><p>Crumb &amp; Crust, 4 Mill Lane</p></footer>{stamp}
</body></html>
"""
    return html.encode("utf-8")


def write_timeline(
    out_dir: Path,
    *,
    captures: int,
    change_at: list[int],
    start: datetime = datetime(2016, 1, 4, 9, 0, tzinfo=UTC),
    step: timedelta = timedelta(hours=31),
    render_every: int | None = 1,
    url: str = URL,
    name: str = "timeline",
) -> Timeline:
    """Write ``captures`` captures of ``url``, ``step`` apart; the policy changes at each index in ``change_at``.

    The render counter in the chrome changes every ``render_every`` captures (every capture by default, so every
    digest differs); runs of captures in between are byte-identical and share a digest. With None there is no
    counter: all captures of one version share one digest.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.warc.gz"
    stamps, versions, version = [], [], 0
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for index in range(captures):
        if index in change_at:
            version += 1
        moment = start + step * index
        stamp = moment.strftime("%Y%m%d%H%M%S")
        body = page(version, index // render_every if render_every else None)
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
        record = writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            http_headers=StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1"),
            warc_headers_dict={
                "WARC-Date": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "WARC-Record-ID": f"<urn:uuid:{uuid.uuid5(_NAMESPACE, f'{url} {stamp}')}>",
            },
        )
        writer.write_record(record)
        stamps.append(stamp)
        versions.append(version)
    path.write_bytes(buffer.getvalue())
    return Timeline(path, url, tuple(stamps), tuple(versions))
