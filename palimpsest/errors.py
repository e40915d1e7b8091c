"""The one exception root for Palimpsest, and the few subclasses that say when they are raised.

Foreign errors (requests, duckdb, trafilatura) are translated into these at the boundary with ``raise … from err``
and carry the offending URL, timestamp or path in their message and attributes.

Archive errors are sorted into two families:

* :class:`TransientArchiveError`: retried by the fetcher's single retry layer (connection errors, 5xx, 429).
* :class:`TerminalArchiveError`: recorded on the capture and never retried (not archived, blocked, excluded).
"""

from __future__ import annotations


class PalimpsestError(Exception):
    """Root of every error Palimpsest raises on purpose."""


class BadInput(PalimpsestError):
    """A user-supplied value (timestamp, URL, option) cannot be understood."""


class TrackConflict(BadInput):
    """A crawl would file a second policy URL under a site whose current URL's captures overlap it in time: one
    site follows one policy URL at a time, or its history would flip between two documents."""


class SiteBusy(PalimpsestError):
    """Another process is crawling the site now (its claim in the warehouse is fresh): one crawl writes a site's
    history at a time."""


# --- archive -------------------------------------------------------------------------------------------------


class ArchiveError(PalimpsestError):
    """Something went wrong talking to the archive about ``url``."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class TransientArchiveError(ArchiveError):
    """A failure worth retrying: connection reset, timeout, 5xx, truncated body.

    ``reason`` names it in a capture's outcome (``error:<reason>``) once every retry is spent.
    """

    def __init__(self, message: str, *, url: str | None = None, reason: str = "network") -> None:
        super().__init__(message, url=url)
        self.reason = reason


class RateLimited(TransientArchiveError):
    """The archive answered 429 (or 503 under load). ``retry_after`` is in seconds when the archive said so."""

    def __init__(self, message: str, *, url: str | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, url=url, reason="rate-limited")
        self.retry_after = retry_after


class NoCaptures(ArchiveError):
    """The archive holds no capture of the URL (in the period asked for), so nothing is tracked. ``suggestions``
    are URLs of the same host that it does hold and that look most like the one asked for."""

    def __init__(self, message: str, *, url: str, suggestions: list[str]) -> None:
        hint = f"; did you mean {' or '.join(suggestions)}?" if suggestions else ""
        super().__init__(message + hint, url=url)
        self.suggestions = suggestions


class ArchiveUnreachable(ArchiveError):
    """The archive could not be reached at all after every retry: nothing useful can be done this run."""


class TerminalArchiveError(ArchiveError):
    """A failure that retrying will not fix. It is recorded as the capture's outcome and the run moves on."""

    reason = "archive"

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None) -> None:
        super().__init__(message, url=url)
        self.status = status


class NoMemento(TerminalArchiveError):
    """The archive holds no capture for this URL and time (404 without ``Memento-Datetime``)."""

    reason = "no-memento"


class Blocked(TerminalArchiveError):
    """The archive refuses to serve this URL (robots.txt, an exclusion request or an administrative block)."""

    reason = "blocked"


class OutsideArchive(TerminalArchiveError):
    """A redirect pointed outside the configured archive. It is recorded and never requested."""

    reason = "outside-archive"


class RedirectLoop(TerminalArchiveError):
    """Archived redirects lead back to a URL already visited."""

    reason = "redirect-loop"


# --- extraction ----------------------------------------------------------------------------------------------


class ExtractionError(PalimpsestError):
    """Nothing usable could be extracted from a capture's body."""

    reason = "extraction"

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class EmptyText(ExtractionError):
    """The page has no policy text at all (blank, script-only, or a placeholder)."""

    reason = "empty"


class UnusableText(ExtractionError):
    """The page has text, but it is not the policy: a soft 404, a bot wall, a parked domain, a login wall or
    another page (see ``extractors.quality``). ``reason`` is that quality class; ``extracted`` holds what was
    extracted, so the capture can still be stored and shown with its class."""

    def __init__(self, message: str, *, url: str | None = None, quality: str, extracted: object) -> None:
        super().__init__(message, url=url)
        self.reason = quality
        self.extracted = extracted


class UnsupportedMedia(ExtractionError):
    """The body is of a type Palimpsest cannot extract text from (an image, an archive file, …)."""

    reason = "unsupported-media"


# --- warehouse -----------------------------------------------------------------------------------------------


class WarehouseError(PalimpsestError):
    """The DuckDB warehouse cannot be opened, migrated or queried."""


class WarehouseLocked(WarehouseError):
    """Another process holds the write lock on the warehouse file and did not release it in time."""


class NotAWarehouse(WarehouseError):
    """The file exists but is not a DuckDB file, or is a DuckDB file that Palimpsest did not create."""


class MigrationError(WarehouseError):
    """A schema migration failed; the transaction was rolled back and the file is unchanged."""


class UnknownSite(WarehouseError):
    """No site of that name is tracked. ``suggestions`` holds the closest tracked names."""

    def __init__(self, site: str, suggestions: list[str]) -> None:
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown site {site!r}{hint}")
        self.site = site
        self.suggestions = suggestions


class UnknownVersion(WarehouseError):
    """The site exists but has no such version, or no version was in force at that time."""
