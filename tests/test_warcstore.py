"""The raw store's reader: a record damaged on disk is a WarcStoreError naming where, whatever part it hit."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from palimpsest.fetchers import Capture, Fetched, WarcStore
from palimpsest.fetchers.warcstore import WarcStoreError

WHEN = datetime(2019, 3, 1, 12, tzinfo=UTC)


def stored(tmp_path: Path) -> tuple[WarcStore, object, bytes]:
    store = WarcStore(tmp_path)
    capture = Capture(WHEN, "https://bakery.example/privacy", "DIGEST", 200, "text/html")
    ref = store.write(Fetched(capture, 200, (("Content-Type", "text/html"),), b"<p>We keep your address.</p>", WHEN))
    data = (tmp_path / ref.filename).read_bytes()[ref.offset : ref.offset + ref.length]
    return store, ref, gzip.decompress(data)


def rewrite(tmp_path: Path, ref, record: bytes):
    """The record replaced by ``record`` (gzipped again), and where it now lives."""
    member = gzip.compress(record)
    (tmp_path / ref.filename).write_bytes(member)
    return replace(ref, offset=0, length=len(member))


def test_a_stored_record_reads_back(tmp_path: Path) -> None:
    store, ref, _ = stored(tmp_path)
    assert store.read(ref).body == b"<p>We keep your address.</p>"


@pytest.mark.parametrize(
    ("old", "new"),
    [(b"WARC-Date:", b"WARC-Dxte:"), (b"WARC-Target-URI:", b"WARC-Target-URX:"), (b"HTTP/1.1 200", b"HTTP/1.1 2x0")],
    ids=["no-date", "no-url", "bad-status"],
)
def test_a_header_damaged_on_disk_is_a_store_error(tmp_path: Path, old: bytes, new: bytes) -> None:
    store, ref, record = stored(tmp_path)
    assert old in record
    damaged = rewrite(tmp_path, ref, record.replace(old, new, 1))
    with pytest.raises(WarcStoreError, match="damaged record"):
        store.read(damaged)
