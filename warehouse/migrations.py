"""Schema migrations: ``warehouse/schema/NNNN_name.sql``, applied in order, each in one transaction.

The ledger (``schema_migrations``) records each migration's number, name and, from migration 0013 on, the SHA-256
of the file as it ran, so ``doctor`` can name a shipped migration whose file changed after it ran. A shipped
migration is never edited: a fix is a new migration (``warehouse/schema/README.md``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

import duckdb

from palimpsest.errors import MigrationError
from palimpsest.warehouse.lake import begin, is_lake, rollback

_NAME = re.compile(r"^(\d{4})_([\w-]+)\.sql$")
LEDGER = "schema_migrations"
#: A migration that only pays off in a newer DuckDB storage format says so in a line of its own
#: (``-- needs storage v1.2.0``). A file in an older format records it as applied without running it: it keeps
#: its layout (DuckDB cannot change a file's format in place) and every view works the same.
_NEEDS = re.compile(r"^-- needs storage v(\d+)\.(\d+)\.(\d+)\s*$", re.MULTILINE)
#: zstd column compression needs storage format v1.2.0: an older file would store such a column uncompressed,
#: so there a migration's columns get DuckDB's own choice (dictionary, FSST) instead (measured 2026-11).
_ZSTD = re.compile(r"\s+USING\s+COMPRESSION\s+zstd\b", re.IGNORECASE)
_ZSTD_STORAGE = (1, 2, 0)


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    sql: str

    @property
    def sha256(self) -> str:
        """The checksum the ledger keeps: SHA-256 of the file's text as shipped."""
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()

    @property
    def label(self) -> str:
        return f"{self.number:04d}_{self.name}"

    @property
    def needs_storage(self) -> tuple[int, int, int] | None:
        found = _NEEDS.search(self.sql)
        return (int(found.group(1)), int(found.group(2)), int(found.group(3))) if found else None


def available() -> list[Migration]:
    """Every migration shipped with this version of Palimpsest, in order."""
    found = []
    for entry in resources.files("palimpsest.warehouse").joinpath("schema").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.number)


def lake_sql(migration: Migration) -> str:
    """What a migration runs in a DuckLake: ``schema/lake/NNNN_name.sql`` where the lake needs its own form of
    it, else the migration without compression clauses (DuckLake refuses them; its Parquet files are compressed
    their own way). Its checksum in the ledger stays the shipped file's."""
    variant = resources.files("palimpsest.warehouse").joinpath("schema", "lake", f"{migration.label}.sql")
    return variant.read_text(encoding="utf-8") if variant.is_file() else _ZSTD.sub("", migration.sql)


def applied(con: duckdb.DuckDBPyConnection) -> set[int]:
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables()"
        " WHERE table_name = ? AND schema_name = 'main' AND database_name = current_database()",
        [LEDGER],
    ).fetchone()
    if not exists or not exists[0]:
        return set()
    return {row[0] for row in con.execute("SELECT number FROM schema_migrations").fetchall()}


def recorded_checksums(con: duckdb.DuckDBPyConnection) -> dict[int, str | None]:
    """Each applied migration's checksum as recorded when it ran (None: it ran before checksums were kept)."""
    if not _has_checksums(con):
        return dict.fromkeys(applied(con))
    return dict(con.execute("SELECT number, sha256 FROM schema_migrations").fetchall())


def changed(con: duckdb.DuckDBPyConnection, migrations: list[Migration] | None = None) -> list[Migration]:
    """Shipped migrations whose file differs from the one that ran on this warehouse."""
    recorded = recorded_checksums(con)
    return [
        m
        for m in (migrations if migrations is not None else available())
        if recorded.get(m.number) is not None and recorded[m.number] != m.sha256
    ]


def _has_checksums(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = ? AND column_name = 'sha256'"
        " AND schema_name = 'main' AND database_name = current_database()",
        [LEDGER],
    ).fetchone()
    return bool(row and row[0])


def pending(con: duckdb.DuckDBPyConnection, migrations: list[Migration] | None = None) -> list[Migration]:
    done = applied(con)
    return [m for m in (migrations if migrations is not None else available()) if m.number not in done]


def migrate(con: duckdb.DuckDBPyConnection, migrations: list[Migration] | None = None) -> list[Migration]:
    """Apply every pending migration. A failing one is rolled back whole and raises MigrationError. A lake
    (``warehouse.lake_schema`` made its ledger) runs each in the form a lake takes (``lake_sql``)."""
    lake = is_lake(con)
    if not lake:
        # The ledger as it was first made; 0013 adds its checksum column through the runner like any migration.
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " number INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)"
        )
    done = []
    storage = storage_version(con)
    for migration in pending(con, migrations):
        needs = migration.needs_storage
        skip = needs is not None and storage is not None and storage < needs
        try:
            begin(con)
            if lake:
                con.execute(lake_sql(migration))
            elif not skip:
                older = storage is not None and storage < _ZSTD_STORAGE
                con.execute(_ZSTD.sub("", migration.sql) if older else migration.sql)
            con.execute(
                "INSERT INTO schema_migrations (number, name) VALUES (?, ?)", [migration.number, migration.name]
            )
            if _has_checksums(con):
                # What ran in this run is known exactly, its own earlier steps included (a new file runs them all).
                for ran in (*done, migration):
                    con.execute(
                        "UPDATE schema_migrations SET sha256 = ? WHERE number = ? AND sha256 IS NULL",
                        [ran.sha256, ran.number],
                    )
            con.execute("COMMIT")
        except duckdb.Error as err:
            rollback(con)
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
