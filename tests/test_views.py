"""The public views and macro match CONTRACT.md, and answer correctly on a small hand-built history."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest

from palimpsest.errors import MigrationError, NotAWarehouse
from palimpsest.warehouse import connect, queries
from palimpsest.warehouse.migrations import Migration, available, migrate
from tests.history import NEW_URL, OLD_URL, TEXT_A, build_history

CONTRACT = {
    "captures": {
        "site": "VARCHAR",
        "url": "VARCHAR",
        "timestamp": "TIMESTAMP WITH TIME ZONE",
        "status": "INTEGER",
        "mime": "VARCHAR",
        "digest": "VARCHAR",
        "outcome": "VARCHAR",
        "text_sha256": "VARCHAR",
    },
    "versions": {
        "site": "VARCHAR",
        "version": "INTEGER",
        "policy_url": "VARCHAR",
        "first_seen": "TIMESTAMP WITH TIME ZONE",
        "last_seen": "TIMESTAMP WITH TIME ZONE",
        "captures": "INTEGER",
        "language": "VARCHAR",
        "words": "INTEGER",
        "text": "VARCHAR",
        "text_sha256": "VARCHAR",
    },
    "changes": {
        "site": "VARCHAR",
        "version": "INTEGER",
        "previous_version": "INTEGER",
        "changed_after": "TIMESTAMP WITH TIME ZONE",
        "changed_by": "TIMESTAMP WITH TIME ZONE",
        "words_added": "INTEGER",
        "words_removed": "INTEGER",
    },
}


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = connect(":memory:")
    build_history(connection)
    return connection


@pytest.mark.parametrize("view", sorted(CONTRACT))
def test_view_columns_and_types_match_the_contract(con: duckdb.DuckDBPyConnection, view: str) -> None:
    described = {name: kind for name, kind, *_ in con.execute(f"DESCRIBE {view}").fetchall()}
    for column, kind in CONTRACT[view].items():
        assert column in described, f"{view} lacks {column}"
        assert described[column] == kind, f"{view}.{column} is {described[column]}, contract says {kind}"


def test_policy_at_returns_a_versions_row(con: duckdb.DuckDBPyConnection) -> None:
    columns = [d[0] for d in con.execute("SELECT * FROM policy_at('shop.example', '2017-06-01')").description]
    versions = [d[0] for d in con.execute("SELECT * FROM versions LIMIT 0").description]
    assert columns == versions


def test_versions_split_on_text_not_on_url_or_outage(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "SELECT version, policy_url, first_seen, last_seen, captures FROM versions ORDER BY version"
    ).fetchall()
    stamp = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
    assert rows == [
        (1, OLD_URL, stamp(2015, 1, 1), stamp(2015, 6, 1), 2),
        (2, NEW_URL, stamp(2017, 1, 1, 0, 1), stamp(2018, 1, 1), 2),
        (3, NEW_URL, stamp(2019, 1, 1), stamp(2019, 1, 1), 1),
    ]


def test_a_revert_is_a_new_version_with_the_old_text(con: duckdb.DuckDBPyConnection) -> None:
    first, last = con.execute("SELECT text_sha256 FROM versions WHERE version IN (1, 3) ORDER BY version").fetchall()
    assert first == last
    assert con.execute("SELECT text FROM versions WHERE version = 3").fetchone()[0] == TEXT_A


def test_changes_bracket_each_change(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "SELECT version, previous_version, changed_after, changed_by, words_added, words_removed"
        " FROM changes ORDER BY version"
    ).fetchall()
    assert rows[0][:4] == (2, 1, datetime(2015, 6, 1, tzinfo=UTC), datetime(2017, 1, 1, 0, 1, tzinfo=UTC))
    # "parcels." → "parcels and share it with our advertising partners." : 8 words in, 1 out, and back again.
    assert rows[0][4:] == (8, 1)
    assert rows[1][4:] == (1, 8)


def test_policy_at_picks_the_version_in_force(con: duckdb.DuckDBPyConnection) -> None:
    def version_at(moment: str) -> list:
        return [r[0] for r in con.execute("SELECT version FROM policy_at('shop.example', ?)", [moment]).fetchall()]

    assert version_at("2014-12-31") == []
    assert version_at("2016-06-01") == [1]  # during the outage the old text is still in force
    assert version_at("2017-01-01 00:01:00+00") == [2]
    assert version_at("2030-01-01") == [3]


def test_policy_at_is_the_latest_versions_row_of_that_site_only(con: duckdb.DuckDBPyConnection) -> None:
    build_history(con, site="other.example")
    con.execute("DELETE FROM version WHERE site = 'other.example' AND version = 3")
    for site in ("shop.example", "other.example"):
        for moment in ("2014-01-01", "2015-01-01", "2016-06-01", "2017-01-01 00:01:00+00", "2019-01-01", "2031-01-01"):
            expected = con.execute(
                "SELECT * FROM versions WHERE site = ? AND first_seen <= CAST(? AS TIMESTAMPTZ)"
                " ORDER BY first_seen DESC LIMIT 1",
                [site, moment],
            ).fetchall()
            assert con.execute("SELECT * FROM policy_at(?, ?)", [site, moment]).fetchall() == expected


def test_capture_outcomes_mark_the_first_of_each_version(con: duckdb.DuckDBPyConnection) -> None:
    outcomes = con.execute('SELECT outcome FROM captures ORDER BY "timestamp"').fetchall()
    assert [o[0] for o in outcomes] == [
        "version",
        "same-text",
        "not-found",
        "redirect",
        "version",
        "same-text",
        "version",
    ]


def test_rebuild_is_idempotent(con: duckdb.DuckDBPyConnection) -> None:
    from palimpsest.warehouse.versions import rebuild_versions

    before = con.execute("SELECT * FROM versions ORDER BY version").fetchall()
    assert rebuild_versions(con, "shop.example") == 3
    assert con.execute("SELECT * FROM versions ORDER BY version").fetchall() == before


def test_migrations_are_recorded(con: duckdb.DuckDBPyConnection) -> None:
    numbers = [r[0] for r in con.execute("SELECT number FROM schema_migrations ORDER BY number").fetchall()]
    assert numbers == [m.number for m in available()]
    assert migrate(con) == []


def test_a_failing_migration_changes_nothing(tmp_path) -> None:
    db = tmp_path / "w.duckdb"
    connect(db).close()
    con = duckdb.connect(str(db))
    tables_before = con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()
    broken = Migration(9999, "broken", "CREATE TABLE half_done (a INTEGER); INSERT INTO nowhere VALUES (1);")
    with pytest.raises(MigrationError, match="9999_broken"):
        migrate(con, [*available(), broken])
    assert con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall() == tables_before
    assert 9999 not in {r[0] for r in con.execute("SELECT number FROM schema_migrations").fetchall()}


def test_a_foreign_file_is_refused(tmp_path) -> None:
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(NotAWarehouse, match="not a DuckDB file"):
        connect(junk)
    other = tmp_path / "other.duckdb"
    foreign = duckdb.connect(str(other))
    foreign.execute("CREATE TABLE accounts (id INTEGER)")
    foreign.close()
    with pytest.raises(NotAWarehouse, match="not a Palimpsest warehouse"):
        connect(other)


def test_a_sites_versions_read_by_number_are_the_views_rows() -> None:
    con = connect(":memory:")
    for site in ("shop.example", "other.example"):
        build_history(con, site=site)
    view = con.execute("SELECT * FROM versions WHERE site = 'other.example' ORDER BY version").fetchall()
    assert len(view) == 3
    assert queries.site_versions(con, "other.example") == view
    assert queries.site_versions(con, "nobody.example") == []
