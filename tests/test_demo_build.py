"""The demo archive builder is deterministic and covers every phenomenon the issue lists."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    from palimpsest.demo.build import build

    first = build(tmp_path / "a")
    second = build(tmp_path / "b")
    for one, two in zip(first, second, strict=True):
        assert hashlib.sha256(one.read_bytes()).digest() == hashlib.sha256(two.read_bytes()).digest()


def test_the_archive_holds_what_real_archives_hold(demo_build: tuple[Path, dict]) -> None:
    warc, expected = demo_build
    statuses, revisits, charsets = [], 0, set()
    with warc.open("rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type == "revisit":
                revisits += 1
            if record.rec_type == "response":
                statuses.append(record.http_headers.get_statuscode())
                charsets.add(record.http_headers.get_header("Content-Type"))
    assert revisits >= 1
    assert {"200", "301", "404"} <= set(statuses)
    assert "text/html; charset=Shift_JIS" in charsets
    assert "text/html; charset=iso-8859-1" in charsets
    assert len(expected["sites"]) >= 4
    for site in expected["sites"]:
        assert 5 <= site["captures"] <= 15
    assert any(v.get("same_text_as") for s in expected["sites"] for v in s["versions"])  # a revert
    json.dumps(expected)
