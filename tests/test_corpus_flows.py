"""The corpus flows run as Prefect flows, importable from ``flows`` by name, thin over the plain modules."""

from __future__ import annotations

import pytest

from palimpsest.warehouse import connect
from tests.shared import require_shared

pytestmark = pytest.mark.slow


def test_corpus_flows_are_importable_by_name() -> None:
    from prefect.flows import Flow

    from palimpsest import flows

    for name in ("import_corpus", "verify_corpus", "reextract"):
        assert isinstance(getattr(flows, name), Flow)
        assert name in flows.__all__


def test_import_corpus_and_reextract_run_as_flows(prefect_harness, tmp_path, monkeypatch) -> None:
    from palimpsest.flows import import_corpus, reextract, verify_corpus

    seeds = sorted(p for p in require_shared("seeds").glob("0*.txt") if p.name[:3] in {"000", "003", "004"})
    db = tmp_path / "w.duckdb"
    monkeypatch.setenv("PALIMPSEST_DB", str(db))
    monkeypatch.setenv("PALIMPSEST_REPLAY_URL", "http://127.0.0.1:9/web/")  # nothing listens: verify must fail
    monkeypatch.setenv("PALIMPSEST_REPLAY_RATE", "60000")
    report = import_corpus(paths=[str(p) for p in seeds])
    assert report == {"files": 3, "new": 3, "sites": ["japan-talk.com", "kaorisan.com", "sakuralive.com"]}
    assert reextract()["payloads"] == 0  # imports have no raw capture to re-extract
    verified = verify_corpus(site="kaorisan.com")
    assert verified["verified"] == 1 and next(iter(verified["outcomes"])).startswith("error:")
    con = connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM versions").fetchone()[0] == 3
