"""The Atom feed of changes: valid Atom (RFC 4287) read back, stable ids, RFC 3339 dates, archived snapshots."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from palimpsest.cli import main
from palimpsest.settings import Settings
from palimpsest.warehouse import connect
from palimpsest.warehouse.feed import write_feed
from tests.history import NEW_URL, OLD_URL, history_file

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
REPLAY = "http://127.0.0.1:9/demo/"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return history_file(tmp_path / "w.duckdb", "shop.example", "other.example")


def _read(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()  # noqa: S314 - our own output, written by the test just before
    assert root.tag == f"{ATOM}feed"
    return root


def test_the_feed_is_atom_with_every_required_element(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "feed.xml"
    assert write_feed(Settings(db=db, replay_url=REPLAY), out, site="shop.example") == 3
    feed = _read(out)
    for name in ("id", "title", "updated"):
        assert (feed.findtext(f"{ATOM}{name}") or "").strip(), name
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "Palimpsest"
    assert RFC3339.fullmatch(feed.findtext(f"{ATOM}updated"))
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 3
    for entry in entries:
        for name in ("id", "title", "updated", "summary"):
            assert (entry.findtext(f"{ATOM}{name}") or "").strip(), name
        assert RFC3339.fullmatch(entry.findtext(f"{ATOM}updated"))
        link = entry.find(f"{ATOM}link")
        assert link is not None and link.get("rel") == "alternate"
        assert re.fullmatch(re.escape(REPLAY) + r"\d{14}/https?://shop\.example/.*", link.get("href"))
    newest = entries[0]  # the revert to the first wording, in 2019
    assert newest.findtext(f"{ATOM}updated") == "2019-01-01T00:00:00Z"
    assert newest.find(f"{ATOM}link").get("href") == f"{REPLAY}20190101000000/{NEW_URL}"
    assert "version 3 replaces version 2" in newest.findtext(f"{ATOM}title")
    assert re.search(
        r"\+\d+ words, −\d+ words; changed between 2018-01-01 00:00 and 2019-01-01 00:00",
        newest.findtext(f"{ATOM}summary"),
    )
    oldest = entries[-1]
    assert "first version" in oldest.findtext(f"{ATOM}title")
    assert oldest.find(f"{ATOM}link").get("href") == f"{REPLAY}20150101000000/{OLD_URL}"
    assert feed.findtext(f"{ATOM}updated") == newest.findtext(f"{ATOM}updated")


def test_ids_are_unique_and_stable_and_a_rewrite_is_byte_identical(db: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.xml", tmp_path / "b.xml"
    write_feed(Settings(db=db, replay_url=REPLAY), first)
    write_feed(Settings(db=db, replay_url=REPLAY), second)
    assert first.read_bytes() == second.read_bytes()
    ids = [e.findtext(f"{ATOM}id") for e in _read(first).findall(f"{ATOM}entry")]
    assert len(ids) == 6 and len(set(ids)) == 6
    # A rebuild that renumbers versions keeps the ids: they hang on the site and the text, not the number.
    con = connect(db)
    con.execute("UPDATE version SET version = version + 10 WHERE site = 'shop.example'")
    con.close()
    write_feed(Settings(db=db, replay_url=REPLAY), second)
    assert [e.findtext(f"{ATOM}id") for e in _read(second).findall(f"{ATOM}entry")] == ids


def test_the_feed_command_writes_one_site_or_all(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "feed.xml"
    assert main(["--db", str(db), "--replay-url", REPLAY, "feed", str(out), "--site", "other.example"]) == 0
    sites = {e.findtext(f"{ATOM}id").split(",2026:")[1].split("/")[0] for e in _read(out).findall(f"{ATOM}entry")}
    assert sites == {"other.example"}
    assert "3 entries" in capsys.readouterr().out
    assert main(["--db", str(db), "feed", str(out), "--site", "nowhere.example"]) == 1
