"""Many sites in one run: sites files, failures kept per site, the incremental refresh, events and artifacts."""

from __future__ import annotations

from pathlib import Path

import pytest
from prefect.testing.fixtures import asserting_events_worker  # noqa: F401 - a fixture, used by name

from palimpsest.errors import BadInput
from palimpsest.flows.sites import SiteEntry, read_sites
from tests.conftest import settings_for, use_settings
from tests.servers import FaultArchive, Page


def test_sites_files_read_as_csv_and_toml(tmp_path: Path) -> None:
    csv_file = tmp_path / "sites.csv"
    csv_file.write_text("url,site,from,sample\nhttps://a.example/privacy,a,2015,monthly\n\nhttps://b.example/p,,,\n")
    toml_file = tmp_path / "sites.toml"
    toml_file.write_text('[[site]]\nurl = "https://a.example/privacy"\nsite = "a"\nfrom = "2015"\nsample = "monthly"\n')
    assert read_sites(csv_file) == [
        SiteEntry("https://a.example/privacy", "a", "2015", None, "monthly"),
        SiteEntry("https://b.example/p"),
    ]
    assert read_sites(toml_file) == read_sites(csv_file)[:1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("site\nexample\n", "name the columns"),
        ("url,colour\nhttps://a.example/,red\n", "unknown field(s) colour"),
        ("url\nexample.com/privacy\n", "line 2: 'example.com/privacy' is not a URL"),
        ("url,from\nhttps://a.example/,yesterday\n", "line 2: cannot read timestamp"),
        ("url,sample\nhttps://a.example/,hourly\n", "line 2: sample must be one of"),
        ("url\n", "lists no sites"),
    ],
)
def test_a_bad_sites_file_is_refused_before_any_crawl(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "sites.csv"
    path.write_text(text)
    with pytest.raises(BadInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_sites(path)


def test_no_task_or_flow_retries_on_top_of_the_fetcher() -> None:
    from palimpsest.flows import crawl_policy, crawl_sites, discover_policy, refresh_all
    from palimpsest.flows.discover import find_policy_links
    from palimpsest.flows.tasks import TASKS

    for task in [*(step.task for step in TASKS), find_policy_links]:
        assert task.retries == 0, task.name
    for flow in (crawl_policy, crawl_sites, discover_policy, refresh_all):
        assert flow.retries == 0, flow.name


def _policy_page() -> bytes:
    from palimpsest.demo import pages, texts

    return pages.modern("Privacy", texts.PEBBLE_2014, site_name="Pebble Weather").encode()


def test_one_site_failing_leaves_the_run_completed_with_the_failure_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_harness
) -> None:
    from prefect.artifacts import Artifact

    from palimpsest.flows import crawl_sites

    sites = tmp_path / "sites.csv"
    sites.write_text("url,site\nhttps://good.example/privacy,good\nhttps://bad.example/privacy,bad\n")
    with FaultArchive([Page("https://good.example/privacy", "20200101000000", _policy_page())]) as archive:
        archive.script("cdx", "ok", "404")  # one site at a time: the first CDX request succeeds, the second is refused
        use_settings(monkeypatch, settings_for(archive, tmp_path / "w.duckdb"))
        state = crawl_sites(sites_file=str(sites), workers=1, return_state=True)
    assert state.is_completed()
    result = state.result()
    assert [site["site"] for site in result["sites"]] == ["good"]
    assert result["sites"][0]["versions"] == 1
    assert [(f["site"], f["url"]) for f in result["failures"]] == [("bad", "https://bad.example/privacy")]
    artifact = Artifact.get("palimpsest-crawl-sites")
    assert artifact is not None
    assert "## Failures" in artifact.data and "https://bad.example/privacy" in artifact.data
    assert "| good | 1 | 1 |" in artifact.data


def test_a_run_where_every_site_failed_is_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_harness
) -> None:
    from palimpsest.flows import crawl_sites

    sites = tmp_path / "sites.toml"
    sites.write_text('[[site]]\nurl = "https://a.example/p"\n[[site]]\nurl = "https://b.example/p"\n')
    with FaultArchive([]) as archive:
        archive.always("cdx", "404")
        use_settings(monkeypatch, settings_for(archive, tmp_path / "w.duckdb"))
        state = crawl_sites(sites_file=str(sites), return_state=True)
    assert state.is_failed()


@pytest.mark.slow
def test_refresh_fetches_only_what_is_new_and_announces_each_new_version(
    wayback,
    demo_build: tuple[Path, dict],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prefect_harness,
    asserting_events_worker,  # noqa: F811 - the fixture imported above
) -> None:
    from prefect.artifacts import Artifact

    from palimpsest.flows import crawl_sites, refresh_all

    _, expected = demo_build
    sites = tmp_path / "sites.csv"
    rows = [
        f"{s['url']},{s['site']},{'2016' if s['site'] == 'lanternbooks.example' else ''}" for s in expected["sites"]
    ]
    sites.write_text("url,site,to\n" + "\n".join(rows) + "\n")
    use_settings(monkeypatch, settings_for(wayback, tmp_path / "w.duckdb"))
    first = crawl_sites(sites_file=str(sites))
    assert first["failures"] == []
    events = _changes(asserting_events_worker)
    assert len(events) == sum(len(s["versions"]) for s in expected["sites"]) - 2  # lantern's last two are after 2016

    feed = tmp_path / "feed" / "changes.xml"
    second = refresh_all(feed=str(feed))
    assert second["requests"] == {"cdx": len(expected["sites"]), "replay": 2}  # lantern's 2018 and 2021 texts
    events = _changes(asserting_events_worker)
    assert sorted((e.payload["site"], e.payload["version"]) for e in events) == [
        ("lanternbooks.example", 2),
        ("lanternbooks.example", 3),
    ]
    for event in events:
        assert event.resource.id == "palimpsest.site.lanternbooks.example"
        assert event.payload["words_added"] > 0 and event.payload["words_removed"] >= 0
        assert event.payload["changed_after"] < event.payload["changed_by"]
        assert event.payload["snapshot"].startswith(wayback.replay_url)
    assert feed.exists() and second["feed_entries"] == sum(len(s["versions"]) for s in expected["sites"])

    third = refresh_all()
    assert third["requests"] == {"cdx": len(expected["sites"]), "replay": 0}
    assert _changes(asserting_events_worker) == []
    artifact = Artifact.get("palimpsest-refresh-all")
    assert artifact is not None and "No new versions." in artifact.data


def _changes(worker) -> list:
    worker.wait_until_empty()  # drain() would stop the worker for the rest of the test
    events = worker._client.pop_events()
    return [event for event in events if event.event == "palimpsest.policy.changed"]


def test_the_webhook_automation_listens_for_policy_changes(prefect_harness) -> None:
    from prefect.automations import Automation

    from palimpsest.flows.automation import webhook_automation

    webhook_automation("https://hooks.example.com/palimpsest", name="policy-changed-test")
    webhook_automation("https://hooks.example.com/palimpsest", name="policy-changed-test")  # replaces, no duplicate
    automation = Automation.read(name="policy-changed-test")
    assert automation.trigger.expect == {"palimpsest.policy.changed"}
    (action,) = automation.actions
    assert action.type == "call-webhook" and "event.payload.words_added" in action.payload
