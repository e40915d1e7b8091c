"""DuckLake as the warehouse: ``PALIMPSEST_DB=ducklake:…`` names a catalog (PostgreSQL for many machines, SQLite
for many processes on one machine, a ``.ducklake`` file for one process) whose data files go to
``PALIMPSEST_LAKE_DATA``.

A connection is an in-memory DuckDB with the lake attached as ``lake`` and in use, so every statement that names
a table unqualified reads and writes the lake. The extensions load from their wheels, never from the network.

What a lake cannot hold, and what stands in for it (DuckLake 1.5.5, tried 2026-12):

- No PRIMARY KEY, UNIQUE, index or sequence ("not supported in DuckLake"). The schema is the end state of the
  migrations without them (``lake_schema``), and the writer keeps keys unique: ``INSERT OR REPLACE`` and ``ON
  CONFLICT`` need a key, so the lake runs a variant of those statements (``warehouse/sql/lake/``), and numbers
  are the highest stored plus one instead of a sequence's.
- No ``RETURNING`` on an insert; the variant looks the rows up afterwards.
- No ``USING COMPRESSION``: DuckLake writes Parquet, compressed its own way.
- No full-text index: the fts extension's tables fail to commit ("Failed to convert DuckDB type to DuckLake -
  unsupported type NULL"), so ``search`` on a lake scans the texts for the exact words (``search.scan``).

Writers take turns. DuckLake settles concurrent commits itself when they only add rows, so two writers that each
number a new text "highest plus one" would both commit the same number. Every write transaction therefore first
bumps the one row of ``lake_writer``: two transactions that both did are a conflict for DuckLake, the later
commit fails, and :func:`transaction` runs its work again on the lake as it now is.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import TypeVar

import duckdb

from palimpsest.errors import NotAWarehouse, WarehouseError, WarehouseLocked
from palimpsest.settings import Lake
from palimpsest.warehouse.statements import statement

log = logging.getLogger(__name__)

#: What the lake is attached as: ``current_database()`` on every lake connection.
ALIAS = "lake"
#: The one-row table every write transaction on a lake updates first, so that concurrent writers conflict.
WRITER = "lake_writer"
#: How often a transaction that lost a race to another writer is run again, and the first pause between runs.
RETRIES = 12
PAUSE = 0.05

_CONFIG = {
    # As for a file (warehouse.db): nothing may download an extension at run time.
    "autoinstall_known_extensions": "false",
    "autoload_known_extensions": "false",
}
#: The extensions each kind of catalog needs, loaded from their wheels (``duckdb-extension-<name>``).
_EXTENSIONS = {"duckdb": ("ducklake",), "sqlite": ("ducklake", "sqlite"), "postgres": ("ducklake", "postgres")}
_LOCKED = re.compile(r"could not set lock|conflicting lock", re.IGNORECASE)
_CONFLICT = re.compile(r"transaction conflict", re.IGNORECASE)

T = TypeVar("T")


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Load a DuckDB extension, installing it from its wheel the first time (as ``search_index.load_fts``)."""
    try:
        con.execute(f"LOAD {name}")  # a name from _EXTENSIONS, never user input
    except duckdb.Error:
        try:
            import duckdb_extensions  # noqa: PLC0415 - lazy: 0.15 s, only the first time on a machine

            duckdb_extensions.import_extension(name, con=con)
            con.execute(f"LOAD {name}")
        except (ImportError, duckdb.Error) as err:
            raise WarehouseError(f"the DuckDB extension {name} cannot be loaded from its wheel: {err}") from err


def attach(con: duckdb.DuckDBPyConnection, lake: Lake, *, alias: str = ALIAS, read_only: bool = False) -> None:
    """Attach ``lake`` to ``con`` as ``alias``, with the extensions it needs."""
    for name in _EXTENSIONS[lake.kind] + (("httpfs",) if lake.data and "://" in lake.data else ()):
        load_extension(con, name)
    options = [f"DATA_PATH '{_literal(lake.data)}'"] if lake.data else []
    if read_only:
        options.append("READ_ONLY")
    clause = f" ({', '.join(options)})" if options else ""
    # As of duckdb 1.5.5, ATTACH takes no parameter: the catalog is an escaped literal, the alias a constant.
    con.execute(f"ATTACH '{_literal(str(lake))}' AS {alias}{clause}")


def connect(
    lake: Lake,
    *,
    read_only: bool = False,
    lock_timeout: float = 120.0,
    on_wait: Callable[[str], None] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the lake, read-only for queries (``warehouse.db.connect`` then creates or migrates it on write)."""
    file = lake.catalog_file
    if read_only and file is not None and not file.exists():
        raise WarehouseError(f"no warehouse at {lake}; run `palimpsest crawl` first or set PALIMPSEST_DB")
    if not read_only and file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(":memory:", config=dict(_CONFIG))
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")
        _attach_waiting(con, lake, read_only, lock_timeout, on_wait)
        con.execute(f"USE {ALIAS}")
        _check_ours(con, lake)
    except BaseException:
        con.close()
        raise
    return con


def _attach_waiting(
    con: duckdb.DuckDBPyConnection,
    lake: Lake,
    read_only: bool,
    timeout: float,
    on_wait: Callable[[str], None] | None,
) -> None:
    """Attach, waiting for another process that holds a catalog file (a ``.ducklake`` catalog has one writer)."""
    deadline = time.monotonic() + timeout
    announced = False
    delay = 0.1
    while True:
        try:
            attach(con, lake, read_only=read_only)
            return
        except duckdb.Error as err:
            message = str(err)
            if not _LOCKED.search(message):
                raise WarehouseError(f"cannot open the lake {lake}: {message.splitlines()[0]}") from err
            if time.monotonic() >= deadline:
                raise WarehouseLocked(f"{lake} is locked by another process; gave up after {timeout:.0f} s") from err
            if not announced:
                (on_wait or log.warning)(
                    f"waiting for {lake}: another process has its catalog open, up to {timeout:.0f} s"
                )
                announced = True
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def _check_ours(con: duckdb.DuckDBPyConnection, lake: Lake) -> None:
    """Refuse a lake that holds tables but no Palimpsest ledger: it belongs to someone else."""
    tables = {row[0] for row in con.execute(_TABLES).fetchall()}
    if tables and "schema_migrations" not in tables:
        raise NotAWarehouse(f"{lake} is a DuckLake but not a Palimpsest warehouse (no schema_migrations table)")


_TABLES = "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'"


def is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``con`` reads and writes a lake (rather than a DuckDB file)."""
    return con.execute("SELECT current_database()").fetchone()[0] == ALIAS


def lake_data_path(con: duckdb.DuckDBPyConnection) -> str | None:
    """Where the lake ``con`` reads and writes keeps its data files; None on a file."""
    if not is_lake(con):
        return None
    row = con.execute("SELECT tags FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return ((row[0] if row else None) or {}).get("data_path")


def variant(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """A statement as this warehouse runs it: on a lake, the variant ``sql/lake/<name>.sql`` of the statement
    ``sql/<name>.sql`` where there is one (``sql`` is that statement's text, as ``statements.statement`` read it)."""
    return _variants().get(sql, sql) if is_lake(con) else sql


@cache
def _variants() -> dict[str, str]:
    """Each statement that a lake runs in another form, by its text: that form."""
    folder = resources.files("palimpsest.warehouse").joinpath("sql", "lake")
    return {
        statement(entry.name.removesuffix(".sql")): entry.read_text(encoding="utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    }


def take_turn(con: duckdb.DuckDBPyConnection) -> None:
    """On a lake, mark the open transaction as a writer's, so that it conflicts with any other writer's; a no-op
    on a file, whose lock already lets one process write."""
    if is_lake(con):
        con.execute(f"UPDATE {WRITER} SET turn = turn + 1")  # noqa: S608 - the module's constant


def begin(con: duckdb.DuckDBPyConnection) -> None:
    """Start a write transaction (on a lake, taking the writer's turn)."""
    con.execute("BEGIN TRANSACTION")
    take_turn(con)


def transaction(con: duckdb.DuckDBPyConnection, work: Callable[[], T]) -> T:
    """``work()`` in one write transaction, committed, or rolled back whole if it fails. On a lake, a commit that
    lost the race to another writer is run again from the start, on the lake as that writer left it."""
    pause = PAUSE
    for attempt in range(RETRIES):
        begin(con)
        try:
            result = work()
            con.execute("COMMIT")
        except duckdb.TransactionException as err:
            rollback(con)
            if not _CONFLICT.search(str(err)) or attempt == RETRIES - 1:
                raise
            log.info("another writer committed first; running the transaction again (%s)", attempt + 1)
            time.sleep(pause)
            pause = min(pause * 2, 2.0)
            continue
        except BaseException:
            rollback(con)
            raise
        return result
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back, if a transaction is still open (a failed commit has already ended it)."""
    try:
        con.execute("ROLLBACK")
    except duckdb.TransactionException as err:
        if "no transaction is active" not in str(err):
            raise


def _literal(text: str) -> str:
    return text.replace("'", "''")
