"""Compacting a warehouse made in an older storage format: what ``palimpsest doctor --compact`` costs and saves.

    .venv/bin/python -m benchmarks.compaction --versions 100000 --sites 13000
    .venv/bin/python -m benchmarks.compaction --versions 1000000 --sites 130000

The synthetic history of ``benchmarks/warehouse_scale.py`` is loaded, as there, into a file created in DuckDB
storage format v1.0.0 (as a warehouse made before compact storage is), and indexed for search. Then, in a child
process, ``warehouse.compact.compact`` rewrites it; it prints the time, the child's peak memory, and the
file's size before and after against the zstd-compressed raw text.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from benchmarks.warehouse_scale import load, write_corpus


def _compact(path: str, out: multiprocessing.Queue) -> None:
    from palimpsest.warehouse.compact import compact  # noqa: PLC0415 - imported in the child that is measured

    started = time.perf_counter()
    done = compact(path)
    out.put((time.perf_counter() - started, done.rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=100_000)
    parser.add_argument("--sites", type=int, default=13_000)
    parser.add_argument("--format", default="v1.0.0", help="the older DuckDB storage format to start from")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="palimpsest-compaction-") as tmp:
        work = Path(tmp)
        raw_zstd = write_corpus(work, versions=args.versions, sites=args.sites)
        db = work / "older.duckdb"
        duckdb.connect(str(db), config={"storage_compatibility_version": args.format}).close()
        loaded, indexed = load(db, work)
        before = db.stat().st_size
        results: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()
        child = multiprocessing.get_context("spawn").Process(target=_compact, args=(str(db), results))
        child.start()
        seconds, rows, peak_kb = results.get()
        child.join()
        after = db.stat().st_size
    print(f"{args.versions:,} versions of {args.sites:,} sites; loaded in {loaded:.0f} s, indexed in {indexed:.0f} s")
    print(f"file in {args.format}: {before / 1e6:,.0f} MB = {before / raw_zstd:.1f}× the zstd raw text")
    memory = f"peak memory {peak_kb / 1e6:.1f} GB"
    print(f"compacted in {seconds:.0f} s (search index rebuilt), {rows:,} rows copied, {memory}")
    ratio = f"{after / raw_zstd:.1f}× the zstd raw text"
    print(f"file now: {after / 1e6:,.0f} MB = {ratio} ({before / after:.1f}× smaller)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
