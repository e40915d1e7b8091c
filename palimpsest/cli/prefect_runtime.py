"""Prefect in a command-line process: its own settings set before it is imported, and the API its flow runs are
recorded in, found or started as early as possible.

Every command that runs a flow records it in a Prefect API: the one configured (``PREFECT_API_URL``, in the
environment or a Prefect profile), else a Prefect server already running for the same ``PREFECT_HOME`` on
Prefect's default address (``prefect server start``), else the temporary server an earlier command of the same
``PREFECT_HOME`` left running, else a temporary server that this process starts. Each keeps its runs in
``PREFECT_HOME``'s database, where ``prefect server start`` shows them later. A temporary server is kept
``PALIMPSEST_PREFECT_IDLE`` seconds after the last command using it ends (``prefect_keeper``), so that a run of
commands pays its start-up once.

Prefect's own temporary server cost a 3-fetch crawl of the demo archive 12–17 s against 2.1 s as plain calls
(measured 2026-12, load 1.5 on 2 cores), most of it spent twice over on the same imports: this process imported
Prefect's server package (2.2 s) only to start the server, which then imported Prefect and its server package
again (3.2 s), built its app (0.4 s) and checked its migrations (0.1 s) while this process waited. So the server is
started here, before Prefect is imported, on a loopback socket bound here and handed to it (``uvicorn --fd``): it
boots while this process imports Prefect and the flows, and a request sent before it is ready waits in the
socket's queue instead of failing. This process never imports Prefect's server package.

A terminal's Ctrl-C reaches the whole foreground process group, so a server in that group died with the crawl,
and Prefect then spent minutes retrying to record the run as crashed (found 2026-11 with Prefect 3.8.8:
``FlowRunEngine.handle_crash`` → ``set_flow_run_state`` retrying the connection). The server and its keeper run in
a session of their own. A process killed outright (``kill -9``, the out-of-memory killer) runs no exit handler;
its keeper sees it gone and stops the server (at once, or after the idle time).
"""

from __future__ import annotations

import atexit
import gc
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from palimpsest.cli import prefect_keeper

#: Where ``prefect server start`` listens unless told otherwise (Prefect 3.8.8's defaults).
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 4200
#: How long a server found on Prefect's default address has to answer each question (seconds). Nothing listening
#: is a refused connection at once; a busy ``prefect server start`` took 0.84 s to answer three (load 2.6, 2026-12).
PROBE_TIMEOUT = 5.0


def prepare_prefect(*, verbose: bool = False, idle: float = 0.0) -> None:
    """Ready this process for running flows: Prefect's own settings first, then the API its runs are recorded in
    (a server this process starts is kept ``idle`` seconds after the last command using it ends)."""
    quiet_prefect(verbose=verbose)
    connect_api(idle)
    skip_heartbeats()


def quiet_prefect(*, verbose: bool = False) -> None:
    """Prefect's defaults for a command-line process, set before it is imported: no telemetry (this may run
    offline), a patient temporary server, and warnings only unless ``-v``. A variable the user set is kept."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # Prefect's temporary server gives up after 20 s by default; on a busy 2-core machine its first start took
    # 13–22 s and more (measured 2026-11), which failed the whole command before it began. (The server started by
    # connect_api needs no such wait; Prefect's own, still started by code that runs flows without the CLI, does.)
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        # A failed flow run is reported by the command in one line; Prefect's console would print its traceback
        # too (60-240 lines, measured 2026-12). The run's own log, kept by the API handler, keeps it whole.
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")


@dataclass
class Api:
    """The API this process's flow runs are recorded in, and the temporary server it started, if any."""

    url: str | None = None
    #: The keeper of the server this process started (``prefect_keeper``), and how long it keeps it.
    server: subprocess.Popen | None = None
    idle: float = 0.0


#: One per process, as Prefect's settings are: a second command run in the same process uses the same API.
API = Api()


def connect_api(idle: float = 0.0) -> str:
    """Point this process's flow runs at an API and return its URL: the configured one, a running server that
    keeps its runs in this ``PREFECT_HOME`` (``prefect server start``, or one an earlier command started and left
    running), or a temporary server started now and kept ``idle`` seconds after its last user ends. Imports
    Prefect (1.3 s)."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    fresh = "prefect" not in sys.modules
    if not fresh and (configured := _configured_url()):
        return configured  # a profile's API, Prefect's test harness, or the server this process already uses
    if API.server is None or API.server.poll() is not None:
        API.url = _running_server(prefect_home()) or _kept_server(prefect_home()) or _start_server(idle)
    import prefect.context  # noqa: PLC0415 - lazy: Prefect, 1.3 s; imported while the server starts

    if fresh:
        # Prefect and the flows leave ~140,000 objects that every full collection walks (0.08 s each), and the
        # interpreter's collections at exit took 0.42–0.45 s; frozen, 0.04–0.05 s (measured 2026-12).
        gc.freeze()
        atexit.register(gc.freeze)
    if configured := _configured_url():  # a Prefect profile, .env or prefect.toml names an API: it wins
        stop_server(kept=False)
        API.url = configured
        return configured
    settings = prefect.context.get_settings_context().settings
    home = Path(settings.home).expanduser().resolve()
    database = settings.server.database.connection_url
    own_database = database is None or database.get_secret_value() == f"sqlite+aiosqlite:///{home}/prefect.db"
    if API.server is None and (home != prefect_home() or not own_database):
        API.url = _start_server(idle)  # Prefect's settings name another home or database than the server found
    _use_url(API.url)  # type: ignore[arg-type]
    if API.server is not None and fresh:
        # The server takes ~4 s to answer, this process ~2.5 s to reach its first flow run: what Prefect would
        # import lazily at that run (its engines; FastAPI's encoder for the parameters: 0.3 s) is imported now.
        import fastapi.encoders  # noqa: F401, PLC0415 - lazy: FastAPI's encoder, 0.13 s
        import prefect.flow_engine  # noqa: PLC0415 - lazy: Prefect's engines, 0.16 s
        import prefect.task_engine  # noqa: PLC0415 - lazy: Prefect's engines, 0.16 s with the flow engine
    return API.url  # type: ignore[return-value]


def skip_heartbeats() -> None:
    """No flow-run heartbeats from this process unless the user set their frequency (see :func:`_no_heartbeats`)."""
    from prefect import context  # noqa: PLC0415 - lazy: Prefect, 1.3 s

    current = context.get_settings_context()
    if current is not context.GLOBAL_SETTINGS_CONTEXT:
        return  # settings a caller entered for a while (a test harness) are left as they are, and to it
    if updates := _no_heartbeats(current.settings):
        _replace_global_settings(current, updates)


def _no_heartbeats(settings: object) -> dict:
    """The settings' update that turns flow-run heartbeats off, unless the user set their frequency (a variable,
    a profile) or they are off already.

    Prefect 3.8.8 sends a flow run's heartbeats from a thread that sleeps in steps of 1 s, and the run waits for
    that thread at its end: 0–1 s of every command (0.98 s of a 2.6 s crawl, measured 2026-12). Heartbeats are
    read only by an automation that looks for runs gone silent, which a user sets up; one who did sets the
    frequency too (``PREFECT_FLOWS_HEARTBEAT_FREQUENCY``) and keeps them. A crash the process sees is recorded
    either way."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY  # noqa: PLC0415 - lazy: Prefect, 1.3 s

    flows = settings.flows  # type: ignore[attr-defined]
    if flows.heartbeat_frequency is None or "heartbeat_frequency" in flows.model_fields_set:
        return {}
    return {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}


def _configured_url() -> str | None:
    from prefect.settings import get_current_settings  # noqa: PLC0415 - lazy: Prefect, 1.3 s

    return get_current_settings().api.url


def _use_url(url: str) -> None:
    """Make ``url`` the API of every thread's flow runs (and turn heartbeats off, see :func:`_no_heartbeats`).
    Prefect reads its settings from a process-wide context when a thread has none of its own (Prefect 3.8.8:
    ``SettingsContext.get``); it replaces that context itself to pick up variables set after import
    (``refresh_global_settings_context``). The environment is left as it was, so the processes this one starts
    do not inherit a server that stops with it."""
    from prefect import context  # noqa: PLC0415 - lazy: Prefect, 1.3 s
    from prefect.settings import PREFECT_API_URL  # noqa: PLC0415 - lazy: Prefect, 1.3 s

    current = context.get_settings_context()
    # One copy for both: each takes 0.07 s (pydantic's validation of every setting, measured 2026-12).
    _replace_global_settings(current, {PREFECT_API_URL: url, **_no_heartbeats(current.settings)})


def _replace_global_settings(current: object, updates: dict) -> None:
    """Make ``current`` settings with ``updates`` the process-wide settings every thread without its own reads."""
    from prefect import context  # noqa: PLC0415 - lazy: Prefect, 1.3 s

    settings = current.settings.copy_with_update(updates=updates)  # type: ignore[attr-defined]
    context.GLOBAL_SETTINGS_CONTEXT = context.SettingsContext(profile=current.profile, settings=settings)  # type: ignore[attr-defined]


def prefect_home(env: Mapping[str, str] | None = None) -> Path:
    """The ``PREFECT_HOME`` of this process (or of the environment ``env``)."""
    env = os.environ if env is None else env
    return Path(env.get("PREFECT_HOME") or "~/.prefect").expanduser().resolve()


def _running_server(home: Path) -> str | None:
    """The API of a Prefect server on Prefect's default address that keeps its runs in ``home``'s database and
    runs this version of Prefect, or None. Nothing listening there costs a refused connection (~1 ms)."""
    host = os.environ.get("PREFECT_SERVER_API_HOST", DEFAULT_HOST)
    host = "127.0.0.1" if host in {"0.0.0.0", ""} else host  # noqa: S104 - a server listening everywhere
    url = f"http://{host}:{os.environ.get('PREFECT_SERVER_API_PORT', DEFAULT_PORT)}/api"
    if _answer(f"{url}/health") is not True:
        return None
    settings, version = _answer(f"{url}/admin/settings"), _answer(f"{url}/admin/version")
    same_home = isinstance(settings, dict) and Path(str(settings.get("home"))).expanduser().resolve() == home
    return url if same_home and version == _prefect_version() else None


@cache
def _prefect_version() -> str:
    """The installed Prefect's version: a server of another one is never used or kept for this process."""
    from importlib.metadata import version  # noqa: PLC0415 - lazy: importlib.metadata, 17 ms

    return version("prefect")


def _answer(url: str) -> object:
    """The JSON that ``url`` answers, or None if nothing (or something other than a JSON API) answers there."""
    import json  # noqa: PLC0415 - lazy: json, 2 ms
    from http.client import HTTPException  # noqa: PLC0415 - lazy: http.client, 6 ms
    from urllib.request import ProxyHandler, build_opener  # noqa: PLC0415 - lazy: urllib, 9 ms of --help's start

    try:  # straight to the address, whatever proxy the environment names
        with build_opener(ProxyHandler({})).open(url, timeout=PROBE_TIMEOUT) as answer:
            return json.load(answer)
    except (OSError, HTTPException, ValueError):  # refused, timed out, not HTTP, not JSON (URLError is an OSError)
        return None


def _kept_server(home: Path) -> str | None:
    """The server an earlier command of this ``PREFECT_HOME`` started and left running, now used by this one too."""
    prefect_keeper.register(home)  # first: the keeper then keeps the server, or has withdrawn it before we look
    return prefect_keeper.kept_server(home, _prefect_version())


def _start_server(idle: float = 0.0) -> str:
    """Start Prefect's server as Prefect's temporary server would be (Prefect 3.8.8:
    ``SubprocessASGIServer._run_uvicorn_command``), on a loopback socket bound here: requests sent before it is
    ready wait in the socket's queue. Returns its API URL at once. The server runs under a keeper
    (``prefect_keeper``) that stops it ``idle`` seconds after the last command using it ends."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))  # a free port, held from now on: no port to guess, retry or wait for
    listener.listen(128)
    port = listener.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api"
    spec = find_spec("prefect")
    app_dir = Path(next(iter(spec.submodule_search_locations))).parent  # type: ignore[union-attr, arg-type]
    command = [sys.executable, "-m", "uvicorn", "--app-dir", str(app_dir), "--factory"]
    command += ["prefect.server.api.server:create_app", "--fd", str(listener.fileno())]
    command += ["--log-level", "error", "--lifespan", "on"]
    home = prefect_home()
    state = prefect_keeper.state_dir(home)
    state.mkdir(parents=True, exist_ok=True)
    prefect_keeper.register(home)
    keeper = [sys.executable, "-m", "palimpsest.cli.prefect_keeper", str(state), repr(idle), _prefect_version(), url]
    environment = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1"}
    environment["PREFECT__SERVER_FINAL"] = "1"
    # A server that outlives this command must not hold its output open: a caller reading that output to its end
    # would wait for the server too.
    log = (state / "server.log").open("wb") if idle > 0 else None
    with listener:
        API.server = subprocess.Popen(
            [*keeper, *command],
            env=environment,
            pass_fds=(listener.fileno(),),
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
    if log is not None:
        log.close()
    API.idle = idle
    atexit.register(stop_server)
    return url


def stop_server(*, kept: bool = True) -> None:
    """Let go of the temporary server this process started, if it did: left to its keeper when it is kept after
    this process (``idle`` above 0 and ``kept``), else stopped now (its keeper stops it as Prefect does: SIGTERM,
    then SIGKILL after 5 s)."""
    server, API.server = API.server, None
    if server is None:
        return
    if kept and API.idle > 0 and server.poll() is None:
        prefect_keeper.unregister(prefect_home())
        return
    if server.poll() not in {None, 0, -signal.SIGTERM}:  # it never answered: the command failed to reach it
        log = prefect_keeper.state_dir(prefect_home()) / "server.log" if API.idle > 0 else "-v shows it"
        sys.stderr.write(f"Prefect's temporary server exited with code {server.returncode}; its log: {log}\n")
        return
    prefect_keeper.terminate(server, grace=10)  # the keeper's own 5 s for the server, and its exit
