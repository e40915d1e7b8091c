"""How the warehouse is stored: new files in a format with zstd column compression, older files migrated in
their own format, the compact-storage migration changing no row any view shows, and ``doctor --compact``
rewriting an older file in the current format, all or nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from extractors import count_words, text_sha256
from palimpsest.errors import WarehouseError
from tests.history import build_history
from warehouse import compact as compact_module
from warehouse import connect, search, store, warehouse
from warehouse.compact import compact
from warehouse.migrations import available, migrate, pending, storage_version
from warehouse.records import TextRow

VIEWS = ["captures", "versions", "changes", "sections"]


def similar_texts(count: int) -> list[TextRow]:
    """Texts that share most of their words, as a site's versions do."""
    texts = [
        f"# Privacy policy\n\nLast updated: version {n}.\n\nWe collect your e-mail address to send receipts. "
        f"Partners number {n % 7} receive it for advertising. You may object at any time."
        for n in range(count)
    ]
    return [TextRow(text_sha256(t), t, count_words(t), "en", "test") for t in texts]


def compression(con: duckdb.DuckDBPyConnection, table: str, column: str) -> set[str]:
    rows = con.execute(
        "SELECT DISTINCT compression FROM pragma_storage_info(?) WHERE column_name = ? AND segment_type = 'VARCHAR'",
        [table, column],
    ).fetchall()
    return {r[0] for r in rows}


def section_keys(con: duckdb.DuckDBPyConnection) -> int:
    keys = "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'section' AND constraint_type = 'PRIMARY KEY'"
    return con.execute(keys).fetchone()[0]


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {view: con.execute(f"SELECT * FROM {view} ORDER BY ALL").fetchall() for view in VIEWS}


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
    build_history(con, site=site)
    store.save_texts(con, similar_texts(3000))
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
    # Compaction was recorded, not run: the text column keeps DuckDB's default compression (zstd asked of this
    # format would have left it uncompressed) and the section table keeps its key.
    assert compression(con, "policy_text", "text") - {"Uncompressed"}
    assert section_keys(con) == 1
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
        # The ledger keeps when each migration first reached the warehouse; the section key went, as 0007 says.
        assert con.execute("SELECT * FROM schema_migrations ORDER BY number").fetchall() == ledger
        keys = (
            "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'section' AND constraint_type = 'PRIMARY KEY'"
        )
        assert con.execute(keys).fetchone()[0] == 0
    again = compact(path)
    assert not again.changed and again.bytes_after == done.bytes_after


def test_a_compaction_that_fails_leaves_the_file_as_it_was(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "old.duckdb"
    before, hits, ledger = indexed_file_before_compaction(path)
    checked = compact_module._same_rows

    def differs_at_section(con, old, table):
        if table == "section":
            raise WarehouseError("the copy of section differs from the original")
        return checked(con, old, table)

    monkeypatch.setattr(compact_module, "_same_rows", differs_at_section)
    with pytest.raises(WarehouseError, match="section differs"):
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
