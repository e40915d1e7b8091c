"""What a flow run tells the world: Prefect's logger, a markdown artifact and ``palimpsest.policy.changed`` events.

Imported only inside flows (it imports Prefect). Outside a flow run the logger falls back to the standard one
and the artifact is skipped.
"""

from __future__ import annotations

import logging

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.context import FlowRunContext
from prefect.events import emit_event
from prefect.exceptions import MissingContextError

from palimpsest.flows import summary
from palimpsest.flows.fleet import RunReport
from palimpsest.flows.shards import Shard
from palimpsest.warehouse.changes import Change


def run_logger() -> logging.Logger | logging.LoggerAdapter:
    """Prefect's run logger inside a flow or task run; the ``palimpsest`` logger otherwise."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("palimpsest")


def announce(changes: list[Change], replay_url: str) -> int:
    """Emit one ``palimpsest.policy.changed`` event per new version; returns how many were emitted."""
    for change in changes:
        emit_event(
            event=summary.EVENT,
            resource={
                "prefect.resource.id": f"palimpsest.site.{change.site}",
                "prefect.resource.name": change.site,
                "palimpsest.version": str(change.version),
            },
            payload=summary.event_payload(change, replay_url),
        )
    return len(changes)


def publish(title: str, run: RunReport, key: str | None, shards: list[Shard] | None = None) -> str:
    """Publish the run's summary as a markdown artifact (inside a flow run; under ``key`` when given, else only
    attached to the run) and log its headline."""
    text = summary.markdown(title, run, shards)
    new = sum(len(report.new_versions) for report in run.reports)
    run_logger().info(
        "%s: %d site(s), %d new version(s), %d failed; requests %s; %.1f s waiting on rate limits",
        title,
        len(run.results),
        new,
        len(run.failures),
        run.requests,
        run.waited,
    )
    if FlowRunContext.get() is not None:
        create_markdown_artifact(markdown=text, key=key, description=title)
    return text
