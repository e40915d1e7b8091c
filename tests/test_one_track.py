"""One policy URL at a time per site: two URLs filed under one site whose captures overlap in time are refused
before anything is fetched, never interleaved into a history that flips between two documents."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from palimpsest.cli import main
from palimpsest.errors import TrackConflict
from palimpsest.flows import fetching
from palimpsest.flows.crawl import run_crawl
from palimpsest.warehouse import warehouse
from tests.conftest import settings_for
from tests.servers import FaultArchive, Page, quick_client
from tests.test_documents import POLICY

OLD = "https://shop.example/privacy"
NEW = "https://shop.example/legal/privacy-notice"


def _page(title: str, n: int) -> bytes:
    body = "".join(f"<p>{block} ({title} {n})</p>" for block in POLICY.split("\n\n") if not block.startswith("#"))
    return f"<html><body><main><h1>{title}</h1>{body}</main></body></html>".encode()


@pytest.fixture
def archive(monkeypatch: pytest.MonkeyPatch):
    pages = [Page(OLD, f"20{year}0101120000", _page("Privacy Policy", year)) for year in (14, 15, 16, 17)]
    pages += [Page(NEW, f"20{year}0601120000", _page("Privacy Notice", year)) for year in (16, 17, 18)]
    with FaultArchive(pages) as served:
        client = quick_client(served)
        monkeypatch.setattr(fetching, "client_for", lambda settings: client)
        yield served


def test_a_second_url_overlapping_the_first_is_refused_before_anything_is_fetched(archive, tmp_path: Path) -> None:
    settings = settings_for(archive, tmp_path / "w.duckdb")
    run_crawl(settings, OLD)
    fetched = len(archive.hits)
    with pytest.raises(TrackConflict, match=r"already follows https://shop.example/privacy.*--from 2017-01-01"):
        run_crawl(settings, NEW, site="shop.example")
    assert not [hit for hit in archive.hits[fetched:] if "id_" in hit.path]  # only the CDX was asked
    with warehouse(settings.db, read_only=True) as con:
        assert con.execute("SELECT DISTINCT url FROM captures").fetchall() == [(OLD,)]
        assert con.execute("SELECT url FROM policy_url").fetchall() == [(OLD,)]


def test_a_url_that_replaced_the_first_joins_the_history_after_it(archive, tmp_path: Path) -> None:
    settings = settings_for(archive, tmp_path / "w.duckdb")
    run_crawl(settings, OLD)
    report = run_crawl(settings, NEW, site="shop.example", from_=datetime(2017, 1, 2, tzinfo=UTC))
    assert report.versions >= 2
    with warehouse(settings.db, read_only=True) as con:
        urls = [row[0] for row in con.execute("SELECT policy_url FROM versions ORDER BY version").fetchall()]
    assert urls[-1] == NEW and OLD in urls  # the new URL's texts follow the old one's, never between them


def test_the_command_says_so_in_one_line(archive, tmp_path: Path, capsys) -> None:
    settings = settings_for(archive, tmp_path / "w.duckdb")
    run_crawl(settings, OLD)
    options = ["--db", str(settings.db), "--cdx-url", settings.cdx_url, "--replay-url", settings.replay_url]
    assert main([*options, "crawl", NEW, "--site", "shop.example"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: shop.example already follows") and err.count("\n") == 1
