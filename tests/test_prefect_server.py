"""The real thing: ``prefect server start``, a process work pool, ``prefect deploy --all``, a worker, and a
``crawl-policy`` flow run against pywb that must end Completed with the site's history in the warehouse.

Everything listens on 127.0.0.1, Prefect's home is a temporary directory, and every process this test starts
runs in its own process group, which is gone when the test ends (the worker needs a second SIGINT, or a kill).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import requests
import yaml

from palimpsest.warehouse import connect
from tests.conftest import settings_for
from tests.shared import REPO

pytestmark = pytest.mark.slow

BIN = REPO / ".venv" / "bin"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(tmp_path: Path, port: int, settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PALIMPSEST_"))}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_API_URL=f"http://127.0.0.1:{port}/api",
        PREFECT_SERVER_API_HOST="127.0.0.1",
        PREFECT_SERVER_API_PORT=str(port),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_WORKER_QUERY_SECONDS="1",
        PREFECT_WORKER_PREFETCH_SECONDS="1",
        PREFECT_UI_ENABLED="false",
        DO_NOT_TRACK="1",
        PALIMPSEST_PROJECT_DIR=str(REPO),
        # Commands run on their own and keep nothing after them (no temporary server, no warm runner), as every
        # test's do (conftest): a runner left by this module outlived it by 5 minutes.
        PALIMPSEST_PREFECT_IDLE="0",
        PALIMPSEST_DB=str(settings.db),
        PALIMPSEST_CDX_URL=settings.cdx_url,
        PALIMPSEST_REPLAY_URL=settings.replay_url,
        PALIMPSEST_CDX_RATE=str(settings.cdx_rate),
        PALIMPSEST_REPLAY_RATE=str(settings.replay_rate),
    )
    if os.environ.get("PALIMPSEST_PYWB_VENV"):
        env["PALIMPSEST_PYWB_VENV"] = os.environ["PALIMPSEST_PYWB_VENV"]
    return env


@contextmanager
def _group(args: list[str], env: dict[str, str], log: Path, *, interrupts: int) -> Iterator[subprocess.Popen]:
    """A long-running process in its own group; on exit: ``interrupts`` SIGINTs, then a kill of the group."""
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            yield proc
        finally:
            for _ in range(interrupts):
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGINT)
                    with suppress(subprocess.TimeoutExpired):
                        proc.wait(timeout=10)
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


def _gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


def _wait_healthy(api: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text(errors="replace")
        try:
            if requests.get(f"{api}/health", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    pytest.fail(f"prefect server did not start: {log.read_text(errors='replace')}")


def test_a_worker_runs_the_crawl_policy_deployment_to_completion(
    wayback, demo_build: tuple[Path, dict], tmp_path: Path
) -> None:
    _, expected = demo_build
    pebble = next(s for s in expected["sites"] if s["site"] == "pebbleweather.example")
    settings = settings_for(wayback, tmp_path / "served.duckdb")
    port = _free_port()
    env = _environment(tmp_path, port, settings)
    api = env["PREFECT_API_URL"]
    server_log, worker_log = tmp_path / "server.log", tmp_path / "worker.log"
    groups = []
    with _group([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)], env,
                server_log, interrupts=1) as server:  # fmt: skip
        groups.append(server.pid)
        _wait_healthy(api, server, server_log)
        _run([str(BIN / "prefect"), "work-pool", "create", "palimpsest", "--type", "process"], env)
        _run([str(BIN / "prefect"), "--no-prompt", "deploy", "--all"], env)
        declared = {
            d["name"] for d in yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
        }
        registered = requests.post(f"{api}/deployments/filter", json={}, timeout=10).json()
        assert {d["name"] for d in registered} == declared
        with _group([str(BIN / "prefect"), "worker", "start", "--pool", "palimpsest"], env, worker_log,
                    interrupts=2) as worker:  # fmt: skip
            groups.append(worker.pid)
            deployment = requests.get(f"{api}/deployments/name/crawl_policy/crawl-policy", timeout=10).json()
            run = requests.post(
                f"{api}/deployments/{deployment['id']}/create_flow_run",
                json={"parameters": {"url": pebble["url"], "site": pebble["site"]}},
                timeout=10,
            ).json()
            state = _wait_final(api, run["id"], worker, worker_log)
            assert state == "COMPLETED", worker_log.read_text(errors="replace")
    for pgid in groups:
        assert _gone(pgid), f"process group {pgid} outlived the test"
    con = connect(settings.db, read_only=True)
    rows = con.execute("SELECT version, captures FROM versions WHERE site = ? ORDER BY version", [pebble["site"]])
    assert rows.fetchall() == [(v["version"], v["captures"]) for v in pebble["versions"]]
    con.close()


def _wait_final(api: str, run_id: str, worker: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert worker.poll() is None, log.read_text(errors="replace")
        state = requests.get(f"{api}/flow_runs/{run_id}", timeout=10).json()["state"]["type"]
        if state in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}:
            return state
        time.sleep(1)
    pytest.fail(f"the flow run did not finish in time: {log.read_text(errors='replace')}")
