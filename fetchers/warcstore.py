"""The raw store: every fetched capture kept as a WARC ``response`` record, so nothing is ever fetched twice.

Records hold the original status line, the original headers and the body exactly as archived, with the
capture's own URL and time, so a pywb collection can replay our WARCs as it would any crawl's. Each process
appends to a file of its own (``palimpsest-<utc>-<host>-<pid>.warc.gz``), so workers on several machines can
share one store folder; every record is flushed and fsynced before its location is handed back, so a warehouse
row never points at bytes that are not on disk.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from palimpsest.errors import PalimpsestError
from palimpsest.fetchers.captures import Fetched
from palimpsest.processes import this_process

_REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 404: "Not Found"}


class WarcStoreError(PalimpsestError):
    """The raw store cannot be written (disk full, permissions) or a record cannot be read back."""


@dataclass(frozen=True)
class WarcRef:
    """Where one record lives: a file name relative to the store, the record's offset and its length."""

    filename: str
    offset: int
    length: int


@dataclass(frozen=True)
class StoredResponse:
    url: str
    date: datetime
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class WarcStore:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._file: Path | None = None

    def _current(self) -> Path:
        if self._file is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
            self._file = self.directory / f"palimpsest-{stamp}-{this_process()}.warc.gz"
        return self._file

    def write(self, fetched: Fetched) -> WarcRef:
        """Append one response record and return where it is. Raises WarcStoreError on any I/O failure."""
        record_bytes = _record_bytes(fetched)
        with self._lock:
            try:
                path = self._current()
            except OSError as err:
                raise WarcStoreError(f"cannot create the raw store {self.directory}: {err}") from err
            try:
                handle = path.open("ab")
            except OSError as err:
                raise WarcStoreError(f"cannot open raw store file {path}: {err}") from err
            offset = handle.tell()
            try:
                handle.write(record_bytes)
                handle.flush()
                os.fsync(handle.fileno())
                handle.close()
            except OSError as err:
                # Leave no partial record behind: close first (on a full disk closing flushes again and fails
                # again, found 2026-11 with a simulated ENOSPC), then cut the file back to where this record began.
                _discard(handle)
                _truncate(path, offset)
                raise WarcStoreError(f"cannot write raw capture to {path}: {err}") from err
        return WarcRef(path.name, offset, len(record_bytes))

    def read(self, ref: WarcRef) -> StoredResponse:
        path = self.directory / ref.filename
        try:
            with path.open("rb") as handle:
                handle.seek(ref.offset)
                data = handle.read(ref.length)
        except OSError as err:
            raise WarcStoreError(f"cannot read {path} at {ref.offset}: {err}") from err
        try:
            for record in ArchiveIterator(io.BytesIO(data)):
                if record.rec_type != "response":
                    continue
                headers = record.http_headers
                url, stamp = (record.rec_headers.get_header(name) for name in ("WARC-Target-URI", "WARC-Date"))
                if headers is None or url is None or stamp is None:
                    raise ValueError("the record lacks its URL, date or HTTP headers")
                return StoredResponse(
                    url=url,
                    date=datetime.fromisoformat(stamp.replace("Z", "+00:00")),
                    status=int(headers.get_statuscode()),
                    headers=tuple(headers.headers),
                    body=record.content_stream().read(),
                )
        except (ArchiveLoadFailed, zlib.error, EOFError, ValueError, AttributeError, TypeError) as err:
            # Damaged bytes on disk (a flipped bit, a cut file): warcio cannot parse the record. As of warcio
            # 1.8.1, a header it needs but cannot find ends in AttributeError inside its parser.
            raise WarcStoreError(f"damaged record in {path} at {ref.offset}: {str(err)[:120]}") from err
        raise WarcStoreError(f"no response record in {path} at {ref.offset}")


def copy_records(directory: Path, filename: str, keep: list[WarcRef]) -> list[WarcRef]:
    """Copy the records ``keep`` names (all in ``filename``) into a new file of the store, in order, and return
    where each now lives. The new file is fsynced before this returns; the old one is left for the caller to
    remove once nothing points at it. Raises WarcStoreError on any I/O failure, leaving no new file behind."""
    if not keep:
        return []
    directory = Path(directory)
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    target = directory / f"palimpsest-{stamp}-{this_process()}-collected.warc.gz"
    moved = []
    try:
        with (directory / filename).open("rb") as source, target.open("xb") as out:
            for ref in keep:
                source.seek(ref.offset)
                data = source.read(ref.length)
                if len(data) != ref.length:
                    raise WarcStoreError(f"{filename} ends before its record at {ref.offset}")
                moved.append(WarcRef(target.name, out.tell(), len(data)))
                out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except (OSError, WarcStoreError) as err:
        target.unlink(missing_ok=True)
        raise err if isinstance(err, WarcStoreError) else WarcStoreError(f"cannot copy {filename}: {err}") from err
    return moved


def _record_bytes(fetched: Fetched) -> bytes:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    headers = [(k, v) for k, v in fetched.headers if k.lower() != "content-length"]
    headers.append(("Content-Length", str(len(fetched.body))))
    status_line = f"{fetched.status} {_REASONS.get(fetched.status, 'Archived')}"
    http_headers = StatusAndHeaders(status_line, headers, protocol="HTTP/1.1")
    # The record is the capture the archive really served (its time and URL), even when we asked for another.
    served = fetched.served
    warc_headers = {
        "WARC-Date": fetched.memento.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "WARC-Source-URI": served.original,
        "WARC-Palimpsest-Digest": served.digest,
    }
    record = writer.create_warc_record(
        served.original,
        "response",
        payload=io.BytesIO(fetched.body),
        http_headers=http_headers,
        warc_headers_dict=warc_headers,
    )
    writer.write_record(record)
    return buffer.getvalue()


def _discard(handle: io.BufferedWriter) -> None:
    """Close a handle whose buffered bytes cannot be written, dropping them."""
    try:
        handle.close()
    except OSError:
        with contextlib.suppress(OSError):
            handle.raw.close()


def _truncate(path: Path, offset: int) -> None:
    try:
        with path.open("r+b") as handle:
            handle.truncate(offset)
    except OSError:
        pass
