"""Pages per second of the full extractor against raw ``trafilatura.extract`` on the same pages, in one run.

    .venv/bin/python -m benchmarks.extraction_speed [--rounds 5] [--chunksize 2] [--bench-json]
    .venv/bin/python -m benchmarks.extraction_speed --profile [--rounds 5]   # where extract_policy's time goes

The pages are every HTML page of the golden corpus (``tests/fixtures/pages``). "Full extractor" is
``extract_policy``: charset repair, page repair, trafilatura, the fallback check, quality class, language, stated
date and sections. "Raw" is ``trafilatura.extract(body)`` with its defaults.

Each round times four passes over the corpus: raw and ours in this process, raw and ours in a pool of 2 worker
processes (started and warmed up before any timing). Rounds alternate the order (raw first, then ours first), so a
burst of load on a shared machine hits both sides alike. For each pass it records wall time and CPU time: this
process's ``process_time``, plus, for the pool, the CPU the workers spent (each worker reports its own
``process_time`` after each task, so pickling and dispatch in the worker count too). The pool is handed 2 pages
at a time (``--chunksize``): with 4 or 8 its wall time a page was about 1.5× that with 1 or 2 (2026-11, 10
alternating passes each, on a loaded machine), and 1 costs this process twice the dispatch CPU of 2 (0.3 against
0.17 ms a page).

It prints, for each of the four, pages/s over all rounds and the best round, CPU ms a page, and the ratios the
goals are stated in (≥ 0.9× raw in one process, ≥ 1.7× raw-in-one-process with two) both over all rounds and as
the median of the per-round ratios. The goals are about wall-clock pages/s; the CPU figures say what the ratios
would be if nothing else ran on the machine (for two processes: if both cores were free).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from benchmarks._rows import emit, human_output_on_stderr, row
from benchmarks.extraction_eval import corpus

_PAGES: list[dict] = []
KINDS = ("raw_1", "ours_1", "raw_2", "ours_2")
_LABELS = {
    "raw_1": "trafilatura.extract, 1 process",
    "ours_1": "extract_policy, 1 process",
    "raw_2": "trafilatura.extract, 2 processes",
    "ours_2": "extract_policy, 2 processes",
}
#: The goals: ours in one process against raw in one process, and ours with two processes against raw in one.
GOALS = {"ours_1": 0.9, "ours_2": 1.7}


def _load() -> list[dict]:
    if not _PAGES:
        _PAGES.extend(page for page in corpus(quality=None) if page["file"].endswith(".html"))
    return _PAGES


def ours(index: int) -> int:
    from palimpsest.errors import ExtractionError  # noqa: PLC0415
    from palimpsest.extractors import extract_policy  # noqa: PLC0415 - imported in each worker

    page = _load()[index]
    try:
        extracted = extract_policy(page["body"], page["url"], {"Content-Type": page["content_type"]})
    except ExtractionError:
        return 0
    return len(extracted.sections) + len(extracted.text)


def raw(index: int) -> int:
    import trafilatura  # noqa: PLC0415

    return len(trafilatura.extract(_load()[index]["body"]) or "")


def _task(function, index: int) -> tuple[int, float]:
    """Run one page in a worker; answer the worker's pid and its CPU time so far."""
    function(index)
    return os.getpid(), time.process_time()


def _warm_worker() -> None:
    """Each worker loads the corpus, the model files and every import before it takes a timed page."""
    for index in range(len(_load())):
        ours(index)
        raw(index)


def _hello(_: int) -> tuple[int, float]:
    time.sleep(0.05)  # long enough that one worker cannot answer every hello alone
    return os.getpid(), time.process_time()


@dataclass
class Figures:
    """Per kind, the wall and CPU seconds of each round's pass; ``pages`` per pass."""

    pages: int
    wall: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    cpu: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in KINDS})

    def rate(self, kind: str) -> float:
        """Pages/s over all rounds."""
        return self.pages * len(self.wall[kind]) / sum(self.wall[kind])

    def best(self, kind: str) -> float:
        return self.pages / min(self.wall[kind])

    def cpu_ms(self, kind: str) -> float:
        """CPU ms a page over all rounds (for the pool: this process and the workers)."""
        return 1000 * sum(self.cpu[kind]) / (self.pages * len(self.cpu[kind]))

    def round_ratios(self, kind: str) -> list[float]:
        """Per round, ours' pages/s over raw's in one process in the same round."""
        return [raw / mine for mine, raw in zip(self.wall[kind], self.wall["raw_1"], strict=True)]

    def ratio(self, kind: str) -> float:
        return self.rate(kind) / self.rate("raw_1")

    def cpu_ratio(self, kind: str) -> float:
        """The ratio with CPU time instead of wall time: what it would be with the machine to ourselves."""
        return self.cpu_ms("raw_1") / self.cpu_ms(kind) * (2 if kind.endswith("_2") else 1)


class _Pool:
    """Two warmed-up worker processes, and the CPU time each had used at the end of the last pass."""

    def __init__(self, chunksize: int) -> None:
        self.chunksize = chunksize
        self.executor = ProcessPoolExecutor(max_workers=2, initializer=_warm_worker)
        self.seen: dict[int, float] = {}
        while len(self.seen) < 2:
            self.seen.update(self.executor.map(_hello, range(4)))

    def run(self, function, indices: range) -> float:
        """Run every page; return the workers' CPU seconds spent since the previous pass."""
        functions = [function] * len(indices)
        now = dict(self.seen)
        for pid, cpu in self.executor.map(_task, functions, indices, chunksize=self.chunksize):
            now[pid] = max(now.get(pid, 0.0), cpu)
        spent = sum(now[pid] - self.seen.get(pid, 0.0) for pid in now)
        self.seen = now
        return spent


def _pass(kind: str, pool: _Pool) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one pass of ``kind`` over the corpus."""
    function = ours if kind.startswith("ours") else raw
    indices = range(len(_load()))
    start, cpu = time.perf_counter(), time.process_time()
    if kind.endswith("_1"):
        for index in indices:
            function(index)
        workers = 0.0
    else:
        workers = pool.run(function, indices)
    return time.perf_counter() - start, time.process_time() - cpu + workers


def measure(rounds: int, chunksize: int = 2) -> Figures:
    """Time ``rounds`` interleaved rounds; odd rounds run the four passes in the reverse order."""
    _warm_worker()
    figures = Figures(pages=len(_load()))
    pool = _Pool(chunksize)
    try:
        for number in range(rounds):
            for kind in KINDS if number % 2 == 0 else KINDS[::-1]:
                wall, cpu = _pass(kind, pool)
                figures.wall[kind].append(wall)
                figures.cpu[kind].append(cpu)
    finally:
        pool.executor.shutdown()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds of the four passes")
    parser.add_argument("--chunksize", type=int, default=2, help="pages handed to a pool worker at a time")
    parser.add_argument("--bench-json", action="store_true", help="4 rounds; one JSON row per measure on stdout")
    parser.add_argument("--profile", action="store_true", help="cProfile extract_policy over the rounds instead")
    args = parser.parse_args(argv)
    if args.profile:
        profile(args.rounds)
        return 0
    with human_output_on_stderr(args.bench_json):
        figures = _report(4 if args.bench_json else args.rounds, args.chunksize)
    if args.bench_json:
        emit(rows(figures))
    return 0


def profile(rounds: int, lines: int = 40) -> None:
    """Print cProfile's view of ``rounds`` passes of ``extract_policy`` in this process: the functions that take
    the most time of their own, then the most time with what they call (profiling slows Python code more than C,
    so compare figures of one such run with each other, not with the timings above)."""
    import cProfile  # noqa: PLC0415 - only this mode needs them
    import pstats  # noqa: PLC0415

    _warm_worker()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds):
        for index in range(len(_load())):
            ours(index)
    profiler.disable()
    stats = pstats.Stats(profiler)
    print(f"{len(_load())} pages × {rounds} passes")
    stats.sort_stats("tottime").print_stats(lines)
    stats.sort_stats("cumulative").print_stats("extractors", lines)


def rows(figures: Figures) -> list[dict]:
    """The ``--bench-json`` rows: pages/s over all rounds (wall clock), then CPU ms a page as supporting figures."""
    reference = "raw trafilatura, 1 process"
    return [
        row(
            "extraction speed, 1 process",
            figures.rate("ours_1"),
            figures.rate("raw_1"),
            reference,
            "pages/s",
            "≥0.9× raw",
        ),
        row(
            "extraction speed, 2 processes",
            figures.rate("ours_2"),
            figures.rate("raw_1"),
            reference,
            "pages/s",
            "≥1.7× raw in 1 process",
        ),
        row(
            "extraction CPU time, 1 process",
            figures.cpu_ms("ours_1"),
            figures.cpu_ms("raw_1"),
            reference,
            "CPU ms/page",
            "≤1.11× raw (0.9× speed)",
        ),
        row(
            "extraction CPU time, 2 processes (parent + workers)",
            figures.cpu_ms("ours_2"),
            figures.cpu_ms("raw_1"),
            reference,
            "CPU ms/page",
            "≤1.18× raw (1.7× speed on 2 free cores)",
        ),
    ]


def _report(rounds: int, chunksize: int) -> Figures:
    figures = measure(rounds, chunksize)
    print(f"{figures.pages} pages, {rounds} interleaved rounds, pool chunk size {chunksize}")
    print(f"{'':36} {'pages/s':>8} {'best':>8} {'CPU ms/page':>12}")
    for kind in KINDS:
        print(f"{_LABELS[kind]:36} {figures.rate(kind):8.1f} {figures.best(kind):8.1f} {figures.cpu_ms(kind):12.3f}")
    summary: dict[str, object] = {"pages": figures.pages, "rounds": rounds, "chunksize": chunksize}
    for kind, goal in GOALS.items():
        per_round = figures.round_ratios(kind)
        median = statistics.median(per_round)
        print(
            f"{kind} / raw_1: {figures.ratio(kind):.3f} over all rounds, median of rounds {median:.3f} "
            f"(rounds {', '.join(f'{r:.2f}' for r in per_round)}), CPU {figures.cpu_ratio(kind):.3f}; goal ≥ {goal}"
        )
        summary[f"{kind}_vs_raw_1"] = round(figures.ratio(kind), 3)
        summary[f"{kind}_vs_raw_1_median"] = round(median, 3)
        summary[f"{kind}_vs_raw_1_cpu"] = round(figures.cpu_ratio(kind), 3)
    summary["ours_2_vs_ours_1"] = round(figures.rate("ours_2") / figures.rate("ours_1"), 3)
    summary["ours_2_vs_raw_2"] = round(figures.rate("ours_2") / figures.rate("raw_2"), 3)
    print("extraction_speed", json.dumps(summary))
    return figures


if __name__ == "__main__":
    raise SystemExit(main())
