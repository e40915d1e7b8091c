"""Fan-out through Prefect: a multi-site run split into shards, one flow run of the ``crawl-shard`` deployment per
shard on the ``palimpsest`` work pool, so that workers on several machines share the sites.

- Each shard is created as a subflow run of the run that splits (``run_deployment(..., timeout=0)``), so the UI
  shows the shards under it. Only the entries travel as parameters: a shard reads its settings (warehouse,
  archive, rates) from its worker's environment, as every deployment's run does.
- The run waits for every shard, polling their states. A shard whose flow run is gone (its machine lost, or its
  worker killed with its flow runs) would stay Running for ever: as of Prefect 3.8.8 nothing marks such a run,
  and the documented remedy is an automation on flow-run heartbeats. Here the waiting run applies that rule
  itself and marks the shard Crashed after three missed heartbeats, or after one once Prefect counts the shard's
  worker offline (``shards.lost``). ``prefect.yaml`` has flow runs send a heartbeat every 30 s (Prefect's
  default is 180 s).
- A shard's summary is read back from the artifact it published (type ``palimpsest-shard``): as of Prefect 3.8.8
  a flow run's result stays on the machine that ran it unless results are persisted to storage every machine
  shares, while artifacts live in the API.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta
from uuid import UUID

from prefect.artifacts import Artifact
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterType
from prefect.client.schemas.objects import FlowRun, Worker, WorkerStatus
from prefect.client.schemas.responses import DeploymentResponse
from prefect.context import FlowRunContext
from prefect.deployments import run_deployment
from prefect.events.filters import (
    EventFilter,
    EventNameFilter,
    EventOccurredFilter,
    EventOrder,
    EventResourceFilter,
)
from prefect.exceptions import ObjectNotFound
from prefect.states import Crashed

from palimpsest.errors import PalimpsestError
from palimpsest.flows import progress
from palimpsest.flows.fleet import RunReport
from palimpsest.flows.shards import MISSED_HEARTBEATS, Shard, lost, split, summary_of
from palimpsest.flows.sites import SiteEntry, as_record

#: The work pool and deployment every shard runs on (prefect.yaml).
POOL = "palimpsest"
DEPLOYMENT = "crawl_shard/crawl-shard"
#: The type of the artifact that carries a shard's summary as JSON.
SUMMARY = "palimpsest-shard"
#: Seconds between two looks at the shards' states.
POLL_SECONDS = 2.0
#: The event a flow run sends every ``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` seconds while it runs (180 by default).
HEARTBEAT = "prefect.flow-run.heartbeat"
DEFAULT_HEARTBEAT_SECONDS = 180.0


class ShardsUnavailable(PalimpsestError):
    """Raised before any shard is created when the Prefect API has no ``crawl-shard`` deployment to run them."""


class ShardsIncomplete(PalimpsestError):
    """Raised (failing the run, once its artifact is published) when a shard failed, crashed or lost its worker."""


def publish_summary(run: RunReport, warehouse: str) -> dict:
    """Publish a shard's summary as an artifact of its flow run, for the run that sums the shards."""
    summary = summary_of(run, warehouse)
    if FlowRunContext.get() is not None:
        description = "A shard's summary as JSON; the run that split the sites reads it and sums every shard."
        Artifact(type=SUMMARY, data=summary, description=description).create()
    return summary


def fan_out(
    entries: list[SiteEntry], shards: int, workers: int, log: logging.Logger | logging.LoggerAdapter
) -> list[Shard]:
    """Run ``entries`` as at most ``shards`` flow runs of ``crawl-shard``, wait for all of them, and return each
    shard with its state and, if it completed, its summary."""
    plan = split(entries, shards)
    with get_client(sync_client=True) as client:
        interval = _heartbeat_seconds(_deployment(client))
        if not [w for w in client.read_workers_for_work_pool(POOL) if w.status == WorkerStatus.ONLINE]:
            log.warning("no worker polls the %s pool yet: the shards wait until one starts", POOL)
        parent = FlowRunContext.get()
        for shard in plan:
            run = run_deployment(
                DEPLOYMENT,
                parameters={"entries": [as_record(entries[p]) for p in shard.places], "workers": workers},
                timeout=0,
                flow_run_name=f"{parent.flow_run.name}-shard-{shard.number}-of-{shard.of}" if parent else None,
                tags=["palimpsest", "shard"],
                idempotency_key=f"{parent.flow_run.id}-shard-{shard.number}" if parent else None,
            )
            shard.flow_run_id, shard.flow_run = str(run.id), run.name
            log.info("%s (%d site(s)): flow run %s", shard.label, len(shard.sites), run.name)
        _watch(client, plan, interval, log)
        _read_summaries(client, plan)
    return plan


def _deployment(client: SyncPrefectClient) -> DeploymentResponse:
    try:
        return client.read_deployment_by_name(DEPLOYMENT)
    except ObjectNotFound as err:
        raise ShardsUnavailable(
            f"the Prefect API at {client.api_url} has no deployment {DEPLOYMENT} to run shards: deploy prefect.yaml "
            f"(prefect --no-prompt deploy --all) and start workers on the {POOL} pool"
        ) from err


def _heartbeat_seconds(deployment: DeploymentResponse) -> float:
    """How often the shards' flow runs send a heartbeat: as the deployment's environment says, else Prefect's
    default."""
    env = (deployment.job_variables or {}).get("env") or {}
    try:
        return max(30.0, float(env.get("PREFECT_FLOWS_HEARTBEAT_FREQUENCY") or DEFAULT_HEARTBEAT_SECONDS))
    except ValueError:
        return DEFAULT_HEARTBEAT_SECONDS


def _watch(
    client: SyncPrefectClient, plan: list[Shard], interval: float, log: logging.Logger | logging.LoggerAdapter
) -> None:
    """Poll every shard until each is in a final state; mark Crashed a running shard that is gone."""
    while active := [shard for shard in plan if not shard.done]:
        workers = {worker.name: worker for worker in client.read_workers_for_work_pool(POOL)}
        for shard in active:
            run = client.read_flow_run(UUID(shard.flow_run_id))
            before = shard.state
            shard.state = run.state.type.value if run.state else "SCHEDULED"
            shard.message = (run.state.message or "") if run.state else ""
            shard.worker = run.labels.get("prefect.worker.name") or shard.worker
            if run.state and shard.state in {"PENDING", "RUNNING"}:
                _crash_if_gone(client, shard, run, workers, interval)
            if shard.state != before:
                where = f" on {shard.worker}" if shard.worker else ""
                log.info("%s (%s): %s%s", shard.label, shard.flow_run, shard.state.lower(), where)
                progress.publish(shard)
        if not all(shard.done for shard in plan):
            time.sleep(POLL_SECONDS)


def _crash_if_gone(
    client: SyncPrefectClient, shard: Shard, run: FlowRun, workers: dict[str, Worker], interval: float
) -> None:
    """Mark the shard's flow run Crashed if it has stopped sending heartbeats (``shards.lost``)."""
    now = datetime.now(UTC)
    window = EventOccurredFilter(since=now - timedelta(seconds=(MISSED_HEARTBEATS + 1) * interval + 60), until=now)
    beats = client.read_events(
        filter=EventFilter(
            occurred=window,
            event=EventNameFilter(name=[HEARTBEAT]),
            resource=EventResourceFilter(id=[f"prefect.flow-run.{shard.flow_run_id}"]),
            order=EventOrder.DESC,
        ),
        limit=1,
    ).events
    # Silent since its last heartbeat, or since it started (or was handed to its worker) when none arrived yet.
    since = beats[0].occurred if beats else (run.start_time or run.state.timestamp)  # type: ignore[union-attr]
    silent = (now - since).total_seconds()
    worker = workers.get(shard.worker) if shard.worker else None
    offline = shard.worker is not None and (worker is None or worker.status != WorkerStatus.ONLINE)
    if not lost(silent, interval, offline):
        return
    message = f"no heartbeat from its flow run for {silent:.0f} s" + (" and its worker is offline" if offline else "")
    message += ": its worker or the worker's machine is gone"
    if client.set_flow_run_state(UUID(shard.flow_run_id), Crashed(message=message)).status.value == "ACCEPT":
        shard.state, shard.message = "CRASHED", message


def _read_summaries(client: SyncPrefectClient, plan: list[Shard]) -> None:
    completed = {shard.flow_run_id: shard for shard in plan if shard.state == "COMPLETED"}
    if not completed:
        return
    artifacts = client.read_artifacts(
        artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[UUID(run_id) for run_id in completed]),
            type=ArtifactFilterType(any_=[SUMMARY]),
        )
    )
    for artifact in artifacts:
        # Prefect 3.8.8's Artifact.create stores its data as JSON text (Artifact.format).
        data = artifact.data
        completed[str(artifact.flow_run_id)].summary = json.loads(data) if isinstance(data, str) else data
