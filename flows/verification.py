"""Verifying imported documents: fetch the snapshot each one cites, extract it, and compare the two texts.

The snapshot is fetched through the configured replay prefix (``PALIMPSEST_REPLAY_URL``), with the same client,
limiter and redirect rules as a crawl: a redirect out of the archive is an error, never followed. Similarity is
the word-shingle resemblance of the normalised texts (1.0: identical); each result is kept in ``verification``.
"""

from __future__ import annotations

from dataclasses import dataclass

from palimpsest.extractors import extract_policy, text_sha256
from palimpsest.extractors.similarity import resemblance
from palimpsest.fetchers import Capture, fetch_capture
from palimpsest.flows.pipeline import client_for
from palimpsest.warehouse import warehouse

from palimpsest.errors import PalimpsestError
from palimpsest.settings import Settings

#: At or above this resemblance the snapshot is said to show the imported text ("similar").
SIMILAR = 0.5


@dataclass(frozen=True)
class Verified:
    name: str
    site: str
    cited: str
    similarity: float | None
    outcome: str  # same-text | similar | different | error:<reason>
    detail: str | None = None


def verify_imports(settings: Settings, *, site: str | None = None) -> list[Verified]:
    """Verify every imported document that cites a snapshot (those of ``site`` only, if given)."""
    with warehouse(settings.db, read_only=True) as con:
        documents = con.execute(
            """
            SELECT file_sha256, name, site, url, ts, cited, body FROM imported_document
            WHERE cited IS NOT NULL AND (? IS NULL OR site = ?)
            ORDER BY site, ts, name
            """,
            [site, site],
        ).fetchall()
    client = client_for(settings)
    results = []
    for file_sha, name, site_, url, ts, cited, body in documents:
        result = _verify_one(client, name, site_, url, ts, cited, body)
        results.append((file_sha, result))
    with warehouse(settings.db) as con:
        con.execute("BEGIN TRANSACTION")
        for file_sha, r in results:
            con.execute(
                "INSERT INTO verification (file_sha256, similarity, outcome, detail) VALUES (?, ?, ?, ?)",
                [file_sha, r.similarity, r.outcome, r.detail],
            )
        con.execute("COMMIT")
    return [r for _, r in results]


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
    score = resemblance(body, extracted.text)
    return Verified(name, site, cited, score, "similar" if score >= SIMILAR else "different")
