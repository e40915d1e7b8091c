"""Where an endpoint's pace is kept: in this process only, or in a small file that every process on the host shares.

The limiter (``fetchers/limiter.py``) decides; this module only keeps its state and serialises access to it.
``LocalPace`` holds the state in memory behind a thread lock. ``PaceFile`` holds it in a JSON file of a few
hundred bytes, read and written under ``fcntl.flock`` (and a thread lock, since threads of one process share the
file's lock), so that every process opening the same file shares one pace: the last release, the block a
429 imposed, the extra spacing still in force, the streak of 429s. Times in the file are wall-clock seconds
(``time.time``): monotonic clocks of different processes do not share an origin.

A flock belongs to an open file description, which a forked child inherits: a child that used its parent's
descriptor would hold its parent's lock. So the file is reopened whenever the process id changes.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass
class PaceState:
    """What the limiter remembers about an endpoint, in the limiter's clock seconds."""

    last_release: float | None = None
    #: Nothing is released before this (a 429's pause or cool-down).
    blocked_until: float | None = None
    #: Seconds added to the spacing by 429s, as of ``excess_at``; it decays from then on.
    excess: float = 0.0
    excess_at: float = 0.0
    #: The first 429 since the last success, and how many short pauses followed it.
    streak_since: float | None = None
    streak_pauses: int = 0
    #: Long cool-downs since the last success.
    cooldowns: int = 0
    #: When the last 429 that changed the pace arrived: a 429 for a request sent before then repeats it.
    penalised_at: float | None = None


class LocalPace:
    """The state in memory: shared by the threads of this process only."""

    path: Path | None = None

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = PaceState()

    @contextmanager
    def transaction(self) -> Iterator[PaceState]:
        with self._lock:
            yield self._state

    def close(self) -> None:
        """Nothing to close: the state lives and dies with the limiter."""


class PaceFile:
    """The state in a file under ``flock``: shared by every process that opens the same path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._pid = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._open()

    def _open(self) -> int:
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            self._pid = os.getpid()
        return self._fd

    @contextmanager
    def transaction(self) -> Iterator[PaceState]:
        with self._lock:
            fd = self._open()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                before = _read(fd, self.path)
                state = replace(before)
                yield state
                if state != before:
                    data = json.dumps(asdict(state), separators=(",", ":")).encode()
                    os.pwrite(fd, data, 0)
                    os.ftruncate(fd, len(data))
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._lock:
            if self._fd is not None and self._pid == os.getpid():
                os.close(self._fd)
            self._fd = None


def _read(fd: int, path: Path) -> PaceState:
    raw = os.pread(fd, 1 << 16, 0)
    if not raw:
        return PaceState()
    try:
        values = json.loads(raw)
        known = {f.name for f in fields(PaceState)}
        return PaceState(**{k: v for k, v in values.items() if k in known})
    except (ValueError, TypeError, AttributeError):
        # Written whole under the lock, so only a crash mid-write (or a hand edit) leaves it unreadable; the
        # limiter then starts afresh, which costs at most one interval's early release.
        log.warning("%s: unreadable pace file; starting afresh", path)
        return PaceState()


def pace_file_name(endpoint: str) -> str:
    """A file name for ``endpoint`` (``cdx https://web.archive.org/cdx/search/cdx``): readable, and unique."""
    readable = re.sub(r"[^A-Za-z0-9.-]+", "-", endpoint.replace("://", "-"))[:60].strip("-")
    digest = hashlib.sha256(endpoint.encode()).hexdigest()[:12]
    return f"{readable}-{digest}.json"


def open_pace(directory: Path | None, endpoint: str) -> LocalPace | PaceFile:
    """The shared pace file for ``endpoint`` in ``directory``, or a pace of this process's own without one.

    A directory that cannot be written (a read-only disk, a file in the way) costs the sharing, not the crawl.
    """
    if directory is None:
        return LocalPace()
    path = directory / pace_file_name(endpoint)
    try:
        return PaceFile(path)
    except OSError as err:
        log.warning("%s: cannot share the pace with other processes (%s); pacing this process alone", path, err)
        return LocalPace()
