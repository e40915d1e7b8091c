"""How a command reaches Prefect's API (``palimpsest/cli/prefect_runtime.py``).

Every crawl is a flow run recorded in ``PREFECT_HOME``'s database, through a temporary server that answers the
requests sent before it was ready and stops with the command, or through a running server of the same home, which
is reused. A server of another home or another Prefect version is not, and a configured API always wins. The
commands run as child processes with a ``PREFECT_HOME`` of this module's own and Prefect's default server port
pointed at a free one, so that a developer's own Prefect server is never used.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version
from pathlib import Path
from typing import ClassVar

import pytest

from palimpsest.cli import prefect_runtime
from tests.prefect_processes import processes_with_home, start_prefect_server
from tests.shared import REPO

CRAWLED = "https://pebbleweather.example/privacy"  # a demo site: 6 captures, 3 fetches


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def prefect_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One PREFECT_HOME for the module: its database is created (migrated) once, by the first command."""
    return tmp_path_factory.mktemp("prefect-home")


def _environment(prefect_home: Path, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "PALIMPSEST_DB"))}
    env.update(PREFECT_HOME=str(prefect_home), PREFECT_SERVER_API_PORT=str(port), DO_NOT_TRACK="1")
    # The server stops with its command unless a test says otherwise.
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", PALIMPSEST_PREFECT_IDLE="0")
    env.update(extra)
    return env


def _crawl(wayback: object, db: Path, env: dict[str, str]) -> list[str]:
    """``palimpsest crawl`` through ``main`` in a child process; its last line says which API the run went to,
    whether this process started a server, and whether it imported Prefect's server package."""
    options = ["--db", str(db), "--cdx-url", wayback.cdx_url, "--replay-url", wayback.replay_url]  # type: ignore[attr-defined]
    probe = (
        "import sys; from palimpsest.cli import main; from palimpsest.cli.prefect_runtime import API;"
        f"code = main({[*options, '--cdx-rate', '6000', '--replay-rate', '60000', 'crawl', CRAWLED]!r});"
        "print(code, API.url, API.server is not None, 'prefect.server.api.server' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.splitlines()


def _flow_runs(prefect_home: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(prefect_home / "prefect.db") as con:
        rows = con.execute(
            "SELECT flow.name, flow_run.state_type FROM flow_run JOIN flow ON flow.id = flow_run.flow_id"
            " ORDER BY flow_run.created"
        ).fetchall()
    return [(str(name), str(state)) for name, state in rows]


@pytest.mark.slow
def test_a_crawl_is_a_flow_run_in_prefect_homes_database(wayback, prefect_home: Path, tmp_path: Path) -> None:
    before = _flow_runs(prefect_home) if (prefect_home / "prefect.db").exists() else []
    lines = _crawl(wayback, tmp_path / "w.duckdb", _environment(prefect_home, _free_port()))
    assert any("3 fetched" in line for line in lines), lines
    code, url, started, imported_server = lines[-1].split()
    assert (code, started, imported_server) == ("0", "True", "False")  # the server package stays in the server
    assert url.startswith("http://127.0.0.1:")
    assert _flow_runs(prefect_home) == [*before, ("crawl_policy", "COMPLETED")]
    with sqlite3.connect(prefect_home / "prefect.db") as con:
        tasks = {name for (name,) in con.execute("SELECT task_key FROM task_run")}
    assert any("find_captures" in name for name in tasks), tasks
    deadline = time.monotonic() + 10
    while processes_with_home(prefect_home) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_with_home(prefect_home) == []  # the temporary server stopped with the command


@pytest.mark.slow
def test_a_temporary_server_is_kept_for_the_next_command_then_stops(wayback, tmp_path: Path) -> None:
    """With PALIMPSEST_PREFECT_IDLE, the server outlives its command (without holding the command's output open:
    ``_crawl`` reads it to its end), the next command uses it, and it stops once idle that long."""
    home = tmp_path / "prefect-home"
    home.mkdir()
    env = _environment(home, _free_port(), PALIMPSEST_PREFECT_IDLE="8")
    code, url, started, _ = _crawl(wayback, tmp_path / "a.duckdb", env)[-1].split()
    assert (code, started) == ("0", "True")
    kept = home / "palimpsest-server" / "server.json"
    assert json.loads(kept.read_text())["url"] == url
    assert _crawl(wayback, tmp_path / "b.duckdb", env)[-1].split()[:3] == ["0", url, "False"]
    assert _flow_runs(home) == [("crawl_policy", "COMPLETED")] * 2
    deadline = time.monotonic() + 8 + 60
    while processes_with_home(home) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert processes_with_home(home) == [] and not kept.exists()
    assert list((home / "palimpsest-server" / "users").iterdir()) == []


@pytest.mark.slow
def test_the_temporary_server_answers_a_request_sent_before_it_was_ready(prefect_home: Path) -> None:
    probe = (
        "import json, urllib.request; from palimpsest.cli.prefect_runtime import _start_server, stop_server;"
        "url = _start_server();"  # and at once, before the server can have imported anything
        "print(json.load(urllib.request.urlopen(url + '/health', timeout=240)));"
        "stop_server()"
    )
    env = _environment(prefect_home, _free_port())
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True"]  # queued while the server booted (not refused), then answered
    assert processes_with_home(prefect_home) == []


@pytest.mark.slow
def test_a_running_server_of_the_same_home_is_reused(wayback, prefect_home: Path, tmp_path: Path) -> None:
    port = _free_port()
    env = _environment(prefect_home, port)
    server = start_prefect_server(env, port, wait=240)
    try:
        api = f"http://127.0.0.1:{port}/api"
        before = _runs_of(api)
        lines = _crawl(wayback, tmp_path / "w.duckdb", env)
        assert lines[-1].split() == ["0", api, "False", "False"]  # the server's API, and no server of its own
        new = [run for run in _runs_of(api) if run["id"] not in {old["id"] for old in before}]
        assert [run["state_type"] for run in new] == ["COMPLETED"]
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=60)


def _runs_of(api: str) -> list[dict]:
    ask = urllib.request.Request(f"{api}/flow_runs/filter", data=b"{}", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(ask, timeout=30) as answer:
        return json.load(answer)


class _FakeApi(BaseHTTPRequestHandler):
    """Answers as a Prefect server would the three questions asked of one found on the default port."""

    answers: ClassVar[dict[str, object]] = {}

    def do_GET(self) -> None:
        body = json.dumps(self.answers.get(self.path)).encode()
        self.send_response(200 if self.path in self.answers else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, object]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeApi)
    monkeypatch.setenv("PREFECT_SERVER_API_HOST", "127.0.0.1")
    monkeypatch.setenv("PREFECT_SERVER_API_PORT", str(server.server_address[1]))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _FakeApi.answers = {}
    yield _FakeApi.answers
    server.shutdown()
    server.server_close()


def _answers(home: Path, prefect_version: str, healthy: object = True) -> dict[str, object]:
    return {"/api/health": healthy, "/api/admin/settings": {"home": str(home)}, "/api/admin/version": prefect_version}


def test_a_server_is_reused_only_for_the_same_home_and_prefect_version(fake_api, tmp_path: Path) -> None:
    home, url = tmp_path / "home", f"http://127.0.0.1:{os.environ['PREFECT_SERVER_API_PORT']}/api"
    fake_api.update(_answers(home, version("prefect")))
    assert prefect_runtime._running_server(home.resolve()) == url
    assert prefect_runtime._running_server((tmp_path / "other").resolve()) is None
    fake_api.update(_answers(home, "2.0.0"))
    assert prefect_runtime._running_server(home.resolve()) is None
    fake_api.update(_answers(home, version("prefect"), healthy={"status": "starting"}))
    assert prefect_runtime._running_server(home.resolve()) is None


def test_nothing_listening_on_the_default_port_means_no_server(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("PREFECT_SERVER_API_PORT", str(_free_port()))
    assert prefect_runtime._running_server(tmp_path) is None


def test_a_configured_api_is_used_and_no_server_is_started(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    before = prefect_runtime.API.server  # a command run in this process before may have started one
    assert prefect_runtime.connect_api() == "http://127.0.0.1:9/api"
    assert prefect_runtime.API.server is before


@pytest.mark.slow
def test_an_api_named_by_a_prefect_profile_wins(tmp_path: Path) -> None:
    """A profile is read only once Prefect is imported, after the server was started: it is stopped again."""
    home = tmp_path / "prefect-home"
    home.mkdir()
    (home / "profiles.toml").write_text(
        'active = "remote"\n\n[profiles.remote]\nPREFECT_API_URL = "http://127.0.0.1:9/api"\n'
    )
    probe = (
        "from palimpsest.cli.prefect_runtime import API, connect_api;"
        "url = connect_api(); print(url, API.server is None)"
    )
    env = _environment(home, _free_port())
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["http://127.0.0.1:9/api", "True"]
    assert processes_with_home(home) == []
