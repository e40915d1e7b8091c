"""The warm runner (``palimpsest/cli/warm.py``, ``warm_runner.py``): which commands it takes, when it must not, and
end to end through the console script: a command it runs is a recorded flow run with the command's output, terminal
and exit code, Ctrl-C and SIGTERM reach it mid-run, a runner killed under it does not leave it running, and a runner
whose imports changed hands the command back."""

from __future__ import annotations

import contextlib
import os
import pty
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import typer

from palimpsest.cli import warm
from palimpsest.cli.program import app
from tests.prefect_processes import processes_with_home
from tests.shared import REPO

CRAWLED = "https://pebbleweather.example/privacy"  # a demo site: 6 captures, 3 fetches
COMMAND = Path(sys.executable).with_name("palimpsest")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"PREFECT_HOME": str(tmp_path / "home"), "PALIMPSEST_PREFECT_IDLE": "300"}


def test_the_commands_that_run_a_flow_go_to_a_runner(env: dict[str, str], tmp_path: Path) -> None:
    plan = warm.plan_for(["--db", "w.duckdb", "--cdx-rate=6", "crawl", CRAWLED], env)
    assert plan is not None and plan.idle == 300
    assert plan.state == (tmp_path / "home" / "palimpsest-server").resolve()
    assert warm.plan_for(["refresh"], env) is not None
    assert warm.plan_for(["--prefect-idle", "20", "discover", "example.com"], env).idle == 20  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (["history", "example.com"], {}),  # no flow: starts in well under a second
        (["--db", "crawl", "sites"], {}),  # "crawl" is --db's value here
        (["-v", "crawl", CRAWLED], {}),  # Prefect's logging is set at import
        (["crawl", "--help"], {}),
        (["--prefect-idle", "0", "crawl", CRAWLED], {}),
        (["crawl", CRAWLED], {"PALIMPSEST_PREFECT_IDLE": "0"}),
        (["crawl", CRAWLED], {"PALIMPSEST_PREFECT_IDLE": "soon"}),  # the command itself says what is wrong
        (["crawl", CRAWLED], {"PALIMPSEST_WARM": "0"}),
    ],
)
def test_a_command_runs_in_its_own_process(env: dict[str, str], args: list[str], extra: dict[str, str]) -> None:
    assert warm.plan_for(args, {**env, **extra}) is None


def test_the_client_knows_every_global_option_that_takes_a_value() -> None:
    group = typer.main.get_command(app)  # typer carries its own click: options are told by what they have
    taking = {name for param in group.params if getattr(param, "is_flag", True) is False for name in param.opts}
    assert taking == warm.VALUE_OPTIONS


def test_a_runner_serves_only_commands_with_the_prefect_settings_it_imported(tmp_path: Path) -> None:
    base = {"PREFECT_HOME": "/h", "HOME": "/root", "PALIMPSEST_DB": "a.duckdb", "TERM": "xterm"}
    same = warm.signature(base, tmp_path)
    assert warm.signature({**base, "PALIMPSEST_DB": "b.duckdb", "TERM": "dumb", "COLUMNS": "80"}, tmp_path) == same
    assert warm.signature({**base, "PREFECT_API_URL": "http://127.0.0.1:4200/api"}, tmp_path) != same
    (tmp_path / ".env").write_text("OTHER=1\n")
    assert warm.signature(base, tmp_path) == same  # Prefect reads only its own variables there
    (tmp_path / ".env").write_text("OTHER=1\nPREFECT_LOGGING_LEVEL=DEBUG\n")
    assert warm.signature(base, tmp_path) != same
    (tmp_path / ".env").unlink()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert warm.signature(base, tmp_path) == same
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.prefect]\nhome = "/elsewhere"\n')
    assert warm.signature(base, tmp_path) != same
    (tmp_path / "pyproject.toml").unlink()
    (tmp_path / "prefect.toml").write_text("home = '/elsewhere'\n")
    assert warm.signature(base, tmp_path) != same


def test_a_socket_path_too_long_for_unix_goes_to_a_private_folder(tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*["folder-with-a-long-name"] * 6)
    path = warm.socket_path(deep, "0" * 20)
    assert len(os.fsencode(path)) <= warm.MAX_SOCKET_PATH
    assert path.parent.stat().st_uid == os.getuid() and path.parent.stat().st_mode & 0o077 == 0
    assert warm.socket_path(deep, "0" * 20) == path != warm.socket_path(deep.parent, "0" * 20)


def _environment(home: Path, wayback: object, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "PALIMPSEST_"))}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_API_PORT=str(_free_port()), DO_NOT_TRACK="1")
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", PALIMPSEST_PREFECT_IDLE="120")
    env.update(PALIMPSEST_CDX_URL=wayback.cdx_url, PALIMPSEST_REPLAY_URL=wayback.replay_url)  # type: ignore[attr-defined]
    env.update(PALIMPSEST_CDX_RATE="6000", PALIMPSEST_REPLAY_RATE="60000")
    env.update(extra)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _palimpsest(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(COMMAND), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _wait_for(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def _task_runs(home: Path, *, first: bool = False) -> int:
    """Task runs of the flow runs recorded (of the first one only): sent as events, which the command's exit
    handlers send and the server stores a little later."""
    with sqlite3.connect(home / "prefect.db") as con:
        runs = [run for (run,) in con.execute("SELECT id FROM flow_run ORDER BY created")]
        asked = runs[:1] if first else runs
        marks = ",".join("?" * len(asked))
        return int(con.execute(f"SELECT count(*) FROM task_run WHERE flow_run_id IN ({marks})", asked).fetchone()[0])  # noqa: S608 - placeholders only


def _served(log: Path) -> list[str]:
    return [line.split(": ", 1)[1] for line in log.read_text().splitlines() if ": pid " in line]


def _stop_everything(home: Path) -> None:
    for pid in processes_with_home(home):
        if pid != os.getpid():
            os.kill(pid, signal.SIGTERM)
    _wait_for(lambda: processes_with_home(home) == [], 60, "the runner, the server and its keeper stop")


@pytest.mark.slow
@pytest.mark.skipif(not COMMAND.exists(), reason="the console script is installed by make setup")
def test_a_warm_runner_runs_later_commands_as_recorded_flow_runs(wayback, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = _environment(home, wayback)
    state = home / "palimpsest-server"
    log = state / "warm.log"
    try:
        first = _palimpsest(env, "--db", str(tmp_path / "a.duckdb"), "crawl", CRAWLED)  # runs here, leaves a runner
        assert first.returncode == 0, first.stderr
        _wait_for(lambda: log.exists() and "serving" in log.read_text(), 120, "a runner serves")
        assert _served(log) == []

        second = _palimpsest(env, "--db", str(tmp_path / "b.duckdb"), "crawl", CRAWLED)
        assert second.returncode == 0, second.stderr
        assert "3 fetched" in second.stdout and "version\tfirst seen" in second.stdout  # its output, on its stdout
        served = _served(log)
        assert served[0].endswith(f"crawl {CRAWLED}") and served[1].endswith("exit 0"), served
        with sqlite3.connect(home / "prefect.db") as con:
            runs = con.execute("SELECT state_type FROM flow_run ORDER BY created").fetchall()
        assert runs == [("COMPLETED",), ("COMPLETED",)]  # each command a flow run of its own
        tasks = lambda: (_task_runs(home, first=True), _task_runs(home))  # noqa: E731
        _wait_for(lambda: tasks()[0] > 0 and tasks()[1] == 2 * tasks()[0], 60, "its task runs recorded too")

        refused = _palimpsest(env, "crawl", "ftp://example.com/privacy")
        assert refused.returncode == 2 and refused.stderr.startswith("error:"), refused.stderr
        assert _served(log)[-1].endswith("exit 2")

        shown = _on_a_terminal(env, "--db", str(tmp_path / "d.duckdb"), "crawl", CRAWLED)
        assert re.search(r"\x1b\[[0-9;]+m", shown), shown  # styled for the terminal (rich: bold headers, colours)

        slow = {**env, "PALIMPSEST_REPLAY_RATE": "20"}  # 3 s between fetches: each signal lands mid-crawl
        running = _start_slow(slow, tmp_path / "c.duckdb", log)
        interrupted = time.monotonic()
        running.send_signal(signal.SIGINT)
        _out, err = running.communicate(timeout=60)
        assert running.returncode == 130 and b"interrupted" in err, err
        assert time.monotonic() - interrupted < 5
        assert _served(log)[-1].endswith("exit 130")

        running = _start_slow(slow, tmp_path / "e.duckdb", log)
        running.send_signal(signal.SIGTERM)
        running.communicate(timeout=60)
        # The command ends as it would on its own: killed by the signal, or stopped as by Ctrl-C where Prefect's
        # engine turns SIGTERM into a termination it handles (Prefect 3.8.8, while a run is under way).
        assert running.returncode in {-signal.SIGTERM, 130}
        as_told = 128 + signal.SIGTERM if running.returncode < 0 else 130
        assert _served(log)[-1].endswith(f"exit {as_told}")

        running = _start_slow(slow, tmp_path / "f.duckdb", log)
        child = int(_served(log)[-1].split()[1].rstrip(":"))
        os.kill(int(log.read_text().splitlines()[0].split("warm runner ")[1].split(":")[0]), signal.SIGKILL)
        _out, err = running.communicate(timeout=60)
        assert running.returncode == 1 and b"warm runner running this command stopped" in err, err
        _wait_for(lambda: not Path(f"/proc/{child}").exists(), 30, "the runner's orphaned child is stopped")
    finally:
        _stop_everything(home)


def _start_slow(env: dict[str, str], db: Path, log: Path) -> subprocess.Popen:
    """A crawl the runner has forked and that has begun fetching."""
    served = len(_served(log))
    command = [str(COMMAND), "--db", str(db), "crawl", CRAWLED]
    running = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_for(lambda: len(_served(log)) == served + 1, 60, "the runner forks the command")
    time.sleep(2.0)
    return running


def _on_a_terminal(env: dict[str, str], *args: str) -> str:
    """What a command writes to its standard output when that is a terminal (read as it comes: a terminal's
    buffer is small, and a progress display keeps writing)."""
    main, other = pty.openpty()
    shown: list[bytes] = []

    def drain() -> None:
        with contextlib.suppress(OSError):  # EIO once the command and the runner's child have closed it
            while chunk := os.read(main, 65536):
                shown.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        done = subprocess.run(
            [str(COMMAND), *args],
            cwd=REPO,
            env={**env, "TERM": "xterm-256color", "COLUMNS": "160"},
            stdin=subprocess.DEVNULL,
            stdout=other,
            stderr=subprocess.PIPE,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    finally:
        os.close(other)
        reader.join(timeout=30)
        os.close(main)
    return b"".join(shown).decode("utf-8", "replace")


@pytest.mark.slow
@pytest.mark.skipif(not COMMAND.exists(), reason="the console script is installed by make setup")
def test_a_runner_whose_prefect_settings_changed_hands_the_command_back_then_idles_out(wayback, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = _environment(home, wayback, PALIMPSEST_PREFECT_IDLE="4")
    log = home / "palimpsest-server" / "warm.log"
    profiles = home / "profiles.toml"  # read by Prefect at import, like the code: a change is one
    try:
        assert _palimpsest(env, "--db", str(tmp_path / "a.duckdb"), "crawl", CRAWLED).returncode == 0
        _wait_for(lambda: log.exists() and "serving" in log.read_text(), 120, "a runner serves")
        profiles.write_text('active = "default"\n\n[profiles.default]\n')
        again = _palimpsest(env, "--db", str(tmp_path / "b.duckdb"), "crawl", CRAWLED)
        assert again.returncode == 0 and "3 fetched" in again.stdout, again.stderr
        text = log.read_text()
        assert f"{profiles} changed since it was imported: stopping" in text and ": pid " not in text
        _wait_for(lambda: log.read_text().count("serving") == 2, 120, "a fresh runner serves")
        _wait_for(lambda: log.read_text().count("stopped") == 2, 60, "the fresh one idles out")
        sockets = {line.split("serving ")[1].split()[0] for line in log.read_text().splitlines() if "serving" in line}
        assert len(sockets) == 1 and not Path(sockets.pop()).exists()  # the same place, removed at the end
    finally:
        _stop_everything(home)
