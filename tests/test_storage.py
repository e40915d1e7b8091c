"""How the warehouse is stored: new files in a format with zstd column compression, older files migrated in
their own format, the compact-storage migration changing no row any view shows, and ``doctor --compact``
rewriting an older file in the current format, all or nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from palimpsest.cli import main
from palimpsest.errors import WarehouseError
from palimpsest.extractors import count_words, text_sha256
from palimpsest.text.sections import split_sections
from palimpsest.warehouse import compact as compact_module
from palimpsest.warehouse import connect, search, store, warehouse
from palimpsest.warehouse.compact import compact
from palimpsest.warehouse.migrations import Migration, available, migrate, pending, storage_version
from palimpsest.warehouse.rows import SectionRow, TextRow
from tests.history import TEXT_A, TEXT_B, build_history
from tests.older import old_history, old_texts

VIEWS = ["captures", "versions", "changes", "sections"]


def similar(count: int) -> list[str]:
    """Texts that share most of their words, as a site's versions do."""
    return [
        f"# Privacy policy\n\nLast updated: version {n}.\n\nWe collect your e-mail address to send receipts. "
        f"Partners number {n % 7} receive it for advertising. You may object at any time."
        for n in range(count)
    ]


def similar_texts(count: int) -> list[TextRow]:
    return [TextRow(text_sha256(t), t, count_words(t), "en", "test") for t in similar(count)]


def compression(con: duckdb.DuckDBPyConnection, table: str, column: str) -> set[str]:
    rows = con.execute(
        "SELECT DISTINCT compression FROM pragma_storage_info(?) WHERE column_name = ? AND segment_type = 'VARCHAR'",
        [table, column],
    ).fetchall()
    return {r[0] for r in rows}


#: Columns later migrations added to the views: an older file's rows are compared on the columns it had.
ADDED_LATER = ("other_documents", "archive", "archive_cdx")


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {
        view: con.execute(
            f'SELECT COLUMNS(c -> NOT list_contains({list(ADDED_LATER)}, c)) FROM "{view}" ORDER BY ALL'  # noqa: S608 - identifier from VIEWS, never user input
        ).fetchall()
        for view in VIEWS
    }


def test_a_new_file_compresses_texts_with_zstd(tmp_path: Path) -> None:
    con = connect(tmp_path / "w.duckdb")
    store.save_texts(con, similar_texts(400))
    con.execute("CHECKPOINT")
    assert storage_version(con) >= (1, 2, 0)
    assert compression(con, "policy_text", "text") == {"ZSTD"}
    con.close()


def file_before_compaction(path: Path, fmt: str, site: str = "shop.example") -> dict[str, list[tuple]]:
    """A warehouse as migrations up to 0006 left it, in DuckDB file format ``fmt``, holding a history."""
    con = duckdb.connect(str(path), config={"storage_compatibility_version": fmt})
    con.execute("SET TimeZone = 'UTC'")
    migrate(con, [m for m in available() if m.number < 7])
    old_history(con, site=site)
    old_texts(con, similar(3000), sections=True)
    before = snapshot(con)
    con.close()
    return before


def test_an_older_file_keeps_its_format_and_every_row(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    before = file_before_compaction(path, "v1.0.0")
    con = connect(path)
    con.execute("CHECKPOINT")
    assert storage_version(con) < (1, 2, 0)
    assert snapshot(con) == before
    assert pending(con) == []
    # Compaction was recorded, not run: the text column keeps DuckDB's default compression.
    assert compression(con, "policy_text", "text") - {"Uncompressed"}
    assert con.execute("SELECT count(*) FROM policy_text").fetchone()[0] == 3002
    con.close()


@pytest.mark.parametrize("site", ["shop.example", "a'; DROP TABLE version; --"])
def test_compacting_changes_no_row_a_view_shows(tmp_path: Path, site: str) -> None:
    path = tmp_path / "w.duckdb"
    before = file_before_compaction(path, "v1.2.0", site)
    con = connect(path)
    con.execute("CHECKPOINT")
    assert snapshot(con) == before
    assert compression(con, "policy_text", "text") == {"ZSTD"}
    assert con.execute("SELECT count(*) FROM policy_at(?, TIMESTAMPTZ '2018-06-01')", [site]).fetchone()[0] == 1
    con.close()


def indexed_file_before_compaction(path: Path) -> tuple[dict[str, list[tuple]], list, list[tuple]]:
    """An older-format warehouse brought up to date (0007 recorded, not run), with a search index: its views,
    a search's answer and its migration ledger."""
    before = file_before_compaction(path, "v1.0.0")
    with warehouse(path) as con:
        search.build_index(con)
        hits = search.search(con, "receipts advertising partners")
        ledger = con.execute("SELECT * FROM schema_migrations ORDER BY number").fetchall()
    return before, hits, ledger


def test_compacting_rewrites_an_older_file_in_the_current_format_and_changes_no_row(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    before, hits, ledger = indexed_file_before_compaction(path)
    done = compact(path)
    assert done.changed and done.reindexed and done.bytes_after < done.bytes_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.duckdb"]
    with warehouse(path, read_only=True) as con:
        assert storage_version(con) >= (1, 2, 0)
        assert compression(con, "policy_text", "text") == {"ZSTD"}
        assert snapshot(con) == before
        assert search.is_fresh(con) and search.search(con, "receipts advertising partners") == hits
        # The ledger keeps when each migration first reached the warehouse; sections are compressed as texts are.
        assert con.execute("SELECT * FROM schema_migrations ORDER BY number").fetchall() == ledger
        assert compression(con, "section_text", "body") == {"ZSTD"}
    again = compact(path)
    assert not again.changed and again.bytes_after == done.bytes_after


def test_a_compaction_that_fails_leaves_the_file_as_it_was(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "old.duckdb"
    before, hits, ledger = indexed_file_before_compaction(path)
    checked = compact_module._same_rows

    def differs_at_section(con, old, table):
        if table == "section_text":
            raise WarehouseError("the copy of section_text differs from the original")
        return checked(con, old, table)

    monkeypatch.setattr(compact_module, "_same_rows", differs_at_section)
    with pytest.raises(WarehouseError, match="section_text differs"):
        compact(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.duckdb"]
    with warehouse(path, read_only=True) as con:
        assert storage_version(con) < (1, 2, 0)
        assert snapshot(con) == before
        assert search.search(con, "receipts advertising partners") == hits
        assert con.execute("SELECT * FROM schema_migrations ORDER BY number").fetchall() == ledger


def test_no_writer_gets_in_while_a_compaction_runs(tmp_path: Path) -> None:
    """Another process that wants to write waits for the lock the compaction holds on the old file."""
    path = tmp_path / "old.duckdb"
    indexed_file_before_compaction(path)
    attempts: list[str] = []
    probe = (
        "import sys\nfrom palimpsest.errors import WarehouseLocked\nfrom warehouse import connect\n"
        "try:\n    connect(sys.argv[1], lock_timeout=0).close()\nexcept WarehouseLocked:\n    print('locked')\n"
        "else:\n    print('opened')\n"
    )

    def try_to_write(message: str) -> None:
        if message == "copying version":
            run = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, check=True)
            attempts.append(run.stdout.strip())

    compact(path, on_step=try_to_write)
    assert attempts == ["locked"]


def test_numbering_texts_changes_no_row_a_view_shows(tmp_path: Path) -> None:
    """Migration 0010 moves a history written with text hashes everywhere into numbered texts and distinct
    sections: every view shows the same rows, the same rows today's code writes for the same history."""
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path), config={"storage_compatibility_version": "v1.2.0"})
    con.execute("SET TimeZone = 'UTC'")
    migrate(con, [m for m in available() if m.number < 10])
    old_history(con)
    before = snapshot(con)
    con.close()
    with warehouse(path) as migrated:
        assert snapshot(migrated) == before
        assert migrated.execute("SELECT count(*) FROM section_text").fetchone()[0] == 2
    today = connect(":memory:")
    build_history(today)
    texts = [text_sha256(text) for text in (TEXT_A, TEXT_B)]
    store.save_sections(
        today,
        [SectionRow(sha, s.ord, s.path, s.heading, s.body, s.section_sha256)
         for sha, text in zip(texts, (TEXT_A, TEXT_B), strict=True) for s in split_sections(text)],
    )  # fmt: skip
    assert snapshot(today) == before


def test_after_compaction_new_texts_and_sections_get_new_numbers(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    file_before_compaction(path, "v1.0.0")
    compact(path)
    with warehouse(path) as con:
        highest = con.execute("SELECT max(text_id), (SELECT max(section_id) FROM section_text) FROM policy_text")
        top_text, top_section = highest.fetchone()
        text = "# Privacy\n\nA text no file held before.\n\n## Contact\n\nWrite to us."
        sha = text_sha256(text)
        assert store.save_texts(con, [TextRow(sha, text, 12, "en", "test")])[sha] > top_text
        store.save_sections(
            con, [SectionRow(sha, s.ord, s.path, s.heading, s.body, s.section_sha256) for s in split_sections(text)]
        )
        assert (
            con.execute(
                "SELECT min(section_id) FROM text_section JOIN policy_text USING (text_id) WHERE text_sha256 = ?", [sha]
            ).fetchone()[0]
            > top_section
        )


def test_space_an_upgrade_freed_is_found_and_given_back(tmp_path: Path, monkeypatch, capsys) -> None:
    """Migrating re-creates the large tables; DuckDB keeps the old ones' blocks as free space in the file."""
    monkeypatch.setattr(compact_module, "RECLAIM_MIN", 0)
    monkeypatch.setattr(compact_module, "RECLAIM_SHARE", 0.05)
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path), config={"storage_compatibility_version": "v1.2.0"})
    con.execute("SET TimeZone = 'UTC'")
    migrate(con, [m for m in available() if m.number < 10])
    old_history(con)
    old_texts(con, similar(3000), sections=True)
    con.close()
    with warehouse(path) as migrated:  # the upgrade
        before = snapshot(migrated)
        freed = compact_module.reclaimable(migrated)
        assert freed > 0 and not compact_module.older_format(migrated)
    main(["--db", str(path), "doctor"])
    assert "of the file is free space, left by a migration" in capsys.readouterr().out
    size = path.stat().st_size
    done = compact(path)
    assert done.changed and path.stat().st_size < size
    with warehouse(path, read_only=True) as con:
        assert snapshot(con) == before
        assert compact_module.reclaimable(con) < freed / 4
    monkeypatch.undo()  # the thresholds a warehouse is judged by: what is left is not worth another rewrite
    assert not compact(path).changed


@pytest.mark.parametrize(("fmt", "chosen"), [("v1.0.0", {"Dictionary", "FSST"}), ("v1.2.0", {"ZSTD"})])
def test_a_migration_asks_zstd_only_of_a_format_that_has_it(tmp_path: Path, fmt: str, chosen: set[str]) -> None:
    """In an older format DuckDB would store a column declared zstd uncompressed; there it chooses its own."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"), config={"storage_compatibility_version": fmt})
    asks = Migration(9001, "asks_zstd", "CREATE TABLE asked (body VARCHAR USING COMPRESSION zstd);")
    migrate(con, [asks])
    con.execute("INSERT INTO asked SELECT 'We collect your address ' || (i % 50) || repeat(' and more', 20) AS body"
                " FROM range(50000) AS t(i)")  # fmt: skip
    con.execute("CHECKPOINT")
    assert compression(con, "asked", "body") & chosen
    assert "Uncompressed" not in compression(con, "asked", "body")
    con.close()
