"""The extraction speed benchmark's arithmetic and its ``--bench-json`` rows (no timing here)."""

from __future__ import annotations

import statistics

from benchmarks._rows import KEYS
from benchmarks.extraction_speed import Figures, rows


def _figures() -> Figures:
    figures = Figures(pages=10)
    figures.wall.update(raw_1=[1.0, 2.0], ours_1=[0.5, 4.0], raw_2=[0.6, 0.6], ours_2=[0.5, 1.0])
    figures.cpu.update(raw_1=[0.04, 0.04], ours_1=[0.05, 0.03], raw_2=[0.05, 0.05], ours_2=[0.06, 0.04])
    return figures


def test_ratios_are_per_round_and_over_all_rounds() -> None:
    figures = _figures()
    assert figures.rate("raw_1") == 20 / 3.0
    assert figures.best("ours_1") == 10 / 0.5
    assert figures.round_ratios("ours_1") == [2.0, 0.5]  # the same rounds' raw time over ours
    assert statistics.median(figures.round_ratios("ours_2")) == 2.0
    assert figures.ratio("ours_1") == 3.0 / 4.5


def test_cpu_ratios_count_both_cores_for_the_pool() -> None:
    figures = _figures()
    assert figures.cpu_ms("raw_1") == 4.0
    assert figures.cpu_ratio("ours_1") == 1.0
    assert figures.cpu_ratio("ours_2") == 2 * 4.0 / 5.0


def test_bench_json_rows_keep_their_measure_names() -> None:
    made = rows(_figures())
    assert all(tuple(item) == KEYS for item in made)
    names = [item["measure"] for item in made]
    assert names[:2] == ["extraction speed, 1 process", "extraction speed, 2 processes"]
    assert made[1]["reference"] == made[0]["reference"]  # both goals are against raw in one process
