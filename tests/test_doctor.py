"""``palimpsest doctor``: a healthy warehouse passes; each kind of damage is found, named with its repair, and
the repair followed by a crawl gives back the warehouse as it was."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from palimpsest.cli import main
from palimpsest.flows import fetching
from palimpsest.flows.crawl import run_crawl
from palimpsest.warehouse import connect, warehouse
from palimpsest.warehouse.migrations import available, migrate
from tests.conftest import settings_for
from tests.invariants import assert_nothing_lost, listed
from tests.older import old_history
from tests.servers import FaultArchive, Page, quick_client
from tests.snapshots import checksums
from tests.test_storage import file_before_compaction, snapshot
from tests.timelines import page

URL = "https://bakery.example/privacy"
PAGES = [Page(URL, f"2019{i:02d}01120000", page(i // 3, i)) for i in range(1, 7)]


@pytest.fixture
def crawled(monkeypatch, tmp_path):
    """A warehouse crawled from the loopback archive (which stays up for refetches) and its settings."""
    with FaultArchive(PAGES) as archive:
        client = quick_client(archive)
        monkeypatch.setattr(fetching, "client_for", lambda settings: client)
        settings = settings_for(archive, tmp_path / "palimpsest.duckdb")
        run_crawl(settings, URL)
        yield settings


def doctor(capsys: pytest.CaptureFixture, db: Path, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--db", str(db), "doctor", *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def payload_files(db: Path) -> list[tuple[str, int, int]]:
    con = connect(db, read_only=True)
    try:
        return con.execute("SELECT warc_file, warc_offset, warc_length FROM payload ORDER BY ts").fetchall()
    finally:
        con.close()


def test_a_healthy_warehouse_passes(crawled, capsys) -> None:
    code, out = doctor(capsys, crawled.db)
    assert code == 0, out
    assert out.startswith("ok:")


def test_a_deleted_warc_is_found_and_repaired_by_a_crawl(crawled, capsys) -> None:
    before = checksums(crawled.db)
    for file in crawled.warc_dir.glob("*.warc.gz"):
        file.unlink()
    code, out = doctor(capsys, crawled.db)
    assert code == 1
    assert out.count("warc-missing:") == 6
    assert "repair: palimpsest doctor --repair, then palimpsest crawl URL" in out
    code, out = doctor(capsys, crawled.db, "--repair")
    assert "6 captures marked for refetching" in out
    assert code == 1 and "no-raw-bytes" not in out  # marked captures no longer claim bytes; the crawl is due
    assert f"refetch-pending: {URL}" in out and f"repair: palimpsest crawl {URL} --site bakery.example" in out
    report = run_crawl(crawled, URL)
    assert report.fetched == 6
    code, out = doctor(capsys, crawled.db)
    assert code == 0, out
    assert checksums(crawled.db) == before
    assert_nothing_lost(crawled.db, listed(PAGES))


def test_corrupted_bytes_are_found(crawled, capsys) -> None:
    file, offset, length = payload_files(crawled.db)[2]
    path = crawled.warc_dir / file
    data = bytearray(path.read_bytes())
    data[offset + length // 2] ^= 0xFF  # one flipped byte inside the third record's compressed body
    path.write_bytes(bytes(data))
    code, out = doctor(capsys, crawled.db)
    assert code == 1
    assert (
        len([line for line in out.splitlines() if line.startswith(("record-unreadable:", "bytes-corrupted:"))]) == 1
    ), out
    assert "at 2019-03-01 12:00:00" in out
    before = checksums(crawled.db)
    doctor(capsys, crawled.db, "--repair")
    assert run_crawl(crawled, URL).fetched == 1
    assert doctor(capsys, crawled.db)[0] == 0
    assert checksums(crawled.db) == before


@pytest.mark.parametrize(
    ("damage", "found"),
    [
        (
            "UPDATE payload SET body_digest = 'AAAA' WHERE ts = (SELECT min(ts) FROM payload)",
            "bytes-corrupted: https://bakery.example/privacy at 2019-01-01 12:00:00",
        ),
        ("DROP VIEW changes", "view-broken: changes"),
        ("DROP VIEW sections", "view-broken: sections"),
        ("INSERT INTO schema_migrations (number, name) VALUES (9999, 'from_the_future')", "migration-unknown: 9999"),
    ],
    ids=["bytes-no-longer-hash-as-fetched", "dropped-view", "dropped-sections-view", "migration-from-a-newer-version"],
)
def test_damage_to_the_warehouse_is_found(crawled, capsys, damage: str, found: str) -> None:
    con = connect(crawled.db)
    con.execute(damage)
    con.close()
    code, out = doctor(capsys, crawled.db)
    assert code == 1
    assert found in out


def test_a_missing_migration_is_found(crawled, capsys) -> None:
    con = connect(crawled.db)
    last = con.execute("SELECT max(number), arg_max(name, number) FROM schema_migrations").fetchone()
    con.execute("DELETE FROM schema_migrations WHERE number = ?", [last[0]])
    con.close()
    # Reopened read-only (as doctor does), nothing is migrated behind our back.
    code, out = doctor(capsys, crawled.db)
    assert code == 1
    assert f"migration-pending: {last[0]:04d}_{last[1]}" in out
    assert "palimpsest doctor --repair" in out


def test_repair_brings_a_warehouse_from_an_older_release_up_to_date(tmp_path: Path, capsys) -> None:
    path = tmp_path / "older.duckdb"
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone = 'UTC'")
    latest = next(m for m in available() if m.number == 10)  # numbered texts: the layout changed
    migrate(con, [m for m in available() if m.number < latest.number])
    old_history(con)  # as the release before it wrote it
    before = con.execute("SELECT * FROM versions ORDER BY ALL").fetchall()
    con.close()
    code, out = doctor(capsys, path)
    assert code == 1
    assert f"migration-pending: {latest.number:04d}_{latest.name}" in out
    doctor(capsys, path, "--repair")
    _, out = doctor(capsys, path)
    # (The hand-built history has no raw bytes, which doctor reports too; only the migration matters here.)
    assert "migration-" not in out
    con = connect(path, read_only=True)
    assert latest.number in {r[0] for r in con.execute("SELECT number FROM schema_migrations").fetchall()}
    assert con.execute("SELECT * FROM versions ORDER BY ALL").fetchall() == before
    con.close()


def test_doctor_names_an_older_storage_format_and_compact_rewrites_it(tmp_path: Path, capsys) -> None:
    path = tmp_path / "older.duckdb"
    before = file_before_compaction(path, "v1.0.0")
    _, out = doctor(capsys, path)
    assert "older DuckDB storage format" in out and "palimpsest doctor --compact" in out
    _, out = doctor(capsys, path, "--compact")
    assert "compacting: copying policy_text" in out
    assert re.search(r"compacted: \S+older\.duckdb [\d.,]+ MB -> [\d.,]+ MB, \d+ rows in \d+ tables copied", out)
    assert "older DuckDB storage format" not in out.split("compacted:")[-1]
    with connect(path, read_only=True) as con:
        assert snapshot(con) == before
    _, out = doctor(capsys, path, "--compact")
    assert "is in the current storage format with little free space; nothing to do" in out


REPEATS = [
    "INSERT INTO payload SELECT * FROM payload WHERE ts = (SELECT min(ts) FROM payload)",
    "INSERT INTO extraction SELECT * FROM extraction LIMIT 1",
    "INSERT INTO text_change SELECT * FROM text_change LIMIT 1",
    "INSERT INTO text_section SELECT * FROM text_section LIMIT 1",
    # A section stored twice under two numbers, one of its texts listing the copy.
    "INSERT INTO section_text SELECT nextval('section_text_ids'), section_key, section_sha256, heading, body"
    " FROM section_text WHERE section_id = (SELECT min(section_id) FROM section_text)",
    "UPDATE text_section SET section_id = (SELECT max(section_id) FROM section_text)"
    " WHERE section_id = (SELECT min(section_id) FROM section_text)"
    " AND text_id = (SELECT max(text_id) FROM text_section"
    "                WHERE section_id = (SELECT min(section_id) FROM section_text))"
    " RETURNING 1",
]


def sections_of(db: Path) -> list[tuple]:
    with warehouse(db, read_only=True) as con:
        return con.execute("SELECT * FROM sections ORDER BY ALL").fetchall()


def test_keys_the_writer_keeps_are_checked_and_repeats_removed(crawled, capsys) -> None:
    before, sections = checksums(crawled.db), sections_of(crawled.db)
    assert sections
    con = connect(crawled.db)
    changed = [con.execute(statement).fetchall() for statement in REPEATS]
    assert changed[-1] == [(1,)]  # the copy is listed by a text
    con.close()
    code, out = doctor(capsys, crawled.db)
    assert code == 1
    for table in ("payload", "extraction", "text_change", "text_section", "section_text"):
        assert f"key-repeated: {table}" in out, out
    doctor(capsys, crawled.db, "--repair")
    code, out = doctor(capsys, crawled.db)
    assert code == 0, out
    assert checksums(crawled.db) == before and sections_of(crawled.db) == sections
