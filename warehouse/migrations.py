"""Schema migrations: ``warehouse/schema/NNNN_name.sql``, applied in order, each in one transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import duckdb

from palimpsest.errors import MigrationError

_NAME = re.compile(r"^(\d{4})_([\w-]+)\.sql$")
LEDGER = "schema_migrations"
#: A column's ``USING COMPRESSION zstd``: DuckDB honours it in files of storage format v1.2.0 and later and
#: stores the column uncompressed in older ones, so there the clause is left out.
_COMPRESSION = re.compile(r"\s+USING\s+COMPRESSION\s+zstd\b", re.IGNORECASE)


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    sql: str


def available() -> list[Migration]:
    """Every migration shipped with this version of Palimpsest, in order."""
    found = []
    for entry in resources.files("warehouse").joinpath("schema").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.number)


def applied(con: duckdb.DuckDBPyConnection) -> set[int]:
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main'", [LEDGER]
    ).fetchone()
    if not exists or not exists[0]:
        return set()
    return {row[0] for row in con.execute(f"SELECT number FROM {LEDGER}").fetchall()}


def pending(con: duckdb.DuckDBPyConnection, migrations: list[Migration] | None = None) -> list[Migration]:
    done = applied(con)
    return [m for m in (migrations if migrations is not None else available()) if m.number not in done]


def migrate(con: duckdb.DuckDBPyConnection, migrations: list[Migration] | None = None) -> list[Migration]:
    """Apply every pending migration. A failing one is rolled back whole and raises MigrationError."""
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {LEDGER} ("
        " number INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)"
    )
    done = []
    compress = supports_zstd(con)
    for migration in pending(con, migrations):
        try:
            con.execute("BEGIN TRANSACTION")
            con.execute(migration.sql if compress else _COMPRESSION.sub("", migration.sql))
            con.execute(f"INSERT INTO {LEDGER} (number, name) VALUES (?, ?)", [migration.number, migration.name])
            con.execute("COMMIT")
        except duckdb.Error as err:
            con.execute("ROLLBACK")
            raise MigrationError(
                f"migration {migration.number:04d}_{migration.name} failed and was rolled back: {err}"
            ) from err
        done.append(migration)
    return done


def storage_version(con: duckdb.DuckDBPyConnection) -> tuple[int, ...] | None:
    """The storage format of the connection's database file, e.g. (1, 2, 0); None for an in-memory one."""
    row = con.execute("SELECT tags FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    found = re.match(r"v(\d+)\.(\d+)\.(\d+)", ((row[0] if row else None) or {}).get("storage_version", ""))
    return tuple(int(part) for part in found.groups()) if found else None


def supports_zstd(con: duckdb.DuckDBPyConnection) -> bool:
    version = storage_version(con)
    return version is None or version >= (1, 2, 0)
