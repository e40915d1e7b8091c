"""The golden corpus (``tests/fixtures/pages``): F1 against the pinned floor, and every page's own promises.

Each page of our own writing carries its expected text, snippets that must and must not survive, its language,
its stated date and its quality class (``expected.json``). Pages rendering the same policy text in different
layouts must give the same version hash: a redesign is never a new version.
"""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from benchmarks.extraction_eval import PAGES, corpus, evaluate, summary
from palimpsest.errors import ExtractionError
from palimpsest.extractors import extract_policy, normalise

ALL = corpus(quality=None)
PREFIXES = {"pdf": "palimpsest-pdf", "txt": "palimpsest-text", "html": "palimpsest-html"}
POLICIES = [page for page in ALL if page["quality"] == "ok"]
#: Pages the extractor does not yet get right, with what it gets wrong: outside the floor, and watched.
GAPS = json.loads((PAGES / "known_gaps.json").read_text(encoding="utf-8"))["gaps"]
FLOORED = [page for page in POLICIES if page["id"] not in GAPS]


def _with_gaps(pages: list[dict]) -> list:
    """The pages as test parameters; a known gap is expected to fail, strictly: once it passes, the test says so."""
    return [
        pytest.param(page, marks=pytest.mark.xfail(strict=True, reason=GAPS[page["id"]]))
        if page["id"] in GAPS
        else page
        for page in pages
    ]


@pytest.fixture(scope="module")
def extracted() -> dict:
    out = {}
    for page in ALL:
        try:
            out[page["id"]] = extract_policy(page["body"], page["url"], {"Content-Type": page["content_type"]})
        except ExtractionError as err:
            out[page["id"]] = err
    return out


def test_the_corpus_is_large_and_varied() -> None:
    assert len(POLICIES) >= 40
    assert {p["language"] for p in POLICIES} >= {"en", "de", "fr", "es", "ja", "zh", "ko"}
    kinds = {p["file"].rsplit(".", 1)[1] for p in POLICIES}
    assert kinds == {"html", "pdf", "txt"}
    assert {p["quality"] for p in ALL} == {
        "ok",
        "soft-404",
        "bot-wall",
        "parked",
        "login-wall",
        "not-a-policy",
        "empty",
    }


def test_f1_stays_above_the_pinned_floor() -> None:
    floor = json.loads((PAGES / "floor.json").read_text(encoding="utf-8"))
    result = summary(evaluate(pages=FLOORED))
    for key in ("mean_f1", "min_f1", "mean_order_f1", "min_order_f1"):
        assert result[key] >= floor[key], (key, result[key], floor[key])


def test_every_known_gap_is_a_page_that_is_still_below_the_floor() -> None:
    floor = json.loads((PAGES / "floor.json").read_text(encoding="utf-8"))
    ids = {page["id"] for page in POLICIES}
    assert set(GAPS) <= ids, set(GAPS) - ids
    for score in evaluate(pages=[page for page in POLICIES if page["id"] in GAPS]):
        assert score.f1 < floor["min_f1"], f"{score.id} now scores {score.f1:.3f}: take it off known_gaps.json"


@pytest.mark.parametrize("page", _with_gaps(POLICIES), ids=lambda p: p["id"])
def test_each_policy_keeps_its_text_and_drops_the_chrome(page: dict, extracted: dict) -> None:
    result = extracted[page["id"]]
    assert not isinstance(result, Exception), result
    text = normalise(result.text)
    for snippet in page["must_contain"]:
        assert normalise(snippet) in text, snippet
    for snippet in page["must_not_contain"]:
        assert normalise(snippet) not in text, snippet
    assert "\ufffd" not in result.text
    assert result.language == page["language"]
    assert str(result.stated_date) == page["stated_date"]
    assert result.quality == "ok"


@pytest.mark.parametrize("page", [p for p in ALL if p["quality"] != "ok"], ids=lambda p: p["id"])
def test_each_non_policy_gets_its_quality_class(page: dict, extracted: dict) -> None:
    result = extracted[page["id"]]
    quality = result.reason if isinstance(result, ExtractionError) else result.quality
    assert quality == page["quality"]


def test_no_page_comes_out_as_mojibake(extracted: dict) -> None:
    from palimpsest.demo.build import MOJIBAKE

    for page in POLICIES:
        text = extracted[page["id"]].text
        assert not [marker for marker in MOJIBAKE if marker in text], page["id"]


def test_tables_of_data_categories_survive_row_by_row(extracted: dict) -> None:
    """Each row of an expected table reads, in order, in the extraction: the categories keep their examples."""
    checked = 0
    for page in POLICIES:
        rows = [line for line in page["text"].splitlines() if line.startswith("|") and "---" not in line]
        text = normalise(extracted[page["id"]].text)
        for row in rows:
            cells = " ".join(cell.strip() for cell in row.strip("|").split("|"))
            assert normalise(cells) in text, (page["id"], row)
            checked += 1
    assert checked >= 20


def test_one_policy_in_many_layouts_is_one_version(extracted: dict) -> None:
    groups = defaultdict(set)
    for page in POLICIES:
        if page.get("same_text_as"):
            groups[page["same_text_as"]].add(extracted[page["id"]].text_sha256)
    assert len(groups) >= 10
    assert {name: len(hashes) for name, hashes in groups.items() if len(hashes) > 1} == {}


def test_the_extractor_is_recorded_per_kind_of_document(extracted: dict) -> None:
    for page in POLICIES:
        extractor = extracted[page["id"]].extractor
        kind = page["file"].rsplit(".", 1)[1]
        assert extractor.startswith(
            {"pdf": "palimpsest-pdf", "txt": "palimpsest-text", "html": "palimpsest-html"}[kind]
        )


def test_headings_are_marked_on_every_layout(extracted: dict) -> None:
    """Every heading of the expected text is a ``#`` heading in the extraction, whatever the page's markup."""
    for page in POLICIES:
        want = [line.lstrip("#").strip() for line in page["text"].splitlines() if line.startswith("#")]
        got = {
            normalise(line.lstrip("#").strip())
            for line in extracted[page["id"]].text.splitlines()
            if line.startswith("#")
        }
        missing = [title for title in want if normalise(title) not in got]
        assert not missing, (page["id"], missing)
