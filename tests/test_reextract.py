"""Re-extraction recomputes texts from the raw store alone, keeps versions reproducible, and reports the
versions an extractor change made appear or vanish."""

from __future__ import annotations

import dataclasses
import re

import pytest

from palimpsest.cli import main
from palimpsest.flows import fetching, pipeline
from palimpsest.flows.crawl import run_crawl
from palimpsest.flows.reextraction import reextract, technical_changes
from palimpsest.warehouse import connect
from tests.conftest import settings_for
from tests.servers import FaultArchive, Page, quick_client
from tests.timelines import page

URL = "https://crumbandcrust.example/privacy"
#: Nothing listens here: any request made during re-extraction would fail the run.
DEAD = "http://127.0.0.1:9/"


def versions(settings) -> list[tuple]:
    con = connect(settings.db, read_only=True)
    try:
        return con.execute(
            "SELECT version, first_seen, last_seen, captures, text_sha256 FROM versions ORDER BY version"
        ).fetchall()
    finally:
        con.close()


@pytest.fixture
def crawled(tmp_path, monkeypatch):
    """A crawled history of 8 captures and 3 versions (v0, v1, v2 wordings), then settings with a dead archive."""
    pages = [Page(URL, f"2019{i:02d}01120000", page(min(i // 3, 2), i)) for i in range(1, 9)]
    with FaultArchive(pages) as archive:
        client = quick_client(archive)
        monkeypatch.setattr(fetching, "client_for", lambda settings: client)
        settings = settings_for(archive, tmp_path / "w.duckdb")
        run_crawl(settings, URL)
    monkeypatch.undo()
    return dataclasses.replace(settings, cdx_url=DEAD + "cdx", replay_url=DEAD + "web/")


def test_reextract_fetches_nothing_and_reproduces_the_versions(crawled) -> None:
    before = versions(crawled)
    assert len(before) == 3
    summary = reextract(crawled)
    assert summary.payloads == 8 and summary.unreadable == 0
    assert versions(crawled) == before
    assert summary.changes == []
    con = connect(crawled.db, read_only=True)
    run = con.execute("SELECT extractor, settings, finished_at FROM extraction_run ORDER BY run_id DESC").fetchone()
    assert run[0].startswith("palimpsest-html") and "favor_recall" in run[1] and run[2] is not None


def test_an_extractor_change_is_reported_as_technical_changes(crawled, monkeypatch, capsys) -> None:
    """A 'new extractor' that drops the loyalty-card sentence merges versions 1 and 2 of the site into one."""
    real = pipeline.extract_policy

    def upgraded(body, url, headers=None):
        extracted = real(body, url, headers)
        text = re.sub(r"\s*Our loyalty card[^.]*\.", "", extracted.text)
        return dataclasses.replace(extracted, text=text, extractor="palimpsest-html-3")

    monkeypatch.setattr(pipeline, "extract_policy", upgraded)
    before = versions(crawled)
    code = main(["--db", str(crawled.db), "--replay-url", DEAD + "web/", "reextract"])
    out = capsys.readouterr().out
    assert code == 0
    after = versions(crawled)
    assert len(after) == 2
    con = connect(crawled.db, read_only=True)
    changes = technical_changes(con)
    assert {c.kind for c in changes} == {"appeared", "vanished"}
    # v1 (base + loyalty) now reads as v0 and joins it; v2 (base + loyalty + photos) gets a new text.
    assert sorted((c.kind, c.first_seen) for c in changes) == [
        ("appeared", before[2][1]),
        ("vanished", before[1][1]),
        ("vanished", before[2][1]),
    ]
    assert after[0][:2] == before[0][:2] and after[0][2] == before[1][2]
    assert "vanished" in out and "appeared" in out  # the table of technical changes (plain TSV in a pipe)
    assert con.execute("SELECT count(*) FROM extraction_run").fetchone()[0] == 2


def test_a_missing_raw_file_is_counted_not_fatal(crawled) -> None:
    for warc in crawled.warc_dir.glob("*.warc.gz"):
        warc.unlink()
    summary = reextract(crawled)
    assert summary.unreadable == 8 and summary.payloads == 0
    assert len(versions(crawled)) == 3


def test_a_warehouse_of_imports_only_has_nothing_to_reextract(tmp_path, capsys) -> None:
    db = tmp_path / "w.duckdb"
    source = tmp_path / "policy.md"
    source.write_text("# Privacy\n\nWe keep your e-mail address for a year.\n", encoding="utf-8")
    assert main(["--db", str(db), "import", str(source), "--site", "shop.example", "--at", "2020"]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "reextract"]) == 0
    assert "no raw captures are stored" in " ".join(capsys.readouterr().out.split())
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM extraction_run").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM versions").fetchone()[0] == 1
