"""Seed-format import and export: headers read right, round trips byte for byte, exports read back typed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palimpsest.cli import main
from palimpsest.errors import BadInput
from palimpsest.flows.importing import import_documents, read_documents
from palimpsest.warehouse import connect
from palimpsest.warehouse.export import export
from palimpsest.warehouse.seeds import header_for, parse
from tests.shared import require_shared

HEADERLESS = {"001": ("sakura.ad.jp", "2019-03-01"), "002": ("sakura-japan.example", "20200101")}


def seeds() -> list[Path]:
    return sorted(require_shared("seeds").glob("0*.txt"))


def import_seeds(db: Path) -> None:
    with_header = [p for p in seeds() if p.name[:3] not in HEADERLESS]
    assert main(["--db", str(db), "import", *map(str, with_header)]) == 0
    for path in seeds():
        if path.name[:3] in HEADERLESS:
            site, at = HEADERLESS[path.name[:3]]
            assert main(["--db", str(db), "import", str(path), "--site", site, "--at", at]) == 0


def test_the_header_gives_site_url_and_time_with_the_url_decoded() -> None:
    doc = parse(next(p for p in seeds() if p.name.startswith("003")).read_text(encoding="utf-8"))
    assert doc.url == "http://www.meetkaori.com/privacy"
    assert doc.site == "kaorisan.com"  # the site the header names; its policy lives on another host
    assert doc.label == "kaorisan.com"
    assert doc.timestamp == datetime(2016, 5, 6, 3, 41, 29, tzinfo=UTC)
    assert doc.body.startswith("# Privacy Policy - Kaori-san")


def test_a_seed_is_filed_under_the_site_its_header_names(tmp_path: Path) -> None:
    path = next(p for p in seeds() if p.name.startswith("003"))
    db = tmp_path / "w.duckdb"
    assert main(["--db", str(db), "import", str(path)]) == 0
    with connect(db, read_only=True) as con:
        found = con.execute("SELECT site, policy_url FROM policy_at('kaorisan.com', TIMESTAMPTZ '2020-01-01')")
        assert found.fetchall() == [("kaorisan.com", "http://www.meetkaori.com/privacy")]


def test_a_headerless_file_needs_site_and_at(tmp_path: Path, capsys) -> None:
    path = next(p for p in seeds() if p.name.startswith("001"))
    db = tmp_path / "w.duckdb"
    assert main(["--db", str(db), "import", str(path)]) == 2
    assert "give --site and --at" in capsys.readouterr().err
    assert main(["--db", str(db), "sql", "SELECT count(*) AS n FROM captures", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "0"


def test_imports_are_versions_with_provenance_imported(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    import_seeds(db)
    con = connect(db, read_only=True)
    rows = con.execute("SELECT site, outcome, provenance FROM captures ORDER BY site").fetchall()
    assert len(rows) == 5
    assert {(outcome, provenance) for _, outcome, provenance in rows} == {("imported", "imported")}
    assert con.execute("SELECT count(*) FROM versions WHERE version = 1").fetchone()[0] == 5
    mojibake = con.execute("SELECT text FROM versions WHERE site = 'japan-talk.com'").fetchone()[0]
    assert "Â" in mojibake  # an import keeps the text as given


def test_reimport_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    import_seeds(db)
    import_seeds(db)
    con = connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM capture").fetchone()[0] == 5
    assert con.execute("SELECT count(*) FROM imported_document").fetchone()[0] == 5
    assert con.execute("SELECT count(*) FROM version").fetchone()[0] == 5


def test_a_file_imported_before_is_not_stored_again_under_another_site_or_time(tmp_path: Path, capsys) -> None:
    db = tmp_path / "w.duckdb"
    import_seeds(db)
    before = snapshot(db)
    capsys.readouterr()
    headerless = next(p for p in seeds() if p.name.startswith("001"))
    for site, at in (("second.example", "2019-03-01"), ("sakura.ad.jp", "2021")):
        assert main(["--db", str(db), "import", str(headerless), "--site", site, "--at", at]) == 0
        out = " ".join(capsys.readouterr().out.split())
        assert "already imported as sakura.ad.jp at 2019-03-01 00:00:00" in out
        assert f"not stored again as {site} at {at[:4]}" in out and "0 new documents" in out
    assert snapshot(db) == before


def test_show_names_the_file_a_headerless_import_came_from(tmp_path: Path, capsys) -> None:
    db = tmp_path / "w.duckdb"
    import_seeds(db)
    capsys.readouterr()
    assert main(["--db", str(db), "show", "sakura.ad.jp"]) == 0
    out = capsys.readouterr().out
    assert "source: imported file 001_" in out and "cites no archived snapshot" in out
    assert "web.archive.org" not in out.splitlines()[1]


def snapshot(db: Path) -> dict[str, list[tuple]]:
    with connect(db, read_only=True) as con:
        views = ("captures", "versions")
        return {view: con.execute(f'SELECT * FROM "{view}" ORDER BY ALL').fetchall() for view in views}  # noqa: S608 - identifier from views, never user input


def test_markdown_round_trip_of_the_seeds_is_byte_identical(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    import_seeds(db)
    assert main(["--db", str(db), "export", str(tmp_path / "out"), "--format", "markdown"]) == 0
    exported = {p.name: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert exported == {p.name: p.read_bytes() for p in seeds()}


def test_export_keeps_imported_names_and_numbers_a_repeated_one(tmp_path: Path) -> None:
    url = "https://shop.example/privacy"
    sources = []
    moments = [("a", datetime(2019, 1, 1, tzinfo=UTC)), ("b", datetime(2021, 1, 1, tzinfo=UTC))]
    for n, (folder, when) in enumerate(moments):
        (tmp_path / folder).mkdir()
        source = tmp_path / folder / "policy.txt"
        source.write_bytes((header_for("shop.example", url, when) + f"# Privacy\n\nText number {n}.\n").encode())
        sources.append(source)
    con = connect(":memory:")
    import_documents(con, read_documents(sources))
    export(con, tmp_path / "out", "markdown")
    written = sorted((tmp_path / "out" / "shop.example").iterdir())
    assert [p.name for p in written] == ["policy-2.txt", "policy.txt"]
    assert (tmp_path / "out" / "shop.example" / "policy.txt").read_bytes() == sources[0].read_bytes()
    assert (tmp_path / "out" / "shop.example" / "policy-2.txt").read_bytes() == sources[1].read_bytes()


def test_a_bad_file_stops_the_import_before_anything_is_stored(tmp_path: Path) -> None:
    good = next(p for p in seeds() if p.name.startswith("000"))
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"\xff\xfe not utf-8")
    con = connect(tmp_path / "w.duckdb")
    with pytest.raises(BadInput, match="not UTF-8"):
        import_documents(con, read_documents([good, bad]))
    assert con.execute("SELECT count(*) FROM capture").fetchone()[0] == 0


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_view_exports_read_back_with_their_types(tmp_path: Path, fmt: str) -> None:
    db = tmp_path / "w.duckdb"
    import_seeds(db)
    con = connect(db, read_only=True)
    export(con, tmp_path / fmt, fmt)
    names = sorted(p.name for p in (tmp_path / fmt).iterdir())
    assert names == sorted(f"{v}.{fmt}" for v in ("captures", "versions", "changes", "sections"))
    if fmt == "parquet":
        table = pq.read_table(tmp_path / fmt / "versions.parquet")
        assert str(table.schema.field("first_seen").type) == "timestamp[us, tz=UTC]"
        assert str(table.schema.field("version").type) == "int32"
        assert pq.ParquetFile(tmp_path / fmt / "versions.parquet").metadata.row_group(0).column(0).compression == (
            "ZSTD"
        )
        back = duckdb.execute("SELECT * FROM read_parquet(?) ORDER BY site", [str(tmp_path / fmt / "versions.parquet")])
        assert back.fetchall() == con.execute("SELECT * FROM versions ORDER BY site").fetchall()
    else:
        lines = (tmp_path / fmt / "versions.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(lines) == 5
        assert '"first_seen": "2013-03-10T07:36:12+00:00"' in "".join(lines)


_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r") | st.just("\n"),
    min_size=1,
    max_size=300,
).filter(lambda t: any(ch.isalnum() for ch in t))
_STAMP = st.datetimes(min_value=datetime(1996, 1, 1), max_value=datetime(2030, 12, 31)).map(
    lambda d: d.replace(microsecond=0, tzinfo=UTC)
)
_PATH = st.text(alphabet="abcdefghij/-_.~%? &=é", min_size=0, max_size=20)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_TEXT, when=_STAMP, path=_PATH, headed=st.booleans())
def test_import_then_export_is_the_identity(tmp_path: Path, body: str, when: datetime, path: str, headed: bool) -> None:
    url = f"http://www.example.org/{path}"
    content = (header_for("example.org", url, when) if headed else "") + body
    source = tmp_path / "doc.md"
    source.write_bytes(content.encode("utf-8"))
    con = connect(":memory:")
    documents = read_documents([source])
    import_documents(con, documents, site=None if headed else "example.org", at=None if headed else when)
    if headed:
        assert documents[0][1].url == url
        assert documents[0][1].timestamp == when
    out = tmp_path / "out"
    export(con, out, "markdown")
    files = [p for p in out.rglob("*") if p.is_file()]
    assert [(p.name, p.read_bytes()) for p in files] == [("doc.md", content.encode("utf-8"))]
    for p in files:
        p.unlink()


def test_a_byte_order_mark_before_the_header_is_read_and_given_back(tmp_path: Path) -> None:
    when = datetime(2017, 3, 4, 5, 6, 7, tzinfo=UTC)
    content = "\ufeff" + header_for("shop.example", "https://shop.example/privacy", when) + "# Privacy\n\nText.\n"
    doc = parse(content)
    assert (doc.site, doc.timestamp, doc.body) == ("shop.example", when, "# Privacy\n\nText.\n")
    assert doc.render() == content


def test_a_header_with_no_text_after_it_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "empty.md"
    path.write_text(header_for("shop.example", "https://shop.example/privacy", datetime(2017, 1, 1, tzinfo=UTC)))
    assert main(["--db", str(tmp_path / "w.duckdb"), "import", str(path)]) == 2
    assert "holds a header and no text after it" in capsys.readouterr().err


def test_a_site_given_on_the_command_line_is_stored_as_a_host_is_named(tmp_path: Path, capsys) -> None:
    db, path = tmp_path / "w.duckdb", tmp_path / "p.md"
    path.write_text("# Privacy\n\nWe keep nothing.\n", encoding="utf-8")
    assert main(["--db", str(db), "import", str(path), "--site", " Shop.Example ", "--at", "2020"]) == 0
    for bad in ("a/b", "../../etc", "two words", ""):
        assert main(["--db", str(db), "import", str(path), "--site", bad, "--at", "2021"]) == 2
        assert "cannot name a site" in capsys.readouterr().err
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT DISTINCT site FROM captures").fetchall() == [("shop.example",)]
