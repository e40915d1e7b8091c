"""The warehouse's schema in a lake: the end state of every shipped migration, less what a lake cannot hold.

A new lake is not migrated step by step: migrations 0007, 0010 and 0012 re-create tables with compression
clauses, sequences and indexes that DuckLake refuses, only to reach a layout a lake can state at once. So the
schema is read from a scratch in-memory warehouse that ran every migration: each table with its columns, types,
defaults and NOT NULL (a primary key's columns stay NOT NULL; the key itself, unique indexes, other indexes,
sequences and compression go), then the same views and macros, word for word. The ledger records every
shipped migration with its checksum, as a new file's does, so ``doctor`` reads a lake's ledger like a file's and
a later migration runs on lakes and files alike (``warehouse.migrations``; a lake runs
``schema/lake/NNNN_name.sql`` instead where a migration needs a variant).
"""

from __future__ import annotations

from functools import cache

import duckdb

from palimpsest.warehouse import lake
from palimpsest.warehouse.migrations import LEDGER, Migration
from palimpsest.warehouse.migrations import migrate as run_migrations

_COLUMNS = """
SELECT table_name, column_name, data_type, column_default, is_nullable
FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main'
  AND table_name IN (SELECT table_name FROM duckdb_tables() WHERE database_name = current_database())
ORDER BY table_name, column_index
"""
# Views in the order they were last made, macros after them: each names only tables, or views made before it.
_VIEWS = (
    "SELECT sql FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main'"
    " AND NOT internal ORDER BY view_oid"
)
_MACROS = """
SELECT function_name, function_type, parameters, macro_definition FROM duckdb_functions()
WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
  AND function_type IN ('macro', 'table_macro')
ORDER BY function_oid
"""


@cache
def end_state() -> tuple[tuple[str, ...], tuple[tuple[int, str, str], ...]]:
    """(statements that create the schema in a lake, the ledger's rows: number, name, checksum)."""
    scratch = duckdb.connect(":memory:")
    try:
        scratch.execute("SET TimeZone = 'UTC'")
        run_migrations(scratch)
        tables: dict[str, list[str]] = {}
        for table, column, kind, default, nullable in scratch.execute(_COLUMNS).fetchall():
            spec = f"{_quoted(column)} {kind}"
            spec += f" DEFAULT {default}" if default is not None else ""
            spec += "" if nullable else " NOT NULL"
            tables.setdefault(table, []).append(spec)
        statements = [f"CREATE TABLE {_quoted(name)} ({', '.join(specs)})" for name, specs in tables.items()]
        statements += [row[0] for row in scratch.execute(_VIEWS).fetchall()]
        for name, kind, parameters, definition in scratch.execute(_MACROS).fetchall():
            body = f"TABLE {definition}" if kind == "table_macro" else definition
            statements.append(f"CREATE MACRO {_quoted(name)}({', '.join(parameters)}) AS {body}")
        ledger = tuple(scratch.execute(f"SELECT number, name, sha256 FROM {LEDGER} ORDER BY number").fetchall())  # noqa: S608 - the module's constant
    finally:
        scratch.close()
    return tuple(statements), ledger


def create(con: duckdb.DuckDBPyConnection) -> bool:
    """Give a lake without a ledger the warehouse's schema, in one transaction; False when it has one (another
    process that created it at the same moment wins: DuckLake refuses the second creation of a table)."""
    if _has_ledger(con):
        return False
    statements, ledger = end_state()
    con.execute("BEGIN TRANSACTION")
    try:
        for sql in statements:
            con.execute(sql)
        con.executemany(f"INSERT INTO {LEDGER} (number, name, sha256) VALUES (?, ?, ?)", list(ledger))  # noqa: S608 - the module's constant
        con.execute(f"CREATE TABLE {lake.WRITER} (turn BIGINT NOT NULL)")
        con.execute(f"INSERT INTO {lake.WRITER} VALUES (0)")  # noqa: S608 - a constant of warehouse.lake
        con.execute("COMMIT")
    except duckdb.TransactionException:
        lake.rollback(con)
        if _has_ledger(con):
            return False
        raise
    except BaseException:
        lake.rollback(con)
        raise
    return True


def _has_ledger(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute(_HAS_LEDGER, [LEDGER]).fetchone()[0])


_HAS_LEDGER = (
    "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'"
    " AND table_name = ?"
)


def migrate(con: duckdb.DuckDBPyConnection) -> list[Migration]:
    """Create the schema of a new lake, or run the migrations shipped since the lake was made."""
    create(con)
    return run_migrations(con)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
