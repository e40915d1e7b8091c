"""Test set-up: an isolated Prefect home, the demo archive served by a real pywb, and the Prefect harness.

Nothing here reaches the internet: pywb and every other server listen on 127.0.0.1 only.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests are repeatable and bounded in CI: a fixed example budget, derandomised, no per-example deadline
# (a loaded 2-core machine makes timings noisy). ``HYPOTHESIS_PROFILE=thorough`` explores far more.
settings.register_profile(
    "palimpsest", max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "palimpsest"))

# A test run started in the background of a non-interactive shell (`make test &`) inherits Ctrl-C ignored, and
# so would every command it starts. The Ctrl-C tests need it delivered, as at a terminal: Python's own handler
# here, which a started command replaces with the default again.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# Prefect reads its settings when first imported; isolate it before any test imports it.
_PREFECT_HOME = tempfile.mkdtemp(prefix="palimpsest-prefect-")
atexit.register(shutil.rmtree, _PREFECT_HOME, ignore_errors=True)  # registered first, so removed last
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.pop("PREFECT_API_URL", None)
for _name in [
    n for n in os.environ if n.startswith("PALIMPSEST_") and n not in {"PALIMPSEST_SHARED", "PALIMPSEST_PYWB_VENV"}
]:
    del os.environ[_name]
# A temporary Prefect server stops with the command that started it, as each test expects; keeping it for the next
# command is tested on its own (tests/test_prefect_startup.py).
os.environ["PALIMPSEST_PREFECT_IDLE"] = "0"


@pytest.fixture(autouse=True)
def _fresh_limiters() -> Iterator[None]:
    """Every test starts with fresh per-endpoint limiters (they are process-wide by design)."""
    from palimpsest.fetchers.limiter import reset_limiters

    reset_limiters()
    yield
    reset_limiters()


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The demo WARC and its expected versions, built once per session."""
    from palimpsest.demo.build import build

    warc, expected = build(tmp_path_factory.mktemp("demo-build"))
    return warc, json.loads(expected.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def wayback(demo_build: tuple[Path, dict]) -> Iterator[object]:
    """A real pywb serving the demo WARC on a free loopback port."""
    from palimpsest.demo.archive import LocalWayback

    warc, _ = demo_build
    with LocalWayback([warc]) as server:
        yield server


@pytest.fixture(scope="session")
def timelines(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Long synthetic histories (every capture's digest different): one for sampling, one for kill-and-resume."""
    from tests.timelines import write_timeline

    base = tmp_path_factory.mktemp("timelines")
    return {
        "sampling": write_timeline(base, captures=80, change_at=[17, 40, 41, 66], name="sampling"),
        "resume": write_timeline(
            base, captures=36, change_at=[9, 25], url="https://oatmill.example/privacy", name="resume"
        ),
    }


@pytest.fixture(scope="session")
def timeline_wayback(timelines: dict) -> Iterator[object]:
    """A real pywb serving the synthetic histories on a free loopback port."""
    from palimpsest.demo.archive import LocalWayback

    with LocalWayback([t.warc for t in timelines.values()]) as server:
        yield server


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """Prefect's test harness (a temporary database and API), as Prefect's docs recommend."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def settings_for(server: object, db: Path, **overrides: object):
    """Settings pointing at a LocalWayback (or anything with cdx_url/replay_url), with generous local rates."""
    from palimpsest.settings import Settings

    values = {
        "db": db,
        "cdx_url": server.cdx_url,  # type: ignore[attr-defined]
        "replay_url": server.replay_url,  # type: ignore[attr-defined]
        "cdx_rate": 6000.0,
        "replay_rate": 60000.0,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


def use_settings(monkeypatch: pytest.MonkeyPatch, settings) -> None:
    """Hand ``settings`` to flows run in this process (they read them from the environment), for one test."""
    monkeypatch.setenv("PALIMPSEST_DB", str(settings.db))
    monkeypatch.setenv("PALIMPSEST_CDX_URL", settings.cdx_url)
    monkeypatch.setenv("PALIMPSEST_REPLAY_URL", settings.replay_url)
    monkeypatch.setenv("PALIMPSEST_CDX_RATE", str(settings.cdx_rate))
    monkeypatch.setenv("PALIMPSEST_REPLAY_RATE", str(settings.replay_rate))
