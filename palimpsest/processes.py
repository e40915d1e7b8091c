"""Processes as the files and claims they leave name them: ``<host>-<pid>``, and whether one is still running.

A WARC file, a crawl's claim on a site and a half-created warehouse carry the name of the process that made them,
so that what a process killed with ``kill -9`` left behind can be told from what a live one is still using. A
process id means something only on its own host; another host's process is judged by other signs (a file's age, a
claim's last renewal).
"""

from __future__ import annotations

import os
import re
import socket


def this_process() -> str:
    """This process: its host (letters, digits and dots kept) and its process id."""
    host = re.sub(r"[^A-Za-z0-9.]+", "_", socket.gethostname()) or "host"
    return f"{host}-{os.getpid()}"


def alive(pid: int, *, group: bool = False) -> bool:
    """Whether process ``pid`` of this host is running (another user's counts as running); with ``group``,
    whether any process of the process group ``pid`` is."""
    try:
        (os.killpg if group else os.kill)(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def gone(name: str) -> bool:
    """Whether the process ``name`` (``<host>-<pid>``, as :func:`this_process` wrote it) ran on this host and has
    ended; False for a live one, this one, and any process of another host."""
    host, _, pid = name.rpartition("-")
    here = this_process().rpartition("-")[0]
    return host == here and pid.isdigit() and int(pid) != os.getpid() and not alive(int(pid))
