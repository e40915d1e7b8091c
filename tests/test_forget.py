"""``palimpsest forget``: a site filed by mistake, or one wrong URL of a lineage, goes with its captures and
versions; the raw bytes stay until ``doctor --collect``, which removes only what no site uses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from palimpsest.cli import main
from palimpsest.flows import fetching
from palimpsest.flows.crawl import run_crawl
from palimpsest.warehouse import connect
from tests.conftest import settings_for
from tests.servers import FaultArchive, Page, quick_client
from tests.timelines import page

BAKERY = "https://bakery.example/privacy"
TERMS = "https://bakery.example/legal"
MILL = "https://mill.example/privacy"
PAGES = [
    *(Page(BAKERY, f"2019{i:02d}01120000", page(i // 3, i)) for i in range(1, 7)),
    *(Page(TERMS, f"2020{i:02d}01120000", page(3 + i, i)) for i in range(1, 3)),
    *(Page(MILL, f"2019{i:02d}15120000", page(6 + i // 3, i)) for i in range(1, 5)),
]


@pytest.fixture
def crawled(monkeypatch, tmp_path):
    """Two sites crawled from the loopback archive, the first with two URLs in its lineage."""
    with FaultArchive(PAGES) as archive:
        client = quick_client(archive)
        monkeypatch.setattr(fetching, "client_for", lambda settings: client)
        settings = settings_for(archive, tmp_path / "w.duckdb")
        run_crawl(settings, BAKERY)
        run_crawl(settings, TERMS, site="bakery.example")
        run_crawl(settings, MILL)
        yield settings


def counts(db: Path) -> dict[str, tuple[int, int]]:
    con = connect(db, read_only=True)
    try:
        rows = con.execute(
            "SELECT site, (SELECT count(*) FROM captures c WHERE c.site = s.site),"
            " (SELECT count(*) FROM versions v WHERE v.site = s.site) FROM site s ORDER BY site"
        ).fetchall()
        return {site: (captures, versions) for site, captures, versions in rows}
    finally:
        con.close()


def run(capsys, db: Path, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--db", str(db), *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def age(directory: Path) -> None:
    """Make the WARC files look written an hour ago, as collect leaves alone what a crawl may still write."""
    for path in directory.iterdir():
        os.utime(path, (path.stat().st_atime - 3600, path.stat().st_mtime - 3600))


def test_forget_a_site_then_collect_its_raw_bytes(crawled, capsys) -> None:
    db, warc = crawled.db, crawled.warc_dir
    before = counts(db)
    assert before["mill.example"] == (4, 2) and before["bakery.example"][0] == 8
    code, out = run(capsys, db, "forget", "Mill.example", "--yes")
    assert code == 0, out
    assert "forgot mill.example (1 URL): 4 captures, 2 versions" in out
    assert counts(db) == {"bakery.example": before["bakery.example"]}

    code, out = run(capsys, db, "doctor")
    assert code == 0, out
    assert "note: 4 raw captures" in out and "doctor --collect" in out
    size = sum(path.stat().st_size for path in warc.iterdir())
    age(warc)
    code, out = run(capsys, db, "doctor", "--collect")
    assert code == 0, out
    assert "collected: 4 raw captures" in out
    assert "note: " not in out and "ok:" in out  # every remaining payload's bytes read back and match
    # The three crawls of this process appended to one file: its records still in use were copied to a new one.
    assert [path.name.endswith("-collected.warc.gz") for path in warc.iterdir()] == [True]
    assert sum(path.stat().st_size for path in warc.iterdir()) < size

    code, out = run(capsys, db, "doctor", "--collect")
    assert "collected: 0 raw captures" in out


def test_forget_one_url_rebuilds_the_rest_of_the_lineage(crawled, capsys) -> None:
    db = crawled.db
    code, out = run(capsys, db, "forget", "bakery.example", "--url", TERMS, "--yes")
    assert code == 0, out
    assert "forgot https://bakery.example/legal from bakery.example: 2 captures" in out
    con = connect(db, read_only=True)
    try:
        urls = {
            row[0] for row in con.execute("SELECT DISTINCT url FROM captures WHERE site = 'bakery.example'").fetchall()
        }
        policy = {
            row[0]
            for row in con.execute("SELECT DISTINCT policy_url FROM versions WHERE site = 'bakery.example'").fetchall()
        }
    finally:
        con.close()
    assert urls == {BAKERY} and policy == {BAKERY}
    assert counts(db)["bakery.example"][0] == 6
    code, out = run(capsys, db, "doctor")
    assert code == 0, out


def test_forget_asks_first_and_refuses_what_it_cannot_find(crawled, capsys) -> None:
    db = crawled.db
    code, out = run(capsys, db, "forget", "mill.example")  # stdin is not a terminal under pytest
    assert code == 2 and "add --yes to confirm" in out
    code, out = run(capsys, db, "forget", "mill.example", "--url", BAKERY, "--yes")
    assert code == 2 and "is not in mill.example's lineage (its URLs: https://mill.example/privacy)" in out
    code, out = run(capsys, db, "forget", "mil.example", "--yes")
    assert code == 1 and "did you mean mill.example?" in out
    assert counts(db)["mill.example"] == (4, 2)


def test_collect_leaves_alone_the_files_a_live_crawl_may_still_write(tmp_path: Path) -> None:
    import subprocess
    import sys

    from palimpsest.flows.doctor import _may_be_writing
    from palimpsest.processes import this_process as writer

    host = writer().rpartition("-")[0]
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        files = {
            "live here": tmp_path / f"palimpsest-20260101000000000000-{host}-{sleeper.pid}.warc.gz",
            "this process": tmp_path / f"palimpsest-20260101000000000000-{writer()}.warc.gz",
            "other host": tmp_path / f"palimpsest-20260101000000000000-elsewhere-{sleeper.pid}.warc.gz",
        }
        for path in files.values():
            path.write_bytes(b"")
        age(tmp_path)
        assert {name: _may_be_writing(path, 600) for name, path in files.items()} == {
            "live here": True,
            "this process": False,
            "other host": False,  # its process ids are not this host's: only its age tells
        }
        files["other host"].touch()
        assert _may_be_writing(files["other host"], 600)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert not _may_be_writing(files["live here"], 600)
