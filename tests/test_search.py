"""Full-text search: BM25 over texts and sections, mapped to versions, kept fresh, filtered by site and time."""

from __future__ import annotations

from pathlib import Path

import pytest

from palimpsest.cli import main
from palimpsest.flows.importing import import_documents
from palimpsest.warehouse import connect, queries
from palimpsest.warehouse import search as fts
from palimpsest.warehouse.seeds import parse
from tests.history import TEXT_B, at, history_file


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return history_file(tmp_path / "w.duckdb", "shop.example", "other'shop; DROP TABLE version;--")


def test_search_ranks_versions_whose_text_matches(db: Path) -> None:
    con = connect(db)
    fts.build_index(con)
    hits = fts.search(con, "advertising partners")
    assert {(h.site, h.version) for h in hits} == {("shop.example", 2), ("other'shop; DROP TABLE version;--", 2)}
    assert all(h.score > 0 for h in hits)
    assert "advertising partners" in hits[0].snippet
    assert fts.search(con, "parcels", site="shop.example") and {
        h.version for h in fts.search(con, "parcels", site="shop.example")
    } == {1, 2, 3}


def test_at_keeps_only_the_version_in_force(db: Path) -> None:
    con = connect(db)
    fts.build_index(con)
    assert [h.version for h in fts.search(con, "parcels", site="shop.example", at=at("20170601000000"))] == [2]
    assert [h.version for h in fts.search(con, "parcels", site="shop.example", at=at("20200101000000"))] == [3]
    assert fts.search(con, "parcels", site="shop.example", at=at("20100101000000")) == []


def test_an_import_makes_the_index_stale_and_the_next_search_rebuilds_it(db: Path) -> None:
    assert fts.ensure_index(db) is True
    assert fts.ensure_index(db) is False
    con = connect(db)
    text = "# Privacy\n\nOur bakery shares sourdough statistics with the guild of millers."
    import_documents(con, [("new.md", parse(text))], site="shop.example", at=at("20210101000000"))
    assert not fts.is_fresh(con)
    con.close()
    assert fts.ensure_index(db) is True
    con = connect(db, read_only=True)
    assert [(h.site, h.version) for h in fts.search(con, "millers guild")] == [("shop.example", 4)]


def test_sections_are_searched_and_named(tmp_path: Path) -> None:
    con = connect(tmp_path / "w.duckdb")
    text = "# Privacy\n\nIntro words.\n\n## Cookies\n\nWe set a basket cookie.\n\n## Rights\n\nAsk us anything."
    import_documents(con, [("p.md", parse(text))], site="bakery.example", at=at("20200101000000"))
    fts.build_index(con)
    hits = fts.search(con, "basket cookie")
    assert hits[0].heading == "Cookies"


def test_search_command_prints_site_version_dates_score_and_snippet(db: Path, capsys) -> None:
    code = main(["--db", str(db), "search", "advertising", "--site", "shop.example", "--format", "csv"])
    out = capsys.readouterr().out
    assert code == 0
    header, row = out.splitlines()[:2]
    assert header == "site,version,first seen,last seen,score,section,snippet"
    assert row.startswith("shop.example,2,2017-01-01")
    assert TEXT_B.split()[-1].rstrip(".") in row


def test_search_for_an_unknown_site_is_one_clear_line(db: Path, capsys) -> None:
    assert main(["--db", str(db), "search", "parcels", "--site", "shop.exampel"]) == 1
    assert "did you mean shop.example" in capsys.readouterr().err


def test_a_rebuild_that_only_regroups_versions_makes_the_index_stale(db: Path) -> None:
    """A capture of an old text in the middle of a version splits it: no new text, but new versions."""
    assert fts.ensure_index(db) is True
    capture_first_text(db, "https://shop.example/legal/privacy", at("20170601000000"), "DX")
    assert fts.ensure_index(db) is True
    con = connect(db, read_only=True)
    assert [h.version for h in fts.search(con, "parcels", site="shop.example", at=at("20170701000000"))] == [3]


def test_first_appearance_of_a_clause_across_sites(db: Path) -> None:
    con = connect(db)
    found = queries.first_appearances(con, "share it with our advertising partners", limit=5)
    assert [(site, version) for site, version, _ in found] == [
        ("other'shop; DROP TABLE version;--", 2),
        ("shop.example", 2),
    ]
    assert found[0][2] == at("20170101000100")
    assert queries.first_appearances(con, "partners our advertising with share it") == []  # words, not the clause


def capture_first_text(db: Path, url: str, when, digest: str) -> None:
    """Store a capture of version 1's text of shop.example and rebuild its versions: the index goes stale."""
    from palimpsest.warehouse import store
    from palimpsest.warehouse.rows import CaptureRow
    from palimpsest.warehouse.versions import rebuild_versions

    con = connect(db)
    sha_a = con.execute("SELECT text_sha256 FROM versions WHERE site = 'shop.example' AND version = 1").fetchone()[0]
    row = CaptureRow("shop.example", url, when, digest, 200, "text/html", "same-text", text_sha256=sha_a,
                     quality="ok", usable=True)  # fmt: skip
    store.save_captures(con, [row])
    rebuild_versions(con, "shop.example")
    assert not fts.is_fresh(con)
    con.close()


def test_an_earlier_capture_of_the_first_text_makes_the_index_stale(db: Path) -> None:
    """Version 1 starts earlier but keeps its number and text: a time filter must see the new start."""
    assert fts.ensure_index(db) is True
    early = at("20140101000000")
    con = connect(db, read_only=True)
    assert fts.search(con, "parcels", site="shop.example", at=early) == []
    con.close()
    capture_first_text(db, "http://shop.example/privacy", early, "DA0")
    assert fts.ensure_index(db) is True
    con = connect(db, read_only=True)
    assert [h.version for h in fts.search(con, "parcels", at=early)] == [1]
    assert [h.first_seen for h in fts.search(con, "parcels", site="shop.example", at=early)] == [early]


def test_first_appearance_reads_each_distinct_section_once(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    con = connect(db)
    older = "# Privacy\n\n## Sharing\n\nWe never sell your data.\n\n## Cookies\n\nWe set cookies."
    newer = "# Privacy\n\n## Sharing\n\nWe sell your data to brokers.\n\n## Cookies\n\nWe set cookies."
    other = older.replace("# Privacy", "# Privacy at B")  # another file: an import stores a file's bytes once
    for site, text, when in (("a.example", older, "2012"), ("a.example", newer, "2016"), ("b.example", other, "2014")):
        import_documents(con, [(f"{site}-{when}.md", parse(text))], site=site, at=at(f"{when}0101000000"))
    assert con.execute("SELECT count(*) FROM section_text WHERE body = 'We set cookies.'").fetchone() == (1,)
    found = queries.first_appearances(con, "WE SET COOKIES", limit=5)
    assert [(site, version) for site, version, _ in found] == [("a.example", 1), ("b.example", 1), ("a.example", 2)]
    assert [v for _, v, _ in queries.first_appearances(con, "sell your data to", limit=5)] == [2]
    assert queries.first_appearances(con, "your data.\n\n## Cookies") == []  # a phrase across two sections


@pytest.mark.parametrize(
    ("site", "text", "query"),
    [
        ("ja.example", "# プライバシー\n\n当社は、お客様の個人情報を適切に管理し、第三者に提供しません。", "個人情報"),
        ("zh.example", "# 隐私政策\n\n我们收集您的个人信息，仅用于提供服务，绝不出售给第三方。", "个人信息"),
        (
            "ko.example",
            "# 개인정보처리방침\n\n회사는 이용자의 개인정보를 안전하게 보호하며 제3자에게 제공합니다.",
            "개인정보",
        ),
    ],
)
def test_a_word_inside_a_cjk_sentence_is_found(tmp_path: Path, site: str, text: str, query: str) -> None:
    con = connect(tmp_path / "w.duckdb")
    other = "# Notes\n\nNothing here is about the matter; only an unrelated note on trees and rivers."
    import_documents(con, [(f"{site}.md", parse(text))], site=site, at=at("20200101000000"))
    import_documents(con, [("other.md", parse(other))], site="other.example", at=at("20200101000000"))
    fts.build_index(con)
    hits = fts.search(con, query)
    assert [(h.site, h.version) for h in hits] == [(site, 1)]
    assert query in hits[0].snippet


def test_e_mail_and_email_find_the_same_documents(tmp_path: Path) -> None:
    con = connect(tmp_path / "w.duckdb")
    for site, word in (("hyphen.example", "e-mail"), ("joined.example", "email")):
        text = f"# Privacy\n\nWe send you an {word} when your order ships, and never sell your address."
        import_documents(con, [(f"{site}.md", parse(text))], site=site, at=at("20200101000000"))
    fts.build_index(con)
    for query in ("e-mail", "email", "E-Mail"):
        assert {h.site for h in fts.search(con, query)} == {"hyphen.example", "joined.example"}, query


def test_the_exact_scan_finds_what_the_index_finds_for_every_word(db: Path) -> None:
    con = connect(db)
    fts.build_index(con)
    for query, site, when in [
        ("advertising partners", None, None),
        ("parcels", "shop.example", None),
        ("parcels", "shop.example", at("20170601000000")),
        ("Parcels ADDRESS", None, at("20200101000000")),
    ]:
        indexed = {(h.site, h.version) for h in fts.search(con, query, site=site, at=when)}
        scanned = fts.scan(con, query, site=site, at=when)
        assert {(h.site, h.version) for h in scanned} == indexed, query
        assert all(h.score >= 1 and h.first_seen for h in scanned)
    assert fts.scan(con, "parcels zeppelin") == []  # every word must occur
    assert "advertising" in fts.scan(con, "advertising", site="shop.example")[0].snippet


def test_search_scans_when_the_stale_index_cannot_be_rebuilt(db: Path, capsys, tmp_path: Path) -> None:
    import subprocess
    import sys

    # Another process reading the warehouse keeps a writer out: the index cannot be rebuilt, so search scans.
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys, time; held = duckdb.connect({str(db)!r}, read_only=True);"
         " print('open', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        code = main(["--db", str(db), "search", "advertising", "--format", "csv"])
    finally:
        holder.kill()
        holder.wait()
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "note: the search index is out of date and another process holds the warehouse" in captured.err
    rows = captured.out.splitlines()
    assert rows[0] == "site,version,first seen,last seen,score,section,snippet" and len(rows) == 3
    con = connect(db, read_only=True)
    assert not fts.is_fresh(con)  # nothing was written


def test_search_scans_a_warehouse_on_a_read_only_disk(db: Path, capsys, monkeypatch) -> None:
    import duckdb

    from palimpsest.warehouse import db as opening

    real = duckdb.connect

    def read_only_disk(target: str, read_only: bool = False, **options: object) -> duckdb.DuckDBPyConnection:
        if not read_only:  # what duckdb 1.5.5 raises when the file's disk is mounted read-only
            raise duckdb.IOException(f'IO Error: Cannot open file "{target}": Read-only file system')
        return real(target, read_only=read_only, **options)

    monkeypatch.setattr(opening.duckdb, "connect", read_only_disk)
    code = main(["--db", str(db), "search", "parcels", "--site", "shop.example", "--format", "csv"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.err.splitlines() == [
        "note: the search index is out of date and the warehouse cannot be written here (Read-only file system);"
        " every text was scanned for the exact words"
    ]
    assert [row.split(",")[1] for row in captured.out.splitlines()[1:]] == ["1", "2", "3"]
