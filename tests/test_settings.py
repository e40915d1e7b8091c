"""One Settings value, validated once, whether it comes from the environment or from options, and passed down."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from palimpsest.cli import main
from palimpsest.errors import BadInput
from palimpsest.settings import IA_CDX_URL, Settings
from tests.shared import REPO


def test_the_environment_gives_every_setting() -> None:
    settings = Settings.from_env(
        {
            "PALIMPSEST_DB": "data/w.duckdb",
            "PALIMPSEST_CDX_URL": "http://127.0.0.1:8080/demo/cdx",
            "PALIMPSEST_REPLAY_URL": "http://127.0.0.1:8080/demo/",
            "PALIMPSEST_CDX_RATE": "12",
            "PALIMPSEST_REPLAY_RATE": "60.5",
            "PALIMPSEST_WARC_DIR": "data/raw",
            "PALIMPSEST_LOCK_TIMEOUT": "0",
            "PALIMPSEST_PREFECT_IDLE": "30",
        }
    )
    assert settings == Settings(
        db=Path("data/w.duckdb"),
        cdx_url="http://127.0.0.1:8080/demo/cdx",
        replay_url="http://127.0.0.1:8080/demo/",
        cdx_rate=12.0,
        replay_rate=60.5,
        warc_dir_override=Path("data/raw"),
        lock_timeout=0.0,
        prefect_idle=30.0,
    )
    assert Settings.from_env({}) == Settings()
    assert Settings.from_env({"PALIMPSEST_CDX_URL": ""}).cdx_url == IA_CDX_URL  # empty means unset


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("PALIMPSEST_CDX_RATE", "abc", "PALIMPSEST_CDX_RATE='abc' is not a number of requests per minute"),
        ("PALIMPSEST_REPLAY_RATE", "0", "PALIMPSEST_REPLAY_RATE='0' must be a number greater than zero"),
        ("PALIMPSEST_CDX_RATE", "nan", "PALIMPSEST_CDX_RATE='nan' must be a number greater than zero"),
        ("PALIMPSEST_LOCK_TIMEOUT", "abc", "PALIMPSEST_LOCK_TIMEOUT='abc' is not a number of seconds"),
        ("PALIMPSEST_LOCK_TIMEOUT", "-1", "PALIMPSEST_LOCK_TIMEOUT='-1' must be zero or more seconds"),
        ("PALIMPSEST_PREFECT_IDLE", "soon", "PALIMPSEST_PREFECT_IDLE='soon' is not a number of seconds"),
        ("PALIMPSEST_CDX_URL", "ftp://example.org/cdx", "PALIMPSEST_CDX_URL='ftp://example.org/cdx' is not an http"),
        ("PALIMPSEST_REPLAY_URL", "http://", "PALIMPSEST_REPLAY_URL='http://' is not an http"),
    ],
)
def test_a_bad_variable_is_named(variable: str, value: str, says: str) -> None:
    with pytest.raises(BadInput) as refused:
        Settings.from_env({variable: value})
    assert says in str(refused.value)


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--replay-rate", "0", "--replay-rate 0.0 must be a number greater than zero"),
        ("--cdx-rate", "-1", "--cdx-rate -1.0 must be a number greater than zero"),
        ("--lock-timeout", "-5", "--lock-timeout -5.0 must be zero or more seconds"),
        ("--prefect-idle", "-1", "--prefect-idle -1.0 must be zero or more seconds"),
        ("--cdx-url", "http://bad host/cdx", "--cdx-url http://bad host/cdx is not an http(s) URL"),
    ],
)
def test_a_bad_option_is_named_and_refused_before_any_command_runs(
    option: str, value: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(tmp_path / "w.duckdb"), option, value, "sites"]) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1
    assert not (tmp_path / "w.duckdb").exists()


def test_options_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PALIMPSEST_CDX_RATE", "12")
    settings = Settings.from_env().with_options(cdx_rate=6.0, replay_rate=None)
    assert (settings.cdx_rate, settings.replay_rate) == (6.0, 300.0)
    with pytest.raises(TypeError):
        Settings().with_options(speed=1)


def test_settings_are_checked_however_they_are_made() -> None:
    with pytest.raises(BadInput, match="replay_rate"):
        Settings(replay_rate=0)


def test_nothing_in_the_package_writes_palimpsest_settings_into_the_environment() -> None:
    """Settings are passed as parameters, never handed over through ``os.environ``."""
    wrong = []
    for folder in ("palimpsest", "fetchers", "extractors", "warehouse", "flows", "demo"):
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                text = ast.unparse(node) if isinstance(node, ast.Assign | ast.Call) else ""
                if "environ" in text and "PALIMPSEST_" in text and ("setdefault" in text or "[" in text.split("=")[0]):
                    wrong.append(f"{path.relative_to(REPO)}:{node.lineno}: {text[:80]}")
    assert not wrong, "\n".join(wrong)
