"""Safety: hostile names go through parameters, a second writer waits then fails clearly, odd files are refused,
and a process killed while creating or migrating a warehouse leaves one that opens."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from palimpsest.cli import main
from palimpsest.errors import NotAWarehouse, WarehouseError, WarehouseLocked
from palimpsest.warehouse import connect
from palimpsest.warehouse.migrations import available, migrate
from palimpsest.warehouse.seeds import header_for
from tests.history import build_history
from tests.shared import REPO

HOSTILE = ["x'; DROP TABLE capture; --", 'a"b', "%", "_", "shop.example' OR '1'='1", "ünï\\cødé"]

HOLDER = """
import sys, time
from palimpsest.warehouse import connect
con = connect(sys.argv[1])
con.execute("INSERT INTO site (site) VALUES ('held.example')")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


@pytest.mark.parametrize("name", HOSTILE)
def test_sql_ish_site_names_are_plain_values(tmp_path: Path, name: str, capsys) -> None:
    db = tmp_path / "w.duckdb"
    con = connect(db)
    build_history(con, site=name)
    build_history(con, site="bystander.example")
    con.close()
    assert main(["--db", str(db), "history", name, "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 4  # header and three versions: nothing of the bystander
    assert main(["--db", str(db), "show", name, "--version", "2", "--text-only"]) == 0
    assert "advertising partners" in capsys.readouterr().out
    assert main(["--db", str(db), "search", "parcels", "--site", name, "--format", "csv"]) == 0
    rows = capsys.readouterr().out.strip().splitlines()[1:]
    assert len(rows) == 3 and all(r.startswith(('"' + name.replace('"', '""'), name)) for r in rows)
    con = connect(db, read_only=True)
    assert con.execute("SELECT count(DISTINCT site) FROM capture").fetchone()[0] == 2


def test_sql_refuses_every_kind_of_write(tmp_path: Path, capsys) -> None:
    db = tmp_path / "w.duckdb"
    connect(db).close()
    for statement in ("DELETE FROM capture", "DROP VIEW versions", "CREATE TABLE t (a INTEGER)", "ATTACH 'x.db'"):
        assert main(["--db", str(db), "sql", statement]) == 1
        assert "read-only" in capsys.readouterr().err.lower() or statement.startswith("ATTACH")
    con = connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'versions'").fetchone()[0] == 1


@pytest.mark.slow
def test_a_second_writer_waits_visibly_then_fails_and_nothing_is_corrupted(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    con = connect(db)
    build_history(con)
    before = con.execute("SELECT * FROM versions ORDER BY version").fetchall()
    con.close()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), "6"], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        notes: list[str] = []
        started = time.monotonic()
        with pytest.raises(WarehouseLocked, match="locked by another process"):
            connect(db, lock_timeout=1.5, on_wait=notes.append)
        assert time.monotonic() - started >= 1.5
        assert len(notes) == 1 and "waiting for" in notes[0]
    finally:
        assert holder.wait(timeout=30) == 0
    con = connect(db, read_only=True)
    assert con.execute("SELECT * FROM versions ORDER BY version").fetchall() == before
    assert con.execute("SELECT count(*) FROM site WHERE site = 'held.example'").fetchone()[0] == 1


@pytest.mark.slow
def test_a_second_writer_that_waits_long_enough_gets_in(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    connect(db).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), "1"], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    notes: list[str] = []
    con = connect(db, lock_timeout=60, on_wait=notes.append)
    con.execute("INSERT INTO site (site) VALUES ('second.example')")
    assert con.execute("SELECT count(*) FROM site").fetchone()[0] == 2
    con.close()
    assert holder.wait(timeout=30) == 0
    assert notes


def test_a_corrupted_warehouse_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    con = connect(db)
    build_history(con)
    con.close()
    data = bytearray(db.read_bytes())
    data[4096:] = b"\x00\xff" * ((len(data) - 4096) // 2)
    db.write_bytes(bytes(data))
    with pytest.raises(NotAWarehouse):
        connect(db, read_only=True).execute("SELECT * FROM versions").fetchall()


def test_an_empty_or_foreign_file_is_refused_by_the_cli(tmp_path: Path, capsys) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("shopping list\n" * 400)
    assert main(["--db", str(text), "sites"]) == 1
    assert "not a DuckDB file" in capsys.readouterr().err
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE accounts (id INTEGER)").close()
    assert main(["--db", str(other), "import", "nothing.md"]) != 0
    assert main(["--db", str(other), "sites"]) == 1
    assert "not a Palimpsest warehouse" in capsys.readouterr().err


# A process killed right after its migrations ran, before anything else: as a crawl or import killed early is.
KILLED_AFTER_MIGRATING = """
import os, sys
import palimpsest.warehouse.db as db
from palimpsest.warehouse.migrations import available, migrate

def migrate_then_die(con, *args):
    done = migrate(con, *args)
    os._exit(9)

if sys.argv[2] == "raw":  # migrations run straight on the file, as before new files were created whole
    import duckdb
    con = duckdb.connect(sys.argv[1])
    con.execute("SET TimeZone = 'UTC'")
    migrate_then_die(con)
db.migrate = migrate_then_die if sys.argv[2] == "connect" else db.migrate
con = db.connect(sys.argv[1])
os._exit(9)
"""


def killed(path: Path, how: str) -> None:
    run = subprocess.run([sys.executable, "-c", KILLED_AFTER_MIGRATING, str(path), how], cwd=REPO, check=False)
    assert run.returncode == 9


def test_a_new_warehouse_whose_creator_was_killed_opens_and_works(tmp_path: Path) -> None:
    path = tmp_path / "new.duckdb"
    killed(path, "connect")
    assert not path.exists()  # only the creator's temporary file was left
    with connect(path) as con:
        build_history(con)
        assert con.execute("SELECT count(*) FROM versions").fetchone()[0] > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.duckdb"]  # the killed creator's file is gone


def test_pending_migrations_are_written_out_before_anything_else(tmp_path: Path) -> None:
    path = tmp_path / "older.duckdb"
    con = duckdb.connect(str(path))
    migrate(con, [m for m in available() if m.number < 5])  # 0005 alters a table: its log could not be replayed
    con.close()
    killed(path, "after-open")
    with connect(path) as con:
        applied = {r[0] for r in con.execute("SELECT number FROM schema_migrations").fetchall()}
    assert {m.number for m in available()} <= applied


def test_a_log_duckdb_cannot_replay_is_a_clear_error_with_the_way_out(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    killed(path, "raw")
    with pytest.raises(WarehouseError, match=r"cannot replay its write-ahead log .*move it away"):
        connect(path)
    Path(f"{path}.wal").rename(tmp_path / "kept.wal")
    with connect(path) as con:
        assert con.execute("SELECT count(*) FROM versions").fetchone()[0] == 0


KILLED_WHILE_REBUILDING = """
import os, sys
import palimpsest.warehouse.imports as imports
from palimpsest.cli import main

rebuild = imports.rebuild_versions
done = []

def rebuild_then_die(con, site):
    if len(done) == int(sys.argv[2]):
        os._exit(9)
    done.append(site)
    return rebuild(con, site)

imports.rebuild_versions = rebuild_then_die
main(["--db", sys.argv[1], "import", *sys.argv[3:]])
"""


def seed_files(folder: Path, sites: int, dates: int) -> list[str]:
    folder.mkdir()
    files = []
    for s in range(sites):
        for d in range(dates):
            url, when = f"https://site{s}.example/privacy", datetime(2018 + d, 1, 1, tzinfo=UTC)
            body = f"# Privacy\n\nSite {s} shares your address with {d + 1} partners.\n"
            path = folder / f"s{s:03d}_{d}.md"
            path.write_text(header_for(f"site{s}.example", url, when) + body, encoding="utf-8")
            files.append(str(path))
    return files


def history(path: Path) -> list[tuple]:
    with connect(path, read_only=True) as con:
        return con.execute(
            "SELECT site, version, text_sha256, first_seen, last_seen, captures FROM versions ORDER BY ALL"
        ).fetchall()


def test_an_import_killed_before_rebuilding_versions_is_found_and_repaired(tmp_path: Path, capsys) -> None:
    files = seed_files(tmp_path / "seeds", sites=40, dates=3)
    whole = tmp_path / "whole.duckdb"
    assert main(["--db", str(whole), "import", *files]) == 0
    path = tmp_path / "killed.duckdb"
    run = subprocess.run(
        [sys.executable, "-c", KILLED_WHILE_REBUILDING, str(path), "10", *files], cwd=REPO, check=False
    )
    assert run.returncode == 9
    connect(path).close()  # opened and closed once, as any command would: the log is replayed and written out
    capsys.readouterr()
    assert main(["--db", str(path), "doctor"]) == 1
    out = capsys.readouterr().out
    assert out.count("versions-stale:") == 30 and "repair: palimpsest doctor --repair" in out
    main(["--db", str(path), "doctor", "--repair"])
    assert main(["--db", str(path), "doctor"]) == 0
    assert history(path) == history(whole)
    # Every site can be rebuilt again: a rerun of the import rebuilds each (the key's index was stored right).
    assert main(["--db", str(path), "import", *files]) == 0
    assert history(path) == history(whole)


def test_sql_reaches_no_file_and_no_other_database(tmp_path: Path, capsys) -> None:
    db, other, out = tmp_path / "w.duckdb", tmp_path / "other.duckdb", tmp_path / "out.csv"
    connect(db).close()
    duckdb.connect(str(other)).execute("CREATE TABLE t (a INTEGER)").close()
    (tmp_path / "hard.duckdb").hardlink_to(db)
    for statement in (
        f"COPY (SELECT * FROM versions) TO '{out}'",  # noqa: S608 - the statement under test, as a user would type it
        f"ATTACH '{other}' AS o (READ_WRITE); INSERT INTO o.t VALUES (1)",  # noqa: S608 - the statement under test
        f"ATTACH '{tmp_path / 'hard.duckdb'}' AS w (READ_WRITE); DELETE FROM w.site",  # noqa: S608 - the statement under test: the warehouse, by a link
        f"SELECT * FROM read_csv('{other}')",  # noqa: S608 - the statement under test
        "SET enable_external_access = true",
    ):
        assert main(["--db", str(db), "sql", statement]) == 1
        err = capsys.readouterr().err
        assert "disabled by configuration" in err or "configuration has been locked" in err, err
    assert not out.exists()
    assert duckdb.connect(str(other)).execute("SELECT count(*) FROM t").fetchone()[0] == 0
    assert main(["--db", str(db), "sql", "  "]) != 0
    assert "give a query" in capsys.readouterr().err


def test_opening_while_another_connection_of_this_process_writes(tmp_path: Path) -> None:
    """Concurrent crawls in threads share one open database; the log there is theirs, not a killed process's."""
    path = tmp_path / "w.duckdb"
    writer = connect(path)
    writer.execute("INSERT INTO site (site) VALUES ('first.example')")
    assert Path(f"{path}.wal").exists()
    writer.execute("BEGIN TRANSACTION")  # a rebuild's deletes and updates, half done
    writer.execute("INSERT INTO site (site) VALUES ('second.example')")
    writer.execute("UPDATE site SET last_crawl = current_timestamp WHERE site = 'first.example'")
    other = connect(path)  # as of duckdb 1.5.5 a checkpoint is refused while that transaction is open
    assert other.execute("SELECT count(*), count(last_crawl) FROM site").fetchone() == (1, 0)
    writer.execute("COMMIT")
    assert other.execute("SELECT count(*), count(last_crawl) FROM site").fetchone() == (2, 1)
    other.close()
    writer.close()


PROBE = "import duckdb, sys; duckdb.connect(sys.argv[1]); print('opened')"


def test_a_second_connection_of_this_process_keeps_other_writers_out(tmp_path: Path) -> None:
    """DuckDB's lock on the file belongs to the process and goes when the process closes any descriptor of it:
    opening a second connection (a shard worker's threads do) must not read the file behind DuckDB's back."""
    path = tmp_path / "w.duckdb"
    first = connect(path)
    connect(path).close()
    probe = [sys.executable, "-c", PROBE, str(path)]
    other = subprocess.run(probe, capture_output=True, text=True, check=False)
    assert other.stdout == "" and "Could not set lock" in other.stderr
    first.close()
    assert subprocess.run(probe, capture_output=True, text=True, check=True).stdout == "opened\n"
