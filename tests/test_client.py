"""The archive client: CDX paging on recorded IA answers, and the one retry loop against injected faults."""

from __future__ import annotations

from itertools import pairwise

import pytest

from palimpsest.errors import ArchiveUnreachable, Blocked, TransientArchiveError
from palimpsest.fetchers.search import search_captures
from tests.servers import FaultArchive, LoopbackServer, Page, cassette_handler, quick_client
from tests.shared import cassette

URL = "https://bakery.example/privacy"


class Recorded:
    """A loopback web.archive.org answering from one cassette."""

    def __init__(self, name: str) -> None:
        self.server = LoopbackServer(cassette_handler(cassette(name), lambda: self.server.base))
        self.cdx_url = f"{self.server.base}/cdx/search/cdx"
        self.replay_url = f"{self.server.base}/web/"

    def __enter__(self) -> Recorded:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)


def pages(count: int, url: str = URL) -> list[Page]:
    return [Page(url, f"2019{month:02d}01120000", f"<p>policy {month}</p>".encode()) for month in range(1, count + 1)]


def test_ia_paging_follows_every_resume_key_and_dedupes() -> None:
    with Recorded("test_search_multipage.yaml") as ia:
        result = search_captures(quick_client(ia), "cnn.com", page_size=25)
        cdx_hits = [hit for hit in ia.server.hits if "/cdx" in hit.path]
    assert len(cdx_hits) == 15  # 14 pages with a resume key, then the empty page that ends it
    assert [hit.status for hit in cdx_hits] == [200] * 15
    assert len(result.captures) == 96
    assert result.stats.duplicates == 14 * 25 - 96
    assert [c.timestamp for c in result.captures] == sorted(c.timestamp for c in result.captures)
    assert result.dialect == "ia"


def test_ia_last_page_without_resume_key_ends_the_search() -> None:
    with Recorded("test_search_with_date.yaml") as ia:
        result = search_captures(quick_client(ia), "dw.com")
    assert result.stats.requests == 3
    assert len(result.captures) == 2205
    assert any(c.is_revisit for c in result.captures)


def test_blocked_url_is_terminal_and_asked_once() -> None:
    with Recorded("test_search_raises_for_blocked_urls.yaml") as ia:
        with pytest.raises(Blocked, match="Blocked Site Error"):
            search_captures(quick_client(ia), "https://nationalpost.com/health")
        assert len(ia.server.hits) == 1


def test_cdx_429_slows_the_client_down_then_succeeds() -> None:
    with FaultArchive(pages(3)) as archive:
        archive.script("cdx", "429")
        client = quick_client(archive)
        result = search_captures(client, URL)
        first, second = archive.hits
    assert len(result.captures) == 3
    assert client.limiters["cdx"].stats.penalties == 1
    # A lone 429 costs a short pause (a thirtieth of the cool-down, 2 s at the real scale), not a cool-down
    assert second.at - first.at >= client.limiters["cdx"].pause


@pytest.mark.parametrize("fault", ["cut-json", "truncate", "reset", "500", "503"])
def test_cdx_pages_cut_short_or_failed_are_asked_again_and_lose_no_row(fault: str) -> None:
    with FaultArchive(pages(7), page_size=3) as archive:
        archive.script("cdx", "ok", fault)  # the second page fails once
        result = search_captures(quick_client(archive), URL)
        statuses = [hit.status for hit in archive.hits]
    assert len(result.captures) == 7
    assert not result.stats.malformed
    assert len(statuses) == 4  # three pages, one of them twice


def test_cdx_that_keeps_failing_means_the_archive_is_unreachable() -> None:
    with FaultArchive(pages(2)) as archive:
        archive.always("cdx", "500")
        with pytest.raises(ArchiveUnreachable, match="gave up after 3 attempts"):
            search_captures(quick_client(archive), URL)
        assert len(archive.hits) == 3


def test_nothing_listening_is_unreachable() -> None:
    with FaultArchive([]) as archive:
        client = quick_client(archive)
    with pytest.raises(ArchiveUnreachable):
        search_captures(client, URL)  # the server is gone: connection refused, three times


def test_replay_reset_is_retried() -> None:
    with FaultArchive(pages(1)) as archive:
        archive.script("20190101120000", "reset")
        answer = quick_client(archive).get_replay(f"{archive.replay_url}20190101120000id_/{URL}")
        assert [hit.status for hit in archive.hits] == ["reset", 200]
    assert answer.body == b"<p>policy 1</p>"


def test_replay_failing_capture_after_capture_stops_the_run() -> None:
    with FaultArchive(pages(3)) as archive:
        client = quick_client(archive, unreachable_after=3)
        for page in archive.pages:
            archive.always(page.when, "reset")
        urls = [f"{archive.replay_url}{page.when}id_/{URL}" for page in archive.pages]
        for url in urls[:2]:
            with pytest.raises(TransientArchiveError):
                client.get_replay(url)
        with pytest.raises(ArchiveUnreachable, match="3 request"):
            client.get_replay(urls[2])


def test_one_success_resets_the_count_of_failures_in_a_row() -> None:
    with FaultArchive(pages(3)) as archive:
        client = quick_client(archive, unreachable_after=2)
        archive.always("20190101120000", "reset")
        archive.always("20190301120000", "reset")
        url = f"{archive.replay_url}{{}}id_/{URL}".format
        with pytest.raises(TransientArchiveError):
            client.get_replay(url("20190101120000"))
        client.get_replay(url("20190201120000"))
        with pytest.raises(TransientArchiveError):
            client.get_replay(url("20190301120000"))


def test_replay_rate_limited_to_the_end_stops_the_run_at_once() -> None:
    """Short pauses while the 429s are young, then cool-downs of 0.1, 0.2, 0.4 and 0.8 s (a minute, doubling, at
    the real scale); the 429 that answers the fourth cool-down stops the run, as before 2026-12 (five attempts,
    four cool-downs between them)."""
    with FaultArchive(pages(1)) as archive:
        archive.always("20190101120000", "429")
        client = quick_client(archive, max_attempts=5)
        with pytest.raises(ArchiveUnreachable, match="slow down"):
            client.get_replay(f"{archive.replay_url}20190101120000id_/{URL}")
        hits = [hit.at for hit in archive.hits]
    limiter = client.limiters["replay"]
    assert limiter.cooldowns == 5
    gaps = [b - a for a, b in pairwise(hits)]
    assert all(gap >= least for gap, least in zip(gaps[-4:], (0.1, 0.2, 0.4, 0.8), strict=True))
    # on the limiter's own log (exact): what left between the first 429 and the first cool-down left within
    # three quarters of a cool-down of that 429 (45 s at the real scale)
    first_429 = limiter.stats.penalised[0][0]
    young = [at for at in limiter.stats.releases if at > first_429][:-4]
    assert young and young[-1] - first_429 <= 0.75 * limiter.cooldown


def test_every_thread_gets_its_own_session() -> None:
    import threading

    with FaultArchive(pages(1)) as archive:
        client = quick_client(archive)
        seen = []
        thread = threading.Thread(target=lambda: seen.append(client.session))
        thread.start()
        thread.join()
        assert seen[0] is not client.session
        assert client.session is client.session
        assert "palimpsest/" in client.session.headers["User-Agent"]


def test_the_fetcher_is_the_only_retry_layer() -> None:
    from palimpsest.flows.policy import crawl_policy
    from palimpsest.flows.tasks import TASKS

    assert [step.task.retries for step in TASKS] == [0] * len(TASKS)
    assert crawl_policy.retries == 0


def test_pywb_near_matches_are_never_taken_for_the_url(wayback) -> None:
    """pywb offers the captures of ``/privacy`` for ``/privacy?utm_source=x``, marked ``is_fuzzy`` (2026-11)."""
    client = quick_client(wayback)
    near = search_captures(client, "https://pebbleweather.example/privacy?utm_source=x")
    assert near.dialect == "pywb"
    assert near.captures == ()
    assert near.stats.fuzzy == 6
    exact = search_captures(client, "https://pebbleweather.example/privacy")
    assert len(exact.captures) == 6 and exact.stats.fuzzy == 0
