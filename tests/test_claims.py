"""One crawl writes a site at a time: a claim in the warehouse refuses a second crawl of the same site from
another process, and a claim left by a crawl that died is taken over."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from palimpsest.errors import SiteBusy
from palimpsest.flows import fetching, pipeline
from palimpsest.flows.crawl import run_crawl
from palimpsest.warehouse import claims, connect
from tests.conftest import settings_for
from tests.servers import FaultArchive, Page, quick_client
from tests.timelines import page

URL = "https://bakery.example/privacy"
PAGES = [Page(URL, f"2019{i:02d}01120000", page(i // 3, i)) for i in range(1, 7)]


def held_by(db: Path, holder: str, renewed: datetime) -> None:
    con = connect(db)
    con.execute("INSERT INTO crawl_claim VALUES ('bakery.example', ?, ?, ?)", [holder, renewed, renewed])
    con.close()


def claims_left(db: Path) -> list[tuple]:
    con = connect(db, read_only=True)
    try:
        return con.execute("SELECT site, holder FROM crawl_claim").fetchall()
    finally:
        con.close()


@pytest.fixture
def archive(monkeypatch):
    with FaultArchive(PAGES) as served:
        client = quick_client(served)
        monkeypatch.setattr(fetching, "client_for", lambda settings: client)
        yield served


def test_a_site_another_live_process_crawls_is_refused_until_it_is_gone(archive, tmp_path: Path) -> None:
    settings = settings_for(archive, tmp_path / "w.duckdb")
    connect(settings.db).close()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        host = claims.holder().rpartition("-")[0]
        held_by(settings.db, f"{host}-{other.pid}", datetime.now(UTC))
        with pytest.raises(SiteBusy, match=rf"bakery.example is being crawled by another process \({host}-{other.pid}"):
            run_crawl(settings, URL)
        con = connect(settings.db, read_only=True)
        assert con.execute("SELECT count(*) FROM capture").fetchone()[0] == 0  # refused before anything was written
        con.close()
    finally:
        other.kill()
        other.wait()
    report = run_crawl(settings, URL)  # its process is gone: the claim is stale and taken over
    assert report.versions == 3
    assert claims_left(settings.db) == []  # and released when the crawl ends


def test_another_machines_claim_holds_until_it_is_a_quarter_of_an_hour_old(archive, tmp_path: Path) -> None:
    settings = settings_for(archive, tmp_path / "w.duckdb")
    connect(settings.db).close()
    held_by(settings.db, "elsewhere-4242", datetime.now(UTC) - timedelta(minutes=5))
    with pytest.raises(SiteBusy, match=r"elsewhere-4242"):
        run_crawl(settings, URL)
    con = connect(settings.db)
    con.execute("UPDATE crawl_claim SET renewed = renewed - INTERVAL 11 MINUTE")  # 16 minutes without a renewal
    con.close()
    assert run_crawl(settings, URL).versions == 3
    assert claims_left(settings.db) == []


def test_a_crawl_renews_its_claim_and_one_process_may_crawl_a_site_twice_at_once(archive, tmp_path: Path) -> None:
    settings = settings_for(archive, tmp_path / "w.duckdb")
    with pipeline.site_claimed(settings, "bakery.example"):
        before = datetime.now(UTC)
        run_crawl(settings, URL)  # the same process (another thread of a crawl-sites run, say) may
        con = connect(settings.db, read_only=True)
        row = con.execute("SELECT holder, renewed FROM crawl_claim").fetchone()
        con.close()
        assert row[0] == claims.holder() and row[1] >= before  # renewed by the crawl's store steps
    assert claims_left(settings.db) == []
