"""Prefect's temporary API server, kept out of reach of the terminal's Ctrl-C.

With no ``PREFECT_API_URL``, the first flow run in a process starts a temporary Prefect server as a child
process. A terminal's Ctrl-C reaches the whole foreground process group, so the server died at the same moment
as the crawl was interrupted, and Prefect then spent minutes retrying to record the run as crashed against a
server that was gone (found 2026-11 with Prefect 3.8.8: ``FlowRunEngine.handle_crash`` →
``set_flow_run_state`` retrying the connection). Started in a session of its own, the server outlives the
interrupt long enough for the crash to be recorded, and Prefect still stops it when the process exits.
"""

from __future__ import annotations

import os
import subprocess
from typing import Any


class _DetachedSubprocess:
    """The ``subprocess`` module as the server module sees it, with every child started in a new session."""

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    @staticmethod
    def Popen(*args: Any, **kwargs: Any) -> subprocess.Popen:
        kwargs.setdefault("start_new_session", True)
        return subprocess.Popen(*args, **kwargs)


def detach_temporary_server() -> None:
    """When flows will run against a temporary server, start it in its own session (see the module's note)."""
    if os.environ.get("PREFECT_API_URL"):
        return
    from prefect.server.api import server  # noqa: PLC0415 - heavy; only when a temporary server will be started

    if not isinstance(server.subprocess, _DetachedSubprocess):
        server.subprocess = _DetachedSubprocess()  # type: ignore[assignment]
