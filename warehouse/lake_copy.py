"""Moving a warehouse between a DuckDB file and a DuckLake (``palimpsest lake push`` and ``lake pull``).

Both sides are brought to the current migration first, so their tables have the same columns. The copy runs on a
connection to the lake with the file attached beside it: every table but the derived search tables is copied in
one transaction into an empty target (texts and sections in number order, the rest grouped as
``warehouse.compact`` groups them), each table is checked (count and a checksum of every value), and then the
public views, which must agree row for row: same count and same sum of row hashes on both sides. A file made by
``pull`` has its sequences moved past the numbers copied, so that its next text or section gets a new number;
its search index is rebuilt by the next ``search``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from palimpsest.errors import WarehouseError
from palimpsest.settings import Lake
from palimpsest.warehouse import lake as lakes
from palimpsest.warehouse.compact import _DERIVED, _ORDER, _SEQUENCES, _checksum, _literal, _quoted_name, _table
from palimpsest.warehouse.db import connect
from palimpsest.warehouse.migrations import LEDGER

#: What the file is attached as, on the lake's connection.
FILE = "palimpsest_file"
#: The public views (CONTRACT.md), compared row for row after a copy.
VIEWS = ("captures", "versions", "changes", "sections")
#: The tables that show whether a warehouse holds anything.
_CONTENT = ("site", "capture", "policy_text", "imported_document")


@dataclass(frozen=True)
class Copied:
    """What a copy moved: tables and rows, and each view's (rows, hash of its rows), equal on both sides."""

    tables: int
    rows: int
    views: dict[str, tuple[int, int]]


def push(file: Path, lake: Lake, **options: object) -> Copied:
    """Copy the file warehouse at ``file`` into ``lake``, which must hold nothing yet."""
    if not Path(file).exists():
        raise WarehouseError(f"no warehouse at {file}")
    connect(file, read_only=True, **options).close()  # a file an older release wrote is migrated first
    con = connect(lake, **options)  # type: ignore[arg-type]
    try:
        con.execute(f"ATTACH '{_literal(Path(file))}' AS {FILE} (READ_ONLY)")
        return _copy(con, source=FILE, target=lakes.ALIAS, what=f"{lake}")
    finally:
        con.close()


def pull(lake: Lake, file: Path, **options: object) -> Copied:
    """Copy ``lake`` into the file warehouse at ``file``, which must be new or hold nothing."""
    connect(file, **options).close()  # created with every migration, or migrated
    connect(lake, read_only=True, **options).close()  # migrated first if an older release wrote it
    con = connect(lake, read_only=True, **options)  # type: ignore[arg-type]
    try:
        con.execute(f"ATTACH '{_literal(Path(file))}' AS {FILE}")
        copied = _copy(con, source=lakes.ALIAS, target=FILE, what=str(file))
        con.execute(f"CHECKPOINT {FILE}")
        return copied
    finally:
        con.close()


def _copy(con: duckdb.DuckDBPyConnection, *, source: str, target: str, what: str) -> Copied:
    if any(_count(con, target, table) for table in _CONTENT):
        raise WarehouseError(f"{what} already holds a warehouse; copy only into an empty one")
    names = _tables(con, source) - _DERIVED - {lakes.WRITER}
    made = _tables(con, target) - _DERIVED - {lakes.WRITER}
    if names != made:
        raise WarehouseError(
            f"the two warehouses disagree on their tables ({sorted(names ^ made)}); nothing was copied"
        )
    rows = 0
    lake_target = target == lakes.ALIAS
    con.execute("BEGIN TRANSACTION")
    try:
        if lake_target:
            lakes.take_turn(con)
        # The ledger keeps when each migration first reached the warehouse that is copied.
        con.execute(f"DELETE FROM {_table(target, LEDGER)}")  # noqa: S608 - identifiers: module constants, quoted
        for table in sorted(names):
            order = f" ORDER BY {_ORDER[table]}" if table in _ORDER else ""
            con.execute(f"INSERT INTO {_table(target, table)} BY NAME SELECT * FROM {_table(source, table)}{order}")  # noqa: S608 - identifiers: a table both sides have, quoted; columns from compact._ORDER
            was, now = _checksum(con, source, table), _checksum(con, target, table)
            if was != now:
                raise WarehouseError(f"the copy of {table} differs ({was} against {now}); nothing was copied")
            rows += int(was[0])
        if not lake_target:
            _advance_sequences(con, target)
        con.execute("COMMIT")
    except BaseException:
        lakes.rollback(con)
        raise
    views = {}
    for view in VIEWS:
        was, now = _view_rows(con, source, view), _view_rows(con, target, view)
        if was != now:
            raise WarehouseError(f"the view {view} differs after the copy ({was} against {now})")
        views[view] = was
    return Copied(len(names), rows, views)


def _advance_sequences(con: duckdb.DuckDBPyConnection, database: str) -> None:
    """Move the file's sequences past the numbers copied (as ``warehouse.compact`` does)."""
    for sequence, (table, column) in _SEQUENCES.items():
        top = f"SELECT coalesce(max({_quoted_name(column)}), 0) FROM {_table(database, table)}"  # noqa: S608 - identifiers from compact._SEQUENCES, quoted
        con.execute(
            "CREATE OR REPLACE TEMP TABLE lake_copy_advance AS SELECT nextval($sequence) FROM range($last)",
            {"sequence": f"{database}.main.{sequence}", "last": con.execute(top).fetchone()[0]},
        )
    con.execute("DROP TABLE IF EXISTS lake_copy_advance")


def _view_rows(con: duckdb.DuckDBPyConnection, database: str, view: str) -> tuple[int, int]:
    """A view's row count and the sum of its rows' hashes (a repeated row counts twice, unlike a XOR)."""
    found = f"SELECT count(*), coalesce(sum(hash(*COLUMNS(*))::HUGEINT), 0) FROM {_table(database, view)}"  # noqa: S608 - identifiers: a module constant and a view of VIEWS, quoted
    count, total = con.execute(found).fetchone()
    return int(count), int(total)


def _count(con: duckdb.DuckDBPyConnection, database: str, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {_table(database, table)}").fetchone()[0])  # noqa: S608 - identifiers: module constants, quoted


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> set[str]:
    found = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' AND NOT temporary",
        [database],
    ).fetchall()
    return {row[0] for row in found}
