"""The warm runner: one process that has imported what a flow needs, forking a child for each command handed to it.

See ``warm`` for why it exists and which commands it takes. It is started in the background by the first command
that could not use one, in that command's directory and environment:

    python -P -m palimpsest.cli.warm_runner STATE_DIR SIGNATURE IDLE_SECONDS

It loads what a command's flow run would (``warm_child.warm_up``), then listens on its socket, which only this
user may open. For each command it

1. reads the command's arguments, directory, environment and the file descriptors of its terminal;
2. answers ``{"ready": true}`` unless a file it imported has changed since (then it answers ``{"refused": …}``,
   stops listening and ends once its children have: the command runs on its own and starts a fresh runner);
3. on ``go``, forks a child that becomes the command (``warm_child.become``), and answers ``{"pid": …}``;
4. when the child ends, answers ``{"exit": code}`` (``128 + N`` for a child killed by signal N). A client that goes
   away first (killed) has its child sent SIGTERM, as a command killed by its terminal would be.

It holds a lock (``warm-SIGNATURE.lock``) for as long as it serves, so that two commands starting a runner at once
start one. It runs in a session of its own, stops after ``IDLE_SECONDS`` with neither a command nor a child, and
on SIGTERM stops taking commands. Each command it ran is a line in ``warm.log``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import selectors
import signal
import socket
import struct
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from palimpsest.cli import warm, warm_child

#: How often the runner looks at its clock when nothing happens (seconds).
TICK = 1.0
#: How long a client has to send its command once connected (seconds): meanwhile the runner serves nobody else.
REQUEST_TIMEOUT = 2.0
#: The signals held while a child is forked (see ``Runner._go``).
HELD_AT_FORK = {signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP, signal.SIGINT}


@dataclass
class Request:
    """One command handed to the runner, as the client sent it (see ``warm._offer``)."""

    fields: dict
    descriptors: list[int]
    connection: socket.socket


@dataclass
class Runner:
    state: Path
    signature: str
    idle: float
    listener: socket.socket | None = None
    path: Path = Path()  # the socket's
    bound: int = 0  # the inode of the socket's path, once bound
    lock: int | None = None
    #: What each imported file was when imported: (modification time, size), or None for a missing one.
    imported: dict[str, tuple[int, int] | None] = field(default_factory=dict)
    selector: selectors.BaseSelector = field(default_factory=selectors.DefaultSelector)
    waiting: dict[socket.socket, Request] = field(default_factory=dict)  # ready, not yet told to go
    running: dict[int, socket.socket | None] = field(default_factory=dict)  # child pid → its client, while there
    stopping: bool = False

    def serve(self) -> Request | None:
        """Take commands until idle or told to stop: returns None in this process, and each command's request in
        the child forked for it."""
        wake_read, wake_write = os.pipe()
        os.set_blocking(wake_write, False)
        signal.set_wakeup_fd(wake_write)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGTERM, lambda *_: self._close())
        signal.signal(signal.SIGHUP, signal.SIG_IGN)  # it has no terminal; a stray hang-up must not end its commands
        selector = self.selector
        selector.register(wake_read, selectors.EVENT_READ)
        selector.register(self.listener, selectors.EVENT_READ)  # type: ignore[arg-type]
        last_used = time.monotonic()
        while not (self.stopping and not self.running and not self.waiting):
            for key, _ in selector.select(TICK):
                if key.fileobj == wake_read:
                    os.read(wake_read, 512)
                elif key.fileobj is self.listener:
                    self._accept()
                elif (request := self.waiting.pop(key.fileobj, None)) is not None:  # type: ignore[call-overload]
                    selector.unregister(key.fileobj)
                    if self._go(request):
                        for descriptor in (wake_read, wake_write):
                            os.close(descriptor)
                        selector.close()
                        return request
                else:
                    self._client_left(key.fileobj)  # type: ignore[arg-type]
            if self._reap():
                last_used = time.monotonic()
            if self.running or self.waiting:
                last_used = time.monotonic()
            elif time.monotonic() - last_used >= self.idle or not self._socket_is_ours():
                self._close()
        return None

    def _accept(self) -> None:
        try:
            connection, _ = self.listener.accept()  # type: ignore[union-attr]
        except OSError:
            return
        try:
            connection.settimeout(REQUEST_TIMEOUT)
            if warm.peer_user(connection) != os.getuid():
                raise PermissionError("another user's command")  # the socket's mode already keeps them out
            request = _receive(connection)
        except (OSError, ValueError):
            connection.close()
            return
        stale = None if self.stopping else self._changed()
        refusal = "stopping" if self.stopping else f"{stale} changed" if stale else None
        try:
            _answer(connection, {"refused": refusal} if refusal else {"ready": True})
        except OSError:
            refusal = refusal or "gone"
        if refusal:
            _close_all(request.descriptors, connection)
            if stale:
                _log(f"{stale} changed since it was imported: stopping")
                self._close()  # a stale runner takes no more commands; its children still report
            return
        self.waiting[connection] = request
        self.selector.register(connection, selectors.EVENT_READ)

    def _go(self, request: Request) -> bool:
        """Fork the command's child once its client says go: True in the child."""
        connection = request.connection
        try:
            said = connection.recv(16)
        except OSError:
            said = b""
        if said.strip() != b"go":
            _close_all(request.descriptors, connection)
            return False
        for stream in (sys.stdout, sys.stderr):  # nothing of this process's is written twice
            stream.flush()
        # Until the child has its own group and handlers, a signal would reach the runner's handlers in it (one
        # removes the runner's socket) or miss the group the client sends it to.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_AT_FORK)
        pid = os.fork()
        if pid == 0:
            self._drop_for_child(request)
            os.setpgid(0, 0)  # the client passes signals to this group, as a terminal to a command's
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            return True
        with contextlib.suppress(OSError):  # the child's group exists before its pid is told (it may have ended)
            os.setpgid(pid, pid)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        _close_all(request.descriptors)
        self.running[pid] = connection
        self.selector.register(connection, selectors.EVENT_READ)  # readable again only when the client is gone
        try:
            _answer(connection, {"pid": pid})
        except OSError:
            self._client_left(connection)
        _log(f"pid {pid}: {' '.join(request.fields.get('args', [])[:8])}")
        return False

    def _client_left(self, connection: socket.socket) -> None:
        """A running command's client closed its end (it was killed): so is the command."""
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(connection)
        for pid, client in list(self.running.items()):
            if client is connection:
                self.running[pid] = None
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGTERM)
        connection.close()

    def _reap(self) -> bool:
        """Tell each ended child's client how it ended; True if one had."""
        ended = False
        while self.running:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            ended = True
            code = os.waitstatus_to_exitcode(status)
            told = {"exit": 128 - code, "signal": -code} if code < 0 else {"exit": code}
            _log(f"pid {pid}: exit {told['exit']}")
            connection = self.running.pop(pid, None)
            if connection is not None:
                with contextlib.suppress(OSError):
                    _answer(connection, told)
                with contextlib.suppress(KeyError, ValueError):
                    self.selector.unregister(connection)
                connection.close()
        return ended

    def _changed(self) -> str | None:
        """An imported file that is no longer what was imported, if any."""
        for path, was in self.imported.items():
            if warm_child.file_state(path) != was:
                return path
        return None

    def _socket_is_ours(self) -> bool:
        """Whether the socket's path is still the socket this runner bound (not removed, nor another's)."""
        try:
            return self.listener is not None and self.path.stat().st_ino == self.bound
        except OSError:
            return False

    def _close(self) -> None:
        """Take no more commands: the socket is removed and the lock let go at once, so that a new runner can
        start while this one waits for its children."""
        if self.stopping:
            return
        self.stopping = True
        if self._socket_is_ours():
            self.path.unlink(missing_ok=True)
        if self.listener is not None:
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(self.listener)
            self.listener.close()
            self.listener = None
        if self.lock is not None:
            os.close(self.lock)
            self.lock = None

    def _drop_for_child(self, request: Request) -> None:
        """In a forked child: nothing of the runner's stays open or installed."""
        signal.set_wakeup_fd(-1)
        for number in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        others = [client for client in self.running.values() if client is not None]
        terminals = [descriptor for waiting in self.waiting.values() for descriptor in waiting.descriptors]
        _close_all(terminals, *others, *self.waiting, request.connection, self.listener)  # type: ignore[arg-type]
        if self.lock is not None:
            os.close(self.lock)
        self.running, self.waiting, self.listener, self.lock = {}, {}, None, None


def _receive(connection: socket.socket) -> Request:
    header, descriptors, _flags, _address = socket.recv_fds(connection, 4, 3)
    try:
        if len(header) != 4 or len(descriptors) != 3:
            raise ValueError("not a command")
        size = struct.unpack("!I", header)[0]
        payload = b""
        while len(payload) < size:
            chunk = connection.recv(min(size - len(payload), 1 << 16))
            if not chunk:
                raise ValueError("a command cut short")
            payload += chunk
        fields = json.loads(payload)
        if not isinstance(fields, dict) or not isinstance(fields.get("args"), list):
            raise ValueError("not a command")
    except (OSError, ValueError):
        _close_all(descriptors)
        raise
    return Request(fields, descriptors, connection)


def _answer(connection: socket.socket, message: dict) -> None:
    connection.sendall(json.dumps(message).encode() + b"\n")


def _close_all(descriptors: list[int], *sockets: socket.socket | None) -> None:
    for descriptor in descriptors:
        with contextlib.suppress(OSError):
            os.close(descriptor)
    for each in sockets:
        if each is not None:
            each.close()


def _log(line: str) -> None:
    sys.stderr.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} warm runner {os.getpid()}: {line}\n")
    sys.stderr.flush()


def _take_lock(state: Path, signature: str) -> int | None:
    descriptor = os.open(state / f"warm-{signature}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(descriptor)
        return None
    return descriptor


def _listen(path: Path) -> socket.socket:
    path.unlink(missing_ok=True)  # a runner that died left it; the lock says none serves it now
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)  # this user's only, from the start
    try:
        listener.bind(os.fspath(path))
    finally:
        os.umask(old)
    listener.listen(16)
    return listener


def main(argv: list[str]) -> int:
    state, signature, idle = Path(argv[0]), argv[1], float(argv[2])
    if warm.signature(dict(os.environ), Path.cwd()) != signature:
        _log("started for other settings than its environment's; not serving")
        return 2
    state.mkdir(parents=True, exist_ok=True)
    runner = Runner(state, signature, idle, path=warm.socket_path(state, signature), lock=_take_lock(state, signature))
    if runner.lock is None:
        return 0  # another runner serves these commands, or is starting to
    started = time.monotonic()
    runner.imported = warm_child.warm_up()
    os.chdir("/")  # a runner must not keep the folder it was started in busy (an unmountable disk, a removed one)
    runner.listener = _listen(runner.path)
    runner.bound = runner.path.stat().st_ino
    _log(f"serving {runner.path} after {time.monotonic() - started:.1f} s of imports")
    request = runner.serve()
    if request is None:
        _log("stopped")
        return 0
    return warm_child.become(request.fields, request.descriptors)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
