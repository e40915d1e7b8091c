"""Crawl progress: live bars on a terminal (found, fetched, extracted, ETA, rate-limit wait), lines in a pipe."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from palimpsest.flows import progress
from palimpsest.flows.crawl import CrawlReport
from palimpsest.settings import Settings


def _report(found: int, to_fetch: int, fetched: int, extracted: int) -> CrawlReport:
    return CrawlReport(
        site="a.example", url="https://a.example/p", captures_found=found, to_fetch=to_fetch, fetched=fetched,
        extracted=extracted,
    )  # fmt: skip


@pytest.mark.parametrize("terminal", [True, False])
def test_progress_shows_found_fetched_extracted_and_the_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, terminal: bool
) -> None:
    import palimpsest.cli.output
    import palimpsest.cli.progress

    out = io.StringIO()
    screen = Console(file=out, force_terminal=terminal, width=140, color_system=None)
    monkeypatch.setattr(palimpsest.cli.progress, "console", screen)
    monkeypatch.setattr(palimpsest.cli.output, "console", screen)
    settings = Settings(db=tmp_path / "w.duckdb", cdx_url="http://127.0.0.1:9/cdx", replay_url="http://127.0.0.1:9/")
    with palimpsest.cli.progress.crawl_progress(settings):
        report = _report(40, 10, 3, 2)
        progress.publish(report)
        report.fetched = report.extracted = 7  # a crawl publishes its one running report after each batch
        progress.publish(report)
        progress.publish(_report(5, 4, 1, 0))  # and another site's crawl, at the same time, adds up
    progress.publish(_report(1, 1, 1, 1))  # after the block, nobody listens
    text = out.getvalue()
    assert "waited 0.0 s on rate limits" in text
    if terminal:
        for row in ("found", "45/45", "fetched", "8/14", "extracted", "7/14"):
            assert row in text, row
    else:
        assert text.splitlines()[0].startswith("found 40, fetched 3 of 10, extracted 2;")
        assert text.splitlines()[2].startswith("found 45, fetched 8 of 14, extracted 7;")
        assert len(text.splitlines()) == 3
