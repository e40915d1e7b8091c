"""The CLI as a person (or a script in a pipe) uses it, through ``main(args)``."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from palimpsest.cli import main
from tests.history import build_history
from warehouse import connect


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    con = connect(path)
    build_history(con)
    con.close()
    return path


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_history_is_a_plain_table_in_a_pipe(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "--db", str(db), "history", "shop.example")
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split("\t")[:3] == ["version", "first seen", "last seen"]
    assert lines[2].split("\t")[:5] == ["1", "2015-01-01 00:00:00", "2015-06-01 00:00:00", "2", "9"]
    assert "\x1b[" not in out  # no colour codes in a pipe


def test_show_at_a_time_prints_provenance_and_text(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "--db", str(db), "show", "shop.example", "--at", "2017-06-01")
    assert code == 0
    assert out.splitlines()[0].startswith("shop.example version 2: first seen 2017-01-01")
    assert "advertising partners" in out


def test_show_one_version(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "--db", str(db), "show", "shop.example", "--version", "1")
    assert code == 0 and "advertising" not in out and "parcels" in out


def test_diff_marks_added_and_removed_words(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "--db", str(db), "diff", "shop.example", "1", "2")
    assert code == 0
    assert "[-parcels.-]" in out
    assert "{+parcels and share it with our advertising partners.+}" in out


def test_sql_csv_and_json(db: Path, capsys: pytest.CaptureFixture) -> None:
    query = "SELECT version, words FROM versions ORDER BY version"
    code, out, _ = run(capsys, "--db", str(db), "sql", query, "--format", "csv")
    assert code == 0 and out.splitlines() == ["version,words", "1,9", "2,16", "3,9"]
    code, out, _ = run(capsys, "--db", str(db), "sql", query, "--format", "json")
    assert json.loads(out)[1] == {"version": 2, "words": 16}


def test_sql_is_read_only(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(capsys, "--db", str(db), "sql", "DELETE FROM capture")
    assert code == 1
    assert "read-only" in err.lower()
    assert err.count("\n") == 1 and "Traceback" not in err


def test_unknown_site_suggests_the_closest(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(capsys, "--db", str(db), "history", "shop.exmaple")
    assert code == 1
    assert "unknown site 'shop.exmaple'; did you mean shop.example?" in err


def test_bad_timestamp_is_one_line_and_exit_2(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(capsys, "--db", str(db), "show", "shop.example", "--at", "last tuesday")
    assert code == 2
    assert err.startswith("error: cannot read timestamp 'last tuesday'")


def test_missing_warehouse_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(capsys, "--db", str(tmp_path / "none.duckdb"), "sites")
    assert code == 1 and "no warehouse at" in err


def test_sites_lists_counts(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "--db", str(db), "sites", "--format", "json")
    assert code == 0
    (site,) = json.loads(out)
    assert (site["site"], site["versions"], site["captures"], site["policy urls"]) == ("shop.example", 3, 7, 2)


def test_crawl_rejects_bad_arguments_before_starting(capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(capsys, "crawl", "www.example.com/privacy")
    assert code == 2 and "not a URL" in err
    code, _, err = run(capsys, "crawl", "https://www.example.com/privacy", "--sample", "hourly")
    assert code == 2 and "--sample must be one of" in err


@pytest.mark.parametrize(
    "command", ["crawl", "history", "show", "diff", "sql", "sites", "report", "demo", "serve-demo"]
)
def test_every_command_has_help_with_an_example(command: str, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    assert "Example: palimpsest" in out


def test_help_starts_fast_without_heavy_imports() -> None:
    probe = (
        "import sys; from palimpsest.cli import main; main(['--help']);"
        "heavy = [m for m in ('prefect', 'duckdb', 'trafilatura') if m in sys.modules];"
        "sys.stderr.write(repr(heavy))"
    )
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    elapsed = time.monotonic() - started
    assert result.stderr.strip() == "[]"
    assert elapsed < 10  # a sanity bound only; the cold-start figure lives in benchmarks/
