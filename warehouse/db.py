"""Opening the warehouse: migrations on write, read-only for queries, and a patient wait for the write lock.

DuckDB lets one process write a file at a time. A second writer gets an IOError at once; we retry with a
visible message until ``lock_timeout`` and then fail with :class:`WarehouseLocked`. We never touch the file in
between, so nothing is corrupted. Each connection is set to UTC so TIMESTAMPTZ values print as UTC.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from palimpsest.errors import NotAWarehouse, WarehouseError, WarehouseLocked
from palimpsest.processes import alive
from palimpsest.settings import LAKE_PREFIX, Lake
from palimpsest.warehouse import lake, lake_schema
from palimpsest.warehouse.migrations import LEDGER, migrate, pending

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
_LOCKED = re.compile(r"could not set lock|conflicting lock", re.IGNORECASE)

#: Seconds a connection waits for another process's lock unless told otherwise (``Settings.lock_timeout``).
DEFAULT_LOCK_TIMEOUT = 120.0
#: As of 2026-11 (DuckDB 1.5.5), two threads opening one file at the same moment race in DuckDB's instance cache
#: ("Unique file handle conflict: ... already attached"), and two migrating a new file race on its catalog.
#: Opening (and migrating) takes turns within the process; the connections then work side by side.
_OPENING = threading.Lock()
_CONFIG = {
    # Nothing may try to download an extension at run time; fts is loaded from its wheel (see search.py).
    "autoinstall_known_extensions": "false",
    "autoload_known_extensions": "false",
    # A new file is created in storage format v1.2.0, the first with zstd column compression (see
    # schema/0007_compact_storage.sql); DuckDB 1.2 and later read it. An existing file keeps its format.
    "storage_compatibility_version": "v1.2.0",
}


def connect(
    path: Path | Lake | str,
    *,
    read_only: bool = False,
    lock_timeout: float | None = None,
    on_wait: Callable[[str], None] | None = None,
    upgrade: bool = True,
) -> duckdb.DuckDBPyConnection:
    """Open (and on write, create and migrate) the warehouse at ``path``; ``":memory:"`` for a scratch one, a
    :class:`Lake` or ``ducklake:…`` for a DuckLake (``warehouse.lake``). A warehouse an older release wrote is
    migrated before it is read, unless ``upgrade`` is false (``doctor`` looks at it as it is)."""
    if isinstance(path, Lake) or str(path).startswith(LAKE_PREFIX):
        timeout = DEFAULT_LOCK_TIMEOUT if lock_timeout is None else lock_timeout
        return _connect_lake(
            path if isinstance(path, Lake) else Lake.parse(str(path)), read_only, timeout, on_wait, upgrade
        )
    target = str(path)
    if target != ":memory:":
        file = Path(target)
        if read_only and not file.exists():
            raise WarehouseError(f"no warehouse at {file}; run `palimpsest crawl` first or set PALIMPSEST_DB")
        if not read_only:
            try:
                file.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                why = "it is a file" if file.parent.is_file() else err.strerror
                raise WarehouseError(f"cannot create {file.parent}, the warehouse's folder: {why}") from err
    with _OPENING:
        if not read_only and target != ":memory:" and not Path(target).exists():
            _create(Path(target))
        replayed = target != ":memory:" and Path(f"{target}.wal").exists()
        con = _open_waiting(target, read_only, DEFAULT_LOCK_TIMEOUT if lock_timeout is None else lock_timeout, on_wait)
        try:
            con.execute("SET TimeZone = 'UTC'")
            # Long statements (an index build, a compaction) would otherwise draw a progress bar into logs.
            con.execute("SET enable_progress_bar = false")
            _check_ours(con, target)
            if not read_only and replayed:
                _checkpoint_replayed(con)
            if not read_only and migrate(con):
                # A migration's changes are written out at once, not left in the write-ahead log: as of duckdb
                # 1.5.5, replaying some ALTER TABLE statements from the log fails (see _create).
                con.execute("CHECKPOINT")
            behind = upgrade and read_only and target != ":memory:" and pending(con)
        except Exception:
            con.close()
            raise
    if behind:
        # A warehouse written by an older release is read through today's views: it is migrated first, by one
        # connection for writing, then opened read-only again.
        con.close()
        try:
            connect(target, lock_timeout=lock_timeout, on_wait=on_wait).close()
        except duckdb.IOException as err:
            names = ", ".join(m.label for m in behind)
            raise WarehouseError(
                f"{target} was written by an older Palimpsest and needs migrations ({names}), but cannot be opened "
                f"for writing ({err}); run palimpsest doctor --repair where it is writable"
            ) from err
        return connect(target, read_only=True, lock_timeout=lock_timeout, on_wait=on_wait)
    return con


def _connect_lake(
    target: Lake, read_only: bool, lock_timeout: float, on_wait: Callable[[str], None] | None, upgrade: bool
) -> duckdb.DuckDBPyConnection:
    """A lake: created with the warehouse's schema and migrated on write; read-only readers of a lake an older
    release wrote have it migrated first, as for a file."""
    con = lake.connect(target, read_only=read_only, lock_timeout=lock_timeout, on_wait=on_wait)
    try:
        if not read_only:
            lake_schema.migrate(con)
            return con
        behind = upgrade and pending(con)
    except BaseException:
        con.close()
        raise
    if behind:
        con.close()
        _connect_lake(target, False, lock_timeout, on_wait, upgrade).close()
        return lake.connect(target, read_only=True, lock_timeout=lock_timeout, on_wait=on_wait)
    return con


def _checkpoint_replayed(con: duckdb.DuckDBPyConnection) -> None:
    """Write out at once what replaying a write-ahead log brought back.

    As of duckdb 1.5.5, when a log left by a killed process has been replayed, the checkpoint DuckDB makes on
    closing can store an index wrong (later rebuilds of a site failed with "Duplicate key"); a checkpoint made
    at once stores it right. A log can also be another connection's of this process, which DuckDB shares the
    open database with (concurrent crawls in threads): then nothing was replayed, and while that connection
    writes, the checkpoint is refused ("there are other write transactions active"), which is no error here."""
    try:
        con.execute("CHECKPOINT")
    except duckdb.TransactionException as err:
        if "other write transactions active" not in str(err):
            raise


def _create(file: Path) -> None:
    """Create a new warehouse whole: migrated and checkpointed under a temporary name, then linked into place.

    A process killed while migrating a new file used to leave it with a write-ahead log that DuckDB 1.5.5
    cannot replay ("Failure while replaying WAL file ... no default database set", from migration 0005's
    ALTER TABLE), so the warehouse could never be opened again. Now a kill leaves only the temporary file. The
    link fails if another process created the warehouse meanwhile; its file is kept and ours discarded."""
    _remove_abandoned(file)
    temporary = file.with_name(f"{file.name}.new-{os.getpid()}")
    try:
        con = duckdb.connect(str(temporary), config=dict(_CONFIG))
    except duckdb.IOException as err:
        reason = str(err).rsplit(": ", 1)[-1].strip()
        raise WarehouseError(
            f"cannot create the warehouse {file} ({reason}); check --db or PALIMPSEST_DB, and that its folder is "
            "writable"
        ) from err
    try:
        con.execute("SET TimeZone = 'UTC'")
        migrate(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    try:
        os.link(temporary, file)
    except FileExistsError:
        pass
    except OSError:  # a file system without hard links
        if not file.exists():
            temporary.replace(file)
    finally:
        temporary.unlink(missing_ok=True)


def _refuse_sqlite(file: Path) -> None:
    """A SQLite database given as the warehouse is named as such (DuckDB would answer "INSTALL sqlite").

    Only called once DuckDB failed to open ``file``, so no connection of this process holds it: DuckDB locks
    the file with a POSIX record lock, which belongs to the process and is dropped when the process closes *any*
    descriptor of that file. Reading the header while a connection of this process had it open let another
    process open the file for writing beside it (seen as two shard workers' commits colliding on the log)."""
    try:
        with file.open("rb") as handle:
            head = handle.read(16)
    except OSError:
        return
    if head == SQLITE_HEADER:
        raise NotAWarehouse(f"{file} is a SQLite database, not a DuckDB file, so not a Palimpsest warehouse")


def _remove_abandoned(file: Path) -> None:
    """Delete what creators of ``file`` that were killed left behind (``<name>.new-<pid>``, and its log)."""
    for leftover in file.parent.glob(f"{file.name}.new-*"):
        pid = leftover.name.removeprefix(f"{file.name}.new-").removesuffix(".wal")
        if pid.isdigit() and not alive(int(pid)):
            leftover.unlink(missing_ok=True)


@contextmanager
def warehouse(path: Path | str, **options: object) -> Iterator[duckdb.DuckDBPyConnection]:
    """``with warehouse(path) as con:``: a connection closed (and its lock released) on exit."""
    con = connect(path, **options)  # type: ignore[arg-type]
    try:
        yield con
    finally:
        con.close()


def _open_waiting(
    target: str, read_only: bool, timeout: float, on_wait: Callable[[str], None] | None
) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + timeout
    announced = False
    delay = 0.1
    while True:
        try:
            return duckdb.connect(target, read_only=read_only, config=dict(_CONFIG))
        except duckdb.IOException as err:
            message = str(err)
            if "not a valid DuckDB database file" in message:
                _refuse_sqlite(Path(target))
                raise NotAWarehouse(f"{target} is not a DuckDB file, so not a Palimpsest warehouse") from err
            if "corrupt" in message.lower():
                raise NotAWarehouse(f"{target} is a damaged DuckDB file: {message.splitlines()[0]}") from err
            # As of duckdb 1.5.5 a held lock reads "Could not set lock on file …: Conflicting lock is held";
            # match those words, not "lock" alone, which "block" in a corruption message also contains.
            if not _LOCKED.search(message):
                raise WarehouseError(f"cannot open {target}: {message}") from err
            if time.monotonic() >= deadline:
                raise WarehouseLocked(
                    f"{target} is locked by another process (a crawl or a reader still running?); "
                    f"gave up after {timeout:.0f} s"
                ) from err
            if not announced:
                note = (
                    f"waiting for {target}: another process has it open (a crawl, an import, or a reader such as "
                    f"`palimpsest sql`), up to {timeout:.0f} s"
                )
                (on_wait or log.warning)(note)
                announced = True
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
        except duckdb.Error as err:
            if "sqlite" in str(err).lower():  # where DuckDB's sqlite extension is missing
                _refuse_sqlite(Path(target))
            if "replaying WAL" in str(err):
                raise WarehouseError(
                    f"cannot open {target}: DuckDB cannot replay its write-ahead log {target}.wal (changes made "
                    "after the last checkpoint by a process that was killed). The file itself is whole up to that "
                    f"checkpoint: keep a copy of {target}.wal, move it away, and open the warehouse again; then "
                    "rerun the crawl or import that was interrupted."
                ) from err
            raise NotAWarehouse(f"cannot open {target} as a warehouse: {err}") from err


def _check_ours(con: duckdb.DuckDBPyConnection, target: str) -> None:
    """Refuse a DuckDB file that holds tables but no Palimpsest migration ledger: it belongs to someone else; and
    a SQLite file, which DuckDB opens through its sqlite extension where that is installed."""
    kind = con.execute("SELECT type FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    if kind is not None and kind[0] == "sqlite":
        raise NotAWarehouse(f"{target} is a SQLite database, not a DuckDB file, so not a Palimpsest warehouse")
    tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if tables and LEDGER not in tables:
        raise NotAWarehouse(f"{target} is a DuckDB file but not a Palimpsest warehouse (no {LEDGER} table)")
