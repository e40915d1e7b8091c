"""The schema behind the views: its own table per concept, content-addressed texts, keyed captures, and views
that keep every column earlier migrations gave them."""

from __future__ import annotations

import functools

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from palimpsest.errors import WarehouseError
from palimpsest.extractors import count_words, text_sha256
from palimpsest.text.sections import split_sections
from palimpsest.warehouse import connect, store
from palimpsest.warehouse.rows import SectionRow, TextRow
from palimpsest.warehouse.texts import section_key, text_ids, text_key
from tests.history import TEXT_A, TEXT_B, build_history

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
TABLES = ["site", "policy_url", "capture", "payload", "policy_text", "section_text", "text_section", "extraction_run",
          "extraction", "version", "text_change", "imported_document", "verification", "technical_change"]  # fmt: skip


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
    columns = [d[0] for d in con.execute(f'SELECT * FROM "{view}" LIMIT 0').description]  # noqa: S608 - identifier from KEPT, never user input
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


def test_a_section_many_texts_hold_is_stored_once(con: duckdb.DuckDBPyConnection) -> None:
    # TEXT_A and TEXT_B share their title; each has its own body.
    assert con.execute("SELECT count(*) FROM text_section").fetchone()[0] == 2
    assert con.execute("SELECT count(*) FROM section_text").fetchone()[0] == 2
    third = "# Privacy\n\nWe keep your address to send your parcels.\n\n## Cookies\n\nNone."
    store.save_texts(con, [TextRow(text_sha256(third), third, count_words(third), "en", "test")])
    sections = [SectionRow(text_sha256(third), s.ord, s.path, s.heading, s.body, s.section_sha256) for s in
                split_sections(third)]  # fmt: skip
    store.save_sections(con, sections)
    store.save_sections(con, sections)  # a text's sections are written once
    assert con.execute("SELECT count(*) FROM text_section").fetchone()[0] == 4
    assert con.execute("SELECT count(*) FROM section_text").fetchone()[0] == 3  # TEXT_A's section, reused


@settings(max_examples=40)
@given(st.one_of(st.none(), st.text(max_size=30)), st.text(max_size=200), st.text(min_size=1, max_size=70))
def test_keys_are_the_same_in_python_and_in_sql(heading: str | None, body: str, sha: str) -> None:
    found = scratch().execute("SELECT section_key(?, ?), text_key(?)", [heading, body, sha]).fetchone()
    assert found == (section_key(heading, body), text_key(sha))


@functools.cache
def scratch() -> duckdb.DuckDBPyConnection:
    """One migrated in-memory warehouse for every example (hypothesis runs a test function many times)."""
    return connect(":memory:")


def test_a_text_whose_key_another_hash_holds_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    # Two hashes sharing 64 bits would take billions of texts; an impostor row stands in for the first of them.
    sha = text_sha256("a new text")
    con.execute(
        "INSERT INTO policy_text (text_id, text_key, text_sha256, text, words)"
        " VALUES (99, text_key(?), 'other', 'x', 1)",
        [sha],
    )
    with pytest.raises(WarehouseError, match=f"texts other and {sha} share their first 64 bits"):
        store.save_texts(con, [TextRow(sha, "a new text", 3, "en", "test")])
    assert text_ids(con, [sha]) == {}


def test_a_section_whose_key_another_holds_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    text = "# Privacy\n\nSomething else entirely."
    sha = text_sha256(text)
    store.save_texts(con, [TextRow(sha, text, 4, "en", "test")])
    body = split_sections(text)[0]
    con.execute(
        "INSERT INTO section_text VALUES (nextval('section_text_ids'), section_key(?, ?), 'h', 'Impostor', 'x')",
        [body.heading, body.body],
    )
    with pytest.raises(WarehouseError, match="two sections share their first 64 bits"):
        store.save_sections(con, [SectionRow(sha, body.ord, body.path, body.heading, body.body, body.section_sha256)])
