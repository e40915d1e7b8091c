"""Prefect in a command-line process: its own settings set before it is imported, and its temporary API server
kept out of reach of the terminal's Ctrl-C.

With no ``PREFECT_API_URL``, the first flow run in a process starts a temporary Prefect server as a child
process. A terminal's Ctrl-C reaches the whole foreground process group, so the server died at the same moment
as the crawl was interrupted, and Prefect then spent minutes retrying to record the run as crashed against a
server that was gone (found 2026-11 with Prefect 3.8.8: ``FlowRunEngine.handle_crash`` →
``set_flow_run_state`` retrying the connection). Started in a session of its own, the server outlives the
interrupt long enough for the crash to be recorded, and Prefect still stops it when the process exits.

A process killed outright (``kill -9``, the out-of-memory killer) runs no exit handler, and a server in its own
session would outlive it for good. So the server is started through :func:`_guard`, which asks Linux to send it
SIGTERM when the process that started it dies (``PR_SET_PDEATHSIG``) and then becomes the server.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from typing import Any


class _DetachedSubprocess:
    """The ``subprocess`` module as the server module sees it, with every child started in a new session."""

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    @staticmethod
    def Popen(*args: Any, **kwargs: Any) -> subprocess.Popen:
        kwargs.setdefault("start_new_session", True)
        if sys.platform == "linux":
            command, args = (kwargs.pop("args"), args) if "args" in kwargs else (args[0], args[1:])
            args = ([sys.executable, "-m", "palimpsest.cli.prefect_runtime", str(os.getpid()), *command], *args)
        return subprocess.Popen(*args, **kwargs)


def prepare_prefect(*, verbose: bool = False) -> None:
    """Ready this process for running flows: Prefect's own settings first, then the temporary server's guard."""
    quiet_prefect(verbose=verbose)
    detach_temporary_server()


def quiet_prefect(*, verbose: bool = False) -> None:
    """Prefect's defaults for a command-line process, set before it is imported: no telemetry (this may run
    offline), a patient temporary server, and warnings only unless ``-v``. A variable the user set is kept."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # Prefect's temporary server gives up after 20 s by default; on a busy 2-core machine its first start took
    # 13–22 s and more (measured 2026-11), which failed the whole command before it began.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        # A failed flow run is reported by the command in one line; Prefect's console would print its traceback
        # too (60-240 lines, measured 2026-12). The run's own log, kept by the API handler, keeps it whole.
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")


def detach_temporary_server() -> None:
    """When flows will run against a temporary server, start it in its own session (see the module's note)."""
    if os.environ.get("PREFECT_API_URL"):
        return
    from prefect.server.api import server  # noqa: PLC0415 - lazy: Prefect, 1.5 s; only when flows will run

    if not isinstance(server.subprocess, _DetachedSubprocess):
        server.subprocess = _DetachedSubprocess()  # type: ignore[assignment]


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _guard(argv: list[str]) -> None:
    """``python -m palimpsest.cli.prefect_runtime PARENT_PID COMMAND…``: run COMMAND in this process, to be sent
    SIGTERM when PARENT_PID dies. The signal is asked for before the check, so a parent dying in between is seen."""
    parent, command = int(argv[0]), argv[1:]
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:
        raise SystemExit(0)
    os.execv(command[0], command)  # noqa: S606 - the server command Prefect built, exactly as given


if __name__ == "__main__":
    _guard(sys.argv[1:])
