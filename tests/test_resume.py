"""Kill and resume: a crawl killed with SIGKILL mid-run, twice, then rerun, ends exactly where an uninterrupted
crawl does (captures, versions, texts), with nothing lost and nothing stored twice.

The crawl runs in a subprocess against a real pywb at a slow replay rate, in small batches, and reports each
stored batch on stdout; we kill it right after it reports a given number of fetches, while its next batch is
being fetched. Where exactly the kill lands (during a fetch, a WARC write, an extraction or a DuckDB commit)
varies from run to run; the end state must not.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from palimpsest.fetchers import WarcRef, WarcStore, sha1_base32
from palimpsest.flows.crawl import run_crawl
from tests.conftest import settings_for
from tests.shared import REPO
from tests.snapshots import snapshot

pytestmark = pytest.mark.slow

CHILD = """
import sys
from pathlib import Path
from palimpsest.flows.crawl import run_crawl
from palimpsest.settings import Settings

db, cdx, replay, url, rate = sys.argv[1:6]
settings = Settings(db=Path(db), cdx_url=cdx, replay_url=replay, cdx_rate=6000.0, replay_rate=float(rate))
report = run_crawl(settings, url, batch_size=4, on_progress=lambda r: print("fetched", r.fetched, flush=True))
print("done", report.versions, flush=True)
"""
#: Slow enough that a batch of four takes about half a second, so a kill always lands mid-run.
RATE = 480.0


def crawl_until(settings, url: str, *, kill_after: int | None) -> tuple[int, str]:
    """Run the crawl in a subprocess; SIGKILL it once it reports ``kill_after`` fetches. Returns (code, output)."""
    args = [sys.executable, "-c", CHILD, str(settings.db), settings.cdx_url, settings.replay_url, url, str(RATE)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    deadline = time.monotonic() + 120
    assert child.stdout is not None
    for line in child.stdout:
        lines.append(line.strip())
        if kill_after is not None and line.startswith("fetched") and int(line.split()[1]) >= kill_after:
            os.kill(child.pid, signal.SIGKILL)
            break
        assert time.monotonic() < deadline, "the crawl took too long"
    code = child.wait(timeout=60)
    stderr = child.stderr.read() if child.stderr else ""
    return code, "\n".join(lines) + stderr


def test_a_crawl_killed_twice_then_rerun_equals_an_uninterrupted_one(timeline_wayback, timelines, tmp_path) -> None:
    timeline = timelines["resume"]
    total = len(timeline.stamps)
    reference = settings_for(timeline_wayback, tmp_path / "reference" / "palimpsest.duckdb")
    run_crawl(reference, timeline.url)
    want = snapshot(reference.db)
    assert len(want["captures"]) == total and len(want["versions"]) == timeline.changes + 1

    settings = settings_for(timeline_wayback, tmp_path / "killed" / "palimpsest.duckdb")
    code, output = crawl_until(settings, timeline.url, kill_after=8)
    assert code == -signal.SIGKILL, output
    first = snapshot(settings.db)
    assert 8 <= len(first["captures"]) < total, "the first kill must land mid-run"
    assert first["crawled"] == [("oatmill.example", False)] and first["versions"] == []

    code, output = crawl_until(settings, timeline.url, kill_after=8)
    assert code == -signal.SIGKILL, output
    second = snapshot(settings.db)
    assert len(first["captures"]) + 8 <= len(second["captures"]) < total, "the second run resumed, then was killed"
    assert set(first["captures"]) <= set(second["captures"])  # nothing stored was lost or rewritten

    code, output = crawl_until(settings, timeline.url, kill_after=None)
    assert code == 0, output
    assert "done" in output
    got = snapshot(settings.db)
    for part in ("captures", "versions", "changes", "texts", "crawled"):
        assert got[part] == want[part], part
    # Each body is stored once, and where the warehouse says it is: whole, with the bytes the CDX promised.
    assert len(got["payloads"]) == len({(url, ts, digest) for url, ts, digest, *_ in got["payloads"]}) == total
    store = WarcStore(settings.warc_dir)
    for url, _, digest, name, offset, length in got["payloads"]:
        record = store.read(WarcRef(name, offset, length))
        assert record.url == url
        assert sha1_base32(record.body) == digest
    # Bytes fetched by a killed run but never committed stay as unreferenced records; nothing refers to them.
    assert len(list(settings.warc_dir.glob("*.warc.gz"))) == 3


def test_a_finished_crawl_rerun_asks_the_cdx_only(timeline_wayback, timelines, tmp_path) -> None:
    from palimpsest.flows.fetching import client_for

    timeline = timelines["resume"]
    settings = settings_for(timeline_wayback, tmp_path / "palimpsest.duckdb")
    run_crawl(settings, timeline.url)
    requests = client_for(settings).stats.requests
    before = dict(requests)
    again = run_crawl(settings, timeline.url)
    assert again.fetched == 0
    assert requests == {"cdx": before["cdx"] + 1, "replay": before["replay"]}  # one CDX page, not one replay
