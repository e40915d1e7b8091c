"""Token F1 of the extractor against the golden corpus in ``tests/fixtures/pages/``.

    .venv/bin/python -m benchmarks.extraction_eval [--raw] [--verbose]

Each page's extracted text is compared with the human-clean text in ``expected.json``: words are case-folded,
punctuation is ignored, and each CJK character counts as a word. Token F1 counts words as a bag; ``order`` F1
counts only words matched in order, so text moved out of place (a heading after its section) counts too; ``exact``
counts pages whose normalised text is identical to the expected one. It prints one row per page and the summary line
(mean, min, pages below 0.8); ``--raw`` scores plain ``trafilatura.extract`` on the same pages for comparison.
``tests/test_golden.py`` fails when the mean or the minimum drops below ``floor.json``.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from benchmarks._rows import emit, human_output_on_stderr, row
from palimpsest.text.normal import CJK_RANGES, normalise

PAGES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pages"
_TOKEN = re.compile(rf"[{CJK_RANGES}]|[^\W_]+")


@dataclass(frozen=True)
class Score:
    id: str
    precision: float
    recall: float
    f1: float
    order_f1: float  # the same, counting only words matched in order (a reordered text scores lower)
    exact: bool  # the normalised texts are identical


def corpus(quality: str | None = "ok") -> list[dict]:
    """The corpus entries (all of them when ``quality`` is None), each with its raw ``body`` bytes added."""
    pages = json.loads((PAGES / "expected.json").read_text(encoding="utf-8"))["pages"]
    return [
        {**page, "body": (PAGES / page["file"]).read_bytes()}
        for page in pages
        if quality is None or page["quality"] == quality
    ]


def words(text: str) -> list[str]:
    return _TOKEN.findall(normalise(text).casefold())


def token_f1(extracted: str, expected: str) -> tuple[float, float, float]:
    got, want = Counter(words(extracted)), Counter(words(expected))
    common = sum((got & want).values())
    if not got or not want or not common:
        return 0.0, 0.0, 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def ours(page: dict) -> str:
    from palimpsest.errors import ExtractionError  # noqa: PLC0415
    from palimpsest.extractors import extract_policy  # noqa: PLC0415 - keeps `--help` fast

    try:
        return extract_policy(page["body"], page["url"], {"Content-Type": page["content_type"]}).text
    except ExtractionError:
        return ""


def order_f1(extracted: str, expected: str) -> float:
    """Token F1 over the longest in-order matching: text moved out of place counts as missing and extra."""
    got, want = words(extracted), words(expected)
    if not got or not want:
        return 0.0
    matcher = difflib.SequenceMatcher(None, got, want, autojunk=False)
    common = sum(block.size for block in matcher.get_matching_blocks())
    return 2 * common / (len(got) + len(want))


def raw_trafilatura(page: dict) -> str:
    import trafilatura  # noqa: PLC0415

    return trafilatura.extract(page["body"], url=page["url"]) or ""


def evaluate(extract=ours, pages: list[dict] | None = None) -> list[Score]:
    scores = []
    for page in pages if pages is not None else corpus():
        text = extract(page)
        precision, recall, f1 = token_f1(text, page["text"])
        exact = normalise(text).casefold() == normalise(page["text"]).casefold()
        scores.append(Score(page["id"], precision, recall, f1, order_f1(text, page["text"]), exact))
    return scores


def summary(scores: list[Score]) -> dict[str, float]:
    f1s = [s.f1 for s in scores]
    ordered = [s.order_f1 for s in scores]
    return {
        "pages": len(f1s),
        "mean_f1": round(statistics.fmean(f1s), 4),
        "min_f1": round(min(f1s), 4),
        "below_0.8": sum(f < 0.8 for f in f1s),
        "mean_order_f1": round(statistics.fmean(ordered), 4),
        "min_order_f1": round(min(ordered), 4),
        "exact": sum(s.exact for s in scores),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", action="store_true", help="also score plain trafilatura.extract")
    parser.add_argument("--verbose", action="store_true", help="one row per page")
    parser.add_argument("--bench-json", action="store_true", help="with --raw; one JSON row per measure on stdout")
    args = parser.parse_args(argv)
    args.raw = args.raw or args.bench_json
    with human_output_on_stderr(args.bench_json):
        mine, raw = _report(args)
    if args.bench_json and raw is not None:
        floor = json.loads((PAGES / "floor.json").read_text(encoding="utf-8"))
        ours_summary, raw_summary = summary(mine), summary(raw)
        emit(
            [
                row(
                    f"extraction token F1, mean of {len(mine)} pages",
                    ours_summary["mean_f1"],
                    raw_summary["mean_f1"],
                    "raw trafilatura",
                    "F1",
                    f"≥ floor {floor.get('mean_f1', '?')}",
                ),
                row(
                    "extraction token F1, worst page",
                    ours_summary["min_f1"],
                    raw_summary["min_f1"],
                    "raw trafilatura",
                    "F1",
                    f"≥ floor {floor.get('min_f1', '?')}",
                ),
            ]
        )
    return 0


def _report(args: argparse.Namespace) -> tuple[list[Score], list[Score] | None]:
    mine = evaluate(ours)
    raw = evaluate(raw_trafilatura) if args.raw else None
    if args.verbose:
        print(f"{'page':42} {'P':>6} {'R':>6} {'F1':>6} {'order':>6}" + (f" {'raw F1':>7}" if raw else ""))
        for index, score in enumerate(mine):
            extra = f" {raw[index].f1:7.3f}" if raw else ""
            row = f"{score.precision:6.3f} {score.recall:6.3f} {score.f1:6.3f} {score.order_f1:6.3f}"
            print(f"{score.id:42} {row}{extra}")
    print("palimpsest", json.dumps(summary(mine)))
    if raw:
        print("trafilatura.extract", json.dumps(summary(raw)))
    return mine, raw


if __name__ == "__main__":
    raise SystemExit(main())
