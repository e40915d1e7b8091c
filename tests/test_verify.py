"""``verify``: each imported document's cited snapshot is fetched from a loopback archive, extracted, compared."""

from __future__ import annotations

from datetime import UTC, datetime

from palimpsest.cli import main
from palimpsest.extractors import extract_policy
from palimpsest.flows.importing import import_documents
from palimpsest.flows.verification import verify_imports
from palimpsest.warehouse import connect
from palimpsest.warehouse.seeds import header_for, parse
from tests.conftest import settings_for
from tests.servers import FaultArchive, Page
from tests.timelines import page

URL = "http://www.crumbandcrust.example/privacy"
MOVED = "http://www.crumbandcrust.example/legal"
WHEN = datetime(2019, 3, 1, 12, 0, tzinfo=UTC)


def test_verify_reports_similarity_per_document(tmp_path, capsys) -> None:
    same = extract_policy(page(1, None), URL).text
    edited = same.replace("tenth coffee", "twelfth coffee")
    pages = [Page(URL, "20190301120000", page(1, 7)), Page(MOVED, "20190301120000", page(0, None))]
    docs = [
        ("same.md", parse(header_for("crumbandcrust.example", URL, WHEN) + same)),
        ("other-site.md", parse(header_for("crumbandcrust.example", MOVED, WHEN) + edited + "\nPlus words.")),
        ("gone.md", parse(header_for("gone.example", "http://gone.example/p", WHEN) + same)),
        ("headerless.md", parse(same)),
    ]
    with FaultArchive(pages) as archive:
        settings = settings_for(archive, tmp_path / "w.duckdb")
        con = connect(settings.db)
        import_documents(con, docs[:3])
        import_documents(con, docs[3:], site="crumbandcrust.example", at=WHEN)
        con.close()
        results = {r.name: r for r in verify_imports(settings)}
        code = main(
            ["--db", str(settings.db), "--replay-url", archive.replay_url, "verify", "--site", "gone.example",
             "--format", "csv"]
        )  # fmt: skip
    assert set(results) == {"same.md", "other-site.md", "gone.md", "headerless.md"}
    assert results["headerless.md"].outcome == "skipped:no-snapshot"  # a headerless file cites nothing
    assert results["same.md"].outcome == "same-text" and results["same.md"].similarity == 1.0
    assert results["other-site.md"].outcome in {"similar", "different"}
    assert 0 < results["other-site.md"].similarity < 1
    assert results["gone.md"].outcome.startswith("error:") and results["gone.md"].similarity is None
    assert code == 1  # its one check errored
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "1 document: 1 error",
        "1 snapshot did not show the imported text or could not be checked",
    ]
    out = captured.out.splitlines()
    assert out[0] == "file,site,similarity,outcome,snapshot" and out[1].startswith("gone.md,gone.example,,error:")
    con = connect(settings.db, read_only=True)
    assert con.execute("SELECT count(*) FROM verification").fetchone()[0] == 4
    assert all(h.path.startswith("/web/2019030112") for h in archive.hits)


def test_verify_lists_what_it_skipped_refuses_an_unknown_site_and_passes_when_all_match(tmp_path, capsys) -> None:
    same = extract_policy(page(1, None), URL).text
    docs = [("same.md", parse(header_for("crumbandcrust.example", URL, WHEN) + same)), ("bare.md", parse(same))]
    with FaultArchive([Page(URL, "20190301120000", page(1, 7))]) as archive:
        settings = settings_for(archive, tmp_path / "w.duckdb")
        con = connect(settings.db)
        import_documents(con, docs[:1])
        import_documents(con, docs[1:], site="crumbandcrust.example", at=WHEN)
        con.close()
        options = ["--db", str(settings.db), "--replay-url", archive.replay_url, "verify"]
        assert main([*options, "--site", "crumbandcrust.example", "--format", "csv"]) == 0
        captured = capsys.readouterr()
        assert main([*options, "--site", "crumbandcrus.example"]) == 1
        unknown = capsys.readouterr().err
    rows = captured.out.splitlines()
    assert rows[1].startswith("same.md,crumbandcrust.example,1.0,same-text,")
    assert rows[2] == "bare.md,crumbandcrust.example,,skipped:no-snapshot,"
    assert captured.err.splitlines() == ["2 documents: 1 same-text, 1 skipped"]
    assert "unknown site 'crumbandcrus.example'" in unknown and "did you mean crumbandcrust.example?" in unknown
