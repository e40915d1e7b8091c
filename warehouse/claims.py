"""Claims on sites: one crawl writes a site's history at a time, across processes and machines.

The claim is a row of ``crawl_claim`` in the warehouse itself, so every writer sees it: processes sharing a file
(which take turns for its write lock) as much as machines sharing a lake (whose competing transactions are run
again, so the second one reads the first one's claim). A process holds a claim as ``<host>-<pid>``; one process may
crawl a site from several threads, so it counts its own uses and releases the row after the last one. A claim is
stale, and taken over, when it was not renewed for ``STALE_AFTER`` or its holder is a process of this host that is
gone (a crawl killed with ``kill -9`` leaves its claim behind).
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import duckdb

from palimpsest.errors import SiteBusy
from palimpsest.processes import gone, this_process
from palimpsest.warehouse.lake import transaction

__all__ = ["STALE_AFTER", "claim", "holder", "release", "renew"]

#: A claim not renewed for this long belongs to a crawl that died on another machine (a crawl renews it at every
#: batch it stores; a batch takes seconds, a CDX page under IA's pace well under a minute).
STALE_AFTER = timedelta(minutes=15)

_HELD: Counter = Counter()
_LOCK = threading.Lock()


def holder() -> str:
    """This process as a claim names it: its host and process id."""
    return this_process()


def claim(con: duckdb.DuckDBPyConnection, site: str, *, now: datetime | None = None) -> None:
    """Claim ``site`` for this process, or raise SiteBusy naming the crawl that holds it."""
    me = holder()
    with _LOCK:
        if _HELD[site]:
            _HELD[site] += 1
            return

        def take() -> None:
            moment = now or datetime.now(UTC)
            row = con.execute("SELECT holder, since, renewed FROM crawl_claim WHERE site = ?", [site]).fetchone()
            if row and row[0] != me and not _stale(row[0], row[2], moment):
                raise SiteBusy(
                    f"{site} is being crawled by another process ({row[0]}, since {row[1]:%Y-%m-%d %H:%M:%S} UTC);"
                    " one crawl writes a site at a time: run this one when it has finished"
                )
            con.execute("DELETE FROM crawl_claim WHERE site = ?", [site])
            con.execute(
                "INSERT INTO crawl_claim (site, holder, since, renewed) VALUES (?, ?, ?, ?)", [site, me, moment, moment]
            )

        transaction(con, take)
        _HELD[site] = 1


def renew(con: duckdb.DuckDBPyConnection, site: str) -> None:
    """Mark this process's claim on ``site`` as alive now, in the caller's transaction (a crawl's store step)."""
    con.execute("UPDATE crawl_claim SET renewed = ? WHERE site = ? AND holder = ?", [datetime.now(UTC), site, holder()])


def release(con: duckdb.DuckDBPyConnection, site: str) -> None:
    """Give up one use of this process's claim on ``site``; the row goes with the last."""
    with _LOCK:
        _HELD[site] -= 1
        if _HELD[site] > 0:
            return
        del _HELD[site]
        transaction(con, lambda: con.execute("DELETE FROM crawl_claim WHERE site = ? AND holder = ?", [site, holder()]))


def _stale(owner: str, renewed: datetime, now: datetime) -> bool:
    return now - renewed > STALE_AFTER or gone(owner)
