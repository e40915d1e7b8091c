"""DuckLake as the warehouse: on each kind of catalog (a real PostgreSQL server, SQLite, a ``.ducklake`` file) the
schema, the views and ``policy_at`` read a crawled history exactly as a file does, every read command works,
``lake push`` and ``lake pull`` move a warehouse both ways with equal views, and two processes writing one
PostgreSQL lake at once both land.

PostgreSQL is started by a session fixture in a temporary folder (``initdb`` and ``pg_ctl``, as the ``postgres``
user when the tests run as root) on a free loopback port. Without PostgreSQL the tests fail, never skip: ``make
test`` installs it (the Makefile's ``postgres`` target).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from palimpsest.cli import main
from palimpsest.flows import fetching
from palimpsest.flows.crawl import run_crawl
from palimpsest.settings import Lake, Settings
from palimpsest.warehouse import connect, lake_copy
from palimpsest.warehouse.integrity import repeats
from palimpsest.warehouse.lake import attach, is_lake
from palimpsest.warehouse.migrations import Migration, available, migrate
from tests.conftest import settings_for
from tests.history import build_history
from tests.servers import FaultArchive, Page, quick_client
from tests.timelines import page

URL = "https://bakery.example/privacy"
PAGES = [Page(URL, f"2019{i:02d}01120000", page(i // 3, i)) for i in range(1, 8)]
KINDS = ("postgres", "sqlite", "duckdb")
VIEWS = ("captures", "versions", "changes", "sections")


# --- a throwaway PostgreSQL -----------------------------------------------------------------------------------


def _postgres_bin() -> Path:
    """The folder of initdb and pg_ctl: on PATH, or where Debian's postgresql package puts them."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True):
        return candidate.parent
    pytest.fail("PostgreSQL (initdb, pg_ctl) is not installed: run make test, which installs it, or apt-get postgresql")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Postgres:
    """A PostgreSQL server in a temporary folder, on a loopback port, trusting local connections."""

    def __init__(self) -> None:
        self.bin = _postgres_bin()
        self.port = _free_port()
        # Not under pytest's tmp_path: its parents are private to root, and the server runs as postgres.
        self.home = Path(tempfile.mkdtemp(prefix="palimpsest-pg-"))
        self.data = self.home / "data"
        self.databases = 0

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.home, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.home / "log"), "-w", "start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.home, ignore_errors=True)

    def lake(self, data: Path) -> Lake:
        """A new empty database, as a lake's catalog."""
        self.databases += 1
        name = f"lake{self.databases}"
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return Lake(f"postgres:dbname={name} host=127.0.0.1 port={self.port} user=postgres", str(data))


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    server = Postgres()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def new_lake(kind: str, folder: Path, server: Postgres | None) -> Lake:
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "postgres":
        assert server is not None
        return server.lake(folder / "data")
    if kind == "sqlite":
        return Lake(f"sqlite:{folder / 'catalog.sqlite'}", str(folder / "data"))
    return Lake(str(folder / "catalog.ducklake"))  # DuckLake's own default: data files beside the catalog


# --- a crawled history, in a file and in each kind of lake ----------------------------------------------------


@pytest.fixture(scope="module")
def archive() -> Iterator[FaultArchive]:
    """One loopback archive for every crawl of the module, so that the captures name the same archive."""
    with FaultArchive(PAGES) as server:
        yield server


def crawl_into(db: Path | Lake, folder: Path, archive: FaultArchive) -> Settings:
    client = quick_client(archive)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(fetching, "client_for", lambda settings: client)
        settings = settings_for(archive, db, warc_dir_override=folder / "warc")  # type: ignore[arg-type]
        run_crawl(settings, URL)
    return settings


@pytest.fixture(scope="module")
def crawled_file(archive: FaultArchive, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("file")
    return crawl_into(folder / "palimpsest.duckdb", folder, archive)


@pytest.fixture(scope="module", params=KINDS)
def crawled_lake(
    request: pytest.FixtureRequest, archive: FaultArchive, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    server = request.getfixturevalue("postgres") if request.param == "postgres" else None
    folder = tmp_path_factory.mktemp(request.param)
    settings = crawl_into(new_lake(request.param, folder, server), folder, archive)
    con = connect(settings.db)
    try:  # small writes stay in the catalog ("inlined"): the reads below go through Parquet data files too
        con.execute("CALL ducklake_flush_inlined_data('lake')")
    finally:
        con.close()
    return settings


def rows(db: Path | Lake, query: str) -> list[tuple]:
    return answers(db, query)[0]


def answers(db: Path | Lake, *queries: str) -> list[list[tuple]]:
    """Each query's rows, on one read-only connection (opening a lake costs a few tenths of a second)."""
    con = connect(db, read_only=True)
    try:
        return [con.execute(query).fetchall() for query in queries]
    finally:
        con.close()


def test_a_lake_holds_the_history_a_file_holds_row_for_row(crawled_file: Settings, crawled_lake: Settings) -> None:
    moments = ("2019-01-15", "2019-03-15", "2019-05-01", "2019-07-02", "2030-01-01")
    queries = [
        *(f"SELECT * FROM {view} ORDER BY ALL" for view in VIEWS),  # noqa: S608 - views of the contract
        *(f"SELECT * FROM policy_at('bakery.example', '{moment}')" for moment in moments),  # noqa: S608 - constants
    ]
    in_file, in_lake = answers(crawled_file.db, *queries), answers(crawled_lake.db, *queries)
    for query, file_rows, lake_rows in zip(queries, in_file, in_lake, strict=True):
        assert lake_rows == file_rows, query
    assert len(in_lake[1]) >= 3  # versions
    con = connect(crawled_lake.db, read_only=True)
    try:
        assert is_lake(con)
        ledger = con.execute("SELECT number, sha256 FROM schema_migrations ORDER BY number").fetchall()
        assert ledger == [(m.number, m.sha256) for m in available()]
        assert repeats(con) == []
    finally:
        con.close()


def test_every_read_command_works_on_a_lake(crawled_lake: Settings, tmp_path: Path, capsys) -> None:
    db = str(crawled_lake.db)
    base = ["--db", db, "--warc-dir", str(crawled_lake.warc_dir)]
    commands = [
        ["history", "bakery.example"],
        ["show", "bakery.example", "--at", "2019-05-01"],
        ["diff", "bakery.example"],
        ["sql", "SELECT count(*) AS versions FROM versions", "--format", "csv"],
        ["search", "privacy"],
        ["report", str(tmp_path / "report.html")],
        ["feed", str(tmp_path / "feed.xml")],
        ["export", str(tmp_path / "export"), "--format", "parquet"],
        ["export", str(tmp_path / "jsonl"), "--format", "jsonl"],
        ["sites"],
        ["doctor"],
    ]
    for command in commands:
        capsys.readouterr()
        code = main([*base, *command])
        out = capsys.readouterr()
        assert code == 0, (command, out.out, out.err)
        if command[0] == "sql":
            versions = rows(crawled_lake.db, "SELECT count(*) FROM versions")[0][0]
            assert out.out.splitlines() == ["versions", str(versions)]
        if command[0] == "search":
            assert "scanned for the exact words" in out.err and "bakery.example" in out.out
        if command[0] == "doctor":
            assert out.out.startswith("ok:"), out.out
    assert (tmp_path / "report.html").stat().st_size > 0
    assert list((tmp_path / "export").glob("*.parquet"))


def test_push_then_pull_gives_back_the_same_views(crawled_file: Settings, postgres: Postgres, tmp_path: Path) -> None:
    for kind in KINDS:
        lake = new_lake(kind, tmp_path / kind, postgres)
        back = tmp_path / f"{kind}.duckdb"
        assert main(["--db", str(crawled_file.db), *_data(lake), "lake", "push", str(lake)]) == 0
        assert main(["--db", str(back), *_data(lake), "lake", "pull", str(lake)]) == 0
        pushed = _views(crawled_file.db)
        assert _views(lake) == pushed and _views(back) == pushed, kind
        for view in VIEWS:
            query = f"SELECT * FROM {view} ORDER BY ALL"  # noqa: S608 - a view of the contract
            assert rows(back, query) == rows(crawled_file.db, query), (kind, view)
    # A pulled file numbers new texts after the ones copied; a lake holding a warehouse is not written over.
    con = connect(back)
    try:
        assert con.execute("SELECT nextval('policy_text_ids') > max(text_id) FROM policy_text").fetchone()[0]
    finally:
        con.close()
    assert main(["--db", str(crawled_file.db), "lake", "push", str(lake)]) == 1


def _data(lake: Lake) -> list[str]:
    return ["--lake-data", lake.data] if lake.data else []


def _views(db: Path | Lake) -> dict[str, tuple[int, int]]:
    con = connect(db, read_only=True)
    try:
        database = con.execute("SELECT current_database()").fetchone()[0]
        return {view: lake_copy._view_rows(con, database, view) for view in VIEWS}
    finally:
        con.close()


# --- many writers ---------------------------------------------------------------------------------------------

_WRITER = """
import sys
from pathlib import Path
from palimpsest.cli import main
sys.exit(main(["--db", sys.argv[1], "--lake-data", sys.argv[2], "import", *sys.argv[4:], "--site", sys.argv[3],
               "--at", "2020-01-01"]) or 0)
"""


def test_two_processes_writing_one_postgres_lake_at_once_both_land(postgres: Postgres, tmp_path: Path) -> None:
    lake = postgres.lake(tmp_path / "data")
    connect(lake).close()  # created once; each writer then only appends
    processes = []
    for site in ("alpha.example", "beta.example"):
        files = []
        for n in range(3):
            path = tmp_path / site / f"v{n}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"# Privacy at {site}\n\nVersion {n}: we keep what {site} needs, {n} times over.\n")
            files.append(str(path))
        args = [sys.executable, "-c", _WRITER, str(lake), str(lake.data), site, *files]
        processes.append(subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    deadline = time.monotonic() + 120
    for process in processes:
        _, err = process.communicate(timeout=max(1, deadline - time.monotonic()))
        assert process.returncode == 0, err.decode()
    landed = rows(lake, "SELECT site, count(*) FROM captures GROUP BY site ORDER BY site")
    assert landed == [("alpha.example", 3), ("beta.example", 3)]
    con = connect(lake, read_only=True)
    try:
        assert repeats(con) == []
        numbers = con.execute("SELECT count(*), count(DISTINCT text_id), count(DISTINCT text_key) FROM policy_text")
        assert len(set(numbers.fetchone())) == 1  # every text numbered once, and stored once
    finally:
        con.close()


_CLAIMER = """
import sys, time
from palimpsest.errors import SiteBusy
from palimpsest.settings import Lake
from palimpsest.warehouse import claims, connect
con = connect(Lake.parse(sys.argv[1], sys.argv[2]))
time.sleep(max(0.0, float(sys.argv[3]) - time.time()))  # every claimer asks at the same moment
try:
    claims.claim(con, "same.example")
except SiteBusy:
    print("busy")
else:
    print("won")
    time.sleep(3)
    claims.release(con, "same.example")
con.close()
"""


def test_of_three_machines_claiming_one_site_at_once_one_crawls_it(postgres: Postgres, tmp_path: Path) -> None:
    lake = postgres.lake(tmp_path / "data")
    connect(lake).close()
    start = time.time() + 4
    args = [sys.executable, "-c", _CLAIMER, str(lake), str(lake.data), str(start)]
    processes = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    said = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        said.append(out.strip())
    assert sorted(said) == ["busy", "busy", "won"]
    assert rows(lake, "SELECT count(*) FROM crawl_claim") == [(0,)]


# --- the schema and the settings ------------------------------------------------------------------------------


def test_a_later_migration_runs_on_a_lake_without_what_a_lake_refuses(tmp_path: Path) -> None:
    lake = Lake(str(tmp_path / "catalog.ducklake"))
    con = connect(lake)
    try:
        later = Migration(9001, "later", "CREATE TABLE later (note VARCHAR USING COMPRESSION zstd NOT NULL);\n")
        assert migrate(con, [*available(), later]) == [later]
        assert con.execute("SELECT sha256 FROM schema_migrations WHERE number = 9001").fetchone()[0] == later.sha256
        failing = Migration(9002, "failing", "CREATE TABLE half (x INTEGER);\nSELECT no_such_function();\n")
        with pytest.raises(Exception, match="rolled back"):
            migrate(con, [failing])
        tables = con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'lake'").fetchall()
        assert ("half",) not in tables and ("later",) in tables
    finally:
        con.close()


def test_a_lake_is_named_by_the_environment_or_an_option() -> None:
    settings = Settings.from_env({"PALIMPSEST_DB": "ducklake:sqlite:/srv/lake.sqlite", "PALIMPSEST_LAKE_DATA": "/d"})
    assert settings.db == Lake("sqlite:/srv/lake.sqlite", "/d")
    assert str(settings.db) == "ducklake:sqlite:/srv/lake.sqlite"
    assert settings.warc_dir == Path("/srv/lake.sqlite.warc")
    server = Settings().with_options(db="ducklake:postgres:dbname=p host=h", lake_data="s3://bucket/lake")
    assert server.db == Lake("postgres:dbname=p host=h", "s3://bucket/lake")
    assert server.db.kind == "postgres" and server.warc_dir == Path("palimpsest.warc")
    assert Settings.from_env({"PALIMPSEST_DB": "data/w.duckdb", "PALIMPSEST_LAKE_DATA": "/d"}).db == Path(
        "data/w.duckdb"
    )


def test_a_lake_that_is_not_a_warehouse_is_refused(tmp_path: Path) -> None:
    con = duckdb.connect()
    lake = Lake(str(tmp_path / "other.ducklake"))
    attach(con, lake)
    con.execute("CREATE TABLE lake.main.theirs (x INTEGER)")
    con.close()
    assert main(["--db", str(lake), "sites"]) == 1


def test_a_key_the_lake_cannot_hold_is_checked_by_the_doctor(tmp_path: Path) -> None:
    con = connect(Lake(str(tmp_path / "catalog.ducklake")))
    try:
        build_history(con)
        assert repeats(con) == []
        con.execute("INSERT INTO capture SELECT * FROM capture ORDER BY ts LIMIT 1")  # what no writer of ours does
        found = {(r.table, r.key) for r in repeats(con)}
        assert ("capture", "site, url, ts, digest") in found
    finally:
        con.close()


def test_the_writing_commands_work_on_a_lake(archive: FaultArchive, tmp_path: Path, capsys) -> None:
    settings = crawl_into(new_lake("ducklake", tmp_path, None), tmp_path, archive)
    base = ["--db", str(settings.db), "--warc-dir", str(settings.warc_dir), "--replay-url", archive.replay_url]
    before = rows(settings.db, "SELECT version, text_sha256 FROM versions ORDER BY version")
    for args in (["reextract"], ["doctor", "--repair"], ["doctor"]):
        assert main([*base, *args]) == 0, capsys.readouterr()
    assert rows(settings.db, "SELECT version, text_sha256 FROM versions ORDER BY version") == before
    policy = tmp_path / "seed.md"
    policy.write_text("# Privacy\n\nWe keep nothing at all.", encoding="utf-8")
    assert main([*base, "import", str(policy), "--site", "other.example", "--at", "2021-01-01"]) == 0
    assert main([*base, "forget", "other.example", "--yes"]) == 0, capsys.readouterr()
    assert main([*base, "forget", "bakery.example", "--yes"]) == 0, capsys.readouterr()
    assert rows(settings.db, "SELECT count(*) FROM captures") == [(0,)]
    assert main([*base, "doctor", "--collect"]) == 0, capsys.readouterr()
    assert "collected:" in capsys.readouterr().out
