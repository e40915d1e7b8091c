"""Ctrl-C on the CLI: ``palimpsest crawl`` interrupted mid-run exits 130 with one line, leaves no process behind,
keeps every batch it stored, and the same command run again finishes the job without fetching those again.

The crawl runs as a real ``palimpsest`` process (with Prefect's temporary server, as a user's terminal would)
against pywb, at a replay rate slow enough that the interrupt lands in the middle of its second batch: at 120 a
minute that batch's 30 captures take 15 s, and the interrupt comes 3 s after the first batch is stored, room
enough for a test process slowed by a busy machine. The crawl must stop within a few seconds (it used to wait for
the whole batch, then drop it), keep what the batch had fetched, and its rerun must not fetch those again.
Ctrl-C reaches the whole foreground process group, so the SIGINT goes to the group.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from palimpsest.warehouse import connect
from tests.conftest import settings_for
from tests.prefect_processes import processes_with_home
from tests.shared import REPO
from tests.snapshots import snapshot

pytestmark = pytest.mark.slow

PALIMPSEST = REPO / ".venv" / "bin" / "palimpsest"


def _command(settings, url: str) -> list[str]:
    return [
        str(PALIMPSEST),
        "--db", str(settings.db),
        "--cdx-url", settings.cdx_url,
        "--replay-url", settings.replay_url,
        "--replay-rate", "120",
        "crawl", url,
    ]  # fmt: skip


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "PALIMPSEST_DB"))}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    env["PALIMPSEST_PREFECT_IDLE"] = "0"  # the server stops with its command, as these tests check
    return env


def test_ctrl_c_stops_cleanly_and_a_rerun_resumes(timeline_wayback, timelines, tmp_path: Path) -> None:
    timeline = timelines["sampling"]  # 80 captures, every digest different: two batches of fetches
    settings = settings_for(timeline_wayback, tmp_path / "palimpsest.duckdb")
    env = _environment(tmp_path)
    errors = (tmp_path / "stderr.txt").open("w")
    child = subprocess.Popen(
        _command(settings, timeline.url),
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
        start_new_session=True,
    )
    assert child.stdout is not None
    lines = []
    deadline = time.monotonic() + 180
    for line in child.stdout:  # in a pipe, progress is one plain line per stored batch
        lines.append(line)
        if line.startswith("found") and "fetched 50 " in line:
            time.sleep(3)  # into the second batch: about 6 of its 30 fetched
            os.killpg(child.pid, signal.SIGINT)
            interrupted_at = time.monotonic()
            break
        assert time.monotonic() < deadline, "".join(lines)
    code = child.wait(timeout=60)
    stopped_in = time.monotonic() - interrupted_at
    errors.close()
    stderr = (tmp_path / "stderr.txt").read_text()
    assert code == 130, "".join(lines) + stderr
    assert "interrupted: what was stored is kept" in stderr
    assert "Traceback" not in stderr
    # The rest of the batch (about 9 s at this pace) is not waited for; a busy machine gets some slack.
    print(f"Ctrl-C stopped the crawl in {stopped_in:.2f} s")
    assert stopped_in < 5, f"Ctrl-C took {stopped_in:.1f} s to stop the crawl"
    time.sleep(1)
    with pytest.raises(ProcessLookupError):
        os.killpg(child.pid, 0)  # nothing of the group is left
    assert processes_with_home(env["PREFECT_HOME"]) == []  # and Prefect's temporary server (in its own session) stopped

    stored = snapshot(settings.db)
    assert 50 < len(stored["captures"]) < len(timeline.stamps)  # the interrupted batch's fetches are kept
    con = connect(settings.db, read_only=True)
    kept = con.execute(
        "SELECT count(*) FROM capture JOIN payload USING (url, ts, digest) WHERE outcome = 'error:interrupted'"
    )
    assert kept.fetchone()[0] == len(stored["captures"]) - 50  # unextracted, with their raw bytes
    con.close()

    rerun = subprocess.run(
        _command(settings, timeline.url),
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    fetched = len(timeline.stamps) - len(stored["captures"])
    assert f"{len(timeline.stamps)} captures, {fetched} fetched" in rerun.stdout
    done = snapshot(settings.db)
    assert len(done["captures"]) == len(timeline.stamps)
    assert len(done["versions"]) == timeline.changes + 1


def test_a_killed_crawl_leaves_no_prefect_server_behind(timeline_wayback, timelines, tmp_path: Path) -> None:
    """``kill -9`` runs no exit handler; Prefect's temporary server (in its own session, out of reach of the
    process group) must still stop with the crawl that started it."""
    settings = settings_for(timeline_wayback, tmp_path / "palimpsest.duckdb")
    env = _environment(tmp_path)
    child = subprocess.Popen(
        _command(settings, timelines["sampling"].url),
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("found"):  # the flow is running, so its server is up
            break
    assert len(processes_with_home(env["PREFECT_HOME"])) >= 2  # the crawl and its server
    child.kill()  # the crawl alone, not its group
    child.wait(timeout=30)
    deadline = time.monotonic() + 30
    while processes_with_home(env["PREFECT_HOME"]) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert processes_with_home(env["PREFECT_HOME"]) == []
