"""Rewriting a warehouse made in an older DuckDB storage format into the current one, with compact storage, or one
that an upgrade left full of free space into a file without it.

DuckDB cannot change a file's storage format in place, so a warehouse created before format v1.2.0 keeps its
layout: migration 0007 (zstd on texts, bodies and hashes) is recorded there without running. ``compact``
builds a new file beside it with every migration run, copies each table's rows in the order 0007 keeps them
(grouped by site and text), checks that every table holds the same rows (count and a checksum of every
value), rebuilds the search index if there was one, and only then puts the new file in the old one's place.

Nothing can write to the old file meanwhile: the copy reads it through a connection that holds its write lock,
and the new file replaces it by a rename while that lock is still held, so a writer waiting for the lock opens
the new file. If anything fails before the rename, the old file is as it was and the partial copy is deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from palimpsest.errors import WarehouseError
from palimpsest.warehouse import search
from palimpsest.warehouse.db import connect
from palimpsest.warehouse.migrations import LEDGER, available, storage_version

#: What the new file is attached as, beside the old one (named after its file's stem).
_NEW = "palimpsest_compacted"
#: Derived from the other tables and rebuilt whole by ``warehouse.search.build_index``; not copied.
_DERIVED = {
    "search_doc", "search_link", "search_carrier", "search_impact", "search_state", "search_posting", "search_version"
}  # fmt: skip

# Where rows sit together decides how well zstd compresses them: texts and sections in the order they were
# numbered (by site and first version, as migrations 0007 and 0010 order them), the rest grouped by site.
_ORDER = {
    "policy_text": "text_id",
    "section_text": "section_id",
    "text_section": "text_id, ord",
    "capture": "site, url, ts, digest",
    "payload": "url, ts, digest",
    "extraction": "run_id, extracted_at, digest",
    "version": "site, version",
    "text_change": "to_id, from_id",
}
#: The sequences that number rows, and the column holding the numbers: the new file's must go past the copies.
_SEQUENCES = {"policy_text_ids": ("policy_text", "text_id"), "section_text_ids": ("section_text", "section_id")}


@dataclass(frozen=True)
class Compacted:
    """What ``compact`` did: the file's size before and after (equal when it was already compact)."""

    path: Path
    bytes_before: int
    bytes_after: int
    tables: int
    rows: int
    reindexed: bool

    @property
    def changed(self) -> bool:
        return self.tables > 0


#: Free space worth a rewrite: a quarter of the file and at least 64 MiB. A migration that re-creates the large
#: tables (0010, 0012) leaves the old ones' blocks free; DuckDB reuses them for later writes but never gives them
#: back to the file system (a 1M-version warehouse of the release before grew from 1,538 MB to 2,247 MB, 1.4 GB
#: of it free, measured 2026-12-01).
RECLAIM_SHARE = 0.25
RECLAIM_MIN = 64 * 2**20


def older_format(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's file is in a storage format older than some migration needs."""
    storage = storage_version(con)
    wanted = [m.needs_storage for m in available() if m.needs_storage is not None]
    return storage is not None and any(storage < needed for needed in wanted)


def reclaimable(con: duckdb.DuckDBPyConnection) -> int:
    """Bytes of the file a rewrite would give back, when there are enough of them to be worth one; else 0."""
    if storage_version(con) is None:
        return 0
    free, total = con.execute(
        "SELECT free_blocks * block_size, total_blocks * block_size FROM pragma_database_size()"
        " WHERE database_name = current_database()"
    ).fetchone()
    return int(free) if free >= max(RECLAIM_MIN, RECLAIM_SHARE * total) else 0


def needs_compacting(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a rewrite would change the file: an older storage format, or much free space."""
    return older_format(con) or reclaimable(con) > 0


def compact(path: Path | str, *, on_step: Callable[[str], None] | None = None, **options: object) -> Compacted:
    """Rewrite the warehouse at ``path`` in the current storage format, without free space; a no-op when it is
    in the current format and has little free space."""
    path = Path(path)
    step = on_step or (lambda _message: None)
    before = path.stat().st_size if path.exists() else 0
    con = connect(path, **options)  # type: ignore[arg-type]  # holds the write lock until the new file is in place
    try:
        if not needs_compacting(con):
            return Compacted(path, before, before, 0, 0, False)
        con.execute("CHECKPOINT")
        indexed = con.execute("SELECT count(*) FROM search_state").fetchone()[0] > 0
        fresh = path.with_name(path.name + ".compacting")
        _remove(fresh)
        try:
            tables, rows = _copy(con, path, fresh, indexed, step)
            if Path(f"{path}.wal").exists():
                raise WarehouseError(f"{path} has a write-ahead log it did not have before; left as it was")
            fresh.replace(path)  # the old file's lock is still held, so no writer saw it in between
        except BaseException:
            _remove(fresh)
            raise
    finally:
        con.close()
    return Compacted(path, before, path.stat().st_size, tables, rows, indexed)


def _copy(
    con: duckdb.DuckDBPyConnection, path: Path, fresh: Path, indexed: bool, step: Callable[[str], None]
) -> tuple[int, int]:
    """Create ``fresh`` with every migration, copy every table into it and check it; returns (tables, rows)."""
    connect(fresh).close()  # a new file: the current storage format, every migration run
    old = con.execute("SELECT current_database()").fetchone()[0]
    # As of duckdb 1.5.5, ATTACH takes no parameter (`ATTACH ?` is a syntax error): the path is an escaped literal.
    con.execute(f"ATTACH '{_literal(fresh)}' AS {_NEW}")
    try:
        names = _tables(con, old) - {LEDGER} - _DERIVED
        made = _tables(con, _NEW) - {LEDGER} - _DERIVED
        if names != made:
            raise WarehouseError(
                f"{path} and a new warehouse disagree on their tables ({sorted(names ^ made)}); nothing was changed"
            )
        rows = 0
        con.execute("BEGIN TRANSACTION")
        try:
            # The ledger keeps when each migration first reached this warehouse.
            con.execute(f"DELETE FROM {_table(_NEW, LEDGER)}")  # noqa: S608 - identifiers: _NEW and LEDGER, quoted
            names.add(LEDGER)
            for table in sorted(names):
                step(f"copying {table}")
                order = f" ORDER BY {_ORDER[table]}" if table in _ORDER else ""
                source = _table(old, table)
                con.execute(f"INSERT INTO {_table(_NEW, table)} BY NAME SELECT * FROM {source}{order}")  # noqa: S608 - identifiers: a table both files have (names == made), quoted; columns from _ORDER
                rows += _same_rows(con, old, table)
            for sequence, (table, column) in _SEQUENCES.items():
                top = f"SELECT coalesce(max({_quoted_name(column)}), 0) FROM {_table(_NEW, table)}"  # noqa: S608 - identifiers from _SEQUENCES, quoted
                con.execute(
                    "CREATE OR REPLACE TEMP TABLE compact_advance AS SELECT nextval($sequence) FROM range($last)",
                    {"sequence": f"{_NEW}.main.{sequence}", "last": con.execute(top).fetchone()[0]},
                )
            con.execute("DROP TABLE IF EXISTS compact_advance")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute(f"CHECKPOINT {_NEW}")
    finally:
        con.execute(f"DETACH {_NEW}")
    if indexed:
        step("rebuilding the search index")
        with_index = connect(fresh)
        try:
            search.build_index(with_index)
            with_index.execute("CHECKPOINT")
        finally:
            with_index.close()
    return len(names), rows


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> set[str]:
    found = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' AND NOT temporary",
        [database],
    ).fetchall()
    return {row[0] for row in found}


def _same_rows(con: duckdb.DuckDBPyConnection, old: str, table: str) -> int:
    """The table's row count, once its copy is checked to hold the same rows: same count, and the same
    order-independent checksum of every value of every row."""
    was, now = _checksum(con, old, table), _checksum(con, _NEW, table)
    if was != now:
        raise WarehouseError(
            f"the copy of {table} differs from the original ({was} against {now}); nothing was changed"
        )
    return int(was[0])


def _checksum(con: duckdb.DuckDBPyConnection, database: str, table: str) -> tuple[int, int]:
    """The table's row count and an order-independent checksum of every value of every row."""
    found = f"SELECT count(*), coalesce(bit_xor(hash(*COLUMNS(*))), 0) FROM {_table(database, table)}"  # noqa: S608 - identifiers: a database of this copy and one of its tables, quoted
    return tuple(con.execute(found).fetchone())


def _table(database: str, table: str) -> str:
    """``database.main.table``, both names quoted."""
    return f"{_quoted_name(database)}.main.{_quoted_name(table)}"


def _quoted_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")


def _remove(path: Path) -> None:
    for leftover in (path, Path(f"{path}.wal")):
        leftover.unlink(missing_ok=True)
