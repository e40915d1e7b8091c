"""The ``--bench-json`` interface every benchmark follows, so ``make bench`` (benchmarks/run.py) can collect it.

With ``--bench-json`` a benchmark runs a quick but meaningful configuration, prints its human-readable lines on
stderr, and prints one JSON object per measure on stdout::

    {"measure": str, "ours": float, "reference": float | null, "reference_label": str, "unit": str, "goal": str}

``reference`` is measured in the same run (raw trafilatura, plain Python, the rate-limit bound), never copied.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator

KEYS = ("measure", "ours", "reference", "reference_label", "unit", "goal")


def row(measure: str, ours: float, reference: float | None, reference_label: str, unit: str, goal: str) -> dict:
    return dict(zip(KEYS, (measure, float(ours), reference, reference_label, unit, goal), strict=True))


@contextlib.contextmanager
def human_output_on_stderr(enabled: bool) -> Iterator[None]:
    """In ``--bench-json`` mode, everything printed inside goes to stderr, keeping stdout for the JSON rows."""
    if not enabled:
        yield
        return
    with contextlib.redirect_stdout(sys.stderr):
        yield


def emit(rows: list[dict]) -> None:
    for item in rows:
        sys.stdout.write(json.dumps(item, ensure_ascii=False) + "\n")
    sys.stdout.flush()
