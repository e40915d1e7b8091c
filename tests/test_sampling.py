"""Sample and bisect: the planner on simulated histories, then whole crawls on pywb compared with full ones."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from palimpsest.errors import BadInput
from palimpsest.fetchers import Capture
from palimpsest.flows.crawl import run_crawl
from palimpsest.flows.sampling import Bisection, check_period, period_of
from palimpsest.warehouse import connect
from tests.conftest import settings_for
from tests.snapshots import snapshot

URL = "https://bakery.example/privacy"
START = datetime(2015, 3, 2, 8, 0, tzinfo=UTC)


def history(texts: list[str | None], step: timedelta = timedelta(hours=31), digests: list[str] | None = None):
    """Captures of URL ``step`` apart; capture i shows texts[i] (None: no usable text). Digests all differ."""
    names = digests or [f"D{i:05d}" for i in range(len(texts))]
    captures = [Capture(START + step * i, URL, names[i], 200, "text/html") for i in range(len(texts))]
    truth = dict(zip(names, texts, strict=True))
    return captures, truth


def simulate(captures, truth, period: str, known: dict | None = None, tried: set | None = None):
    """Run the planner as the crawl does, the "archive" answering from ``truth``. Returns (texts, fetched)."""
    plan = Bisection(captures, period, known, tried or set())
    fetched: list[Capture] = []
    while picks := plan.next_round():
        for group in plan.groups(picks):
            fetched.append(group[0])
            plan.asked(group)
            plan.learn(group[0].digest, truth[group[0].digest])
    texts = {c.key: plan.text_of(c) for c in captures if plan.is_known(c)}
    texts.update({item.capture.key: item.text_sha256 for item in plan.inferred()})
    return [texts.get(c.key) for c in captures], fetched


def versions(texts: list[str | None]) -> list[tuple[int, int, str]]:
    """(first index, last index, text) of each run of equal usable texts, skipping unusable captures."""
    runs: list[list] = []
    for index, text in enumerate(texts):
        if text is None:
            continue
        if runs and runs[-1][2] == text:
            runs[-1][1] = index
        else:
            runs.append([index, index, text])
    return [tuple(run) for run in runs]


@pytest.mark.parametrize("period", ["weekly", "monthly", "yearly"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_thousand_captures_with_five_changes_are_rebuilt_exactly(period: str, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - a reproducible history, not cryptography
    cuts = sorted(rng.sample(range(1, 1000), 5))
    texts = [f"T{sum(i >= cut for cut in cuts)}" for i in range(1000)]
    captures, truth = history(texts)
    rebuilt, fetched = simulate(captures, truth, period)
    assert rebuilt == texts  # every capture's text, fetched or inferred, and so the same versions and changes
    assert len(fetched) <= 0.2 * len(captures) if period != "weekly" else len(fetched) <= 0.4 * len(captures)


def test_each_change_is_pinned_between_adjacent_captures() -> None:
    texts = ["A"] * 300 + ["B"] * 300 + ["A"] * 300
    captures, truth = history(texts)
    rebuilt, fetched = simulate(captures, truth, "yearly")
    assert versions(rebuilt) == [(0, 299, "A"), (300, 599, "B"), (600, 899, "A")]
    asked = {c.key for c in fetched}
    for edge in (299, 300, 599, 600):
        assert captures[edge].key in asked  # changed_after and changed_by are real captures, fetched
    assert len(fetched) < 40


def test_a_change_and_its_reversal_between_two_equal_samples_is_invisible() -> None:
    """The documented assumption: B lives for four days inside one month whose samples both show A."""
    texts = ["A"] * 60
    texts[30:33] = ["B", "B", "B"]
    captures, truth = history(texts, step=timedelta(days=1, hours=1))
    rebuilt, _ = simulate(captures, truth, "monthly")
    assert versions(rebuilt) == [(0, 59, "A")]
    rebuilt_daily, _ = simulate(captures, truth, "daily")
    assert versions(rebuilt_daily) == versions(texts)  # a shorter period sees it


def test_failed_captures_are_never_neighbours_and_the_first_usable_one_is_found() -> None:
    texts: list[str | None] = ["A"] * 200 + ["B"] * 200
    for broken in (0, 1, 2, 57, 199, 200, 399):
        texts[broken] = None
    captures, truth = history(texts)
    rebuilt, fetched = simulate(captures, truth, "yearly")
    assert versions(rebuilt) == versions(texts) == [(3, 198, "A"), (201, 398, "B")]
    failed = {captures[i].key for i in (0, 1, 2, 199, 200, 399)}
    assert failed <= {c.key for c in fetched}  # asked, found unusable, recorded as such: never inferred over
    assert rebuilt[57] == "A"  # not asked: inferred from its neighbours, as the assumption says


def test_digests_already_known_are_not_fetched_and_can_start_a_bisection() -> None:
    texts = ["A"] * 100
    texts[50] = "B"
    digests = [f"D{i:03d}" for i in range(100)]
    captures, truth = history(texts, digests=digests)
    # An earlier crawl knew D050 (fetched for another URL sharing the digest, say): B sits among A's.
    rebuilt, fetched = simulate(captures, truth, "yearly", known={"D050": "B"})
    assert versions(rebuilt) == [(0, 49, "A"), (50, 50, "B"), (51, 99, "A")]
    assert "D050" not in {c.digest for c in fetched}


def test_shared_digests_are_fetched_once_and_fall_back_to_the_next_capture() -> None:
    texts = ["A"] * 40
    digests = ["SAME"] * 40
    captures, _ = history(texts, digests=digests)
    plan = Bisection(captures, "monthly")
    picks = plan.next_round()
    groups = plan.groups(picks)
    assert len(groups) == 1  # one digest, one fetch, however many periods it spans
    assert len(groups[0]) == 40  # the other captures are the ones to ask if the first fails


def test_a_rerun_with_new_captures_samples_only_what_is_new() -> None:
    texts = ["A"] * 100 + ["B"] * 30
    captures, truth = history(texts)
    old = captures[:100]
    _, first = simulate(old, truth, "monthly")
    known = {c.digest: truth[c.digest] for c in first}
    _, second = simulate(captures, truth, "monthly", known=known)
    assert {c.key for c in second}.isdisjoint({c.key for c in first})
    assert all(c.timestamp >= captures[90].timestamp for c in second)


def test_periods() -> None:
    moment = datetime(2021, 1, 3, 12, tzinfo=UTC)  # a Sunday in ISO week 53 of 2020
    assert period_of(moment, "weekly") == (2020, 53)
    assert period_of(moment, "monthly") == (2021, 1)
    assert period_of(moment, "daily") == (2021, 1, 3)
    assert period_of(moment, "yearly") == (2021,)
    with pytest.raises(BadInput, match="monthly"):
        check_period("fortnightly")


# --- whole crawls on pywb --------------------------------------------------------------------------------------


def test_sampled_crawl_equals_the_full_crawl_for_a_fraction_of_the_fetches(timeline_wayback, timelines, tmp_path):
    timeline = timelines["sampling"]
    full = settings_for(timeline_wayback, tmp_path / "full.duckdb")
    sampled = settings_for(timeline_wayback, tmp_path / "sampled.duckdb")
    everything = run_crawl(full, timeline.url)
    some = run_crawl(sampled, timeline.url, sample="monthly")
    want, got = snapshot(full.db), snapshot(sampled.db)
    assert len(want["versions"]) == timeline.changes + 1 == 5
    assert got["versions"] == want["versions"]
    assert got["changes"] == want["changes"]
    strip = [row[:-1] for row in got["captures"]]  # all but provenance
    assert strip == [row[:-1] for row in want["captures"]]  # every CDX row is there, same outcome and text
    assert everything.fetched == len(timeline.stamps)
    assert some.fetched + some.inferred == len(timeline.stamps)
    assert some.fetched <= 0.5 * everything.fetched
    assert got["provenance"] == [("archive", some.fetched), ("inferred", some.inferred)]

    # A rerun of the sampled crawl asks the CDX and nothing else.
    again = run_crawl(sampled, timeline.url, sample="monthly")
    assert again.fetched == 0
    assert snapshot(sampled.db)["versions"] == want["versions"]

    # A full crawl afterwards fetches exactly what was inferred, and confirms it.
    confirmed = run_crawl(sampled, timeline.url)
    assert confirmed.fetched == some.inferred
    final = snapshot(sampled.db)
    assert final["versions"] == want["versions"]
    assert final["provenance"] == [("archive", len(timeline.stamps))]


def test_sampled_crawl_of_the_demo_sites_gives_the_expected_versions(wayback, demo_build, tmp_path) -> None:
    _, expected = demo_build
    settings = settings_for(wayback, tmp_path / "palimpsest.duckdb")
    for site in expected["sites"]:
        run_crawl(settings, site["url"], site=site["site"], sample="yearly")
    con = connect(settings.db, read_only=True)
    for site in expected["sites"]:
        rows = con.execute(
            "SELECT version, strftime(first_seen, '%Y-%m-%dT%H:%M:%SZ'), strftime(last_seen, '%Y-%m-%dT%H:%M:%SZ'),"
            " captures, policy_url FROM versions WHERE site = ? ORDER BY version",
            [site["site"]],
        ).fetchall()
        assert rows == [
            (v["version"], v["first_seen"], v["last_seen"], v["captures"], v["policy_url"]) for v in site["versions"]
        ], site["site"]
    con.close()


def test_crawl_sample_from_the_command_line(
    timeline_wayback, timelines, prefect_harness, tmp_path, monkeypatch, capsys
) -> None:
    from palimpsest.cli import main

    timeline = timelines["sampling"]
    db = tmp_path / "palimpsest.duckdb"
    options = {
        "PALIMPSEST_DB": str(db),
        "PALIMPSEST_CDX_URL": timeline_wayback.cdx_url,
        "PALIMPSEST_REPLAY_URL": timeline_wayback.replay_url,
        "PALIMPSEST_CDX_RATE": "6000",
        "PALIMPSEST_REPLAY_RATE": "60000",
    }
    for name, value in options.items():
        monkeypatch.setenv(name, value)  # the command exports them too; this restores them afterwards
    code = main(["crawl", timeline.url, "--sample", "yearly"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    con = connect(db, read_only=True)
    fetched, inferred = con.execute(
        "SELECT count(*) FILTER (provenance = 'archive'), count(*) FILTER (provenance = 'inferred') FROM captures"
    ).fetchone()
    versions = con.execute("SELECT count(*) FROM versions").fetchone()[0]
    con.close()
    assert f"{len(timeline.stamps)} captures, {fetched} fetched, {inferred} inferred, 5 versions" in out
    assert inferred > 0 and fetched + inferred == len(timeline.stamps)
    assert versions == timeline.changes + 1
