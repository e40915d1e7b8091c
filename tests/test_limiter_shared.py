"""One pace per endpoint beyond the process: processes sharing a pace file (real processes), the settings that
place it, and the opt-in gate of a limit shared by hosts (Prefect's global concurrency limits)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
import time
from itertools import pairwise
from pathlib import Path

import pytest

from palimpsest.errors import BadInput
from palimpsest.fetchers.client import ArchiveClient
from palimpsest.fetchers.limiter import RateLimiter
from palimpsest.fetchers.pace import LocalPace, PaceFile, open_pace
from palimpsest.settings import Settings
from tests.shared import REPO
from tests.test_limiter import FakeTime, most_in_any_window

#: One process of the test: share the pace file, start at the agreed time, take ``count`` slots, and penalise
#: the endpoint (a 429 answer) after its slot number ``penalise_after`` (-1: never). Prints what it did as JSON.
WORKER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from palimpsest.fetchers.limiter import RateLimiter
    from palimpsest.fetchers.pace import PaceFile

    path, rate, count, start, penalise_after = sys.argv[1:]
    pace = RateLimiter(float(rate), pace=PaceFile(Path(path)), cooldown=9.0)  # pauses of 0.3-0.45 s
    time.sleep(max(0.0, float(start) - time.time()))
    penalties = []
    for index in range(int(count)):
        release = pace.acquire()
        if index == int(penalise_after):
            pace.penalise(sent_at=release.at)
            penalties = list(pace.stats.penalised)
    print(json.dumps({"releases": list(pace.stats.releases), "penalties": penalties}))
    """
)


def run_processes(path: Path, rate: float, count: int, penalise_after: list[int]) -> list[dict]:
    start = time.time() + 1.5  # every process has imported and opened the file by then
    children = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(path), str(rate), str(count), str(start), str(when)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        for when in penalise_after
    ]
    results = []
    for child in children:
        out, _ = child.communicate(timeout=120)
        assert child.returncode == 0
        results.append(json.loads(out))
    return results


def test_three_processes_sharing_a_pace_file_keep_one_pace(tmp_path: Path) -> None:
    rate, count = 1200.0, 20  # 50 ms apart: three processes × 20 requests take three seconds together
    results = run_processes(tmp_path / "pace" / "cdx.json", rate, count, [-1, 6, -1])
    releases = sorted(t for result in results for t in result["releases"])
    assert len(releases) == 3 * count
    interval = 60.0 / rate
    # Exact on the release times, which every process takes under the file's lock from the one wall clock
    assert min(b - a for a, b in pairwise(releases)) >= interval - 1e-6
    for window in (0.5, 1.0, 2.0):
        assert most_in_any_window(releases, window) <= int(window / interval) + 1
    # The processes really ran side by side: each one's releases interleave with the others'
    spans = [(min(r["releases"]), max(r["releases"])) for r in results]
    assert max(first for first, _ in spans) < min(last for _, last in spans)
    # The 429 seen by the second process silenced all three for its pause
    [(moment, pause)] = results[1]["penalties"]
    assert pause >= 0.3
    assert not [t for t in releases if moment < t < moment + pause], "a process sent during another's pause"


def test_a_429_in_one_process_slows_and_silences_another(tmp_path: Path) -> None:
    fake = FakeTime()
    path = tmp_path / "replay.json"
    one, other = (
        RateLimiter(300, pace=PaceFile(path), clock=fake.clock, sleep=fake.sleep, rng=random.Random(seed))  # noqa: S311 - seeded jitter
        for seed in (1, 2)
    )
    base = other.interval
    sent = one.acquire().at
    pause = one.penalise(sent_at=sent)
    assert other.interval == pytest.approx(2 * base)  # the pace halved in both
    assert other.acquire().at >= sent + pause  # nothing left before the pause ended
    for _ in range(3):
        other.penalise(sent_at=other.acquire().at)
    assert one.cooldowns == other.cooldowns
    one.relax()  # a success in one process starts the other's ladder again too
    assert other.cooldowns == 0


def test_a_pace_directory_that_cannot_be_written_paces_the_process_alone(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("in the way")
    assert isinstance(open_pace(blocked / "pace", "cdx http://archive.example/cdx"), LocalPace)
    assert isinstance(open_pace(None, "cdx http://archive.example/cdx"), LocalPace)
    pace = open_pace(tmp_path / "pace", "cdx https://web.archive.org/cdx/search/cdx")
    assert isinstance(pace, PaceFile) and pace.path.parent == tmp_path / "pace"
    assert pace.path.name.startswith("cdx-https-web.archive.org-cdx-search-cdx-")


def test_an_unreadable_pace_file_starts_afresh(tmp_path: Path) -> None:
    path = tmp_path / "cdx.json"
    path.write_text('{"last_release": 12')  # cut short by a crash mid-write
    pace = RateLimiter(60, pace=PaceFile(path))
    assert pace.acquire().waited == 0.0
    assert json.loads(path.read_text())["last_release"] > 0


def test_the_crawl_shares_its_pace_beside_the_warc_store_by_default(tmp_path: Path) -> None:
    settings = Settings(db=tmp_path / "w.duckdb", cdx_rate=24.0)
    assert settings.pace_dir == tmp_path / "w.duckdb.warc.pace"
    client = ArchiveClient.from_settings(settings)
    assert {limiter.pace_file.parent for limiter in client.limiters.values()} == {settings.pace_dir}
    elsewhere = Settings.from_env({"PALIMPSEST_PACE_DIR": str(tmp_path / "host"), "PALIMPSEST_WARC_DIR": "raw"})
    assert elsewhere.pace_dir == tmp_path / "host"
    assert Settings(warc_dir_override=Path("raw/")).pace_dir == Path("raw.pace")


def test_a_shared_limit_names_prefect_limits_and_is_checked() -> None:
    assert Settings.from_env({"PALIMPSEST_SHARED_LIMIT": "ia-office"}).shared_limit == "ia-office"
    with pytest.raises(BadInput, match="PALIMPSEST_SHARED_LIMIT='ia office' is not a concurrency limit name"):
        Settings.from_env({"PALIMPSEST_SHARED_LIMIT": "ia office"})
    with pytest.raises(BadInput, match="no Prefect rate limit"):
        ArchiveClient.from_settings(Settings(shared_limit="ia-office"))


def test_with_a_shared_limit_every_request_first_takes_a_slot_of_it() -> None:
    asked: list[str] = []
    client = ArchiveClient(
        "http://archive.example/cdx",
        "http://archive.example/web/",
        shared_limit="ia-office",
        rate_limit=asked.append,
        cdx_rate=6000.0,
        replay_rate=6000.0,
    )
    client.limiters["cdx"].acquire()
    client.limiters["replay"].acquire()
    client.limiters["replay"].acquire()
    assert asked == ["ia-office-cdx", "ia-office-replay", "ia-office-replay"]
    alone = ArchiveClient("http://elsewhere.example/cdx", "http://elsewhere.example/web/", rate_limit=asked.append)
    alone.limiters["cdx"].acquire()
    assert len(asked) == 3  # no shared limit named: no slot asked for


@pytest.mark.slow
def test_prefect_global_limits_with_slot_decay_pace_hosts(prefect_harness: None) -> None:
    """Against Prefect's temporary API: the flows' rate limit waits for the decaying slot, and a missing limit
    (or one without decay) is a clear error, not a silent pass (Prefect's ``strict=False`` would skip it)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate

    from palimpsest.flows.fetching import prefect_rate_limit

    with get_client(sync_client=True) as prefect:
        prefect.create_global_concurrency_limit(
            GlobalConcurrencyLimitCreate(name="office-replay", limit=1, slot_decay_per_second=4.0)
        )
        prefect.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name="office-cdx", limit=1))
    taken = []
    for _ in range(4):
        prefect_rate_limit("office-replay")
        taken.append(time.monotonic())
    assert min(b - a for a, b in pairwise(taken)) >= 0.2  # a slot decays in 0.25 s; Prefect retries on its own
    with pytest.raises(BadInput, match="prefect gcl create office-nothing --limit 1"):
        prefect_rate_limit("office-nothing")
    with pytest.raises(BadInput, match="slot decay"):
        prefect_rate_limit("office-cdx")
