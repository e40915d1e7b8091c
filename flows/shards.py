"""A multi-site run in shards: which sites go to which shard, what a shard reports (as JSON, and back), and how
to say which shards did not complete. Plain code; ``flows/fanout.py`` runs the shards.

Every entry of one site lands in the same shard, so no two workers ever write one site at once: two writers of
one site would each rebuild its versions from what they saw. A shard's summary is plain JSON because the run that
sums the shards reads it back through Prefect's API, usually from another machine.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import datetime

from palimpsest.flows.crawl import CrawlReport, default_site
from palimpsest.flows.fleet import RunReport, SiteResult
from palimpsest.flows.sites import SiteEntry
from palimpsest.names import site_name
from palimpsest.warehouse.changes import Change

#: Prefect's final state types: a shard in one of them will not change any more.
FINAL = frozenset({"COMPLETED", "FAILED", "CRASHED", "CANCELLED"})
#: Heartbeats a shard's flow run may miss before it counts as lost, whatever its worker says: the rule of the
#: automation Prefect's docs give for zombie flow runs (no heartbeat for 3 × 30 s; Prefect 3.8.8).
MISSED_HEARTBEATS = 3
#: Seconds of slack on top of the heartbeats missed: a heartbeat is an event, sent and stored in batches.
HEARTBEAT_SLACK = 10.0


@dataclass
class Shard:
    """One shard of a run: its entries (by their place in the run's list), its flow run, and how it ended."""

    number: int
    of: int
    places: list[int]
    flow_run_id: str | None = None
    flow_run: str = ""
    worker: str | None = None
    state: str = "SCHEDULED"
    message: str = ""
    summary: dict | None = None
    sites: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"shard {self.number} of {self.of}"

    @property
    def done(self) -> bool:
        return self.state in FINAL

    @property
    def completed(self) -> bool:
        return self.state == "COMPLETED" and self.summary is not None


def site_of(entry: SiteEntry) -> str:
    """The site an entry is filed under, as the crawl will name it."""
    return site_name(entry.site) if entry.site else default_site(entry.url)


def split(entries: list[SiteEntry], shards: int) -> list[Shard]:
    """At most ``shards`` shards, each holding every entry of its sites, as even in entries as whole sites allow;
    the largest sites are placed first, each into the shard with fewest entries so far. Entries keep their order
    within a shard."""
    by_site: dict[str, list[int]] = {}
    for place, entry in enumerate(entries):
        by_site.setdefault(site_of(entry), []).append(place)
    loads: list[list[int]] = [[] for _ in range(max(1, min(shards, len(by_site))))]
    for places in sorted(by_site.values(), key=len, reverse=True):  # a stable sort: file order among equals
        min(loads, key=len).extend(places)
    return [
        Shard(n, len(loads), sorted(places), sites=list(dict.fromkeys(site_of(entries[p]) for p in sorted(places))))
        for n, places in enumerate(loads, start=1)
    ]


def summary_of(run: RunReport, warehouse: str) -> dict:
    """What a shard publishes: each entry's report or failure, in the shard's order, its archive requests, the time
    it waited on rate limits, and the warehouse it wrote. JSON throughout."""
    return json.loads(
        json.dumps(
            {
                "results": [
                    {"url": r.url, "site": r.site, "error": r.error, "report": r.report.as_dict() if r.report else None}
                    for r in run.results
                ],
                "requests": run.requests,
                "waited": run.waited,
                "seconds": run.seconds,
                "warehouse": warehouse,
            },
            default=lambda value: value.isoformat(),  # the datetimes of new versions
        )
    )


def merged(shards: list[Shard], seconds: float) -> RunReport:
    """One report for the run: every completed shard's results in the order of the run's list, requests and time
    waited summed, and ``seconds`` (the run's own time) as its length."""
    placed: list[tuple[int, SiteResult]] = []
    requests: Counter = Counter()
    waited = 0.0
    for shard in shards:
        if not shard.completed:
            continue
        summary = shard.summary or {}
        for place, result in zip(shard.places, summary["results"], strict=True):
            report = _report(result["report"]) if result["report"] else None
            placed.append((place, SiteResult(result["url"], result["site"], report, result["error"])))
        requests.update(summary["requests"])
        waited += summary["waited"]
    results = [result for _, result in sorted(placed, key=lambda pair: pair[0])]
    return RunReport(results, dict(requests), waited, seconds)


def _report(data: dict) -> CrawlReport:
    known = {f.name for f in fields(CrawlReport)}
    values = {name: value for name, value in data.items() if name in known}
    values["outcomes"] = Counter(values.get("outcomes") or {})
    values["new_versions"] = [_change(change) for change in values.get("new_versions") or []]
    return CrawlReport(**values)


def _change(data: dict) -> Change:
    times = {"changed_after", "changed_by"}
    return Change(**{k: datetime.fromisoformat(v) if k in times and v else v for k, v in data.items()})


def lost(silent: float, interval: float, worker_offline: bool) -> bool:
    """Whether a running shard is gone, its flow run having sent no heartbeat for ``silent`` seconds (it sends one
    every ``interval``): after three missed heartbeats, or after one once Prefect counts its worker offline too.

    Either sign alone misleads: a worker's heartbeats are dropped when a loaded server's database is locked
    (seen with 5 s heartbeats on a SQLite server, 2026-12), and a flow run's may be late while its worker is
    fine; a worker restarted under the same name looks online while its old flow run is gone."""
    missed = (silent - HEARTBEAT_SLACK) / interval
    return missed > MISSED_HEARTBEATS or (worker_offline and missed > 1)


def incomplete(shards: list[Shard]) -> str:
    """One line naming every shard that did not complete, why, and what to do."""
    parts = []
    for shard in shards:
        if shard.completed:
            continue
        where = [f"flow run {shard.flow_run!r}"] if shard.flow_run else []
        if shard.worker:
            where.append(f"worker {shard.worker!r}")
        where.append(f"{len(shard.sites)} site(s): {', '.join(shard.sites)}")
        state = shard.state.lower() if shard.state != "COMPLETED" else "completed without its summary"
        parts.append(f"{shard.label} {state} ({'; '.join(where)})" + (f": {shard.message}" if shard.message else ""))
    return (
        "; ".join(parts) + ". What every shard stored is kept; run the same command again to finish (sites already "
        "crawled only check for news)"
    )
