"""The 429 policy over HTTP: our loopback archive answers 429 on a schedule, and we check what it saw arrive.

The first test runs at the real scale (a minute's cool-down, pauses of 2–3 s). The second runs at half of it,
pauses and spacing alike (a 30 s cool-down, so pauses of 1–1.5 s; requests 100 ms apart instead of 200), so that
a pause costs as many requests' time as at the real scale. As of 2026-12 a request to our loopback archive takes
~45 ms on this machine: requests closer than that would measure the archive, not the policy.
"""

from __future__ import annotations

import time
from itertools import pairwise

from tests.servers import FaultArchive, Page, quick_client

URL = "https://bakery.example/privacy"


def pages(count: int) -> list[Page]:
    stamps = [f"2019{month:02d}{day:02d}120000" for month in range(1, 13) for day in range(1, 29)]
    return [Page(URL, stamp, f"<p>policy {index}</p>".encode()) for index, stamp in enumerate(stamps[:count])]


def fetch_all(client, archive: FaultArchive) -> float:
    started = time.monotonic()
    for page in archive.pages:
        client.get_replay(f"{archive.replay_url}{page.when}id_/{URL}")
    return time.monotonic() - started


def test_nothing_arrives_within_a_second_of_a_429_and_a_lone_429_costs_seconds() -> None:
    with FaultArchive(pages(5)) as archive:
        archive.script(archive.pages[2].when, "429")
        client = quick_client(archive, limiter_options={})  # the real policy: a minute's cool-down
        took = fetch_all(client, archive)
        hits = list(archive.hits)
    assert [hit.status for hit in hits].count(429) == 1
    for hit, after in pairwise(hits):
        if hit.status == 429:
            assert after.at - hit.at >= 1.0, f"a request arrived {after.at - hit.at:.3f} s after a 429"
    assert took < 3.0 + 3.0  # a pause of 2-3 s, not a minute of cool-down
    assert client.limiters["replay"].cooldowns == 0


def test_one_429_per_50_requests_over_http_costs_at_most_twice_the_pace_bound() -> None:
    rate = 600.0  # 100 ms apart
    with FaultArchive(pages(50)) as archive:
        archive.script(archive.pages[25].when, "429")
        client = quick_client(archive, replay_rate=rate, limiter_options={"cooldown": 30.0})
        took = fetch_all(client, archive)
        hits = list(archive.hits)
    assert [hit.status for hit in hits].count(429) == 1 and len(hits) == 51
    bound = 50 * 60.0 / rate
    assert took <= 2 * bound, f"{took:.2f} s for a pace bound of {bound:.2f} s"
    for hit, after in pairwise(hits):
        if hit.status == 429:
            assert after.at - hit.at >= 1.0
