"""Checking that a warehouse and its raw WARC store agree, and that its schema is whole.

* **migrations**: every migration this version ships is applied, none is applied that it does not know, and
  none ran from a file that differs from the one shipped (the ledger's checksums);
* **views**: the public views and the ``policy_at`` macro resolve;
* **raw bytes**: every stored payload's WARC record exists, reads back, and holds bytes whose SHA-1 is the one
  recorded when they were fetched; every capture that makes a version has raw bytes for its digest;
* **versions**: each site's versions count every usable capture it has (a crawl or import killed after storing
  captures but before rebuilding the site's versions leaves them short);
* **keys**: no key that the writer keeps (payloads, extractions, sections, versions, text and section numbers)
  is held by two rows (``warehouse.integrity``).

Raw captures that no site uses any more (after ``palimpsest forget``) are not a problem: :func:`unused` counts
them and :func:`collect` removes them from the store.

Each problem names what is wrong and the command that repairs it. :func:`repair` is that repair for
lost or damaged raw bytes: it forgets the payload and marks its captures ``error:raw-missing``, which a crawl
fetches again (the text and versions are rebuilt from the fresh bytes by that crawl); and it rebuilds the
versions of sites whose versions are out of date, and keeps one row of each key that repeats where one can
stand for all.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from pathlib import Path

import duckdb

from palimpsest.fetchers.captures import sha1_base32
from palimpsest.fetchers.warcstore import WarcRef, WarcStore, WarcStoreError, copy_records
from palimpsest.processes import alive, this_process
from palimpsest.warehouse import checks
from palimpsest.warehouse.checks import RAW_MISSING
from palimpsest.warehouse.integrity import remove_repeats, repeats
from palimpsest.warehouse.migrations import LEDGER, applied, available, changed, pending
from palimpsest.warehouse.versions import rebuild_versions, stale_sites

REFETCH = "palimpsest doctor --repair, then palimpsest crawl URL (fetches these captures again)"


@dataclass(frozen=True)
class Problem:
    kind: str  # migration-pending | migration-changed | migration-unknown | view-broken | warc-missing |
    #            record-unreadable | bytes-corrupted | no-raw-bytes | refetch-pending | versions-stale | key-repeated
    subject: str
    detail: str
    repair: str


@dataclass(frozen=True)
class Payload:
    url: str
    ts: datetime
    digest: str
    body_digest: str
    ref: WarcRef

    @property
    def subject(self) -> str:
        return f"{self.url} at {self.ts:%Y-%m-%d %H:%M:%S}"


def check(con: duckdb.DuckDBPyConnection, warc_dir: Path) -> list[Problem]:
    """Every problem found, migrations and views first (the others read tables they may have broken)."""
    problems = [*check_migrations(con), *check_views(con)]
    if not any(p.kind == "migration-pending" for p in problems):
        problems += [*check_raw(con, warc_dir), *check_coverage(con), *check_versions(con), *check_keys(con)]
    return problems


def check_keys(con: duckdb.DuckDBPyConnection) -> Iterator[Problem]:
    for found in repeats(con):
        detail = f"{found.keys} value(s) of ({found.key}) are held by more than one row, e.g. {found.example}"
        repair = "palimpsest doctor --repair" if found.repairable else "report it: two rows share a number"
        yield Problem("key-repeated", found.table, detail, repair)


def check_versions(con: duckdb.DuckDBPyConnection) -> Iterator[Problem]:
    for site, usable, counted in stale_sites(con, waiting=RAW_MISSING):
        detail = (
            f"{usable} usable captures, but its versions count {counted}: a crawl or import stopped before "
            "rebuilding them"
        )
        yield Problem("versions-stale", site, detail, "palimpsest doctor --repair")


def check_migrations(con: duckdb.DuckDBPyConnection) -> Iterator[Problem]:
    for migration in pending(con):
        yield Problem(
            "migration-pending",
            f"{migration.number:04d}_{migration.name}",
            "this version of Palimpsest has a schema migration the warehouse lacks",
            "palimpsest doctor --repair (opens the warehouse for writing, which applies it)",
        )
    shipped = available()
    for migration in changed(con, shipped):
        yield Problem(
            "migration-changed",
            migration.label,
            "the shipped file of this migration differs from the one that ran on this warehouse (its checksum in "
            f"{LEDGER} does not match): shipped migrations must never be edited",
            "restore warehouse/schema/ from the release that wrote the warehouse, and make the change a new migration",
        )
    known = {m.number for m in shipped}
    for number in sorted(applied(con) - known):
        yield Problem(
            "migration-unknown",
            f"{number:04d}",
            f"the warehouse's {LEDGER} lists a migration this version does not ship (written by a newer one?)",
            "upgrade Palimpsest to the version that wrote this warehouse",
        )


def check_views(con: duckdb.DuckDBPyConnection) -> Iterator[Problem]:
    for name, error in checks.broken_views(con):
        yield Problem(
            "view-broken",
            name,
            error,
            "recreate it: restore warehouse/schema's views (a migration that re-creates them) or the file",
        )


def payloads(con: duckdb.DuckDBPyConnection) -> list[Payload]:
    return [
        Payload(url, ts, digest, body, WarcRef(file, offset, length))
        for url, ts, digest, body, file, offset, length in checks.stored_payloads(con)
    ]


def damaged(con: duckdb.DuckDBPyConnection, warc_dir: Path) -> Iterator[tuple[Payload, str, str]]:
    """(payload, kind, detail) for every stored payload whose raw bytes are missing, unreadable or altered."""
    store = WarcStore(warc_dir)
    for payload in payloads(con):
        path = warc_dir / payload.ref.filename
        if not path.is_file():
            yield payload, "warc-missing", f"{path} does not exist"
            continue
        try:
            record = store.read(payload.ref)
        except (WarcStoreError, ValueError, OSError) as err:
            yield payload, "record-unreadable", f"no readable record at {path.name}:{payload.ref.offset} ({err})"
            continue
        got = sha1_base32(record.body)
        if got != payload.body_digest:
            yield payload, "bytes-corrupted", f"bytes in {path.name} hash to {got}, fetched as {payload.body_digest}"


def check_raw(con: duckdb.DuckDBPyConnection, warc_dir: Path) -> Iterator[Problem]:
    for payload, kind, detail in damaged(con, warc_dir):
        yield Problem(kind, payload.subject, detail, REFETCH)


def uncovered(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, object, str]]:
    """(site, url, ts, digest) of captures that make versions from archived bytes no stored payload holds."""
    return checks.uncovered_captures(con)


def check_coverage(con: duckdb.DuckDBPyConnection) -> Iterator[Problem]:
    for site, url, ts, _ in uncovered(con):
        detail = f"a capture of {site} makes a version but no raw bytes with its digest are stored"
        yield Problem("no-raw-bytes", f"{url} at {ts:%Y-%m-%d %H:%M:%S}", detail, REFETCH)
    for site, url, count in checks.refetch_pending(con):
        detail = f"{count} capture(s) of {site} lost their raw bytes and wait to be fetched again"
        yield Problem("refetch-pending", url, detail, f"palimpsest crawl {url} --site {site}")


def repair(con: duckdb.DuckDBPyConnection, warc_dir: Path) -> int:
    """Forget damaged payloads; where no sound payload holds a digest any more, forget what was extracted from it
    and mark its captures ``error:raw-missing``, so that the next crawl fetches them again. Their texts stay
    stored; the crawl that refetches them rebuilds the versions. Returns the captures marked."""
    broken = [(payload.url, payload.ts, payload.digest) for payload, _, _ in damaged(con, warc_dir)]
    marked = checks.forget_payloads(con, broken)
    for site, _, _ in stale_sites(con, waiting=RAW_MISSING):
        rebuild_versions(con, site)
    remove_repeats(con)
    return marked


#: A WARC file written to this recently may belong to a crawl still running on another host (shared storage),
#: whose newest records are not in the warehouse yet: collecting leaves it alone.
QUIET_FOR = 600.0


@dataclass(frozen=True)
class Collected:
    payloads: int  # raw captures removed
    files: int  # WARC files removed or rewritten
    freed: int  # bytes
    busy: tuple[str, ...]  # files left alone: a live crawl may still be writing them


def unused(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """How many stored raw captures no site uses any more, and their bytes in the WARC store."""
    rows = checks.unused_payloads(con)
    return len(rows), sum(length for *_, length in rows)


def collect(con: duckdb.DuckDBPyConnection, warc_dir: Path, *, quiet_for: float = QUIET_FOR) -> Collected:
    """Remove from the raw store every capture no site uses any more. A WARC file left with nothing in use is
    deleted; one that still holds used records is copied without the others into a new file, the warehouse is
    pointed at the copies in one transaction, and only then is the old file deleted, so a crash at any step
    leaves every used record where the warehouse says it is. Files that a live crawl may still be appending to
    are skipped (``busy``). Needs the warehouse open for writing, which no other writer then holds."""
    removed = files = freed = 0
    busy = []
    for name, group in groupby(checks.unused_payloads(con), key=lambda row: row[3]):
        dropped = [(url, ts, digest) for url, ts, digest, *_ in group]
        path = warc_dir / name
        if _may_be_writing(path, quiet_for):
            busy.append(name)
            continue
        gone = set(dropped)
        keep = [row for row in checks.file_payloads(con, name) if tuple(row[:3]) not in gone]
        size = path.stat().st_size if path.is_file() else 0
        copies = copy_records(warc_dir, name, [WarcRef(name, offset, length) for *_, offset, length in keep])
        moved = [
            (url, ts, digest, ref.filename, ref.offset, ref.length)
            for (url, ts, digest, *_), ref in zip(keep, copies, strict=True)
        ]
        checks.move_payloads(con, dropped, moved)
        path.unlink(missing_ok=True)
        removed += len(dropped)
        files += 1
        freed += size - sum(ref.length for ref in copies)
    return Collected(removed, files, freed, tuple(busy))


def _may_be_writing(path: Path, quiet_for: float) -> bool:
    """Whether a crawl may still append to ``path``: the file changed within ``quiet_for`` seconds, or its writer
    (the host and process in its name) is another live process on this host."""
    try:
        recent = time.time() - path.stat().st_mtime < quiet_for
    except OSError:
        return False
    # palimpsest-<utc>-<host>-<pid>[-collected].warc.gz; a host is written without dashes (palimpsest.processes)
    rest, _, pid = path.name.removesuffix(".warc.gz").removesuffix("-collected").rpartition("-")
    here = rest.rpartition("-")[2] == this_process().rpartition("-")[0]
    return recent or (here and pid.isdigit() and int(pid) != os.getpid() and alive(int(pid)))
