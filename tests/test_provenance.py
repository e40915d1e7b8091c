"""Provenance that cites the right archive: each capture records the archive it came from, and every snapshot link
(show, history --format log, report, feed) points there, whatever PALIMPSEST_REPLAY_URL says when it is shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from palimpsest.cli import main
from palimpsest.flows import fetching
from palimpsest.flows.crawl import run_crawl
from palimpsest.warehouse import warehouse
from tests.conftest import settings_for
from tests.servers import FaultArchive, Page, quick_client
from tests.test_documents import POLICY

URL = "https://shop.example/privacy"
ELSEWHERE = "http://127.0.0.2:9/other-archive/"


@pytest.fixture
def crawled(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    body = "".join(f"<p>{block}</p>" for block in POLICY.split("\n\n") if not block.startswith("#"))
    page = f"<html><body><main><h1>Privacy Policy</h1>{body}</main></body></html>".encode()
    with FaultArchive([Page(URL, "20190101120000", page)]) as archive:
        client = quick_client(archive)
        monkeypatch.setattr(fetching, "client_for", lambda settings: client)
        settings = settings_for(archive, tmp_path / "w.duckdb")
        run_crawl(settings, URL)
    return settings


def test_each_capture_records_the_archive_it_came_from(crawled) -> None:
    with warehouse(crawled.db, read_only=True) as con:
        rows = con.execute("SELECT archive, archive_cdx FROM captures").fetchall()
    assert rows == [(crawled.replay_url, crawled.cdx_url)]


def test_links_point_to_the_capture_archive_not_todays_setting(crawled, tmp_path: Path, capsys) -> None:
    options = ["--db", str(crawled.db), "--replay-url", ELSEWHERE]
    expected = f"{crawled.replay_url.rstrip('/')}/20190101120000/{URL}"
    assert main([*options, "show", "shop.example"]) == 0
    assert f"snapshot: {expected}" in capsys.readouterr().out
    assert main([*options, "history", "shop.example", "--format", "log"]) == 0
    assert expected in capsys.readouterr().out
    assert main([*options, "report", str(tmp_path / "r.html")]) == 0
    report = " ".join((tmp_path / "r.html").read_text(encoding="utf-8").split())
    assert expected in report and f"{ELSEWHERE}20190101120000" not in report
    assert "links work only while it runs" in report  # the loopback archive is named as one
    assert main([*options, "feed", str(tmp_path / "f.xml")]) == 0
    assert expected in (tmp_path / "f.xml").read_text(encoding="utf-8")


def test_an_imported_seed_keeps_the_archive_its_header_cites(tmp_path: Path, capsys) -> None:
    text = (
        "> *The following text is extracted and transformed from the shop.example privacy policy that was archived "
        "on 2016-05-06. Please check the [original snapshot on the Wayback Machine](https://web.archive.org/web/"
        "20160506034129id_/http%3A//www.shop.example/privacy) for the most accurate reproduction.*\n\n"
        f"# Privacy Policy\n\n{POLICY}\n"
    )
    seed = tmp_path / "seed.md"
    seed.write_text(text, encoding="utf-8")
    db = tmp_path / "w.duckdb"
    assert main(["--db", str(db), "import", str(seed)]) == 0
    with warehouse(db, read_only=True) as con:
        assert con.execute("SELECT archive, archive_cdx FROM captures").fetchall() == [
            ("https://web.archive.org/web/", None)
        ]
    capsys.readouterr()
    assert main(["--db", str(db), "--replay-url", ELSEWHERE, "show", "shop.example"]) == 0
    assert "snapshot: https://web.archive.org/web/20160506034129/http://www.shop.example/privacy" in (
        capsys.readouterr().out
    )
