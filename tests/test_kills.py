"""Kill tests: a crawl SIGKILLed twenty times at random points (during CDX paging, mid-fetch, after a WARC write,
inside a store transaction, inside the version rebuild, or after a random time), then rerun by the real
``palimpsest crawl`` command, ends with the warehouse an uninterrupted crawl makes: the same captures, versions,
changes and texts, compared by checksum.

The archive is our loopback fault archive (no faults scripted) holding a policy whose every capture has its own
digest, whose index comes in pages of four, and whose URL moves once through an archived redirect. The kill
points are installed from outside the code under test (tests/killpoints.py). The seed is fixed and printed, so a
failure can be replayed; ``KILL_TEST_SEED`` picks another.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from palimpsest.flows.crawl import run_crawl
from palimpsest.warehouse import connect
from tests.conftest import settings_for
from tests.invariants import assert_nothing_lost, listed
from tests.killpoints import POINTS
from tests.servers import FaultArchive, Page
from tests.shared import REPO
from tests.snapshots import checksums
from tests.timelines import page

pytestmark = pytest.mark.slow

OLD, NEW = "https://oatmill.example/privacy", "https://oatmill.example/legal/privacy"
KILLS = 20
SEED = int(os.environ.get("KILL_TEST_SEED", "20261123"))

CHILD = """
import sys
from pathlib import Path
from tests import killpoints
killpoints.install()
from palimpsest.flows.crawl import run_crawl
from palimpsest.settings import Settings

db, cdx, replay, url = sys.argv[1:5]
# Replays 100 ms apart: the fetching takes a few seconds, so most kills land with work still to do.
settings = Settings(db=Path(db), cdx_url=cdx, replay_url=replay, cdx_rate=60000.0, replay_rate=600.0)
print("start", flush=True)
report = run_crawl(settings, url, batch_size=4)
print("done", report.versions, flush=True)
"""


def history() -> list[Page]:
    """48 captures of the old URL (changes at 14 and 30), a redirect, then 12 of the new URL (a change at 5)."""
    pages = [Page(OLD, f"2018{m:02d}{d:02d}090000", page((i > 13) + (i > 29), i)) for i, (m, d) in enumerate(_days(48))]
    pages.append(Page(OLD, "20190101090000", status=301, location=NEW))
    pages += [
        Page(NEW, f"2019{m + 1:02d}{d:02d}090000", page(2 + (i > 4), 100 + i)) for i, (m, d) in enumerate(_days(12))
    ]
    return pages


def _days(count: int) -> list[tuple[int, int]]:
    return [(1 + i // 4, 1 + 7 * (i % 4)) for i in range(count)]


def stored_captures(db: Path) -> int:
    if not db.exists():
        return 0
    con = connect(db, read_only=True)
    try:
        return con.execute("SELECT count(*) FROM capture").fetchone()[0]
    finally:
        con.close()


def crawl_child(archive: FaultArchive, db: Path, kill_at: str | None, after: float | None) -> int:
    """One crawl in a child process; killed at a named point, ``after`` seconds into the crawl, or not at all."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("PALIMPSEST_KILL_AT", None)
    if kill_at:
        env["PALIMPSEST_KILL_AT"] = kill_at
    args = [sys.executable, "-c", CHILD, str(db), archive.cdx_url, archive.replay_url, OLD]
    child = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if after is not None:
        assert child.stdout is not None
        child.stdout.readline()  # "start": imports done, the crawl begins (start-up time varies with load)
        try:
            child.wait(timeout=after)
        except subprocess.TimeoutExpired:
            os.kill(child.pid, signal.SIGKILL)
    _, stderr = child.communicate(timeout=120)
    assert child.returncode in {0, -signal.SIGKILL}, stderr.decode()[-2000:]
    return child.returncode


def crawl_command(archive: FaultArchive, db: Path, tmp: Path, kill_at: str | None = None) -> tuple[int, str]:
    """The real ``palimpsest crawl`` (Prefect flow and all); kill points come in through a ``sitecustomize``.

    Returns (exit code, stderr). The command runs in a process group of its own, stopped whole afterwards, so
    nothing it started outlives the test.
    """
    hooks = tmp / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / "sitecustomize.py").write_text("from tests import killpoints\nkillpoints.install()\n")
    # On a loaded 2-core machine Prefect's ephemeral API can take longer than its default 20 s to start.
    env = {
        **os.environ,
        "PYTHONPATH": f"{hooks}{os.pathsep}{REPO}",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    }
    env.pop("PALIMPSEST_KILL_AT", None)
    if kill_at:
        env["PALIMPSEST_KILL_AT"] = kill_at
    command = [str(Path(sys.executable).parent / "palimpsest"), "--db", str(db), "--cdx-url", archive.cdx_url]
    command += ["--replay-url", archive.replay_url, "--cdx-rate", "60000", "--replay-rate", "60000", "crawl", OLD]
    log = tmp / "crawl-command.log"
    with log.open("w") as sink:
        child = subprocess.Popen(command, cwd=tmp, env=env, stdout=sink, stderr=sink, start_new_session=True)
        try:
            code = child.wait(timeout=300)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
    return code, log.read_text()[-2000:]


def test_twenty_random_kills_then_a_rerun_equal_an_uninterrupted_crawl(tmp_path: Path) -> None:
    print(f"kill-test seed {SEED} (set KILL_TEST_SEED to replay another)")
    rng = random.Random(SEED)  # noqa: S311 - a replayable choice of kill points, not cryptography
    pages = history()
    with FaultArchive(pages, page_size=4) as archive:
        reference = settings_for(archive, tmp_path / "reference" / "palimpsest.duckdb")
        run_crawl(reference, OLD, batch_size=4)
        want = checksums(reference.db)
        assert_nothing_lost(reference.db, listed(pages))

        db = tmp_path / "killed" / "palimpsest.duckdb"
        plan, killed, stored = [], 0, [0]
        while killed < KILLS:
            assert len(plan) < 3 * KILLS, plan  # the kill points must really be reached
            # The rebuild is reached once every capture is stored; until then, interrupt the fetching.
            done = stored[-1] == len(pages)
            point = rng.choice([*(p for p in POINTS if done or p != "rebuild"), "time"])
            if point == "time":
                kill_at, after = None, rng.uniform(0.1, 3.0)
            else:
                # The rebuild runs once per crawl; the other points are passed many times.
                kill_at, after = f"{point}:{1 if point == 'rebuild' else rng.randint(1, 4)}", None
            code = crawl_child(archive, db, kill_at, after)
            killed += code == -signal.SIGKILL
            stored.append(stored_captures(db))
            plan.append(f"{kill_at or f'time:{after:.2f}s'}→{'killed' if code else 'finished'} ({stored[-1]})")
        print(f"{len(plan)} runs, captures stored after each:", ", ".join(plan))
        assert stored == sorted(stored)  # a kill never loses what an earlier run stored
        midway = sum(0 < n < len(pages) for n in stored)
        assert midway >= 5, plan  # many kills landed with the crawl half done

        # The real command, killed once mid-transaction, then run to the end.
        code, output = crawl_command(archive, db, tmp_path, kill_at="commit:1")
        assert code == -signal.SIGKILL, output
        code, output = crawl_command(archive, db, tmp_path)
        assert code == 0, output
    got = checksums(db)
    assert got == want
    assert_nothing_lost(db, listed(pages))
