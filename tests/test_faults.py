"""The fault matrix: a whole crawl against our own loopback archive that injects 429 storms, 503s, resets,
truncated bodies, wrong digests, slow answers, inexact answers and redirects to private addresses.

Each test checks what the server saw (how fast, what after each "slow down") and that every capture the CDX
listed ends with exactly one recorded outcome. Waits are test-sized (0.1 s cool-downs instead of a minute);
the logic is the one that runs against IA.
"""

from __future__ import annotations

from itertools import pairwise

import pytest

from palimpsest.fetchers.captures import sha1_base32
from palimpsest.flows import fetching
from palimpsest.flows.crawl import run_crawl
from palimpsest.warehouse import connect
from tests.conftest import settings_for
from tests.invariants import assert_nothing_lost, listed
from tests.servers import FaultArchive, Hit, LoopbackServer, Page, Reply, quick_client
from tests.test_limiter import most_in_any_window
from tests.timelines import page

URL = "https://bakery.example/privacy"
REPLAY_RATE = 600.0  # 100 ms apart


@pytest.fixture
def crawl(monkeypatch, tmp_path):
    """``crawl(archive, url, **client_options)``: run_crawl with a quick client; returns (report, settings).

    ``crawl.client`` is the client of the last run.
    """

    def run(archive: FaultArchive, url: str = URL, **options: object):
        client = run.client = quick_client(archive, replay_rate=REPLAY_RATE, **options)
        monkeypatch.setattr(fetching, "client_for", lambda settings: client)
        settings = settings_for(archive, tmp_path / "palimpsest.duckdb")
        return run_crawl(settings, url, batch_size=6), settings

    return run


def stamp(index: int) -> str:
    return f"2019{index:02d}01120000" if index <= 12 else f"2020{index - 12:02d}01120000"


def outcomes(settings) -> dict[str, str]:
    con = connect(settings.db, read_only=True)
    rows = con.execute("SELECT strftime(\"timestamp\", '%Y%m%d%H%M%S'), outcome FROM captures").fetchall()
    con.close()
    return dict(rows)


def replay_hits(archive: FaultArchive) -> list[Hit]:
    return [hit for hit in archive.hits if hit.path.startswith("/web/")]


#: How long a request may take between the limiter letting it go and the server logging it, on a loaded machine.
TRANSIT = 0.2


def assert_paced(hits: list[Hit], client, rate: float) -> None:
    """The limiter let requests go at most ``rate`` a minute (exactly, on its own log), and the server saw no
    more than that allows once each request is given ``TRANSIT`` seconds to arrive."""
    interval = 60.0 / rate
    releases = list(client.limiters["replay"].stats.releases)
    assert min(b - a for a, b in pairwise(releases)) >= interval
    arrivals = [hit.at for hit in hits]
    for window in (1.0, 3.0):
        assert most_in_any_window(arrivals, window) <= int((window + TRANSIT) / interval) + 1


def assert_quiet_after_slow_down(hits: list[Hit], client) -> None:
    """Nothing left during any cool-down (exactly, on the limiter's log); at the server, after each 429/503,
    nothing arrived for the shortest cool-down but what was already on its way."""
    limiter = client.limiters["replay"]
    for moment, pause in limiter.stats.penalised:
        assert not [t for t in limiter.stats.releases if moment < t < moment + pause]
    shortest = min(pause for _, pause in limiter.stats.penalised)
    for hit in hits:
        if hit.status in {429, 503}:
            during = [h for h in hits if hit.at + TRANSIT < h.at < hit.at + shortest]
            assert not during, f"{len(during)} requests arrived during the cool-down after a {hit.status}"


def test_fault_matrix_every_capture_ends_with_an_outcome(crawl) -> None:
    trap_hits: list[str] = []
    with LoopbackServer(lambda path, query: Reply(200, body=trap_hits.append(path) or b"private")) as trap:
        pages = [Page(URL, stamp(i), page(i % 3, i)) for i in range(1, 17)]
        pages[5] = Page(URL, stamp(6), page(0, 6), digest="A" * 32)  # the CDX row's digest is wrong
        pages[10] = Page(URL, stamp(11), status=301, location=f"{trap.base}/private")
        pages[15] = Page(URL, stamp(16), page(15 % 3, 15))  # byte-identical to the capture before it
        with FaultArchive(pages, page_size=5, slow_delay=1.5) as archive:
            archive.script("cdx", "429", "ok", "cut-json")
            archive.script(stamp(2), "429", "429")
            archive.script(stamp(3), "503")
            archive.script(stamp(4), "reset")
            archive.script(stamp(5), "truncate")
            archive.script(stamp(7), "slow")
            archive.always(stamp(8), "reset")
            archive.always(stamp(9), "500")
            archive.always(stamp(10), "404")
            archive.always(stamp(12), f"away:{trap.base}/elsewhere")
            archive.always(stamp(13), f"nearest:{stamp(1)}")
            archive.script(stamp(14), "corrupt")
            archive.always(stamp(15), "404")  # its twin, stamp(16), holds the same bytes
            report, settings = crawl(archive, limiter_options={"cooldown": 0.5, "recovery": 0.2})
            first, client = list(archive.hits), crawl.client
            found = outcomes(settings)
            assert trap_hits == []  # neither the archived redirect nor the archive's own hop reached it
            # a rerun asks again for what may heal (network, server, digest errors), nothing else
            rerun, _ = crawl(archive, limiter_options={"cooldown": 0.5, "recovery": 0.2})
            again = {hit.path.split("/")[2][:14] for hit in replay_hits(archive)[len(replay_hits_of(first)) :]}
    assert sorted(found) == [stamp(i) for i in range(1, 17)]  # every CDX row, exactly once
    assert_nothing_lost(settings.db, listed(pages))
    expected_errors = {
        stamp(6): "error:digest-mismatch",
        stamp(8): "error:network",
        stamp(9): "error:server",
        stamp(10): "error:no-memento",
        stamp(11): "redirect",
        stamp(12): "error:outside-archive",
        stamp(13): "error:inexact",
        stamp(14): "error:digest-mismatch",
    }
    for when, outcome in found.items():
        assert outcome == expected_errors.get(when, outcome)
        if when not in expected_errors:
            assert outcome in {"version", "same-text"}, (when, outcome)
    assert found[stamp(15)] in {"version", "same-text"}  # fetched through its twin
    assert report.outcomes["redirect"] == 1
    assert report.cutoffs == []  # the redirect target is looked up in the archive's CDX, which has nothing
    assert_paced(replay_hits_of(first), client, REPLAY_RATE)
    assert_quiet_after_slow_down(replay_hits_of(first), client)
    assert [hit.status for hit in first if "/cdx" in hit.path][:2] == [429, 200]
    assert again == {stamp(6), stamp(8), stamp(9), stamp(14)}
    assert rerun.outcomes.get("error", 0) == 3  # the corrupt transfer healed; the others fail the same way


def replay_hits_of(hits: list[Hit]) -> list[Hit]:
    return [hit for hit in hits if hit.path.startswith("/web/")]


def test_429_storm_under_threads_slows_everyone_and_loses_nothing(crawl) -> None:
    pages = [Page(URL, stamp(i), page(0, i)) for i in range(1, 13)]
    with FaultArchive(pages) as archive:
        archive.storm(6)
        options = {"cooldown": 0.15, "max_cooldown": 0.3, "max_interval": 0.4, "recovery": 0.2}
        report, settings = crawl(archive, max_attempts=8, limiter_options=options)
        hits = replay_hits(archive)
    assert sum(hit.status == 429 for hit in hits) == 6
    assert_nothing_lost(settings.db, listed(pages))
    assert set(outcomes(settings).values()) == {"version", "same-text"}
    assert report.fetched == 12
    assert_paced(hits, crawl.client, REPLAY_RATE)
    assert_quiet_after_slow_down(hits, crawl.client)


def test_redirects_to_private_addresses_are_only_ever_looked_up_in_the_archive(crawl) -> None:
    trap_hits: list[str] = []
    with LoopbackServer(lambda path, query: Reply(200, body=trap_hits.append(path) or b"private")) as trap:
        private = f"http://127.0.0.1:{trap.port}/admin"
        body = page(0, None)
        pages = [
            Page(URL, "20170101000000", body),
            Page(URL, "20180101000000", status=301, location=private),  # IA rewrites it into the archive
            Page(URL, "20180601000000", status=301, location=f"{private}-raw", raw_location=True),  # pywb does not
            Page(URL, "20190101000000", page(1, None)),
            Page(private, "20180201000000", page(2, None)),  # the archive itself holds the private URL
        ]
        with FaultArchive(pages) as archive:
            archive.always("20190101000000", f"away:{private}-hop")  # the archive's own hop, out of itself
            _, settings = crawl(archive)
            served = [hit.path for hit in archive.hits]
    assert trap_hits == []
    assert f"/web/20180201000000id_/{private}" in served  # its capture came from the archive
    con = connect(settings.db, read_only=True)
    lineage = con.execute("SELECT url, source FROM policy_url ORDER BY since NULLS FIRST").fetchall()
    rows = dict(con.execute("SELECT strftime(\"timestamp\", '%Y%m%d%H%M%S'), outcome FROM captures").fetchall())
    con.close()
    assert (private, "redirect") in lineage
    assert_nothing_lost(settings.db, listed(pages))
    assert rows["20190101000000"] == "error:outside-archive"
    assert rows["20180201000000"] in {"version", "same-text"}
    assert len(rows) == 5
    assert sha1_base32(body) != sha1_base32(page(2, None))


def test_redirect_loops_are_cut(crawl) -> None:
    a, b = URL, "https://bakery.example/legal/privacy"
    pages = [
        Page(a, "20170101000000", page(0, None)),
        Page(a, "20180101000000", status=301, location=b),
        Page(b, "20180101000005", page(1, None)),
        Page(b, "20190101000000", status=301, location=a),
        Page(a, "20190101000005", page(2, None)),
    ]
    with FaultArchive(pages) as archive:
        report, settings = crawl(archive)
        cdx = [hit for hit in archive.hits if "/cdx" in hit.path]
    assert report.urls == [a, b]
    assert len(cdx) == 2  # each URL's index asked once, however the redirects go round
    assert any("redirect loop cut" in note for note in report.cutoffs)
    assert len(outcomes(settings)) == 5
    assert_nothing_lost(settings.db, listed(pages))


def test_a_raw_store_that_cannot_be_written_loses_nothing(monkeypatch, tmp_path) -> None:
    pages = [Page(URL, stamp(i), page(0, i)) for i in range(1, 4)]
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the WARC directory should be")
    with FaultArchive(pages) as archive:
        settings = settings_for(archive, tmp_path / "palimpsest.duckdb", warc_dir_override=blocked / "warc")
        monkeypatch.setattr(fetching, "client_for", lambda _: quick_client(archive))
        report = run_crawl(settings, URL)
        assert report.outcomes == {"error": 3}
        assert set(outcomes(settings).values()) == {"error:warc-write"}
        fixed = settings_for(archive, settings.db)  # the WARC store beside the warehouse, which works
        again = run_crawl(fixed, URL)
    assert again.fetched == 3
    assert_nothing_lost(settings.db, listed(pages))
    assert set(outcomes(settings).values()) == {"version", "same-text"}
