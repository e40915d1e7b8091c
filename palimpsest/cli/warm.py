"""The console script's entry, and the client of the warm runner (``warm_runner``).

A command that runs a flow spent most of its time before its flow began: a crawl of a demo site with 3 fetches took
5.0 s with the temporary Prefect server already running, against 2.1 s as plain calls, and 2.4 s of the difference
was importing Prefect, the flows, trafilatura and py3langid's model, in every command (2 cores, 2026-12). So the
first such command leaves a *warm runner* behind: a process that has imported all of it once and forks a child for
each later command. The child takes the command's arguments, directory, environment and terminal (its standard
input, output and error are handed over the runner's socket), runs ``palimpsest``'s ``main`` as the command would,
and its flow run is recorded in Prefect as any other. This process waits for it, passes on the signals it gets
(Ctrl-C, a closed terminal, ``kill``) and exits with its exit code.

A runner serves only the commands it was warmed for: its socket is named after a signature of the Python running
it, the installed ``palimpsest`` and everything Prefect reads once, at import (``PREFECT_*`` variables, and in the
current directory ``.env``, ``prefect.toml`` and ``pyproject.toml``'s ``[tool.prefect]``). It stops after
``PALIMPSEST_PREFECT_IDLE`` seconds without a command (as the kept server does), and as soon as a file it imported
has changed. ``PALIMPSEST_PREFECT_IDLE=0`` runs every command on its own, and so does ``PALIMPSEST_WARM=0``. Linux
only: each side checks the other's user with ``SO_PEERCRED``. What a child does not take from its command: the
command's priority (``nice``), resource limits and controlling terminal (it gets the terminal's descriptors, not
its job control: Ctrl-C and Ctrl-Z reach it through this process).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import stat
import struct
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import palimpsest
from palimpsest.cli import prefect_keeper
from palimpsest.cli.prefect_runtime import prefect_home
from palimpsest.errors import BadInput
from palimpsest.processes import alive
from palimpsest.settings import Settings

#: The commands that run a flow: the others start in well under a second on their own.
COMMANDS = frozenset({"crawl", "discover", "crawl-sites", "refresh"})
#: The global options that take a value (``tests/test_warm.py`` checks them against the program's).
VALUE_OPTIONS = frozenset({
    "--db", "--cdx-url", "--replay-url", "--cdx-rate", "--replay-rate", "--warc-dir", "--lake-data",
    "--lock-timeout", "--pace-dir", "--shared-limit", "--prefect-idle",
})  # fmt: skip
#: Arguments that make a command print and exit, or change what Prefect logs: run on its own.
OWN_PROCESS = frozenset({"-h", "--help", "--version", "-v", "--verbose"})
#: The signals passed on to the child; the terminal sends them to this process only.
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
#: How long a runner has to say whether it takes the command, and which child runs it (seconds); one that does
#: not is given up (if it had not forked yet, the command runs here).
HANDSHAKE_TIMEOUT = 10.0
#: How long a command whose runner died waits for its child to end after SIGTERM (seconds).
LOST_CHILD_GRACE = 10.0
#: A Unix socket's path is at most 107 bytes on Linux.
MAX_SOCKET_PATH = 100


@dataclass(frozen=True)
class Plan:
    """Where the runner for a command is (or would be), and how long it waits for the next one."""

    state: Path
    signature: str
    idle: float
    socket: Path


def entry() -> None:
    """The ``palimpsest`` console script: a command that runs a flow goes to a warm runner if one is ready, else
    runs here and leaves one for the next command."""
    args, environment = sys.argv[1:], dict(os.environ)
    plan = plan_for(args, environment)
    if plan is not None:
        try:
            code = run_warm(plan, args)
        except KeyboardInterrupt:  # during the handshake, before any work began
            sys.stderr.write("interrupted\n")
            sys.exit(130)
        if code is not None:
            sys.exit(code)
    from palimpsest.cli.program import main  # noqa: PLC0415 - lazy: typer, DuckDB and every command, 0.4 s

    code = main(args)
    if plan is not None and code != 2:  # 2: refused on its arguments, before Prefect was reached
        start_runner(plan, environment)
    sys.exit(code)


def plan_for(args: list[str], env: dict[str, str]) -> Plan | None:
    """The runner that may take this command, or None if it runs in this process."""
    if sys.platform != "linux" or env.get("PALIMPSEST_WARM") == "0":
        return None
    command, idle_option = _command(args)
    if command not in COMMANDS:
        return None
    try:
        idle = Settings.from_env(env).with_options(prefect_idle=idle_option).prefect_idle
    except BadInput:
        return None  # the command itself says what is wrong
    if idle <= 0:
        return None
    try:
        state = prefect_keeper.state_dir(prefect_home(env))
        key = signature(env, Path.cwd())
        return Plan(state, key, idle, socket_path(state, key))
    except OSError:  # a current directory that is gone, a socket folder that is not ours: run here
        return None


def _command(args: list[str]) -> tuple[str | None, str | None]:
    """The command named in ``args`` and the ``--prefect-idle`` given before it; no command if an argument makes
    it run on its own (``OWN_PROCESS``)."""
    command, idle_option = None, None
    words = iter(args)
    for word in words:
        if word in OWN_PROCESS:
            return None, None
        if command is not None:
            continue
        name = word.split("=", 1)[0]
        if name in VALUE_OPTIONS:
            value = word.split("=", 1)[1] if "=" in word else next(words, None)
            idle_option = value if name == "--prefect-idle" else idle_option
        elif not word.startswith("-"):
            command = word
    return command, idle_option


def signature(env: dict[str, str], directory: Path) -> str:
    """What a runner's imports depend on: the Python, the installed code's place, and Prefect's settings."""
    read_at_import = {
        key: value
        for key, value in env.items()
        if key.startswith(("PREFECT_", "PYTHON", "LC_")) or key in {"HOME", "LANG", "TZ", "DO_NOT_TRACK"}
    }
    facts = [sys.executable, sys.version, palimpsest.__file__, sorted(read_at_import.items())]
    facts.append(_prefect_files(directory))
    return hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:20]


def _prefect_files(directory: Path) -> list[str]:
    """What Prefect reads from the current directory when it loads its settings (Prefect 3.8.8): ``.env``'s
    ``PREFECT_`` lines, ``prefect.toml``, and ``pyproject.toml``'s ``[tool.prefect]``. (Its profiles file is
    watched by the runner instead: it is one file, wherever the command runs.)"""
    found = []
    with contextlib.suppress(OSError, UnicodeDecodeError):
        lines = (directory / ".env").read_text(encoding="utf-8").splitlines()
        found += [line.strip() for line in lines if "PREFECT_" in line.upper()]
    with contextlib.suppress(OSError):
        found.append(hashlib.sha256((directory / "prefect.toml").read_bytes()).hexdigest())
    with contextlib.suppress(OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        project = tomllib.loads((directory / "pyproject.toml").read_text(encoding="utf-8"))
        if (section := project.get("tool", {}).get("prefect")) is not None:
            found.append(json.dumps(section, sort_keys=True, default=str))
    return found


def socket_path(state: Path, signature: str) -> Path:
    """The runner's socket: in the kept server's folder, or a private folder of this user's if that path is too
    long for a Unix socket. Raises PermissionError if that folder is not this user's alone."""
    path = state / f"warm-{signature}.sock"
    if len(os.fsencode(path)) <= MAX_SOCKET_PATH:
        return path
    private = Path("/tmp") / f"palimpsest-{os.getuid()}"  # noqa: S108 - made 0700 and checked to be ours
    with contextlib.suppress(FileExistsError):
        private.mkdir(mode=0o700)
    found = private.lstat()  # not a link's target: a link there is somebody else's
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid() or found.st_mode & 0o077:
        raise PermissionError(f"{private} is not this user's own folder")
    key = hashlib.sha256(os.fsencode(state)).hexdigest()[:12]
    return private / f"warm-{key}-{signature}.sock"


def run_warm(plan: Plan, args: list[str]) -> int | None:
    """Run the command in the plan's runner and return its exit code; None if no runner takes it (then it has
    not started)."""
    if sys.stdin is None or sys.stdout is None or sys.stderr is None:
        return None  # a closed standard stream has no descriptor to hand over
    try:
        connection = _connect(plan.socket)
    except OSError:
        return None
    with connection, connection.makefile("rb") as answers:
        try:
            child = _hand_over(connection, answers, args)
        except ConnectionError:
            return _lost(None)
        if child is None:
            return None
        connection.settimeout(None)  # a command takes as long as it takes
        ended = _read(answers)
    code, killed_by = ended.get("exit"), ended.get("signal")
    if not isinstance(code, int):
        return _lost(child)
    if isinstance(killed_by, int) and killed_by in {int(number) for number in FORWARDED}:
        signal.signal(killed_by, signal.SIG_DFL)  # end as the command did, so that a caller sees the signal
        os.kill(os.getpid(), killed_by)
    return code


def _hand_over(connection: socket.socket, answers: BinaryIO, args: list[str]) -> int | None:
    """Offer the command and, once taken, start it: the child's pid, or None if the runner did not take it.
    Raises ConnectionError if the runner took it and then went silent."""
    signal.pthread_sigmask(signal.SIG_BLOCK, FORWARDED)  # until the child is there to get them
    try:
        if not _offer(connection, answers, args):
            return None
        try:
            connection.sendall(b"go\n")
        except OSError as err:
            raise ConnectionError("the runner went away") from err
        child = _read(answers).get("pid")  # still within HANDSHAKE_TIMEOUT: a stalled runner is given up
        if not isinstance(child, int):
            raise ConnectionError("the runner named no child")
        _forward_signals(child)
        return child
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, FORWARDED)


def _connect(path: Path) -> socket.socket:
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.settimeout(HANDSHAKE_TIMEOUT)
        connection.connect(os.fspath(path))
        if peer_user(connection) != os.getuid():
            raise PermissionError(f"{path} is served by another user")
    except OSError:
        connection.close()
        raise
    return connection


def peer_user(connection: socket.socket) -> int:
    """The user id of the process at the other end of a Unix socket."""
    credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", credentials)[1])


def _offer(connection: socket.socket, answers: BinaryIO, args: list[str]) -> bool:
    """Send the command, its environment and its terminal; True if the runner takes it."""
    streams = [
        (stream.encoding, stream.errors, stream.line_buffering) for stream in (sys.stdin, sys.stdout, sys.stderr)
    ]
    umask = os.umask(0)
    os.umask(umask)
    request = {"argv0": sys.argv[0], "args": args, "cwd": str(Path.cwd()), "env": dict(os.environ), "umask": umask}
    payload = json.dumps({**request, "streams": streams}).encode()
    try:
        socket.send_fds(connection, [struct.pack("!I", len(payload))], [0, 1, 2])
        connection.sendall(payload)
    except OSError:  # the runner went away, or a standard stream's descriptor is closed
        return False
    return _read(answers).get("ready") is True


def _read(answers: BinaryIO) -> dict:
    """The runner's next answer; empty if it sent none (gone, or silent for longer than the socket's timeout)."""
    try:
        line = answers.readline()
        found = json.loads(line) if line else {}
    except (OSError, ValueError):
        found = {}
    return found if isinstance(found, dict) else {}


def _lost(child: int | None) -> int:
    """The runner stopped answering: its child (if it has one) is stopped too, for nothing would pass it a signal
    or say how it ended."""
    if child is not None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child, signal.SIGTERM)
        deadline = time.monotonic() + LOST_CHILD_GRACE
        while time.monotonic() < deadline and alive(child, group=True):
            time.sleep(0.1)
    sys.stderr.write(
        "error: the warm runner running this command stopped before it said how the command ended; "
        "run it again with PALIMPSEST_WARM=0 to run it on its own\n"
    )
    return 1


def _forward_signals(child: int) -> None:
    """Pass this process's signals on to the child's process group, as a terminal would to a command's. The
    terminal sends them to this process's group only: the child's is not its foreground group."""

    def forward(number: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child, number)

    def suspend(_number: int, _frame: object) -> None:  # Ctrl-Z: the child stops, then this process
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child, signal.SIGTSTP)
        os.kill(os.getpid(), signal.SIGSTOP)

    def resume(_number: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child, signal.SIGCONT)

    for number in FORWARDED:
        signal.signal(number, forward)
    signal.signal(signal.SIGTSTP, suspend)
    signal.signal(signal.SIGCONT, resume)


def start_runner(plan: Plan, environment: dict[str, str]) -> None:
    """Start a runner for the plan's commands in the background. It imports for a few seconds, then serves;
    commands in the meantime run on their own. One that finds another runner of the plan's holding its lock
    (serving, or starting) ends at once."""
    plan.state.mkdir(parents=True, exist_ok=True)
    with (plan.state / "warm.log").open("ab") as log:
        subprocess.Popen(
            [
                sys.executable,
                "-P",
                "-m",
                "palimpsest.cli.warm_runner",
                str(plan.state),
                plan.signature,
                repr(plan.idle),
            ],
            env=environment,
            start_new_session=True,  # a terminal's Ctrl-C or hang-up never reaches it
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
