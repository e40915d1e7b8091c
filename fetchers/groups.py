"""Fetch groups: captures that share their bytes, fetched once through whichever member the archive replays.

Captures with the same CDX digest hold the same bytes, so one fetch stands for all of them (and for every later
capture with that digest). A run of consecutive archived redirects is a group too: one fetch gives the target.

The member asked for first is the group's first. When the archive cannot give *that* capture's bytes, we try
the next member, up to :data:`MAX_TRIES`, because any of them will do:

* it answers with its nearest capture instead (an *inexact* answer: IA's 302 hop to another timestamp, or pywb's
  200 for the nearest one) whose bytes are not the group's. The bytes are kept as what they really are
  (``strays``: the served time, URL and digest), and the member is recorded as ``error:inexact``;
* the bytes do not hash to the CDX digest (``error:digest-mismatch``: a corrupt transfer or record);
* the archive holds no memento at that time, or its own redirects loop (``error:no-memento``,
  ``error:redirect-loop``).

An inexact answer whose bytes *are* the group's digest is a success: the bytes are what every member holds.
Failures that concern the URL or the connection (blocked, excluded, a redirect out of the archive, retries
spent on network errors) end the group at once: another member would fail the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from palimpsest.errors import (
    Blocked,
    OutsideArchive,
    TerminalArchiveError,
    TransientArchiveError,
)
from palimpsest.fetchers.captures import Capture, Fetched
from palimpsest.fetchers.client import ArchiveClient
from palimpsest.fetchers.replay import fetch_capture

#: Members tried per group before the group is recorded as failed. Each try is one replay request or more.
MAX_TRIES = 3


@dataclass(frozen=True)
class GroupResult:
    """What fetching one group gave: the bytes standing for every member, or the failure they all share."""

    group: tuple[Capture, ...]
    fetched: Fetched | None = None
    error: str | None = None  # "error:<reason>"
    detail: str | None = None
    #: Answers that turned out to be other captures than the ones asked for, kept as what they really are.
    strays: tuple[Fetched, ...] = ()
    tries: int = 0

    @property
    def ok(self) -> bool:
        return self.fetched is not None


def fetch_group(client: ArchiveClient, group: tuple[Capture, ...], *, max_tries: int = MAX_TRIES) -> GroupResult:
    """Fetch the first member of ``group`` the archive replays exactly (or with the group's own bytes)."""
    strays: list[Fetched] = []
    error, detail, tries = "error:not-fetched", "no member was tried", 0
    for member in group[:max_tries]:
        tries += 1
        try:
            fetched = fetch_capture(client, member)
        except (Blocked, OutsideArchive, TransientArchiveError) as err:
            return GroupResult(group, error=f"error:{err.reason}", detail=str(err), strays=tuple(strays), tries=tries)
        except TerminalArchiveError as err:
            error, detail = f"error:{err.reason}", str(err)
            continue
        if fetched.digest_matches:
            return GroupResult(group, fetched, strays=tuple(strays), tries=tries)
        if fetched.inexact:
            strays.append(fetched)
            served = fetched.served
            error = "error:inexact"
            detail = (
                f"asked the archive for {member.original} at {member.ts14}; it served its capture of "
                f"{served.original} at {served.ts14} instead (digest {served.digest})"
            )
            continue
        error = "error:digest-mismatch"
        detail = f"body SHA-1 {fetched.body_digest} does not match CDX digest {member.digest} ({member.ts14})"
    return GroupResult(group, error=error, detail=detail, strays=tuple(strays), tries=tries)
