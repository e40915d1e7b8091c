"""A run's summary as Markdown (the Prefect artifact) and its change notices as event payloads. Plain code."""

from __future__ import annotations

from collections import Counter

from palimpsest.flows.fleet import RunReport
from palimpsest.flows.shards import Shard
from palimpsest.timestamps import snapshot_url
from palimpsest.warehouse.changes import Change

EVENT = "palimpsest.policy.changed"


def markdown(title: str, run: RunReport, shards: list[Shard] | None = None) -> str:
    """New versions per site, captures by outcome, failures, archive requests and time waiting on rate limits; for
    a run in shards, what each shard crawled, where, and how it ended (only completed shards are summed)."""
    requests = ", ".join(f"{count} {kind}" for kind, count in sorted(run.requests.items())) or "none"
    lines = [
        f"# {title}",
        "",
        f"{len(run.results)} site(s), {len(run.failures)} failed. Archive requests: {requests}. "
        f"Waiting on rate limits: {run.waited:.1f} s. Run time: {run.seconds:.1f} s.",
        "",
        "## New versions",
        "",
    ]
    new = [change for report in run.reports for change in report.new_versions]
    if new:
        lines += [
            "| Site | Version | First seen | Words added | Words removed | Policy URL |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {c.site} | {c.version} | {c.changed_by:%Y-%m-%d %H:%M} | {_n(c.words_added)} | {_n(c.words_removed)} "
            f"| {c.policy_url} |"
            for c in new
        ]
    else:
        lines.append("No new versions.")
    kinds = sorted({kind for report in run.reports for kind in report.outcomes})
    lines += ["", "## Captures by outcome", ""]
    lines += [
        "| Site | Found | Fetched | " + " | ".join(kinds) + (" |" if kinds else "Versions |"),
        "|---|---|---|" + "---|" * max(len(kinds), 1),
    ]
    for report in run.reports:
        counts = Counter(report.outcomes)
        cells = " | ".join(str(counts.get(kind, 0)) for kind in kinds) if kinds else str(report.versions)
        lines.append(f"| {report.site} | {report.captures_found} | {report.fetched} | {cells} |")
    if run.failures:
        lines += ["", "## Failures", "", "| Site | URL | Reason |", "|---|---|---|"]
        lines += [f"| {f.site or ''} | {f.url} | {_cell(f.error or '')} |" for f in run.failures]
    if shards:
        lines += ["", "## Shards", "", "| Shard | Flow run | Worker | Sites | State |", "|---|---|---|---|---|"]
        lines += [
            f"| {s.number} of {s.of} | {s.flow_run} | {_cell(s.worker or '–')} | {_cell(', '.join(s.sites))} "
            f"| {s.state.lower()}{': ' + _cell(s.message) if s.message and not s.completed else ''} |"
            for s in shards
        ]
    return "\n".join(lines) + "\n"


def event_payload(change: Change, replay_url: str) -> dict:
    """What a ``palimpsest.policy.changed`` event carries: enough to write a notice without the warehouse."""
    return {
        "site": change.site,
        "version": change.version,
        "previous_version": change.previous_version,
        "changed_after": change.changed_after.isoformat() if change.changed_after else None,
        "changed_by": change.changed_by.isoformat(),
        "words_added": change.words_added,
        "words_removed": change.words_removed,
        "words": change.words,
        "policy_url": change.policy_url,
        "snapshot": snapshot_url(change.archive or replay_url, change.changed_by, change.policy_url),
    }


def _n(value: int | None) -> str:
    return "–" if value is None else str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
