"""Discovery: the policy link on archived homepages, in ten languages, and its lineage over the years."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from palimpsest.errors import NoCaptures
from palimpsest.extractors.links import policy_links, score
from palimpsest.warehouse import connect
from tests.conftest import settings_for, use_settings

#: Hand-written footers (ours), one per language: the policy link must beat the terms, contact and cookie links.
FOOTERS = {
    "en": [("Terms of use", "/terms"), ("Privacy notice", "/notice"), ("Contact", "/contact")],
    "ja": [("利用規約", "/kiyaku/"), ("プライバシーポリシー", "/policy/"), ("会社概要", "/company/")],
    "de": [("Impressum", "/impressum"), ("Datenschutzerklärung", "/ds"), ("AGB", "/agb")],
    "fr": [("Mentions légales", "/mentions"), ("Politique de confidentialité", "/pc"), ("Aide", "/aide")],
    "es": [("Aviso legal", "/aviso-legal"), ("Política de privacidad", "/pp"), ("Ayuda", "/ayuda")],
    "pt": [("Termos de uso", "/termos"), ("Política de Privacidade", "/pdp"), ("Ajuda", "/ajuda")],
    "it": [("Condizioni d'uso", "/condizioni"), ("Informativa sulla privacy", "/ip"), ("Aiuto", "/aiuto")],
    "nl": [("Algemene voorwaarden", "/voorwaarden"), ("Privacyverklaring", "/pv"), ("Hulp", "/hulp")],
    "zh": [("服务条款", "/tiaokuan"), ("隐私政策", "/zc"), ("联系我们", "/lianxi")],
    "ko": [("이용약관", "/yakgwan"), ("개인정보처리방침", "/bangchim"), ("고객센터", "/center")],
}


def _page(links: list[tuple[str, str]]) -> bytes:
    anchors = "".join(f'<a href="{href}">{text}</a> ' for text, href in links)
    return f'<html><head><meta charset="utf-8"></head><body><footer>{anchors}</footer></body></html>'.encode()


@pytest.mark.parametrize("language", sorted(FOOTERS))
def test_the_policy_link_wins_in_every_language(language: str) -> None:
    links = policy_links(_page(FOOTERS[language]), "https://shop.example/")
    assert links, language
    assert links[0].url == "https://shop.example" + FOOTERS[language][1][1]


def test_the_url_alone_points_the_way_and_other_legal_pages_score_nothing() -> None:
    assert score("Legal", "/legal/privacy-policy") > 0
    assert score("Terms of service", "/tos") == 0
    assert score("Privacy policy", "/p") > score("Privacy", "/p") > score("Legal", "/privacy")
    assert policy_links(b"<html><body><a href='/about'>About us</a></body></html>", "http://a.example/") == []


def test_lineage_joins_consecutive_sightings_and_splits_when_the_link_moves() -> None:
    from palimpsest.fetchers import Capture
    from palimpsest.flows.discovery import Sighting, lineage

    def seen(year: int, url: str | None) -> Sighting:
        return Sighting(Capture(datetime(year, 1, 1, tzinfo=UTC), "http://a.example/", "D"), url)

    spans = lineage([seen(2010, "http://a/p"), seen(2011, None), seen(2012, "http://a/p"), seen(2013, "http://a/q")])
    assert [(s.url, s.since.year, s.until.year, s.sightings) for s in spans] == [
        ("http://a/p", 2010, 2012, 2),
        ("http://a/q", 2013, 2013, 1),
    ]


def test_a_year_with_only_archived_redirects_is_kept_as_its_first_redirect() -> None:
    from palimpsest.fetchers import Capture
    from palimpsest.flows.discovery import yearly

    def shot(stamp: str, status: int | None) -> Capture:
        when = datetime.strptime(stamp, "%Y%m%d").replace(tzinfo=UTC)
        return Capture(when, "http://a.example/", stamp, statuscode=status)

    captures = (shot("20150101", 301), shot("20150601", 200), shot("20160101", 302), shot("20160201", 301))
    captures += (shot("20170101", 404), shot("20180101", None))
    assert [c.digest for c in yearly(captures)] == ["20150601", "20160101", "20180101"]


@pytest.mark.slow
def test_discovery_on_the_demo_homepages_in_pywb(wayback, demo_build: tuple[Path, dict], tmp_path: Path) -> None:
    from palimpsest.flows.discovery import discover

    _, expected = demo_build
    settings = settings_for(wayback, tmp_path / "w.duckdb")
    for front in expected["homepages"]:
        found = discover(settings, front["homepage"], front["site"])
        got = [{"url": s.url, "since": s.since.strftime("%Y-%m-%dT%H:%M:%SZ")} for s in found.lineage]
        assert got == front["lineage"], front["site"]
        if front["site"] == "pebbleweather.example":
            # Only archived 301s at the homepage: the link is read on the landing page the archive holds.
            assert [s.capture.original for s in found.sightings] == ["https://www.pebbleweather.example/en/"] * 2
            assert all("redirect of http://pebbleweather.example/" in s.note for s in found.sightings)
    con = connect(settings.db, read_only=True)
    rows = con.execute(
        "SELECT url, source, via FROM policy_url WHERE site = 'fjordfit.example' ORDER BY since"
    ).fetchall()
    con.close()
    assert rows == [
        ("http://fjordfit.example/privacy.html", "discovered", "http://fjordfit.example/"),
        ("https://fjordfit.example/legal/privacy", "discovered", "http://fjordfit.example/"),
    ]
    # A homepage the archive holds nothing of is an error that tracks nothing, with the host's pages suggested.
    with pytest.raises(NoCaptures, match=r"holds no capture of http://fjordfit.example/home; nothing is tracked"):
        discover(settings, "http://fjordfit.example/home", "homeless.example")
    con = connect(settings.db, read_only=True)
    assert con.execute("SELECT count(*) FROM site WHERE site = 'homeless.example'").fetchone()[0] == 0
    con.close()


@pytest.mark.slow
def test_discover_policy_flow_chains_into_the_crawl(
    wayback, demo_build: tuple[Path, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_harness
) -> None:
    from palimpsest.flows import discover_policy

    _, expected = demo_build
    fjord = next(s for s in expected["sites"] if s["site"] == "fjordfit.example")
    settings = settings_for(wayback, tmp_path / "w.duckdb")
    use_settings(monkeypatch, settings)
    state = discover_policy(homepage="http://fjordfit.example/", crawl=True, return_state=True)
    result = state.result()
    assert [span["url"] for span in result["lineage"]] == [
        "http://fjordfit.example/privacy.html",
        "https://fjordfit.example/legal/privacy",
    ]
    assert result["crawl"]["failures"] == []
    con = connect(settings.db, read_only=True)
    versions = con.execute(
        "SELECT version, policy_url FROM versions WHERE site = 'fjordfit.example' ORDER BY version"
    ).fetchall()
    con.close()
    assert versions == [(v["version"], v["policy_url"]) for v in fjord["versions"]]
    # Each span of the lineage is its own crawl_policy run, nested under the discovery's run, over its span.
    assert [(r["url"], r["from_"], r["to"]) for r in _child_runs(state.state_details.flow_run_id)] == [
        ("http://fjordfit.example/privacy.html", None, "20180101090000"),
        ("https://fjordfit.example/legal/privacy", "20180101090000", None),
    ]
    assert [report["url"] for report in result["crawl"]["sites"]] == [
        "http://fjordfit.example/privacy.html",
        "https://fjordfit.example/legal/privacy",
    ]


def _child_runs(parent_id) -> list[dict]:
    """The parameters of the completed crawl_policy runs nested under one flow run, oldest first."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["crawl_policy"])))
        children = []
        for run in sorted(runs, key=lambda r: r.start_time):
            parent_task = client.read_task_run(run.parent_task_run_id) if run.parent_task_run_id else None
            if parent_task is not None and parent_task.flow_run_id == parent_id and run.state.is_completed():
                children.append(run.parameters)
    return children
