"""The schema behind the views: its own table per concept, content-addressed texts, keyed captures, and views
that keep every column earlier migrations gave them."""

from __future__ import annotations

import duckdb
import pytest

from extractors import count_words, text_sha256
from extractors.sections import split_sections
from tests.history import TEXT_A, TEXT_B, build_history
from warehouse import connect, store
from warehouse.records import SectionRow, TextRow

#: Columns each view has had since the migration that last shaped it; later migrations may only add.
KEPT = {
    "captures": ["site", "url", "timestamp", "status", "mime", "digest", "outcome", "text_sha256", "quality",
                 "detail", "provenance"],
    "versions": ["site", "version", "policy_url", "first_seen", "last_seen", "captures", "language", "words",
                 "text", "text_sha256", "extractor", "stated_date"],
    "changes": ["site", "version", "previous_version", "changed_after", "changed_by", "words_added",
                "words_removed", "minor", "stated_date", "previous_stated_date", "disclosure_lag_days",
                "date_status"],
    "sections": ["site", "version", "policy_url", "first_seen", "last_seen", "ord", "path", "heading", "body",
                 "section_sha256", "text_sha256"],
}  # fmt: skip
TABLES = ["site", "policy_url", "capture", "payload", "policy_text", "section", "extraction_run", "extraction",
          "version", "text_change", "imported_document", "verification", "technical_change"]  # fmt: skip


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = connect(":memory:")
    build_history(connection)
    sections = [
        SectionRow(text_sha256(text), s.ord, s.path, s.heading, s.body, s.section_sha256)
        for text in (TEXT_A, TEXT_B)
        for s in split_sections(text)
    ]
    store.save_sections(connection, sections)
    return connection


@pytest.mark.parametrize("view", sorted(KEPT))
def test_views_keep_every_column_they_ever_had(con: duckdb.DuckDBPyConnection, view: str) -> None:
    columns = [d[0] for d in con.execute(f"SELECT * FROM {view} LIMIT 0").description]
    assert columns[: len(KEPT[view])] == KEPT[view]


def test_each_concept_has_its_own_table(con: duckdb.DuckDBPyConnection) -> None:
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert set(TABLES) <= tables


def test_texts_are_stored_once_per_hash(con: duckdb.DuckDBPyConnection) -> None:
    # TEXT_A is the text of versions 1 and 3 (four captures); it is stored once.
    assert con.execute("SELECT count(*) FROM policy_text").fetchone()[0] == 2
    again = TextRow(text_sha256(TEXT_A), TEXT_A + "  ", count_words(TEXT_A), "en", "other")
    store.save_texts(con, [again])
    assert con.execute("SELECT count(*), min(extractor) FROM policy_text").fetchone() == (2, "hand-built")


def test_captures_are_keyed_on_url_timestamp_and_digest(con: duckdb.DuckDBPyConnection) -> None:
    before = con.execute("SELECT count(*) FROM capture").fetchone()[0]
    build_history(con)  # every capture again
    assert con.execute("SELECT count(*) FROM capture").fetchone()[0] == before
    key = con.execute(
        "SELECT constraint_column_names FROM duckdb_constraints() WHERE table_name = 'capture'"
        " AND constraint_type = 'PRIMARY KEY'"
    ).fetchone()[0]
    assert key == ["site", "url", "ts", "digest"]


def test_sections_view_follows_versions_through_the_revert_and_the_move(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("SELECT version, policy_url, body FROM sections ORDER BY version, ord").fetchall()
    assert [r[0] for r in rows] == [1, 2, 3]
    assert rows[0][2] == rows[2][2] != rows[1][2]  # the revert brings back the first wording
    assert rows[0][1] != rows[1][1]  # the redirect moved the policy
    first = con.execute("SELECT min(first_seen) FROM sections WHERE body ILIKE '%advertising partners%'").fetchone()[0]
    assert first.year == 2017


def test_changes_carry_minor_and_the_disclosure_columns(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("SELECT version, minor, stated_date, date_status FROM changes ORDER BY version").fetchall()
    assert rows == [(2, False, None, None), (3, False, None, None)]
