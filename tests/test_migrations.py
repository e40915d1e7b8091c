"""Migrations cannot drift: shipped files are pinned, the ledger keeps what ran, and doctor names a changed one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from palimpsest.flows import doctor
from palimpsest.warehouse import connect
from palimpsest.warehouse.migrations import available, changed, migrate, recorded_checksums

#: The SHA-256 of every shipped migration. A shipped migration is never edited (warehouse/schema/README.md): a fix
#: is a new migration, added here with its checksum.
SHIPPED = {
    1: "f3b69653660531b55e970cb11ddcb19914fb0be9be7c98ebad5e48894679ea90",  # 0001_init
    2: "18d72ef2181f26fc7d23d19bb8a4f3f95a6adbe1dbe9d1bb7ecd2d3faca7e1f1",  # 0002_views
    4: "f42b62750f47ab2e6916d4f6cfa7a11d0575e8b329522b7e1404ac9fb0dc9dcb",  # 0004_extraction_views
    5: "bd7817eeed20191ba64fe6b37b03ba66bb29b530f95b441bba8e523b7fd8ce98",  # 0005_corpus
    6: "c9eab87507ea41999ee847fadfc7f795d96a4b062a748e40cfc6a1cffb59fea0",  # 0006_policy_at_lookup
    7: "1c8c96303486ba8f6251e0b49f46a5d7e50260c29e643106361213d0fb8e32d4",  # 0007_compact_storage
    8: "4b2fbe4e00dd3acef3a414025ba38625b675ea4a2f22888d294b409d55c0d97f",  # 0008_search_impact
    9: "ddd54d2c021ff52eccbe91d04f444fa073c5d14b395af4a1fb2f6315f1416013",  # 0009_policy_at_by_site
    10: "8a60a43edccda6ec1a6ef2889509355758ff6c1dee81cb2b74026ddfa4704e61",  # 0010_compact_keys
    11: "0cdcd471039c0bb2a6d6065c4d19759d70f70c8a61b540f30b72f9c5ade2238b",  # 0011_search_by_number
    12: "37adf74a8fe7e4a62edbdf00217b0e483136b5145825bb5715a652ef3c71f088",  # 0012_writer_keys
    13: "c5b5c632b92a841e11dc96eefb9c2846d5238519179dc9deb2e332d7e5db2fd4",  # 0013_migration_checksums
    14: "0dfea994cb016f54f07eb61e91202b94ef36efe9214bfac0cb0a82ca8cbfcf7f",  # 0014_other_documents
    15: "4e5bf843009a3c5f0011315fa1dd40b0a2705825cc2d5e55739eaac5ca27eaee",  # 0015_search_terms
    16: "85670ddcc803e357ec50e8f127a8aa315a8ed0c0cb1bad811663e7c43e0f4eef",  # 0016_capture_archive
    17: "559354544f8a44d35458445e14a197649e0b5898041db591b0c58a4c8ab75785",  # 0017_crawl_claims
}


def test_no_shipped_migration_has_changed_and_each_new_one_is_pinned() -> None:
    files = {m.number: m.sha256 for m in available()}
    edited = [n for n in SHIPPED if files.get(n) != SHIPPED[n]]
    assert not edited, f"shipped migrations {edited} were edited or removed: write a new migration instead"
    assert set(files) == set(SHIPPED), f"pin the checksum of {sorted(set(files) - set(SHIPPED))} in SHIPPED"


def test_a_new_warehouse_records_the_checksum_of_every_migration(tmp_path: Path) -> None:
    con = connect(tmp_path / "w.duckdb")
    try:
        assert recorded_checksums(con) == {m.number: m.sha256 for m in available()}
        assert changed(con) == []
    finally:
        con.close()


def test_an_older_warehouse_gains_checksums_from_the_upgrade_on(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    older = [m for m in available() if m.number < 13]
    con = duckdb.connect(str(path))
    migrate(con, older)  # a warehouse of the previous release: no checksum column yet
    con.close()
    con = connect(path)  # opening it for writing upgrades it
    try:
        recorded = recorded_checksums(con)
        assert all(recorded[m.number] is None for m in older)  # what ran then is not known
        assert recorded[13] == SHIPPED[13]
        assert changed(con) == []
        assert not [p for p in doctor.check_migrations(con) if p.kind != "migration-pending"]
    finally:
        con.close()


def test_doctor_names_a_shipped_migration_whose_file_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    con = connect(tmp_path / "w.duckdb")
    try:
        edited = [replace(m, sql=m.sql + "\n-- edited\n") if m.number == 9 else m for m in available()]
        assert [m.number for m in changed(con, edited)] == [9]
        monkeypatch.setattr(doctor, "available", lambda: edited)
        problems = [p for p in doctor.check_migrations(con) if p.kind == "migration-changed"]
        assert [p.subject for p in problems] == ["0009_policy_at_by_site"]
    finally:
        con.close()
