"""The seed format: one policy per file, as Markdown, after an optional header line citing its archived snapshot.

    > *The following text is extracted and transformed from the <site> privacy policy that was archived on
    <date>. Please check the [original snapshot on the Wayback Machine](https://web.archive.org/web/<14-digit
    ts>id_/<original URL, percent-encoded>) for the most accurate reproduction.*

(one line), then a blank line, then the text. Files without the header are the text alone. A document keeps
its exact bytes, split into ``header`` (everything before the text, "" when there is none) and ``body``, so
``header + body`` is the file again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote, urlsplit

from palimpsest.errors import BadInput

#: The URL a document without a header is stored under (``imported:<file name>``): it cites no snapshot.
UNCITED = "imported:"

_HEADER = re.compile(
    r"> \*The following text is extracted and transformed from the (?P<label>.+?) privacy policy that was "
    r"archived on (?P<date>[^ ]+?)\. Please check the \[original snapshot on the Wayback Machine\]"
    r"\((?P<cited>[^)\s]+)\) for the most accurate reproduction\.\*"
)
_HOST_NAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]")
_ARCHIVE = re.compile(r"^(https?://[^/]+/web/)")
_CITED = re.compile(r"^https?://[^/]+/web/(?P<ts>\d{14})(?:id_)?/(?P<url>.+)$")
_GAP = re.compile(r"(\r?\n)[ \t]*\r?\n")
CITE_PREFIX = "https://web.archive.org/web/"


@dataclass(frozen=True)
class SeedDocument:
    header: str
    body: str
    label: str | None = None
    archived_on: str | None = None
    cited: str | None = None
    url: str | None = None
    timestamp: datetime | None = None

    @property
    def site(self) -> str | None:
        """The site the header names ("… from the kaorisan.com privacy policy …"), without ``www.``; the cited URL's
        host when the header names none. A site's policy may live on another host: kaorisan.com's on
        www.meetkaori.com (a seed of the Princeton-Leuven corpus), and the site is the one the corpus files it under."""
        label = (self.label or "").strip().lower()
        if _HOST_NAME.fullmatch(label):
            return label.removeprefix("www.")
        if not self.url:
            return None
        host = (urlsplit(self.url).hostname or "").lower()
        return host.removeprefix("www.") or None

    @property
    def archive(self) -> str | None:
        """The replay prefix of the archive the header cites (``https://web.archive.org/web/``), if any."""
        match = _ARCHIVE.match(self.cited or "")
        return match.group(1) if match else None

    def render(self) -> str:
        return self.header + self.body

    @property
    def file_sha256(self) -> str:
        return hashlib.sha256(self.render().encode("utf-8")).hexdigest()


def parse(content: str, *, source: str = "document") -> SeedDocument:
    """Split a seed-format document into its header fields and its text. Raises BadInput on a malformed header.

    A byte-order mark before the header is kept with the header (so the file is given back as it was)."""
    if content.startswith(_BOM):
        doc = _parse(content[len(_BOM) :], source)
        return dataclasses.replace(doc, header=_BOM + doc.header)
    return _parse(content, source)


_BOM = "\ufeff"


def _parse(content: str, source: str) -> SeedDocument:
    first, newline, _rest = content.partition("\n")
    match = _HEADER.fullmatch(first.rstrip("\r"))
    if match is None:
        if first.startswith("> *The following text is extracted"):
            raise BadInput(f"{source}: the header line does not cite a snapshot in the seed format")
        return SeedDocument(header="", body=content)
    gap = _GAP.match(content, len(first))
    end = gap.end() if gap else len(first) + len(newline)
    cited = match.group("cited")
    target = _CITED.match(cited)
    if target is None:
        raise BadInput(f"{source}: the header cites {cited!r}, not a Wayback snapshot …/web/<14-digit ts>id_/<url>")
    try:
        when = datetime.strptime(target.group("ts"), "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError as err:
        raise BadInput(f"{source}: the cited snapshot's timestamp {target.group('ts')} is not a date") from err
    return SeedDocument(
        header=content[:end],
        body=content[end:],
        label=match.group("label"),
        archived_on=match.group("date"),
        cited=cited,
        url=unquote(target.group("url")),
        timestamp=when,
    )


def cite(url: str, when: datetime) -> str:
    """The snapshot link a header gives: the original URL percent-encoded as the seed files write it."""
    return f"{CITE_PREFIX}{when.astimezone(UTC):%Y%m%d%H%M%S}id_/{quote(url, safe='/')}"


def header_for(site: str, url: str, when: datetime) -> str:
    """A header line (and the blank line after it) for a version that was not imported."""
    return (
        f"> *The following text is extracted and transformed from the {site} privacy policy that was archived on "
        f"{when.astimezone(UTC):%Y-%m-%d}. Please check the [original snapshot on the Wayback Machine]"
        f"({cite(url, when)}) for the most accurate reproduction.*\n\n"
    )
