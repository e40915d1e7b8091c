"""Named points at which a crawl process SIGKILLs itself, for the kill tests.

``PALIMPSEST_KILL_AT=<point>:<n>`` makes the process kill itself the ``n``-th time it passes ``point``:

* ``cdx``: just after a CDX page arrived (during CDX paging, before the rest of the index is read);
* ``replay``: as a replay request leaves (mid-fetch: other fetch threads are in flight);
* ``warc``: just after a body was written to the WARC store (bytes on disk, not yet in the warehouse);
* ``commit``: just after a batch's capture rows were written, inside their transaction, before COMMIT;
* ``rebuild``: inside the version rebuild's transaction, after the old versions were deleted.

Nothing in Palimpsest knows about these points: :func:`install` wraps the functions from outside, in the child
process only (imported by the child's own code, or by a ``sitecustomize`` the test puts on ``PYTHONPATH`` so
that the real ``palimpsest`` command gets them too).
"""

from __future__ import annotations

import functools
import os
import signal
import threading
from collections.abc import Callable

POINTS = ("cdx", "replay", "warc", "commit", "rebuild")


def install() -> None:
    spec = os.environ.get("PALIMPSEST_KILL_AT")
    if not spec:
        return
    point, _, count = spec.partition(":")
    if point not in POINTS:
        raise ValueError(f"unknown kill point {point!r}; one of {', '.join(POINTS)}")
    passes = {"n": 0}
    lock = threading.Lock()

    def passing() -> None:
        with lock:
            passes["n"] += 1
            if passes["n"] >= int(count or 1):
                os.kill(os.getpid(), signal.SIGKILL)

    from palimpsest.fetchers.client import ArchiveClient
    from palimpsest.fetchers.warcstore import WarcStore
    from palimpsest.warehouse import store, versions

    targets: dict[str, tuple[object, str, bool]] = {
        "cdx": (ArchiveClient, "get_cdx", True),
        "replay": (ArchiveClient, "get_replay", False),
        "warc": (WarcStore, "write", True),
        "commit": (store, "save_captures", True),
        "rebuild": (versions, "_fill_text_changes", False),
    }
    owner, name, after = targets[point]
    setattr(owner, name, _wrapped(getattr(owner, name), passing, after=after))


def _wrapped(function: Callable, passing: Callable[[], None], *, after: bool) -> Callable:
    @functools.wraps(function)
    def wrapper(*args: object, **kwargs: object) -> object:
        if not after:
            passing()
        result = function(*args, **kwargs)
        if after:
            passing()
        return result

    return wrapper
