"""Crawl progress for whoever listens in this process (the CLI's progress bars), with or without Prefect.

A flow called in-process runs the crawl in the caller's process, so a plain listener list is enough: the crawl
publishes its running report after every stored batch, and each listener reads what it needs from it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_listeners: list[Callable[[object], None]] = []
_lock = threading.Lock()


@contextmanager
def listening(callback: Callable[[object], None]) -> Iterator[None]:
    """Call ``callback(report)`` after every stored batch of every crawl in this process, inside the block."""
    with _lock:
        _listeners.append(callback)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(callback)


def publish(report: object) -> None:
    with _lock:
        listeners = list(_listeners)
    for callback in listeners:
        callback(report)
