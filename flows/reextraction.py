"""Re-extraction: recompute every text from the raw captures in the WARC store, fetching nothing.

1. record the extraction run (the extractor's identity and settings);
2. read each stored payload (one per digest) back from the WARC store;
3. extract it with the current extractor, as the crawl does (``pipeline.extract_texts``);
4. store the results under the run and point every capture of each digest at the new result;
5. rebuild the versions of every site touched, and record the versions that appeared or vanished: they are
   the extractor's doing, not the site's ("technical upgrades").

Running it twice with the same extractor gives the same versions: they depend only on the stored bytes.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime

from palimpsest.extractors.html import EXTRACTOR
from palimpsest.fetchers import Capture, Fetched, WarcRef
from palimpsest.fetchers.warcstore import WarcStoreError
from palimpsest.flows.outcomes import FetchOutcome
from palimpsest.flows.pipeline import extract_texts, warc_store_for
from palimpsest.settings import Settings
from palimpsest.warehouse import store, warehouse
from palimpsest.warehouse.versions import rebuild_versions

log = logging.getLogger(__name__)

#: What the current extractor is run with (see extractors/html.py); part of the run's identity.
SETTINGS = json.dumps({"favor_recall": True, "include_formatting": True, "fallback": "palimpsest-dom"})
_BATCH = 200


@dataclass(frozen=True)
class TechnicalChange:
    site: str
    kind: str  # appeared | vanished
    first_seen: datetime
    last_seen: datetime
    text_sha256: str


@dataclass
class ReextractSummary:
    run_id: int = 0  # 0: no run was recorded, as there were no raw captures to re-extract
    payloads: int = 0
    unreadable: int = 0
    changed_texts: int = 0
    sites: int = 0
    changes: list[TechnicalChange] = field(default_factory=list)


_PAYLOADS = """
SELECT url, ts, digest, status, location, warc_file, warc_offset, warc_length
FROM (SELECT *, row_number() OVER (PARTITION BY digest ORDER BY ts, url) AS nth FROM payload)
WHERE nth = 1 AND status BETWEEN 200 AND 299 AND location IS NULL
ORDER BY digest
"""

# Captures whose outcome came from extraction (not redirects, 404s, fetch failures or imports) follow the run.
_REPOINT = """
UPDATE capture AS c
SET text_id = e.text_id, quality = e.quality,
    usable = (e.text_id IS NOT NULL AND e.quality = 'ok'),
    outcome = CASE WHEN e.text_id IS NOT NULL AND e.quality = 'ok' THEN 'same-text'
                   WHEN e.text_id IS NOT NULL THEN 'skipped:' || e.quality
                   ELSE coalesce(e.error, 'error:extraction') END,
    detail = CASE WHEN e.text_id IS NOT NULL AND e.quality = 'ok' THEN NULL ELSE e.error END,
    others = e.others
FROM extraction AS e
WHERE e.run_id = $run AND e.digest = c.digest AND c.provenance <> 'imported'
  AND (c.usable OR c.quality IS NOT NULL OR c.outcome LIKE 'skipped:%' OR c.outcome = 'error:extraction')
"""


def reextract(settings: Settings, *, extractor: str = EXTRACTOR, run_settings: str = SETTINGS) -> ReextractSummary:
    """Re-extract every stored payload and rebuild versions; never opens a connection to an archive. A warehouse
    without raw captures (imports only) has nothing to re-extract: no run is recorded."""
    summary = ReextractSummary()
    with warehouse(settings.db, lock_timeout=settings.lock_timeout) as con:
        payloads = con.execute(_PAYLOADS).fetchall()
        if not payloads:
            return summary
        summary.run_id = store.extraction_run(con, extractor, run_settings)
        before = _versions(con)
    warcs = warc_store_for(settings.warc_dir)
    for start in range(0, len(payloads), _BATCH):
        outcomes = []
        for url, ts, digest, status, _location, warc_file, offset, length in payloads[start : start + _BATCH]:
            capture = Capture(timestamp=ts, original=url, digest=digest, statuscode=status)
            try:
                stored = warcs.read(WarcRef(warc_file, offset, length))
            except WarcStoreError as err:
                log.warning("cannot re-extract %s at %s: %s", url, ts, err)
                summary.unreadable += 1
                continue
            fetched = Fetched(capture, stored.status, stored.headers, stored.body, stored.date, served_url=url)
            outcomes.append(FetchOutcome(capture, fetched, group=(capture,)))
        results = extract_texts(outcomes)
        summary.payloads += len(results)
        texts = [r.text for r in results if r.text is not None]
        with warehouse(settings.db, lock_timeout=settings.lock_timeout) as con:
            con.execute("BEGIN TRANSACTION")
            store.save_texts(con, texts)
            store.save_sections(con, [s for t in {t.text_sha256: t for t in texts}.values() for s in t.sections])
            store.save_extractions(con, summary.run_id, [r.extraction for r in results if r.extraction])
            con.execute("COMMIT")
    with warehouse(settings.db, lock_timeout=settings.lock_timeout) as con:
        con.execute(_REPOINT, {"run": summary.run_id})
        sites = [row[0] for row in con.execute("SELECT site FROM site ORDER BY site").fetchall()]
        for site in sites:
            rebuild_versions(con, site)
        after = _versions(con)
        summary.sites = len(sites)
        summary.changes = _compare(before, after)
        summary.changed_texts = len({c.text_sha256 for c in summary.changes if c.kind == "appeared"})
        _record(con, summary)
    return summary


def _versions(con) -> set[tuple]:
    return set(con.execute("SELECT site, first_seen, last_seen, text_sha256 FROM versions").fetchall())


def _compare(before: set[tuple], after: set[tuple]) -> list[TechnicalChange]:
    """A version is the same when its site, first capture and text are: one that only grew longer (it absorbed
    a neighbour) is not reported, the neighbour is."""
    old = {(s, f, t): last for s, f, last, t in before}
    new = {(s, f, t): last for s, f, last, t in after}
    changes = [TechnicalChange(s, "vanished", f, old[s, f, t], t) for s, f, t in old.keys() - new.keys()]
    changes += [TechnicalChange(s, "appeared", f, new[s, f, t], t) for s, f, t in new.keys() - old.keys()]
    return sorted(changes, key=lambda c: (c.site, c.first_seen, c.kind))


def _record(con, summary: ReextractSummary) -> None:
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM technical_change WHERE run_id = ?", [summary.run_id])
    if summary.changes:
        con.executemany(
            "INSERT OR REPLACE INTO technical_change (run_id, site, kind, first_seen, last_seen, text_sha256)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(summary.run_id, c.site, c.kind, c.first_seen, c.last_seen, c.text_sha256) for c in summary.changes],
        )
    con.execute("UPDATE extraction_run SET finished_at = current_timestamp WHERE run_id = ?", [summary.run_id])
    con.execute("COMMIT")


def technical_changes(con, run_id: int | None = None) -> list[TechnicalChange]:
    """The versions a re-extraction made appear or vanish (the latest run's, unless ``run_id``)."""
    rows = con.execute(
        """
        SELECT site, kind, first_seen, last_seen, text_sha256 FROM technical_change
        WHERE run_id = coalesce(?, (SELECT max(run_id) FROM technical_change))
        ORDER BY site, first_seen, kind
        """,
        [run_id],
    ).fetchall()
    return [TechnicalChange(*row) for row in rows]
