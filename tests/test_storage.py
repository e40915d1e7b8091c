"""How the warehouse is stored: new files in a format with zstd column compression, older files migrated in
their own format, and the compact-storage migration changing no row any view shows."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from extractors import count_words, text_sha256
from tests.history import build_history
from warehouse import connect, store
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
    keys = "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'section' AND constraint_type = 'PRIMARY KEY'"
    assert con.execute(keys).fetchone()[0] == 1
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
