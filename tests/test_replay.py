"""``id_`` replay on recorded IA answers and on a real pywb: mementos, inexact answers, archived redirects,
no-memento and exclusion pages, revisits, and our own WARCs replayed by pywb."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from palimpsest.errors import Blocked, NoMemento
from palimpsest.fetchers import Capture, sha1_base32
from palimpsest.fetchers.cdx import parse_cdx, parse_cdx_timestamp
from palimpsest.fetchers.groups import fetch_group
from palimpsest.fetchers.replay import fetch_capture, inside_archive
from tests.servers import quick_client
from tests.shared import cassette
from tests.test_client import Recorded

BIRDS = "https://www.fws.gov/birds/"


def capture(stamp: str, url: str, digest: str = "", status: int | None = 200) -> Capture:
    return Capture(parse_cdx_timestamp(stamp), url, digest, status, "text/html", timestamp_raw=stamp)


def recorded_body(name: str, index: int = -1) -> bytes:
    return cassette(name)[index]["body"]


def test_exact_memento_keeps_raw_bytes_and_original_headers() -> None:
    digest = sha1_base32(recorded_body("test_get_memento.yaml"))
    with Recorded("test_get_memento.yaml") as ia:
        fetched = fetch_capture(quick_client(ia), capture("20171124151315", BIRDS, digest))
    assert fetched.status == 200
    assert not fetched.inexact
    assert fetched.digest_matches
    assert fetched.served == fetched.capture
    names = {name.lower() for name, _ in fetched.headers}
    assert "strict-transport-security" in names  # unwrapped from X-Archive-Orig-*
    assert fetched.header("Content-Type") == "text/html"
    assert not names & {"memento-datetime", "link", "x-archive-src", "server-timing"}


@pytest.mark.parametrize(
    ("name", "asked"),
    [
        ("test_get_memento_with_date_datetime.yaml", "20171124000000"),
        ("test_get_memento_with_inexact_string_datetime.yaml", "20171124151310"),
        ("test_get_memento_target_window.yaml", "20171101000000"),
    ],
)
def test_ia_302_to_the_nearest_capture_is_recognised_as_that_capture(name: str, asked: str) -> None:
    served_digest = sha1_base32(recorded_body(name))
    with Recorded(name) as ia:
        client = quick_client(ia)
        fetched = fetch_capture(client, capture(asked, BIRDS, "SOMEOTHERDIGEST"))
        assert fetched.inexact
        assert fetched.served.ts14 == "20171124151315"
        assert fetched.served.original == BIRDS
        assert fetched.served.digest == served_digest
        # Asked with the digest it really has, the same answer stands for the group; with another, it does not.
        same = fetch_group(client, (capture(asked, BIRDS, served_digest),))
        other = fetch_group(client, (capture(asked, BIRDS, "SOMEOTHERDIGEST"),))
    assert same.ok and same.fetched is not None and same.fetched.served.ts14 == "20171124151315"
    assert not other.ok and other.error == "error:inexact"
    assert "20171124151315" in (other.detail or "")
    assert [stray.served.digest for stray in other.strays] == [served_digest]


@pytest.mark.parametrize(
    ("name", "stamp", "page", "target"),
    [
        (
            "test_get_memento_with_redirects.yaml",
            "20180808094144",
            "https://www.epa.gov/ghgreporting/san5779-factsheet",
            "https://www.epa.gov/ghgreporting/proposed-rule-fact-sheet-greenhouse-gas-reporting-program-addition-global-warming",
        ),
        (
            "test_get_memento_with_path_based_redirects.yaml",
            "20201027215555",
            "https://www.whitehouse.gov/administration/eop/ostp/about/student/faqs",
            "https://www.whitehouse.gov/ostp/about/student/faqs",
        ),
        (
            "test_get_memento_with_schemeless_redirects.yaml",
            "20201102232816",
            "https://www.census.gov/geography/gss-initiative.html",
            "https://www.census.gov/geo/gssi/",
        ),
    ],
)
def test_archived_redirect_is_a_capture_with_its_original_target(name: str, stamp: str, page: str, target: str) -> None:
    with Recorded(name) as ia:
        fetched = fetch_capture(quick_client(ia), capture(stamp, page, status=301))
        assert len(ia.server.hits) == 1  # the archived redirect is read, never followed
    assert fetched.status == 301
    assert fetched.location == target
    assert not fetched.inexact
    assert fetched.body == recorded_body(name, 0)  # census.gov's 301 carries 138 kB, kept raw


def test_no_memento_is_terminal() -> None:
    url = "https://this-is-not-real-url.whatever/"
    with Recorded("test_get_memento_raises_no_memento_error.yaml") as ia:
        with pytest.raises(NoMemento):
            fetch_capture(quick_client(ia), capture("20170929002712", url))
        assert len(ia.server.hits) == 1


def test_excluded_page_served_as_200_is_blocked() -> None:
    with Recorded("test_get_memento_raises_blocked_error.yaml") as ia:
        with pytest.raises(Blocked):
            fetch_capture(quick_client(ia), capture("20170929002712", "https://nationalpost.com/health/"))
        assert len(ia.server.hits) == 1


def test_archived_429_is_a_capture_not_a_rate_limit() -> None:
    url = "http://www.reddit.com/r/PokemonGiveaway"
    with Recorded("test_get_memento_works_on_archived_rate_limit_responses.yaml") as ia:
        client = quick_client(ia)
        fetched = fetch_capture(client, capture("20150129034904", url))
        assert len(ia.server.hits) == 1
    assert fetched.status == 429
    assert client.limiters["replay"].stats.penalties == 0
    assert fetched.header("Retry-After") == "6"  # the site's own header, unwrapped


def test_two_digests_at_one_timestamp_only_one_of_which_replays() -> None:
    """IA holds two zew.de captures at 19970427191925 and replays the first (recorded 2022)."""
    rows = parse_cdx(cassette("test_memento_rate_limits.yaml")[0]["body"].decode()).captures[:2]
    url = "http://www.zew.de/"  # the recording asked without the CDX row's ":80"
    first, second = (capture(row.timestamp_raw, url, row.digest) for row in rows)
    with Recorded("test_memento_rate_limits.yaml") as ia:
        client = quick_client(ia)
        assert fetch_group(client, (first,)).ok
        result = fetch_group(client, (second,))
    assert result.error == "error:digest-mismatch"
    assert second.digest in (result.detail or "")


# --- pywb --------------------------------------------------------------------------------------------------


def test_pywb_revisit_resolves_to_the_original_payload(wayback) -> None:
    url = "http://www.lanternbooks.example/privacy.html"
    rows = requests.get(wayback.cdx_url, params={"url": url, "output": "json"}, timeout=30).text
    revisit = next(c for c in parse_cdx(rows).captures if c.is_revisit)
    fetched = fetch_capture(quick_client(wayback), revisit)
    assert fetched.status == 200
    assert not fetched.inexact
    assert fetched.digest_matches
    assert fetched.body_digest == revisit.digest


def test_pywb_nearest_capture_answer_is_recognised(wayback) -> None:
    url = "https://pebbleweather.example/privacy"
    rows = requests.get(wayback.cdx_url, params={"url": url, "output": "json"}, timeout=30).text
    real = next(c for c in parse_cdx(rows).captures if c.ts14 == "20150211090000")
    asked = capture("20150101000000", url, real.digest)
    fetched = fetch_capture(quick_client(wayback), asked)
    assert fetched.inexact
    assert fetched.served.ts14 == "20150211090000"
    assert fetched.served.original == url
    result = fetch_group(quick_client(wayback), (capture("20150101000000", url, "NOTTHISONE"), real))
    assert result.ok and result.fetched is not None
    assert result.fetched.capture == real  # the first member's answer was another capture; the second's is exact
    assert result.tries == 2
    assert [s.served.ts14 for s in result.strays] == ["20150211090000"]


def test_pywb_archived_redirect_keeps_the_location_as_the_site_sent_it(wayback) -> None:
    old = "http://fjordfit.example/privacy.html"
    fetched = fetch_capture(quick_client(wayback), capture("20170315140000", old, status=301))
    assert fetched.status == 301
    assert fetched.location == "https://fjordfit.example/legal/privacy"


def test_our_own_warcs_replay_in_pywb(wayback, tmp_path) -> None:
    from palimpsest.demo.archive import LocalWayback
    from palimpsest.flows.crawl import run_crawl
    from palimpsest.warehouse import connect
    from tests.conftest import settings_for

    settings = settings_for(wayback, tmp_path / "palimpsest.duckdb")
    run_crawl(settings, "http://www.lanternbooks.example/privacy.html")
    con = connect(settings.db, read_only=True)
    payloads = con.execute("SELECT url, ts, digest, status FROM payload ORDER BY ts").fetchall()
    con.close()
    assert len(payloads) == 4  # four distinct bodies among nine captures, one of them a revisit
    warcs = sorted(settings.warc_dir.glob("*.warc.gz"))
    with LocalWayback(warcs) as ours:
        for url, ts, digest, status in payloads:
            stamp = ts.astimezone(UTC).strftime("%Y%m%d%H%M%S")
            original = requests.get(f"{wayback.replay_url}{stamp}id_/{url}", timeout=30)
            copy = requests.get(f"{ours.replay_url}{stamp}id_/{url}", timeout=30)
            assert copy.status_code == status == original.status_code
            assert copy.content == original.content
            assert sha1_base32(copy.content) == digest
            assert copy.headers["Memento-Datetime"] == original.headers["Memento-Datetime"]


@pytest.mark.parametrize(
    ("url", "inside"),
    [
        ("http://127.0.0.1:8080/demo/20200101id_/http://a.example/", True),
        ("http://127.0.0.1:8080/demo/", True),
        ("http://127.0.0.1:8081/demo/20200101id_/http://a.example/", False),
        ("https://127.0.0.1:8080/demo/20200101id_/http://a.example/", False),
        ("http://127.0.0.1:8080@169.254.169.254/demo/", False),
        ("http://127.0.0.1:8080/demo/../admin/", False),
        ("http://127.0.0.1:8080/demonstration/", False),
        ("http://10.0.0.1/", False),
    ],
)
def test_inside_archive(url: str, inside: bool) -> None:
    client = quick_client(
        type(
            "Archive", (), {"cdx_url": "http://127.0.0.1:8080/demo/cdx", "replay_url": "http://127.0.0.1:8080/demo/"}
        )()
    )
    assert inside_archive(client, url) is inside


def test_capture_times_are_utc() -> None:
    assert capture("20200101000000", BIRDS).timestamp == datetime(2020, 1, 1, tzinfo=UTC)
