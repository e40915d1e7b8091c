"""Prefect server processes as the tests and benchmarks see them: a ``prefect server start`` on loopback, and the
processes (a temporary server, its keeper, a command) still running for one ``PREFECT_HOME``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def processes_with_home(prefect_home: Path | str, running: str = "") -> list[int]:
    """Processes still running with this PREFECT_HOME in their environment (and ``running`` in their command)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            environ, command = (proc / "environ").read_bytes(), (proc / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if f"PREFECT_HOME={prefect_home}".encode() in environ.split(b"\0") and running.encode() in command:
            found.append(int(proc.name))
    return found


def start_prefect_server(env: dict[str, str], port: int, *, wait: float) -> subprocess.Popen:
    """``prefect server start`` on loopback at ``port``, in a process group of its own, once it answers; a server
    that exits first, or does not answer within ``wait`` seconds, is a RuntimeError (its group is stopped)."""
    prefect = Path(sys.executable).with_name("prefect")
    server = subprocess.Popen(
        [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2).close()
            return server
        except OSError:
            if server.poll() is not None:
                raise RuntimeError(f"prefect server start exited with code {server.returncode}") from None
            time.sleep(0.25)
    os.killpg(server.pid, signal.SIGTERM)
    raise RuntimeError(f"prefect server start did not answer on port {port} within {wait:.0f} s")
