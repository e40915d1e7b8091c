"""A real local Wayback: pywb from ``.venv-pywb``, over our WARCs, on a free loopback port.

pywb pins ``redis==2.10.6``, which breaks Prefect, so it lives in a venv of its own and we drive its
command-line tools (``wb-manager``, ``wayback``) as subprocesses. Used by ``palimpsest serve-demo``, the demo
job, the tests and the benchmarks.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from palimpsest.errors import PalimpsestError

ROOT = Path(__file__).resolve().parent.parent
#: Where the demo keeps its archive, warehouse and report: the checkout's demo/ folder.
DEMO_DIR = ROOT / "demo"
COLLECTION = "demo"


class ArchiveStartError(PalimpsestError):
    """pywb could not be set up or did not start answering in time."""


def pywb_bin(name: str) -> Path:
    """Path of a pywb tool: ``$PALIMPSEST_PYWB_VENV`` or ``<repo>/.venv-pywb``."""
    venv = Path(os.environ.get("PALIMPSEST_PYWB_VENV", ROOT / ".venv-pywb"))
    path = venv / "bin" / name
    if not path.exists():
        raise ArchiveStartError(f"{path} not found: run `make setup` to build the pywb environment")
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalWayback:
    """``with LocalWayback([warc, …]) as wb:`` → ``wb.cdx_url`` and ``wb.replay_url`` answer until exit."""

    def __init__(
        self,
        warcs: list[Path],
        *,
        port: int | None = None,
        workdir: Path | None = None,
        collection: str = COLLECTION,
        startup_timeout: float = 60.0,
    ) -> None:
        self.warcs = [Path(w).resolve() for w in warcs]
        self.port = port or free_port()
        self.collection = collection
        self.startup_timeout = startup_timeout
        self._own_dir = workdir is None
        self.workdir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="palimpsest-pywb-"))
        self.process: subprocess.Popen | None = None
        self.log_path = self.workdir / "wayback.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{self.collection}"

    @property
    def cdx_url(self) -> str:
        return f"{self.base_url}/cdx"

    @property
    def replay_url(self) -> str:
        return f"{self.base_url}/"

    def start(self) -> LocalWayback:
        self._init_collection()
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(pywb_bin("wayback")), "-p", str(self.port), "-b", "127.0.0.1"],
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        self._wait_until_answering()
        return self

    def _init_collection(self) -> None:
        if not (self.workdir / "collections" / self.collection).exists():
            self._run("wb-manager", "init", self.collection)
        if self.warcs:
            self._run("wb-manager", "add", self.collection, *map(str, self.warcs))

    def _run(self, tool: str, *args: str) -> None:
        result = subprocess.run(
            [str(pywb_bin(tool)), *args],
            cwd=self.workdir,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        if result.returncode != 0:
            raise ArchiveStartError(f"{tool} {' '.join(args)} failed: {result.stderr.strip()[-500:]}")

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        probe = f"{self.cdx_url}?url=example.invalid/&limit=1"
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise ArchiveStartError(f"pywb exited with {self.process.returncode}; see {self.log_path}")
            try:
                if requests.get(probe, timeout=2).status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise ArchiveStartError(f"pywb did not answer on port {self.port} within {self.startup_timeout:.0f} s")

    def stop(self) -> None:
        """Stop pywb (SIGTERM to its process group, SIGKILL if it lingers) and remove our temp directory."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> LocalWayback:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> int:  # pragma: no cover - manual helper: python -m demo.archive WARC…
    with LocalWayback([Path(p) for p in sys.argv[1:]]) as wayback:
        print(f"CDX {wayback.cdx_url}\nreplay {wayback.replay_url}\nCtrl-C to stop")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0
