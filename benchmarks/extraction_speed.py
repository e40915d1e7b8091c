"""Pages per second of the full extractor against raw ``trafilatura.extract`` on the same pages, in one run.

    .venv/bin/python -m benchmarks.extraction_speed [--rounds 5] [--bench-json]

The pages are every HTML page of the golden corpus (``tests/fixtures/pages``). "Full extractor" is
``extract_policy``: charset repair, page repair, trafilatura, the fallback check, quality class, language, stated
date and sections. "Raw" is ``trafilatura.extract(body)`` with its defaults. Each is timed in this process and in
a pool of 2 worker processes (each worker warmed up first); the figures are the best of ``--rounds`` passes.
It prints one line per measure and the ratios the goals are stated in (≥ 0.9× in one process, ≥ 1.7× with two).
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor

from benchmarks._rows import emit, human_output_on_stderr, row
from benchmarks.extraction_eval import corpus

_PAGES: list[dict] = []


def _load() -> list[dict]:
    if not _PAGES:
        _PAGES.extend(page for page in corpus(quality=None) if page["file"].endswith(".html"))
    return _PAGES


def ours(index: int) -> int:
    from extractors import extract_policy  # noqa: PLC0415 - imported in each worker
    from palimpsest.errors import ExtractionError  # noqa: PLC0415

    page = _load()[index]
    try:
        extracted = extract_policy(page["body"], page["url"], {"Content-Type": page["content_type"]})
    except ExtractionError:
        return 0
    return len(extracted.sections) + len(extracted.text)


def raw(index: int) -> int:
    import trafilatura  # noqa: PLC0415

    return len(trafilatura.extract(_load()[index]["body"]) or "")


def _warm(_: int) -> int:
    return ours(0) + raw(0)


def _pass(function, pool: ProcessPoolExecutor | None) -> float:
    indices = range(len(_load()))
    start = time.perf_counter()
    if pool is None:
        for index in indices:
            function(index)
    else:
        list(pool.map(function, indices, chunksize=4))
    return len(indices) / (time.perf_counter() - start)


def measure(rounds: int) -> dict[str, float]:
    _warm(0)
    figures = {
        "raw_1": max(_pass(raw, None) for _ in range(rounds)),
        "ours_1": max(_pass(ours, None) for _ in range(rounds)),
    }
    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(_warm, range(4)))
        figures["raw_2"] = max(_pass(raw, pool) for _ in range(rounds))
        figures["ours_2"] = max(_pass(ours, pool) for _ in range(rounds))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes per measure; the best counts")
    parser.add_argument("--bench-json", action="store_true", help="3 rounds; one JSON row per measure on stdout")
    args = parser.parse_args(argv)
    with human_output_on_stderr(args.bench_json):
        figures = _report(3 if args.bench_json else args.rounds)
    if args.bench_json:
        emit(
            [
                row(
                    "extraction speed, 1 process",
                    figures["ours_1"],
                    figures["raw_1"],
                    "raw trafilatura, 1 process",
                    "pages/s",
                    "≥0.9× raw",
                ),
                row(
                    "extraction speed, 2 processes",
                    figures["ours_2"],
                    figures["raw_1"],
                    "raw trafilatura, 1 process",
                    "pages/s",
                    "≥1.7× raw in 1 process",
                ),
            ]
        )
    return 0


def _report(rounds: int) -> dict[str, float]:
    figures = measure(rounds)
    pages = len(_load())
    for name, label in [
        ("raw_1", "trafilatura.extract, 1 process"),
        ("ours_1", "extract_policy, 1 process"),
        ("raw_2", "trafilatura.extract, 2 processes"),
        ("ours_2", "extract_policy, 2 processes"),
    ]:
        print(f"{label:36} {figures[name]:7.1f} pages/s")
    ratios = {
        "pages": pages,
        "ours_1_vs_raw_1": round(figures["ours_1"] / figures["raw_1"], 3),
        "ours_2_vs_raw_1": round(figures["ours_2"] / figures["raw_1"], 3),
        "ours_2_vs_ours_1": round(figures["ours_2"] / figures["ours_1"], 3),
        "ours_2_vs_raw_2": round(figures["ours_2"] / figures["raw_2"], 3),
    }
    print("extraction_speed", json.dumps(ratios))
    return figures


if __name__ == "__main__":
    raise SystemExit(main())
