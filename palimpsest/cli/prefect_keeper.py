"""The temporary Prefect server's keeper: it runs the server and stops it once no command has used it for a while.

A command with no Prefect API configured starts Prefect's server itself, which costs it 4 s on an idle machine
and 7–10 s on a busy one (2 cores, measured 2026-12), while the crawl's own work takes about 1 s. So the server
outlives the command that started it: it is left running for ``PALIMPSEST_PREFECT_IDLE`` seconds (300 unless
set; ``0`` stops it with its command), and the next command of the same ``PREFECT_HOME`` uses it.

Everything lives in ``$PREFECT_HOME/palimpsest-server/``:

* ``server.json``: the server's API URL, its Prefect version and the keeper's process id, written once the keeper
  runs the server. A command reads it to find the server, and finds nothing while it is absent;
* ``users/<pid>``: one empty file per command using the server, written *before* that command reads
  ``server.json`` and removed at its exit. The keeper counts the server as in use while the process of any of these
  files runs (a command killed with ``kill -9`` stops counting at once);
* ``server.log``: the keeper's and the server's output while they outlive their command (they must not hold the
  command's own output open: a caller reading the command's output to its end would wait for them too).

The keeper stops the server after ``idle`` seconds with no user: it removes ``server.json`` first, then looks at the
users once more, so a command that registered in between either is seen (and the keeper goes on) or read no
``server.json`` (and started a server of its own). It runs in a session of its own, so a terminal's Ctrl-C or
hang-up never reaches it; SIGTERM stops it and its server.

    python -m palimpsest.cli.prefect_keeper STATE_DIR IDLE_SECONDS PREFECT_VERSION URL SERVER_COMMAND…
"""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from palimpsest.processes import alive

#: How often the keeper looks at its server and its users (seconds).
POLL = 0.25
#: How long a stopping keeper waits before it looks at the users a last time (seconds): longer than a command
#: takes between writing its user file and reading server.json.
SETTLE = 0.5


def state_dir(prefect_home: Path) -> Path:
    return prefect_home / "palimpsest-server"


def register(prefect_home: Path) -> None:
    """Count this process as a user of the kept server of ``prefect_home`` (if there is one, or will be), until it
    exits or :func:`unregister` is called. Registering again changes nothing."""
    if prefect_home in _REGISTERED:
        return
    users = state_dir(prefect_home) / "users"
    users.mkdir(parents=True, exist_ok=True)
    (users / str(os.getpid())).touch()
    _REGISTERED.add(prefect_home)
    atexit.register(unregister, prefect_home)


def unregister(prefect_home: Path) -> None:
    _REGISTERED.discard(prefect_home)
    (state_dir(prefect_home) / "users" / str(os.getpid())).unlink(missing_ok=True)


#: The homes this process is registered with (see :func:`register`).
_REGISTERED: set[Path] = set()


def kept_server(prefect_home: Path, prefect_version: str) -> str | None:
    """The API URL of the server kept for ``prefect_home`` that runs ``prefect_version``, if its keeper runs."""
    try:
        found = json.loads((state_dir(prefect_home) / "server.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(found, dict) or found.get("prefect") != prefect_version:
        return None
    keeper = found.get("keeper")
    return str(found["url"]) if isinstance(keeper, int) and alive(keeper) and found.get("url") else None


class Keeper:
    """The keeper process: runs the server command and watches its users."""

    def __init__(self, state: Path, idle: float, record: dict[str, object]) -> None:
        self.state, self.idle, self.record = state, idle, record
        self.users = state / "users"
        self.server: subprocess.Popen | None = None

    def run(self, command: list[str]) -> int:
        signal.signal(signal.SIGTERM, lambda *_: self._stop(0))
        # The server inherits the socket it serves (uvicorn --fd) and this process's output; it is sent SIGTERM
        # should this process die without stopping it.
        detach = {"stdin": subprocess.DEVNULL, "close_fds": False}
        self.server = subprocess.Popen(command, **detach, preexec_fn=_die_with_parent)  # noqa: PLW1509 - no threads here
        if self.idle > 0:
            self._publish()
        last_used = time.monotonic()
        while (code := self.server.poll()) is None:
            if self._in_use():
                last_used = time.monotonic()
            elif time.monotonic() - last_used >= self.idle and self._quiet():
                self._stop(0)
            time.sleep(POLL)
        self._withdraw()
        return code

    def _in_use(self) -> bool:
        """Whether a user's process still runs; the files of those that ended are removed."""
        used = False
        for user in self.users.glob("*") if self.users.is_dir() else ():
            if user.name.isdigit() and alive(int(user.name)):
                used = True
            else:
                user.unlink(missing_ok=True)
        return used

    def _quiet(self) -> bool:
        """Withdraw the server from new users, then check that none came meanwhile; if one did, offer it again."""
        if self.idle <= 0:
            return True
        self._withdraw()
        time.sleep(SETTLE)
        if self._in_use():
            self._publish()
            return False
        return True

    def _publish(self) -> None:
        temporary = self.state / f"server.json.{os.getpid()}"
        temporary.write_text(json.dumps({**self.record, "keeper": os.getpid()}), encoding="utf-8")
        temporary.replace(self.state / "server.json")

    def _withdraw(self) -> None:
        try:
            published = json.loads((self.state / "server.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(published, dict) and published.get("keeper") == os.getpid():
            (self.state / "server.json").unlink(missing_ok=True)

    def _stop(self, code: int) -> None:
        """Stop the server as Prefect stops its own (SIGTERM, SIGKILL after 5 s), then exit."""
        self._withdraw()
        if self.server is not None:
            terminate(self.server, grace=5)
        raise SystemExit(code)


def terminate(process: subprocess.Popen, *, grace: float) -> None:
    """SIGTERM, then SIGKILL if ``process`` still runs ``grace`` seconds later; waits for it to end."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _die_with_parent() -> None:
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def main(argv: list[str]) -> int:
    state, idle, version, url, command = Path(argv[0]), float(argv[1]), argv[2], argv[3], argv[4:]
    state.mkdir(parents=True, exist_ok=True)
    return Keeper(state, idle, {"url": url, "prefect": version}).run(command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
