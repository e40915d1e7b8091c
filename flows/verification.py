"""Verifying imported documents: fetch the snapshot each one cites, extract it, and compare the two texts.

The snapshot is fetched through the configured replay prefix (``PALIMPSEST_REPLAY_URL``), with the same client,
limiter and redirect rules as a crawl: a redirect out of the archive is an error, never followed. Similarity is
``comparison.similarity`` of the normalised texts' words (1.0: identical); each result is kept in ``verification``.
"""

from __future__ import annotations

from dataclasses import dataclass

from palimpsest.comparison.similarity import similarity
from palimpsest.errors import PalimpsestError
from palimpsest.extractors import extract_policy, text_sha256
from palimpsest.fetchers import Capture, fetch_capture
from palimpsest.flows.fetching import client_for
from palimpsest.settings import Settings
from palimpsest.text.normal import tokens
from palimpsest.warehouse import verifications, warehouse
from palimpsest.warehouse.queries import resolve_site

#: At or above this similarity the snapshot is said to show the imported text ("similar"). Measured on the five
#: seed policies (2026-12): unrelated policies score 0.00-0.15, a text with 20% page chrome around it 0.91, and
#: half of a text against the whole 0.67.
SIMILAR = 0.8


@dataclass(frozen=True)
class Verified:
    name: str
    site: str
    cited: str
    similarity: float | None
    outcome: str  # same-text | similar | different | error:<reason> | skipped:no-snapshot
    detail: str | None = None

    @property
    def failed(self) -> bool:
        """The snapshot does not show the imported text, or could not be checked."""
        return self.outcome == "different" or self.outcome.startswith("error:")


#: The outcome of a document that cites no snapshot (its file had no header naming one): nothing to fetch.
SKIPPED = "skipped:no-snapshot"


def verify_imports(settings: Settings, *, site: str | None = None) -> list[Verified]:
    """Verify every imported document that cites a snapshot (those of ``site`` only, if given). Documents that
    cite none are listed last, ``SKIPPED``; they are not kept in ``verification``. An unknown ``site`` raises
    UnknownSite."""
    with warehouse(settings.db, read_only=True, lock_timeout=settings.lock_timeout) as con:
        site = None if site is None else resolve_site(con, site)
        documents = verifications.cited_documents(con, site)
        uncited = verifications.uncited_documents(con, site)
    client = client_for(settings)
    results = []
    for file_sha, name, site_, url, ts, cited, body in documents:
        result = _verify_one(client, name, site_, url, ts, cited, body)
        results.append((file_sha, result))
    with warehouse(settings.db, lock_timeout=settings.lock_timeout) as con:
        verifications.save_verifications(
            con, [(file_sha, r.similarity, r.outcome, r.detail) for file_sha, r in results]
        )
    skipped = [
        Verified(name, site_, "", None, SKIPPED, "the file cites no archived snapshot") for name, site_ in uncited
    ]
    return [r for _, r in results] + skipped


def _verify_one(client, name: str, site: str, url: str, ts, cited: str, body: str) -> Verified:
    try:
        fetched = fetch_capture(client, Capture(timestamp=ts, original=url, digest="-"))
        if fetched.status >= 300:
            return Verified(name, site, cited, None, f"error:status-{fetched.status}", fetched.location)
        extracted = extract_policy(fetched.content, url, dict(fetched.headers))
    except PalimpsestError as err:
        reason = getattr(err, "reason", None) or type(err).__name__
        return Verified(name, site, cited, None, f"error:{reason}", str(err))
    if extracted.text_sha256 == text_sha256(body):
        return Verified(name, site, cited, 1.0, "same-text")
    score = similarity(tokens(body), tokens(extracted.text))
    return Verified(name, site, cited, score, "similar" if score >= SIMILAR else "different")
