"""The rows of the fault matrix (tests/FAULTS.md) that tests/test_faults.py does not already cover: slow-loris
answers, truncated gzip, odd bodies (empty, 10 MB, binary, PDF), malformed CDX rows, a full disk under the WARC
store and a warehouse locked by another process.

Every test ends with :func:`tests.invariants.assert_nothing_lost`: the run finished, every capture the archive
listed has exactly one recorded outcome, and the versions are whole, none lost and none twice.
"""

from __future__ import annotations

import errno
import gzip
import io
import subprocess
import sys
import time
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from palimpsest.errors import WarehouseLocked
from palimpsest.fetchers import warcstore
from palimpsest.flows import fetching
from palimpsest.flows.crawl import run_crawl
from tests.conftest import settings_for
from tests.invariants import assert_nothing_lost, listed, version_texts
from tests.servers import JUNK_ROWS, FaultArchive, Page, quick_client
from tests.shared import REPO
from tests.timelines import page

URL = "https://bakery.example/privacy"
PDF = REPO / "tests" / "fixtures" / "pages" / "2020-pdf-quillnote.pdf"


def stamp(index: int) -> str:
    return f"2019{index:02d}01120000"


@pytest.fixture
def crawl(monkeypatch, tmp_path):
    """``crawl(archive, **client_options)``: run_crawl with a quick loopback client; returns (report, settings)."""

    def run(archive: FaultArchive, lock_timeout: float = 120.0, **options: object):
        client = quick_client(archive, **options)
        monkeypatch.setattr(fetching, "client_for", lambda settings: client)
        settings = settings_for(archive, tmp_path / "palimpsest.duckdb", lock_timeout=lock_timeout)
        return run_crawl(settings, URL, batch_size=4), settings

    return run


@pytest.mark.timeout(90)  # a hang here is the failure this test exists to catch
def test_a_slow_loris_answer_is_cut_off_and_the_crawl_goes_on(crawl) -> None:
    pages = [Page(URL, stamp(i), page(i // 3, i)) for i in range(1, 7)]
    with FaultArchive(pages, slow_delay=0.2) as archive:
        archive.always(stamp(2), "loris")  # ~4 kB at a byte every 0.2 s: a quarter of an hour, each read in time
        archive.script(stamp(4), "loris")  # once; the retry is answered at once
        report, settings = crawl(archive, body_timeout=2.0, max_attempts=2)
    found = assert_nothing_lost(settings.db, listed(pages))
    assert found[stamp(2)] == "error:truncated"  # retried on a rerun, like any body cut short
    assert found[stamp(4)] in {"version", "same-text"}
    assert report.fetched == 5
    assert len(version_texts(settings.db)) == 3


def test_truncated_gzip_is_refetched_or_recorded(crawl) -> None:
    whole = gzip.compress(page(0, 1), mtime=0)
    cut = gzip.compress(page(1, 2), mtime=0)[:300]  # the archive itself holds a truncated gzip body
    encoded = (("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"))
    pages = [
        Page(URL, stamp(1), whole, headers=encoded),
        Page(URL, stamp(2), cut, headers=encoded),
        Page(URL, stamp(3), page(2, 3)),
    ]
    with FaultArchive(pages) as archive:
        archive.script(stamp(1), "truncate-body", "truncate-body")  # cut in transit twice, whole the third time
        _, settings = crawl(archive)
        asked = [hit.path for hit in archive.hits if stamp(1) in hit.path]
    found = assert_nothing_lost(settings.db, listed(pages))
    assert len(asked) == 3
    assert found[stamp(1)] == "version"
    assert found[stamp(2)].startswith("skipped:"), found[stamp(2)]
    assert found[stamp(3)] == "version"
    assert len(version_texts(settings.db)) == 2


def test_empty_huge_binary_and_pdf_bodies_each_get_an_outcome(crawl) -> None:
    filler = b"<!-- " + b"0123456789abcdef" * (10 * 1024 * 1024 // 16) + b" -->"
    huge = page(1, 2).replace(b"</body>", filler + b"</body>")
    assert len(huge) > 10 * 1024 * 1024
    binary = bytes(range(256)) * 64
    pages = [
        Page(URL, stamp(1), page(0, 1)),
        Page(URL, stamp(2), b""),
        Page(URL, stamp(3), huge),
        Page(
            URL,
            stamp(4),
            binary,
            headers=(("Content-Type", "application/octet-stream"),),
            mime="application/octet-stream",
        ),
        Page(URL, stamp(5), PDF.read_bytes(), headers=(("Content-Type", "application/pdf"),), mime="application/pdf"),
        Page(URL, stamp(6), page(1, 6)),
    ]
    with FaultArchive(pages) as archive:
        report, settings = crawl(archive)
    found = assert_nothing_lost(settings.db, listed(pages))
    assert report.fetched == 6
    assert found[stamp(1)] == "version"
    assert found[stamp(2)].startswith("skipped:"), found[stamp(2)]
    assert found[stamp(3)] == "version"  # the policy inside 10 MB of padding
    assert found[stamp(4)].startswith("skipped:"), found[stamp(4)]
    assert found[stamp(5)] == "version"  # the PDF is a policy of its own
    assert found[stamp(6)] == "version"  # after the PDF, the HTML text is a change again
    assert len(version_texts(settings.db)) == 4


def test_malformed_cdx_rows_are_counted_and_skipped(crawl) -> None:
    pages = [Page(URL, stamp(i), page(i // 4, i)) for i in range(1, 10)]
    with FaultArchive(pages, page_size=4) as archive:
        archive.script("cdx", "junk-rows", "ok", "junk-rows")
        report, settings = crawl(archive)
    found = assert_nothing_lost(settings.db, listed(pages))
    assert report.malformed_rows == 2 * len(JUNK_ROWS)
    assert report.captures_found == len(pages)
    assert set(found.values()) <= {"version", "same-text"}
    assert len(version_texts(settings.db)) == 3


def test_a_full_disk_while_writing_warc_loses_nothing(crawl, monkeypatch) -> None:
    full = {"writes": 0, "on": True}
    real_open = Path.open

    class _FullDisk(io.FileIO):
        """The disk fills up mid-record: the first write stores half of what it is given, the next fails."""

        def write(self, data) -> int:  # type: ignore[override]
            full["writes"] += 1
            if full["writes"] % 2:
                return super().write(bytes(data)[: max(1, len(data) // 2)])
            raise OSError(errno.ENOSPC, "No space left on device")

    def opening(path: Path, mode: str = "r", *args, **kwargs):
        if mode == "ab" and path.name.endswith(".warc.gz") and full["on"]:
            return io.BufferedWriter(_FullDisk(path, "ab"))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(warcstore.Path, "open", opening)
    pages = [Page(URL, stamp(i), page(i // 3, i)) for i in range(1, 7)]
    with FaultArchive(pages) as archive:
        report, settings = crawl(archive)
        found = assert_nothing_lost(settings.db, listed(pages))
        assert set(found.values()) == {"error:warc-write"}
        assert report.fetched == 0 and full["writes"] >= 12
        files = list(settings.warc_dir.glob("*.warc.gz"))
        assert all(f.stat().st_size == 0 for f in files), "a partial record was left behind"
        full["on"] = False  # space freed: the rerun fetches them all again
        again, _ = crawl(archive)
    found = assert_nothing_lost(settings.db, listed(pages))
    assert again.fetched == 6
    assert set(found.values()) == {"version", "same-text"}
    assert len(version_texts(settings.db)) == 3
    for file in settings.warc_dir.glob("*.warc.gz"):
        with file.open("rb") as handle:
            assert sum(1 for record in ArchiveIterator(handle) if record.rec_type == "response") in {0, 6}


HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE IF NOT EXISTS holder_note (x INTEGER)")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def hold_lock(db: Path, seconds: float) -> subprocess.Popen:
    """Another process that opens the warehouse for writing (DuckDB's file lock) and keeps it for ``seconds``."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), str(seconds)], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    return holder


def test_a_warehouse_locked_by_another_process_fails_clearly_and_a_rerun_completes(
    crawl, monkeypatch, tmp_path
) -> None:
    pages = [Page(URL, stamp(i), page(i // 3, i)) for i in range(1, 7)]
    db = tmp_path / "palimpsest.duckdb"
    with FaultArchive(pages) as archive:
        crawl(archive)  # a first crawl creates the warehouse
        archive.pages.append(Page(URL, stamp(7), page(3, 7)))
        holder = hold_lock(db, 60)
        try:
            started = time.monotonic()
            with pytest.raises(WarehouseLocked, match="locked by another process"):
                crawl(archive, lock_timeout=1.0)
            assert time.monotonic() - started >= 1.0  # it waited before giving up
        finally:
            holder.kill()
            holder.wait()
        assert not [hit for hit in archive.hits if stamp(7) in hit.path]  # nothing fetched while locked
        holder = hold_lock(db, 1.5)  # a short holder: the crawl waits for it, then runs
        report, settings = crawl(archive, lock_timeout=30.0)
        holder.wait()
    found = assert_nothing_lost(settings.db, listed(archive))
    assert report.fetched == 1
    assert found[stamp(7)] == "version"
    assert len(version_texts(settings.db)) == 4
