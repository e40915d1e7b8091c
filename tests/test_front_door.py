"""The command line's front door: bad input refused in one line before Prefect starts, and small answers that say
what they mean (the first batch of the issue "a command line that never says done when nothing happened")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from palimpsest.cli import main
from palimpsest.cli.program import app
from tests.history import history_file


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return history_file(tmp_path / "w.duckdb", "shop.example", "bakery.example")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://", "has no valid host"),
        ("http://bad host/privacy", "has no valid host"),
        ("ftp://example.org/privacy", "is not a web address"),
        ("not a url", "is not a URL: give the full address of the page"),
        ("example.com/privacy", "did you mean https://example.com/privacy?"),
    ],
)
def test_a_bad_url_is_refused_in_one_line(url: str, says: str, tmp_path: Path, capsys) -> None:
    assert main(["--db", str(tmp_path / "w.duckdb"), "crawl", url]) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1
    assert "https://not a url" not in err
    assert not (tmp_path / "w.duckdb").exists()


def test_bad_input_is_refused_before_prefect_is_imported(tmp_path: Path) -> None:
    probe = (
        "import sys; from palimpsest.cli import main;"
        f"code = main(['--db', {str(tmp_path / 'w.duckdb')!r}, 'crawl', 'https://shop.example/p',"
        " '--from', '2019', '--to', '2015']);"
        "sys.stderr.write(f'{code} {\"prefect\" in sys.modules}')"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stderr.splitlines()[-1] == "2 False"
    assert "--from 2019 is after --to 2015" in done.stderr


def test_a_bad_site_name_in_a_sites_file_is_refused_before_anything_is_fetched(tmp_path: Path, capsys) -> None:
    sites = tmp_path / "sites.csv"
    sites.write_text("url,site\nhttps://shop.example/privacy,shop example\n", encoding="utf-8")
    assert main(["--db", str(tmp_path / "w.duckdb"), "crawl-sites", str(sites)]) == 2
    assert "line 2: 'shop example' cannot name a site" in capsys.readouterr().err


def test_diff_of_the_first_version_says_there_is_nothing_before_it(db: Path, capsys) -> None:
    assert main(["--db", str(db), "diff", "shop.example", "1"]) == 2
    err = capsys.readouterr().err
    assert "version 1 is shop.example's first" in err and "cannot diff 0" not in err


def test_history_patch_alone_shows_the_log_with_redlines(db: Path, capsys) -> None:
    assert main(["--db", str(db), "history", "shop.example", "-p"]) == 0
    out = capsys.readouterr().out
    assert "version 3" in out and "@@" in out
    assert main(["--db", str(db), "history", "shop.example", "-p", "--format", "csv"]) == 2


def test_sites_are_found_whatever_their_case_and_only_like_names_are_suggested(db: Path, capsys) -> None:
    assert main(["--db", str(db), "history", "SHOP.Example"]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "history", "shopp.example"]) == 1
    assert "did you mean shop.example?" in capsys.readouterr().err
    assert main(["--db", str(db), "history", "news.example"]) == 1
    err = capsys.readouterr().err
    assert "unknown site 'news.example'" in err and "did you mean" not in err


def test_one_capture_is_not_one_captures(db: Path, capsys) -> None:
    assert main(["--db", str(db), "show", "shop.example", "--version", "2"]) == 0
    assert "1 captures" not in capsys.readouterr().out


def test_every_command_has_an_example_and_doctor_means_or() -> None:
    for command in app.registered_commands:
        assert "Example: palimpsest" in (command.callback.__doc__ or ""), command.name
    doctor = next(c for c in app.registered_commands if c.name == "doctor").callback.__doc__
    assert "palimpsest doctor || palimpsest doctor --repair" in doctor


@pytest.mark.slow
def test_a_url_the_archive_does_not_hold_is_an_error_with_near_matches(wayback, tmp_path: Path, capsys) -> None:
    from tests.conftest import settings_for

    settings = settings_for(wayback, tmp_path / "w.duckdb")
    options = ["--db", str(settings.db), "--cdx-url", settings.cdx_url, "--replay-url", settings.replay_url]
    assert main([*options, "crawl", "http://www.lanternbooks.example/privacy"]) == 1
    err = capsys.readouterr().err
    assert "the archive holds no capture of http://www.lanternbooks.example/privacy; nothing is tracked" in err
    assert "did you mean http://www.lanternbooks.example/privacy.html" in err and err.count("\n") == 1
    assert main([*options, "sites", "--format", "csv"]) == 0
    assert capsys.readouterr().out.strip() == "site,versions,captures,policy urls,first seen,last seen,last crawl"


def test_a_cdx_error_answer_is_an_error_not_a_malformed_row() -> None:
    from palimpsest.fetchers.cdx import parse_cdx

    with pytest.raises(ValueError, match="answered with an error: collection not found"):
        parse_cdx('{"error": "collection not found"}')


def test_sql_json_handles_every_type_and_keeps_repeated_names(db: Path, capsys) -> None:
    import json

    query = (
        "SELECT changed_by - changed_after AS uncertainty, 1.25::DECIMAL(6,2) AS d,"
        " 12345678901234567890.12::DECIMAL(38,2) AS big, gen_random_uuid() AS u, 'x'::BLOB AS b,"
        " TIME '10:11:12' AS t, 'nan'::DOUBLE AS n, 'inf'::DOUBLE AS i,"
        " [1, 2] AS l, {'k': [TIMESTAMPTZ '2020-01-01 00:00:00+00']} AS s, 1 AS a, 2 AS a"
        " FROM changes WHERE site = 'shop.example' ORDER BY version LIMIT 1"
    )
    assert main(["--db", str(db), "sql", query, "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["uncertainty"].startswith("P") and row["d"] == 1.25 and row["big"] == "12345678901234567890.12"
    assert len(row["u"]) == 36 and row["b"] == "eA==" and row["t"] == "10:11:12"
    assert row["n"] is None and row["i"] is None and row["l"] == [1, 2]
    assert row["s"] == {"k": ["2020-01-01T00:00:00+00:00"]} and (row["a"], row["a_2"]) == (1, 2)


def test_csv_times_are_iso_8601_and_tsv_escapes_tabs_and_line_breaks(db: Path, capsys) -> None:
    assert (
        main(["--db", str(db), "sql", "SELECT TIMESTAMPTZ '2020-01-02 03:04:05.678+00' AS t", "--format", "csv"]) == 0
    )
    assert capsys.readouterr().out.splitlines()[1] == "2020-01-02T03:04:05.678000+00:00"
    assert main(["--db", str(db), "sql", "SELECT 'a' || chr(9) || 'b' || chr(10) || 'c' AS v"]) == 0
    assert capsys.readouterr().out.splitlines() == ["v", "a\\tb\\nc"]


def test_the_demo_never_deletes_a_warehouse_holding_what_it_did_not_write(db: Path) -> None:
    from palimpsest.demo.job import own_warehouse

    notes: list[str] = []
    chosen = own_warehouse(db, {"pebbleweather.example", "shop.example"}, notes.append)
    assert chosen == db.with_name("palimpsest-demo.duckdb") and db.exists()
    assert "holds what the demo did not write (bakery.example)" in notes[0]
    assert own_warehouse(db, {"shop.example", "bakery.example"}, notes.append) == db  # the demo's own: rebuilt


@pytest.mark.slow
@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP"])
def test_serve_demo_stops_the_archive_on_sigterm_and_sighup(signal_name: str) -> None:
    import signal
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-c", "from palimpsest.cli import entry; entry()", "serve-demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for line in server.stdout:  # type: ignore[union-attr]
            if line.startswith("Ctrl-C to stop"):
                break
        server.send_signal(getattr(signal, signal_name))
        server.wait(timeout=30)
    finally:
        server.kill()
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))  # the port is free: pywb went with it


def test_the_crawl_summary_counts_the_outcomes_stored_after_versions_are_rebuilt(monkeypatch, tmp_path) -> None:
    from palimpsest.flows import fetching
    from palimpsest.flows.crawl import run_crawl
    from palimpsest.warehouse import connect
    from tests.conftest import settings_for
    from tests.servers import FaultArchive, Page, quick_client
    from tests.timelines import page

    url = "https://bakery.example/privacy"
    pages = [Page(url, f"2019{i:02d}01120000", page(i // 3, i)) for i in range(1, 7)]
    with FaultArchive(pages) as archive:
        client = quick_client(archive)
        monkeypatch.setattr(fetching, "client_for", lambda settings: client)
        settings = settings_for(archive, tmp_path / "w.duckdb")
        report = run_crawl(settings, url)
        again = run_crawl(settings, url)
    con = connect(settings.db, read_only=True)
    stored = dict(con.execute("SELECT outcome, count(*) FROM capture GROUP BY outcome").fetchall())
    con.close()
    assert stored == {"version": 3, "same-text": 3}
    assert dict(report.outcomes) == stored  # not same-text 6, as counted before the rebuild
    assert dict(again.outcomes) == {}  # a rerun stores nothing new


def test_a_sqlite_file_or_a_warehouse_that_cannot_be_created_is_one_line(tmp_path: Path, capsys) -> None:
    import sqlite3

    lite = tmp_path / "notes.sqlite"
    sqlite3.connect(lite).execute("CREATE TABLE t (a)").connection.commit()
    assert main(["--db", str(lite), "history", "shop.example"]) == 1
    err = capsys.readouterr().err
    assert err == f"error: {lite} is a SQLite database, not a DuckDB file, so not a Palimpsest warehouse\n"
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    assert main(["--db", str(blocked / "w.duckdb"), "crawl", "https://shop.example/privacy"]) == 1
    err = capsys.readouterr().err
    assert err == f"error: cannot create {blocked}, the warehouse's folder: it is a file\n"


def test_at_means_the_first_second_everywhere_as_policy_at_reads_it(tmp_path: Path, capsys) -> None:
    from palimpsest.warehouse import connect

    db = history_file(tmp_path / "w.duckdb", "shop.example")
    policy = tmp_path / "p.md"
    policy.write_text("# Privacy\n\nWe now sell nothing at all, ever.", encoding="utf-8")
    assert main(["--db", str(db), "import", str(policy), "--site", "shop.example", "--at", "2030-05"]) == 0
    assert "as shop.example at 2030-05-01 00:00:00" in capsys.readouterr().out
    assert main(["--db", str(db), "show", "shop.example", "--at", "2030-05", "--text-only"]) == 0
    shown = capsys.readouterr().out
    assert "sell nothing" in shown  # in force from the moment it was imported at
    con = connect(db, read_only=True)
    (text,) = con.execute("SELECT text FROM policy_at('shop.example', TIMESTAMPTZ '2030-05-01')").fetchone()
    con.close()
    assert shown == text + "\n"
    assert main(["--db", str(db), "search", "sell nothing", "--at", "2030-05", "--format", "csv"]) == 0
    assert "shop.example,4,2030-05-01T00:00:00+00:00" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (None, "Connection refused (gave up after 3 attempts); check --cdx-url (PALIMPSEST_CDX_URL) and the network"),
        (b"<html><body>Service unavailable</body></html>", "the CDX endpoint answered with HTML, not CDX"),
        (b'[["urlkey","timestamp","original"],["com,shop)/privacy","2019', "truncated CDX answer"),
    ],
    ids=["unreachable", "html", "truncated-json"],
)
def test_a_broken_archive_is_one_error_line_not_a_traceback(body, says, monkeypatch, tmp_path: Path, capsys) -> None:
    import http.server
    import socket
    import threading
    from types import SimpleNamespace

    from palimpsest.flows import fetching
    from tests.servers import quick_client

    class Answer(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html" if body.startswith(b"<") else "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    if body is None:  # a port nothing listens on
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
    else:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
    archive = SimpleNamespace(cdx_url=f"http://127.0.0.1:{port}/cdx", replay_url=f"http://127.0.0.1:{port}/web/")
    monkeypatch.setattr(fetching, "client_for", lambda settings: quick_client(archive))
    options = ["--db", str(tmp_path / "w.duckdb"), "--cdx-url", archive.cdx_url, "--replay-url", archive.replay_url]
    try:
        code = main([*options, "crawl", "https://shop.example/privacy"])
    finally:
        if body is not None:
            server.shutdown()
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert says in err


def test_sites_and_history_fit_80_columns_on_a_terminal_without_dropping_a_column(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    import re

    from rich.console import Console

    from palimpsest.cli import output, read

    db = history_file(tmp_path / "w.duckdb", "shop.example", "a-rather-long-name-for-a-policy-site.example")
    screen = Console(force_terminal=True, width=80, color_system=None, highlight=False)
    monkeypatch.setattr(output, "console", screen)
    monkeypatch.setattr(read, "console", screen)
    for args, headers in [
        (["sites"], ["site", "versions", "captures", "policy", "urls", "first", "seen", "last", "crawl"]),
        (["history", "shop.example"], ["v", "first", "last", "captures", "words", "changed", "change", "url"]),
    ]:
        assert main(["--db", str(db), *args]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert max(len(line) for line in lines) <= 80, "\n".join(lines)
        shown = " ".join(lines[:4])
        assert all(re.search(rf"\b{header}\b", shown) for header in headers), "\n".join(lines)
    assert main(["--db", str(db), "sites"]) == 0
    sites = capsys.readouterr().out
    assert "…" in sites and "2015-01-01" in sites  # a long name cut in the middle; dates kept whole


def test_lines_in_a_pipe_are_never_wrapped(tmp_path: Path, capsys) -> None:
    deep = tmp_path / ("a-folder-with-a-long-name-" * 3)
    deep.mkdir()
    policy = deep / "privacy-policy-as-the-site-published-it.md"
    policy.write_text("# Privacy\n\nWe keep nothing.", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    assert main(["--db", str(db), "import", str(policy), "--site", "shop.example", "--at", "2020-01-02"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"{policy.name}: imported as shop.example at 2020-01-02 00:00:00 (") and len(first) > 80


@pytest.mark.parametrize(
    "args",
    [["diff", "shop.example"], ["history", "shop.example"], ["show", "shop.example"], ["sql", "SELECT 1"], ["sites"]],
)
def test_read_commands_load_neither_the_extractor_nor_prefect(args: list[str], db: Path) -> None:
    probe = (
        "import sys, io, contextlib; from palimpsest.cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()): code = main(['--db', {str(db)!r}, *{args!r}])\n"
        "heavy = [m for m in ('prefect', 'trafilatura', 'lxml', 'requests', 'warcio') if m in sys.modules]\n"
        "sys.stderr.write(f'{code} {heavy}')"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stderr.splitlines()[-1] == "0 []"
