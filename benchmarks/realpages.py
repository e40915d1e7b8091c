"""Extraction on real policy pages as saved from the web: OPP-115's 2015 pages against its human-cleaned texts.

    PALIMPSEST_OPP115=PATH .venv/bin/python -m benchmarks.realpages [--verbose] [--only ID ...] [--below 0.9]

PATH is the OPP-115 corpus: a checkout or the git directory of the public repository pmayostendorp/beforeiaccept
(its ``OPP-115/original_policies/*.html`` and ``OPP-115/sanitized_policies/*.html``). The corpus is never copied
into this repository (licence and size). **Only the odd numeric ids are read**: the even ones are kept for an
independent check, so nothing here opens them.

Side by side in one run, on the same decoded pages: ours (``extract_policy``), trafilatura with its defaults,
trafilatura with ``favor_recall``, and the other extractors installed for comparison (jusText, readability-lxml,
resiliparse), of which the best is reported. Per page: token F1, precision and recall against the human-cleaned
text (words case-folded, punctuation ignored, as ``benchmarks.extraction_eval`` counts them), and refusals (a
real policy that ours classifies as not a policy). CPU time per page is measured for ours and trafilatura's
defaults on the same pages, in alternation.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks._rows import emit, human_output_on_stderr, row
from benchmarks.extraction_eval import token_f1

GOAL_F1 = 0.96
_ID = re.compile(r"^(\d+)_(.+)\.html$")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Page:
    id: int
    name: str
    body: bytes
    expected: str


@dataclass
class Result:
    f1: float = 0.0
    precision: float = 0.0
    recall: float = 0.0
    refused: str | None = None
    seconds: float = 0.0


@dataclass
class Run:
    page: Page
    results: dict[str, Result] = field(default_factory=dict)


class Corpus:
    """OPP-115 read from a checkout or a git directory, odd ids only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.git = (path / "HEAD").exists() and (path / "objects").is_dir()

    def names(self, folder: str) -> list[str]:
        if self.git:
            listed = subprocess.run(
                ["git", "--git-dir", str(self.path), "ls-tree", "--name-only", f"HEAD:OPP-115/{folder}/"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            return sorted(listed)
        return sorted(p.name for p in (self.path / "OPP-115" / folder).iterdir())

    def read(self, folder: str, name: str) -> bytes:
        if self.git:
            return subprocess.run(
                ["git", "--git-dir", str(self.path), "show", f"HEAD:OPP-115/{folder}/{name}"],
                capture_output=True,
                check=True,
            ).stdout
        return (self.path / "OPP-115" / folder / name).read_bytes()

    def pages(self, only: set[int] | None = None) -> list[Page]:
        expected = {}
        for name in self.names("sanitized_policies"):
            match = _ID.match(name)
            if match and int(match.group(1)) % 2 == 1:
                expected[int(match.group(1))] = name
        found = []
        for name in self.names("original_policies"):
            match = _ID.match(name)
            if not match or int(match.group(1)) % 2 == 0 or int(match.group(1)) not in expected:
                continue  # even ids are reserved for the independent check: never read
            number = int(match.group(1))
            if only and number not in only:
                continue
            gold = self.read("sanitized_policies", expected[number]).decode("utf-8", "replace")
            found.append(Page(number, match.group(2), self.read("original_policies", name), clean_gold(gold)))
        return sorted(found, key=lambda p: p.id)


def clean_gold(text: str) -> str:
    """The human-cleaned text: segments joined by ``|||``, line breaks as ``<br>``, entities escaped."""
    text = _BREAK.sub("\n", text.replace("|||", "\n\n"))
    return html.unescape(_TAG.sub(" ", text))


def decoded(page: Page) -> str:
    from palimpsest.extractors.charset import decode_html  # noqa: PLC0415 - keeps `--help` fast

    return decode_html(page.body, "").text


def extractors() -> dict[str, Callable[[Page], str]]:
    """Every extractor compared, by name; ours first. Imported here so ``--help`` stays fast."""
    import justext  # noqa: PLC0415
    import trafilatura  # noqa: PLC0415

    from palimpsest.errors import UnusableText  # noqa: PLC0415
    from palimpsest.extractors import extract_policy  # noqa: PLC0415

    def ours(page: Page) -> str:
        try:
            return extract_policy(page.body, f"http://{page.name}/privacy").text
        except UnusableText as err:
            raise Refused(err.reason) from err

    found: dict[str, Callable[[Page], str]] = {
        "ours": ours,
        "trafilatura": lambda page: trafilatura.extract(decoded(page)) or "",
        "trafilatura favor_recall": lambda page: trafilatura.extract(decoded(page), favor_recall=True) or "",
        "jusText": lambda page: "\n".join(
            p.text for p in justext.justext(decoded(page), justext.get_stoplist("English")) if not p.is_boilerplate
        ),
    }
    try:
        from readability import Document  # noqa: PLC0415

        found["readability-lxml"] = lambda page: _plain(Document(decoded(page)).summary())
    except ImportError:
        pass
    try:
        from resiliparse.extract.html2text import extract_plain_text  # noqa: PLC0415

        found["resiliparse"] = lambda page: extract_plain_text(decoded(page), main_content=True)
    except ImportError:
        pass
    return found


class Refused(Exception):
    """Ours classified the page as something other than a policy."""


def _plain(markup: str) -> str:
    return html.unescape(_TAG.sub(" ", _BREAK.sub("\n", markup)))


def score(pages: list[Page], names: list[str] | None = None) -> Iterator[Run]:
    found = extractors()
    for page in pages:
        run = Run(page)
        for name, extract in found.items():
            if names and name not in names:
                continue
            started = time.process_time()
            try:
                text = extract(page)
                refused = None
            except Refused as err:
                text, refused = "", str(err)
            seconds = time.process_time() - started
            precision, recall, f1 = token_f1(text, page.expected)
            run.results[name] = Result(f1, precision, recall, refused, seconds)
        yield run


def summary(runs: list[Run], name: str) -> dict[str, float]:
    results = [r.results[name] for r in runs if name in r.results]
    return {
        "f1": statistics.mean(r.f1 for r in results),
        "below": sum(1 for r in results if r.f1 < 0.8),
        "refused": sum(1 for r in results if r.refused),
        "ms": 1000 * statistics.mean(r.seconds for r in results),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", type=int, nargs="*", help="only these (odd) ids")
    parser.add_argument("--below", type=float, default=0.9, help="list pages where ours scores below this F1")
    parser.add_argument("--verbose", action="store_true", help="every page, every extractor")
    parser.add_argument("--bench-json", action="store_true", help="JSON lines on stdout, prose on stderr")
    args = parser.parse_args(argv)
    where = os.environ.get("PALIMPSEST_OPP115")
    if not where or not Path(where).exists():
        message = (
            "skipped: set PALIMPSEST_OPP115 to a checkout (or git directory) of github.com/pmayostendorp/"
            "beforeiaccept, which holds the OPP-115 corpus; it is never copied into this repository"
        )
        print(message, file=sys.stderr)
        if args.bench_json:
            print('{"skipped": "PALIMPSEST_OPP115 is not set"}')
        return 0
    if args.only and any(n % 2 == 0 for n in args.only):
        parser.error("even ids are reserved for the independent check")
    pages = Corpus(Path(where)).pages(set(args.only or ()))
    with human_output_on_stderr(args.bench_json):
        runs = []
        for run in score(pages):
            runs.append(run)
            if args.verbose:
                cells = "  ".join(
                    f"{n} {r.f1:.3f}" + (f" ({r.refused})" if r.refused else "") for n, r in run.results.items()
                )
                print(f"{run.page.id:>5} {run.page.name:<32} {cells}")
        names = list(runs[0].results) if runs else []
        totals = {name: summary(runs, name) for name in names}
        others = [n for n in names if n not in {"ours", "trafilatura", "trafilatura favor_recall"}]
        best = max(others, key=lambda n: totals[n]["f1"]) if others else None
        print(f"\n{len(runs)} pages (odd OPP-115 ids); mean token F1, pages below 0.8, refused, CPU ms/page")
        for name in ["ours", "trafilatura", "trafilatura favor_recall", *([best] if best else [])]:
            t = totals[name]
            label = f"{name} (best other)" if name == best else name
            print(f"  {label:<32} {t['f1']:.3f}  {t['below']:>3}  {t['refused']:>3}  {t['ms']:7.1f}")
        oracle = statistics.mean(max(r.f1 for r in run.results.values()) for run in runs) if runs else 0.0
        print(f"  {'best of all, page by page':<32} {oracle:.3f}")
        print(f"\nours below {args.below}:")
        for run in runs:
            mine = run.results["ours"]
            if mine.f1 < args.below:
                print(
                    f"  {run.page.id:>5} {run.page.name:<32} F1 {mine.f1:.3f}  P {mine.precision:.3f}  "
                    f"R {mine.recall:.3f}"
                    + (f"  refused: {mine.refused}" if mine.refused else "")
                    + f"   (trafilatura {run.results['trafilatura'].f1:.3f})"
                )
    if args.bench_json and runs:
        ours, raw = totals["ours"], totals["trafilatura"]
        emit(
            [
                row("real pages: mean token F1", ours["f1"], raw["f1"], "trafilatura", "F1", f">= {GOAL_F1}"),
                row("real pages: pages below 0.8", ours["below"], raw["below"], "trafilatura", "pages", "<= 2"),
                row("real pages: policies refused", ours["refused"], 0, "-", "pages", "0"),
                row("real pages: CPU per page", ours["ms"], raw["ms"], "trafilatura", "ms", "<= 2x reference"),
            ]
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
