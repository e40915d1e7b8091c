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

from palimpsest.extractors.html import EXTRACTOR
from palimpsest.fetchers import Capture, Fetched, WarcRef
from palimpsest.fetchers.warcstore import WarcStoreError
from palimpsest.flows.fetching import warc_store_for
from palimpsest.flows.outcomes import FetchOutcome
from palimpsest.flows.pipeline import extract_texts
from palimpsest.settings import Settings
from palimpsest.warehouse import runs, store, warehouse
from palimpsest.warehouse.runs import TechnicalChange, technical_changes
from palimpsest.warehouse.versions import rebuild_every_site, version_spans

__all__ = ["SETTINGS", "ReextractSummary", "TechnicalChange", "reextract", "technical_changes"]

log = logging.getLogger(__name__)

#: What the current extractor is run with (see extractors/html.py); part of the run's identity.
SETTINGS = json.dumps({"favor_recall": True, "include_formatting": True, "fallback": "palimpsest-dom"})
_BATCH = 200


@dataclass
class ReextractSummary:
    run_id: int = 0  # 0: no run was recorded, as there were no raw captures to re-extract
    payloads: int = 0
    unreadable: int = 0
    changed_texts: int = 0
    sites: int = 0
    changes: list[TechnicalChange] = field(default_factory=list)


def reextract(settings: Settings, *, extractor: str = EXTRACTOR, run_settings: str = SETTINGS) -> ReextractSummary:
    """Re-extract every stored payload and rebuild versions; never opens a connection to an archive. A warehouse
    without raw captures (imports only) has nothing to re-extract: no run is recorded."""
    summary = ReextractSummary()
    with warehouse(settings.db, lock_timeout=settings.lock_timeout) as con:
        payloads = runs.reextractable_payloads(con)
        if not payloads:
            return summary
        summary.run_id = store.extraction_run(con, extractor, run_settings)
        before = version_spans(con)
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
            runs.save_results(con, summary.run_id, texts, [r.extraction for r in results if r.extraction])
    with warehouse(settings.db, lock_timeout=settings.lock_timeout) as con:
        runs.repoint_captures(con, summary.run_id)
        sites = rebuild_every_site(con)
        after = version_spans(con)
        summary.sites = len(sites)
        summary.changes = _compare(before, after)
        summary.changed_texts = len({c.text_sha256 for c in summary.changes if c.kind == "appeared"})
        runs.finish_run(con, summary.run_id, summary.changes)
    return summary


def _compare(before: set[tuple], after: set[tuple]) -> list[TechnicalChange]:
    """A version is the same when its site, first capture and text are: one that only grew longer (it absorbed
    a neighbour) is not reported, the neighbour is."""
    old = {(s, f, t): last for s, f, last, t in before}
    new = {(s, f, t): last for s, f, last, t in after}
    changes = [TechnicalChange(s, "vanished", f, old[s, f, t], t) for s, f, t in old.keys() - new.keys()]
    changes += [TechnicalChange(s, "appeared", f, new[s, f, t], t) for s, f, t in new.keys() - old.keys()]
    return sorted(changes, key=lambda c: (c.site, c.first_seen, c.kind))
