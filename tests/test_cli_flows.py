"""``discover``, ``crawl-sites`` and ``refresh`` from the command line (in-process, against pywb)."""

from __future__ import annotations

from pathlib import Path

import pytest

from palimpsest.cli import main
from tests.conftest import settings_for


def _options(settings) -> list[str]:
    return [
        "--db", str(settings.db),
        "--cdx-url", settings.cdx_url,
        "--replay-url", settings.replay_url,
        "--cdx-rate", "6000",
        "--replay-rate", "60000",
    ]  # fmt: skip


def test_a_bad_sites_file_exits_2_before_anything_starts(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    sites = tmp_path / "sites.csv"
    sites.write_text("url\nnot a url\n")
    assert main(["--db", str(tmp_path / "w.duckdb"), "crawl-sites", str(sites)]) == 2
    assert "line 2: 'not a url' is not a URL" in capsys.readouterr().err
    assert not (tmp_path / "w.duckdb").exists()
    assert main(["discover", "example.com"]) == 2


@pytest.mark.slow
def test_discover_crawl_sites_and_refresh_from_the_command_line(
    wayback, demo_build: tuple[Path, dict], tmp_path: Path, capsys: pytest.CaptureFixture, prefect_harness
) -> None:
    _, expected = demo_build
    settings = settings_for(wayback, tmp_path / "w.duckdb")
    assert main([*_options(settings), "discover", "http://www.kumomail.example/", "--crawl"]) == 0
    out = capsys.readouterr().out
    assert "kumomail.example: http://www.kumomail.example/privacy/  linked 2012-03-01 … 2019-03-01" in out
    kumo = next(s for s in expected["sites"] if s["site"] == "kumomail.example")
    assert f"kumomail.example: {kumo['captures']} captures" in out
    assert f"{len(kumo['versions'])} versions ({len(kumo['versions'])} new)" in out

    sites = tmp_path / "sites.toml"
    sites.write_text("".join(f'[[site]]\nurl = "{s["url"]}"\nsite = "{s["site"]}"\n' for s in expected["sites"]))
    assert main([*_options(settings), "crawl-sites", str(sites)]) == 0
    out = capsys.readouterr().out
    assert "kumomail.example: 0 captures" not in out
    assert "0 new)" in out and "failed:" not in out  # kumo's history was already there

    feed = tmp_path / "changes.xml"
    assert main([*_options(settings), "refresh", "--feed", str(feed)]) == 0
    out = capsys.readouterr().out
    assert f"archive requests: {len(expected['sites'])} cdx, 0 replay" in out
    assert f"wrote {feed} ({sum(len(s['versions']) for s in expected['sites'])} entries)" in out
