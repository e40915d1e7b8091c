"""Fan-out through Prefect: ``crawl-sites --shards N`` splits the sites over workers of the ``palimpsest`` pool.

The plain parts first (which site goes to which shard, a shard's summary through JSON and back, the one line that
names a shard that did not complete, the refusal without a Prefect API). Then the real thing: ``prefect server
start`` on loopback, the process pool, ``prefect deploy --all``, two workers, eight demo sites (the demo's four
policy URLs, each also filed under a second site name), and

1. ``crawl-sites --shards 2`` into one DuckDB file: both workers run a shard, the run's artifact sums both, and
   the file's ``captures``, ``versions`` and ``changes`` equal an in-process crawl-sites of the same file, row by
   row; ``refresh --shards 2`` then asks the archive once per site and fetches nothing;
2. the same into a DuckLake whose catalog is a real PostgreSQL, at one fetch a second: a worker is killed in the
   middle of its shard (``kill -9`` of the worker and of the process running its flow run, as when a machine
   dies); the command fails naming that shard, a fresh worker is started, the same command run again completes,
   and the lake equals the single-file crawl again.

Every process runs in its own process group, gone when the test ends (see ``tests/test_prefect_server.py``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from palimpsest.cli import main
from palimpsest.errors import BadInput
from palimpsest.flows.crawl import CrawlReport
from palimpsest.flows.fleet import RunReport, SiteResult
from palimpsest.flows.shards import incomplete, lost, merged, split, summary_of
from palimpsest.flows.sites import SiteEntry, as_record, entries_from
from palimpsest.settings import Lake
from palimpsest.warehouse.changes import Change
from tests.conftest import settings_for
from tests.snapshots import snapshot
from tests.test_lake import Postgres
from tests.test_prefect_server import BIN, _environment, _free_port, _gone, _group, _run, _wait_healthy

VIEWS = ("captures", "versions", "changes")

# --- the plain parts ------------------------------------------------------------------------------------------


def test_every_entry_of_a_site_lands_in_one_shard_and_the_shards_are_even() -> None:
    entries = [
        SiteEntry("https://a.example/privacy"),
        SiteEntry("https://b.example/privacy"),
        SiteEntry("https://www.a.example/legal/privacy", from_="2020"),  # a.example again: the default name
        SiteEntry("https://c.example/privacy", site="A.example"),  # a.example again: names are lower-cased
        SiteEntry("https://d.example/privacy"),
        SiteEntry("https://e.example/privacy"),
    ]
    shards = split(entries, 2)
    assert [shard.places for shard in shards] == [[0, 2, 3], [1, 4, 5]]
    assert [shard.sites for shard in shards] == [["a.example"], ["b.example", "d.example", "e.example"]]
    assert [shard.label for shard in shards] == ["shard 1 of 2", "shard 2 of 2"]
    assert [s.places for s in split(entries, 9)] == [[0, 2, 3], [1], [4], [5]]  # never more shards than sites
    assert [s.places for s in split(entries[:1], 3)] == [[0]]


def test_entries_travel_as_a_sites_files_records_and_are_checked_again() -> None:
    entry = SiteEntry("https://a.example/privacy", "a", "2015", None, "monthly")
    assert as_record(entry) == {"url": "https://a.example/privacy", "site": "a", "from": "2015", "sample": "monthly"}
    assert entries_from([as_record(entry)], "the shard") == [entry]
    with pytest.raises(BadInput, match="the shard entry 1: cannot read timestamp"):
        entries_from([{"url": "https://a.example/privacy", "from": "yesterday"}], "the shard")


def test_a_shards_summary_survives_json_and_the_shards_add_up() -> None:
    change = Change("a", 2, 1, datetime(2019, 1, 1, tzinfo=UTC), datetime(2020, 1, 1, tzinfo=UTC), 5, 1, False,
                    "https://a.example/privacy", "ab" * 32, 120)  # fmt: skip
    report = CrawlReport("a", "https://a.example/privacy", captures_found=9, fetched=4, versions=2)
    report.outcomes.update({"version": 2, "same-text": 7})
    report.new_versions.append(change)
    first = RunReport([SiteResult(report.url, "a", report)], {"cdx": 1, "replay": 4}, 1.5, 10.0)
    second = RunReport(
        [SiteResult("https://c.example/p", "c", None, "boom"), SiteResult("https://b.example/p", "b", None, "no")],
        {"cdx": 2},
        0.25,
        3.0,
    )
    shards = split(
        [SiteEntry("https://c.example/p", "c"), SiteEntry(report.url, "a"), SiteEntry("https://b.example/p", "b")], 2
    )
    assert [s.places for s in shards] == [[0, 2], [1]]
    shards[0].state, shards[0].summary = "COMPLETED", json.loads(json.dumps(summary_of(second, "w.duckdb")))
    shards[1].state, shards[1].summary = "COMPLETED", json.loads(json.dumps(summary_of(first, "w.duckdb")))
    run = merged(shards, 12.0)
    assert [r.site for r in run.results] == ["c", "a", "b"]  # the run's own order
    assert run.results[1].report == report and run.results[1].report.new_versions == [change]
    assert run.requests == {"cdx": 3, "replay": 4} and run.waited == 1.75 and run.seconds == 12.0
    assert len(run.failures) == 2

    shards[1].state, shards[1].summary = "CRASHED", None
    shards[1].flow_run, shards[1].worker, shards[1].message = "lucky-owl-shard-2-of-2", "w1", "its worker is gone"
    assert [r.site for r in merged(shards, 1.0).results] == ["c", "b"]  # only completed shards are summed
    assert incomplete(shards) == (
        "shard 2 of 2 crashed (flow run 'lucky-owl-shard-2-of-2'; worker 'w1'; 1 site(s): a): its worker is gone. "
        "What every shard stored is kept; run the same command again to finish (sites already crawled only check "
        "for news)"
    )


def test_a_shard_is_lost_after_three_silent_heartbeats_or_one_with_its_worker_offline() -> None:
    assert not lost(45, 30, worker_offline=False)  # a heartbeat late, its worker fine: wait
    assert lost(45, 30, worker_offline=True)  # one missed, and Prefect counts the worker offline
    assert not lost(35, 30, worker_offline=True)  # offline, but its flow run spoke within a heartbeat (and slack)
    assert not lost(95, 30, worker_offline=False) and lost(101, 30, worker_offline=False)  # 3 × 30 s + 10 s slack


def test_shards_without_a_prefect_api_are_refused_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    sites = tmp_path / "sites.csv"
    sites.write_text("url\nhttps://a.example/privacy\n")
    assert main(["--db", str(tmp_path / "w.duckdb"), "crawl-sites", str(sites), "--shards", "2"]) == 2
    assert main(["--db", str(tmp_path / "w.duckdb"), "refresh", "--shards", "2"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all("--shards 2 hands the sites to Prefect workers: set PREFECT_API_URL" in e for e in err)
    assert not (tmp_path / "w.duckdb").exists()


# --- the real thing -------------------------------------------------------------------------------------------


class Cluster:
    """A Prefect server with the deployments, and workers started and killed at will, each in its own group."""

    def __init__(self, env: dict[str, str], folder: Path, stack: ExitStack) -> None:
        self.env, self.folder, self.stack = env, folder, stack
        self.api = env["PREFECT_API_URL"]
        self.groups: list[int] = []
        self.workers: dict[str, subprocess.Popen] = {}

    def start(
        self, args: list[str], log: str, env: dict[str, str], interrupts: int, stack: ExitStack | None = None
    ) -> subprocess.Popen:
        """A process in its own group, stopped when ``stack`` (by default the cluster's) closes."""
        proc = (stack or self.stack).enter_context(_group(args, env, self.folder / log, interrupts=interrupts))
        self.groups.append(proc.pid)
        return proc

    def worker(self, name: str, env: dict[str, str], stack: ExitStack) -> None:
        """A process worker that runs one flow run at a time, so two shards go to two workers."""
        args = [str(BIN / "prefect"), "worker", "start", "--pool", "palimpsest", "--name", name, "--limit", "1"]
        self.workers[name] = self.start(args, f"worker-{name}.log", env, interrupts=2, stack=stack)

    def wait_online(self, *names: str) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            found = requests.post(f"{self.api}/work_pools/palimpsest/workers/filter", json={}, timeout=60).json()
            if set(names) <= {w["name"] for w in found if w["status"] == "ONLINE"}:
                return
            for name in names:
                assert self.workers[name].poll() is None, self.log(f"worker-{name}.log")
            time.sleep(1)
        pytest.fail(f"workers {names} did not come online")

    def log(self, name: str) -> str:
        return (self.folder / name).read_text(errors="replace")

    def shard_runs(self, since: str) -> list[dict]:
        runs = requests.post(
            f"{self.api}/flow_runs/filter",
            json={"flow_runs": {"tags": {"all_": ["shard"]}, "start_time": {"after_": since}}},
            timeout=60,
        ).json()
        return [run for run in runs if run["state"]]

    def tasks_done(self, run_id: str, name: str) -> int:
        found = requests.post(
            f"{self.api}/task_runs/filter",
            json={
                "flow_runs": {"id": {"any_": [run_id]}},
                "task_runs": {"name": {"like_": name}, "state": {"type": {"any_": ["COMPLETED"]}}},
            },
            timeout=60,
        ).json()
        return len(found)

    def artifacts(self, **filters: object) -> list[dict]:
        return requests.post(f"{self.api}/artifacts/filter", json={"artifacts": filters}, timeout=60).json()


@pytest.fixture(scope="module")
def sites(demo_build: tuple[Path, dict], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight sites: the demo's four policy URLs, each also filed under a second name (its own history)."""
    _, expected = demo_build
    rows = [f"{s['url']},{s['site']}" for s in expected["sites"]]
    rows += [f"{s['url']},{s['site'].replace('.example', '-mirror.example')}" for s in expected["sites"]]
    path = tmp_path_factory.mktemp("sites") / "sites.csv"
    path.write_text("url,site\n" + "\n".join(rows) + "\n")
    return path


@pytest.fixture(scope="module")
def cluster(wayback, sites: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """The server with the pool and the deployments; meanwhile, the reference crawl (see ``reference``)."""
    folder = tmp_path_factory.mktemp("shards")
    port = _free_port()
    env = _environment(folder, port, settings_for(wayback, folder / "reference.duckdb"))
    # Workers say they are alive every 5 s and count as offline after three silent beats; the server looks every
    # second. Prefect's defaults: 30 s and 15 s.
    env.update(PREFECT_WORKER_HEARTBEAT_SECONDS="5", PREFECT_SERVER_SERVICES_FOREMAN_LOOP_SECONDS="1")
    with ExitStack() as stack:
        cluster = Cluster(env, folder, stack)
        server = cluster.start(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            "server.log",
            env,
            interrupts=1,
        )
        _wait_healthy(cluster.api, server, folder / "server.log")
        single = cluster.start(
            [str(BIN / "palimpsest"), "crawl-sites", str(sites), "--workers", "1"], "reference.log", env, interrupts=1
        )
        _run([str(BIN / "prefect"), "work-pool", "create", "palimpsest", "--type", "process"], env)
        _run([str(BIN / "prefect"), "--no-prompt", "deploy", "--all"], env)
        assert single.wait(timeout=300) == 0, cluster.log("reference.log")
        yield cluster
    for pgid in cluster.groups:
        assert _gone(pgid), f"process group {pgid} outlived the test"


@pytest.fixture(scope="module")
def reference(cluster: Cluster) -> dict[str, list[tuple]]:
    """The eight sites as one in-process crawl-sites (no shards) wrote them into one DuckDB file."""
    return _views(Path(cluster.env["PALIMPSEST_DB"]))


def _views(db: Path | Lake) -> dict[str, list[tuple]]:
    """The rows of ``captures``, ``versions`` and ``changes``, sorted whole: a site and its mirror share their
    captures' (url, time, digest), the order the snapshot queries sort by, so ties come in either order."""
    return {name: sorted(rows, key=repr) for name, rows in snapshot(db, *VIEWS).items()}  # type: ignore[arg-type]


def _palimpsest(env: dict[str, str], *args: str, code: int = 0) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(BIN / "palimpsest"), *args], env=env, cwd=env["PALIMPSEST_PROJECT_DIR"], capture_output=True,
        text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == code, f"{args}: {done.stdout}\n{done.stderr}"
    return done


def _printed_requests(out: str) -> dict[str, int]:
    line = next(line for line in out.splitlines() if line.startswith("archive requests: "))
    counts = line.removeprefix("archive requests: ").split(";")[0]
    return {kind: int(count) for count, kind in (part.split() for part in counts.split(", "))}


@pytest.mark.slow
def test_two_workers_share_the_sites_and_the_file_equals_a_single_crawl(
    cluster: Cluster, sites: Path, reference: dict[str, list[tuple]]
) -> None:
    env = {**cluster.env, "PALIMPSEST_DB": str(cluster.folder / "sharded.duckdb")}
    since = _now()
    with ExitStack() as workers:
        cluster.worker("w1", env, workers)
        cluster.worker("w2", env, workers)
        cluster.wait_online("w1", "w2")
        done = _palimpsest(env, "crawl-sites", str(sites), "--shards", "2", "--workers", "1")
        views = _views(Path(env["PALIMPSEST_DB"]))
        runs = cluster.shard_runs(since)
        refreshed = _palimpsest(env, "refresh", "--shards", "2")  # every site tracked, nothing new since
    assert "archive requests: 8 cdx, 0 replay" in refreshed.stdout, refreshed.stdout
    assert len([line for line in refreshed.stdout.splitlines() if "(flow run " in line]) == 2

    shards = [line for line in done.stdout.splitlines() if line.startswith("shard ") and "(flow run " in line]
    assert len(shards) == 2 and {line.split(" on ")[1].split()[0] for line in shards} == {"w1", "w2"}, done.stdout
    assert sorted(run["labels"]["prefect.worker.name"] for run in runs) == ["w1", "w2"]
    assert all(run["state"]["type"] == "COMPLETED" and run["parent_task_run_id"] for run in runs)  # subflows
    assert sorted(len(run["parameters"]["entries"]) for run in runs) == [4, 4]

    found = cluster.artifacts(flow_run_id={"any_": [run["id"] for run in runs]}, type={"any_": ["palimpsest-shard"]})
    summaries = [json.loads(artifact["data"]) for artifact in found]
    assert len(summaries) == 2
    summed: Counter = Counter()
    for summary in summaries:
        summed.update(summary["requests"])
    assert _printed_requests(done.stdout) == dict(summed)
    artifact = requests.get(f"{cluster.api}/artifacts/palimpsest-crawl-sites/latest", timeout=60).json()["data"]
    assert "in 2 shards" in artifact and "8 site(s), 0 failed" in artifact
    requested = ", ".join(f"{count} {kind}" for kind, count in sorted(summed.items()))
    assert f"Archive requests: {requested}." in artifact
    assert "## Shards" in artifact and "| w1 |" in artifact and "| w2 |" in artifact
    rows = _outcome_rows(artifact)
    results = {r["site"]: r["report"] for summary in summaries for r in summary["results"]}
    assert sorted(rows) == sorted(results) and len(rows) == 8
    assert {site: int(cells[1]) for site, cells in rows.items()} == {s: r["fetched"] for s, r in results.items()}

    assert views == reference
    assert _views(Path(env["PALIMPSEST_DB"])) == reference


@pytest.mark.slow
def test_a_worker_killed_mid_shard_loses_nothing_and_a_second_run_completes_a_lake(
    cluster: Cluster, sites: Path, reference: dict[str, list[tuple]]
) -> None:
    postgres = Postgres()
    postgres.start()
    try:
        lake: Lake = postgres.lake(cluster.folder / "lake-data")
        env = {
            **cluster.env,
            "PALIMPSEST_DB": str(lake),
            "PALIMPSEST_LAKE_DATA": str(lake.data),
            "PALIMPSEST_WARC_DIR": str(cluster.folder / "lake-warc"),
            # One fetch every 2 s for both workers: time to be killed mid-shard. At one a second the first run once
            # ended before a shard was seen mid-way (CI, 2026-12-04): a task run reaches the API with its events,
            # which the server stores seconds later, and the smaller shard took 6 fetches.
            "PALIMPSEST_REPLAY_RATE": "30",
        }
        _killed_mid_shard_then_run_again(cluster, sites, env)
        assert _views(lake) == reference
    finally:
        postgres.stop()


def _killed_mid_shard_then_run_again(cluster: Cluster, sites: Path, env: dict[str, str]) -> None:
    since = _now()
    with ExitStack() as workers:
        cluster.worker("w3", env, workers)
        cluster.worker("w4", env, workers)
        cluster.wait_online("w3", "w4")
        command = [str(BIN / "palimpsest"), "crawl-sites", str(sites), "--shards", "2", "--workers", "1"]
        first = cluster.start(command, "first-run.log", env, interrupts=1, stack=workers)
        victim, run_id = _kill_a_worker_mid_shard(cluster, since, first)
        cluster.worker("w5", env, workers)

        assert first.wait(timeout=180) == 1
        out = cluster.log("first-run.log")
        assert f"worker '{victim}'" in out and "crashed" in out and "run the same command again" in out, out
        state = requests.get(f"{cluster.api}/flow_runs/{run_id}", timeout=60).json()["state"]
        assert state["type"] == "CRASHED" and "no heartbeat from its flow run" in state["message"], state

        cluster.wait_online("w5")
        again = _palimpsest(env, "crawl-sites", str(sites), "--shards", "2", "--workers", "1")
    assert "failed:" not in again.stdout
    ran = {line.split(" on ")[1].split()[0] for line in again.stdout.splitlines() if "(flow run " in line}
    assert victim not in ran and len(ran) == 2, again.stdout


def _kill_a_worker_mid_shard(cluster: Cluster, since: str, first: subprocess.Popen) -> tuple[str, str]:
    """Wait for a shard that is running with at least one of its sites crawled to the end, then kill its worker
    and every process under it at once, as a machine that dies would; the worker's name and the run's id."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert first.poll() is None, cluster.log("first-run.log")
        for run in cluster.shard_runs(since):
            if run["state"]["type"] == "RUNNING" and cluster.tasks_done(run["id"], "store_versions") >= 1:
                victim = run["labels"]["prefect.worker.name"]
                killed = _kill_tree(cluster.workers[victim].pid, run["id"])
                assert len(killed) >= 2, killed  # the worker, and the process running its flow run
                return victim, run["id"]
        time.sleep(1)
    pytest.fail(f"no shard was seen mid-way: {cluster.log('first-run.log')}")


def _kill_tree(pid: int, flow_run_id: str) -> list[int]:
    """``kill -9`` a worker, every process under it and every process running its flow run (Prefect 3.8.8 starts
    that one detached, in a session of its own): all are stopped first, so that none sees another die and reacts."""
    children: dict[int, list[int]] = {}
    running: list[int] = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            environ = (proc / "environ").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        children.setdefault(parent, []).append(int(proc.name))
        if f"PREFECT__FLOW_RUN_ID={flow_run_id}".encode() in environ:
            running.append(int(proc.name))
    assert running, f"no process runs flow run {flow_run_id}"
    tree, frontier = [], [pid, *running]
    while frontier:
        current = frontier.pop()
        if current not in tree:
            tree.append(current)
            frontier += children.get(current, [])
    for signal_ in (signal.SIGSTOP, signal.SIGKILL):
        for member in tree:
            with suppress(ProcessLookupError):
                os.kill(member, signal_)
    return tree


def _now() -> str:
    """Now, to find the shard runs a test started by their start time (server and test share one clock)."""
    return datetime.now(UTC).isoformat()


def _outcome_rows(markdown: str) -> dict[str, list[str]]:
    """The artifact's "Captures by outcome" table: site → its cells (found, fetched, then one per outcome)."""
    section = markdown.split("## Captures by outcome", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip("|").split("|") for line in section.splitlines() if line.startswith("| ")]
    return {cells[0].strip(): [cell.strip() for cell in cells[1:]] for cells in rows[1:]}
