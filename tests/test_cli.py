"""The CLI as a person (or a script in a pipe) uses it, through ``main(args)``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from palimpsest.cli import main, output
from palimpsest.cli import read as commands_read
from palimpsest.warehouse import connect
from palimpsest.warehouse.versions import rebuild_versions
from tests.history import NEW_URL, TEXT_B, history_file
from tests.report_sites import build_markup

ARCHIVE = "http://archive.test/web/"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return history_file(tmp_path / "w.duckdb")


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_history_is_a_plain_table_in_a_pipe(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "--db", str(db), "history", "shop.example")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split("\t")[:3] == ["version", "first seen", "last seen"]  # no title line: plain TSV
    assert lines[1].split("\t")[:5] == ["1", "2015-01-01 00:00:00", "2015-06-01 00:00:00", "2", "9"]
    assert "\x1b[" not in out  # no colour codes in a pipe


def test_history_shows_the_change_interval_and_its_kind(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "--db", str(db), "history", "shop.example")
    assert code == 0
    header, *rows = (line.split("\t") for line in out.splitlines())
    second, third = (dict(zip(header, row, strict=True)) for row in rows[1:])
    assert (second["changed after"], second["changed by"]) == ("2015-06-01 00:00:00", "2017-01-01 00:01:00")
    assert (second["change"], second["words added"], second["words removed"]) == ("substantive", "8", "1")
    assert second["policy url"] == NEW_URL
    assert third["same text as"] == "1"  # the revert names the version whose text came back


def test_history_as_json(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "--db", str(db), "history", "shop.example", "--format", "json")
    assert code == 0
    first, second, _ = json.loads(out)
    assert first["changed after"] is None and first["change"] == ""
    assert second["changed by"] == "2017-01-01T00:01:00+00:00"


def test_history_log_reads_newest_first_like_git_log(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(
        capsys, "--db", str(db), "--replay-url", ARCHIVE, "history", "shop.example", "--format", "log", "--patch"
    )
    assert code == 0
    heads = [line for line in out.splitlines() if line.startswith("version ")]
    assert heads == [
        "version 3  substantive  +1 −8 words  (text of version 1 again)",
        "version 2  substantive  +8 −1 words",
        "version 1  first version seen",
    ]
    assert "Changed:   after 2015-06-01 00:00:00, by 2017-01-01 00:01:00 UTC (within 1 y 7 m)" in out
    assert f"Snapshot:  {ARCHIVE}20170101000100/{NEW_URL}" in out
    assert "    @@ Privacy @@" in out
    assert "[-parcels.-]{+parcels and share it with our advertising partners.+}" in out


def test_history_rejects_an_unknown_format(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(capsys, "--db", str(db), "history", "shop.example", "--format", "xml")
    assert code == 2 and "--format must be one of table, log, csv, json" in err


def test_show_at_a_time_prints_provenance_and_text(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "--db", str(db), "--replay-url", ARCHIVE, "show", "shop.example", "--at", "2017-06-01")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("shop.example version 2: first seen 2017-01-01")
    # The evidence is the last capture of that text at or before the moment asked about.
    assert lines[1] == f"snapshot: {ARCHIVE}20170101000100/{NEW_URL}  extractor: hand-built"
    assert "\n".join(lines[2:]) == TEXT_B


def test_show_inside_a_change_window_says_the_archive_cannot_tell(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "--db", str(db), "--replay-url", ARCHIVE, "show", "shop.example", "--at", "201806")
    assert code == 0
    lines = out.splitlines()
    assert lines[1] == f"snapshot: {ARCHIVE}20180101000000/{NEW_URL}  extractor: hand-built"
    assert lines[2].startswith("note: the policy changed between 2018-01-01 00:00:00 and 2019-01-01 00:00:00 UTC")


def test_show_a_revert_names_the_earlier_version(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "--db", str(db), "show", "shop.example")
    assert code == 0 and "note: this is the text of version 1 again" in out


def test_show_text_only_prints_nothing_else(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "--db", str(db), "show", "shop.example", "--version", "2", "--text-only")
    assert code == 0 and out == TEXT_B + "\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--at", "2014"], "shop.example has no policy version seen at or before 2014-01-01 00:00:00 UTC"),
        (["--version", "9"], "shop.example has no version 9 (it has 3)"),
    ],
)
def test_show_outside_the_history_is_one_clear_line(
    db: Path, capsys: pytest.CaptureFixture, args: list[str], message: str
) -> None:
    code, out, err = run(capsys, "--db", str(db), "show", "shop.example", *args)
    assert code == 1 and out == ""
    assert err.startswith(f"error: {message}") and err.count("\n") == 1


def test_show_one_version(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "--db", str(db), "show", "shop.example", "--version", "1")
    assert code == 0 and "advertising" not in out and "parcels" in out


def test_diff_marks_added_and_removed_words(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "--db", str(db), "diff", "shop.example", "1", "2")
    assert code == 0
    assert out.splitlines() == [
        "--- shop.example version 1 (2015-01-01 → 2015-06-01)",
        "+++ shop.example version 2 (2017-01-01 → 2018-01-01)",
        "changed between 2015-06-01 00:00:00 and 2017-01-01 00:01:00 UTC; substantive, +8 −1 words",
        "@@ Privacy @@",
        "We keep your address to send your [-parcels.-]{+parcels and share it with our advertising partners.+}",
    ]


def test_diff_full_shows_the_whole_text(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "--db", str(db), "diff", "shop.example", "2", "--full")
    assert code == 0
    assert out.splitlines()[3:5] == ["# Privacy", ""]


def test_diff_sections_lists_only_changed_sections(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "--db", str(db), "diff", "shop.example", "--sections")
    assert code == 0
    lines = out.splitlines()
    assert lines[3] == "~ Privacy (changed)"
    assert (
        lines[4]
        == "We keep your address to send your [-parcels and share it with our advertising partners.-]{+parcels.+}"
    )
    assert lines[-1] == "sections: 1 changed"


def test_diff_of_a_revert_says_the_texts_are_equal(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "--db", str(db), "diff", "shop.example", "1", "3")
    assert code == 0
    assert out.splitlines()[2:] == ["no difference: version 3 has the same text as version 1"]


def test_diff_of_a_missing_version_is_bad_input(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(capsys, "--db", str(db), "diff", "shop.example", "2", "7")
    assert code == 2 and "shop.example has 3 version(s); cannot diff 2 and 7" in err


def test_diff_needs_two_versions(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    db = tmp_path / "one.duckdb"
    con = connect(db)
    build_markup(con)
    con.execute("DELETE FROM capture WHERE digest = 'M2'")
    rebuild_versions(con, "markup.example")
    con.close()
    code, _, err = run(capsys, "--db", str(db), "diff", "markup.example")
    assert code == 2 and err == "error: markup.example has 1 version: nothing to compare yet\n"


def test_diff_is_coloured_on_a_terminal(
    db: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "console", Console(force_terminal=True, color_system="standard", highlight=False))
    code, out, _ = run(capsys, "--db", str(db), "diff", "shop.example", "1", "2")
    assert code == 0
    assert "\x1b[9;31m[-parcels.-]\x1b[0m" in out  # struck through, red
    assert "\x1b[32m{+parcels and share it with our advertising partners.+}\x1b[0m" in out  # green


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


@pytest.mark.parametrize("command", ["history", "show", "diff"])
def test_unknown_site_suggests_the_closest(db: Path, capsys: pytest.CaptureFixture, command: str) -> None:
    code, _, err = run(capsys, "--db", str(db), command, "shop.exmaple")
    assert code == 1
    assert err == "error: unknown site 'shop.exmaple'; did you mean shop.example?\n"


@pytest.mark.parametrize(
    "args",
    [
        ["history", "shop.example"],
        ["history", "shop.example", "--format", "log", "--patch"],
        ["show", "shop.example", "--at", "2018"],
        ["diff", "shop.example", "--sections"],
        ["sites"],
        ["sql", "SELECT site, version FROM versions"],
    ],
)
def test_every_read_command_is_plain_text_in_a_real_pipe(db: Path, args: list[str]) -> None:
    probe = "import sys; from palimpsest.cli import main; sys.exit(main(sys.argv[1:]))"
    result = subprocess.run(
        [sys.executable, "-c", probe, "--db", str(db), *args],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "TERM": "xterm-256color"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert "\x1b" not in result.stdout


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
    # Prefect (1.5 s), trafilatura (0.65 s) and the archive client load only in the commands that need them. DuckDB
    # (0.11 s) loads with the command modules: nearly every command reads the warehouse.
    probe = (
        "import sys; from palimpsest.cli import main; main(['--help']);"
        "heavy = [m for m in ('prefect', 'trafilatura', 'requests', 'warcio') if m in sys.modules];"
        "sys.stderr.write(repr(heavy))"
    )
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    elapsed = time.monotonic() - started
    assert result.stderr.strip() == "[]"
    assert elapsed < 10  # a sanity bound only; the cold-start figure lives in benchmarks/


def test_ctrl_c_inside_a_duckdb_query_is_an_interrupt(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A real Ctrl-C during a long DuckDB query ends the CLI as an interrupt, whether it lands inside the query
    (DuckDB raises RuntimeError) or between two statements (Python raises KeyboardInterrupt)."""

    def endless_query(db: Path, site: str) -> None:
        con = duckdb.connect()
        done = threading.Event()

        def press_ctrl_c() -> None:
            # Again every half second: on a busy machine one signal can land before DuckDB watches for it.
            while not done.wait(0.5):
                os.kill(os.getpid(), signal.SIGINT)

        threading.Thread(target=press_ctrl_c, daemon=True).start()
        try:
            # Long enough for any interrupt to land, finite so that a missed one fails the test instead of hanging.
            con.execute("SELECT count(*) FROM range(5_000_000_000) t(x) WHERE x % 7 = 3").fetchall()
        finally:
            done.set()

    monkeypatch.setattr(commands_read, "read_history", endless_query)
    assert main(["--db", str(tmp_path / "p.duckdb"), "history", "example.com"]) == 130
    assert "interrupted: what was stored is kept" in capsys.readouterr().err


def test_duckdbs_query_interrupted_error_ends_the_cli_as_an_interrupt(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The error DuckDB raises when a Ctrl-C lands inside a query, without depending on when the signal lands."""

    def interrupted_query(db: Path, site: str) -> None:
        raise RuntimeError("Query interrupted")

    monkeypatch.setattr(commands_read, "read_history", interrupted_query)
    assert main(["--db", str(tmp_path / "p.duckdb"), "history", "example.com"]) == 130
    assert "interrupted: what was stored is kept" in capsys.readouterr().err
