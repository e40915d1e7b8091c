"""Texts and their sections: stored once each, numbered, and found again by content.

A text is content-addressed by the SHA-256 of its normalised form and numbered (``text_id``) when first stored;
every other table refers to it by that number. A section is stored once however many texts hold it, keyed by
its exact heading and body, and ``text_section`` lists each text's sections in order (migration 0010).

The keys are 64 bits of a SHA-256 (``text_key``, ``section_key``): ``text_key`` is unique (an index of 38
bytes a text), ``section_key`` only looked up (migration 0012). Two different texts (or sections) sharing those
64 bits would need about four billion of them to be likely; if it happens, the second is refused with a
:class:`WarehouseError` naming both, never stored under the other's number.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

import duckdb

from palimpsest.errors import WarehouseError
from palimpsest.warehouse.lake import is_lake, variant
from palimpsest.warehouse.rows import SectionRow, TextRow
from palimpsest.warehouse.statements import numbers, statement

_TEXT_COLUMNS = (
    ("text_sha256", "VARCHAR"),
    ("text", "VARCHAR"),
    ("words", "INTEGER"),
    ("language", "VARCHAR"),
    ("extractor", "VARCHAR"),
    ("stated_date", "DATE"),
)
_SAVE_TEXTS = statement("texts.save_texts")
_SECTION_COLUMNS = (("section_sha256", "VARCHAR"), ("heading", "VARCHAR"), ("body", "VARCHAR"))
_SAVE_SECTIONS = statement("texts.save_sections")
_LINK_COLUMNS = (("text_id", "INTEGER"), ("ord", "INTEGER"), ("path", "VARCHAR"), ("section_id", "INTEGER"))
_SAVE_LINKS = """
INSERT INTO text_section (text_id, ord, path, section_id)
SELECT * FROM (SELECT unnest(from_json(?::JSON, ?), recursive := true)) ORDER BY text_id, ord
"""
# The rows of each of a list of keys, the key first.
_TEXTS_BY_KEY = "SELECT text_key, text_sha256, text_id FROM policy_text WHERE text_key IN (SELECT unnest(?::UBIGINT[]))"
_SECTIONS_BY_KEY = (
    "SELECT section_key, section_id, heading, body FROM section_text WHERE section_key IN (SELECT unnest(?::UBIGINT[]))"
)


def text_key(sha: str) -> int:
    """A text's unique key: the first 64 bits of the SHA-256 of its hash, whatever form the hash takes (the SQL
    macro ``text_key`` computes the same)."""
    return int(hashlib.sha256(sha.encode("utf-8")).hexdigest()[:16], 16)


def section_key(heading: str | None, body: str) -> int:
    """A section's unique key, from its exact heading and body (the SQL macro ``section_key`` computes the same)."""
    exact = ("n" if heading is None else "h" + heading) + "\x1f" + body
    return int(hashlib.sha256(exact.encode("utf-8")).hexdigest()[:16], 16)


def _insert(con: duckdb.DuckDBPyConnection, query: str, columns: tuple, rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    names = [name for name, _ in columns]
    data = [dict(zip(names, row, strict=True)) for row in rows]
    return con.execute(query, [json.dumps(data, default=str), json.dumps([dict(columns)])])


def _keyed(con: duckdb.DuckDBPyConnection, query: str, keys: Iterable[int]) -> list[tuple]:
    """The rows ``query`` finds for ``keys``, bound as one list.

    As of duckdb 1.5.5 a semi-join on the list is as fast as a literal ``IN`` list for a few keys and faster for
    many (100K texts, 20 keys: 7.5 ms against 6.7; 300 keys: 15 ms against 54; 1,000 sections: 35 ms against 45;
    measured 2026-12-03); neither reads the key's index."""
    wanted = sorted(set(keys))
    return con.execute(query, [numbers(wanted)]).fetchall() if wanted else []


def text_ids(con: duckdb.DuckDBPyConnection, hashes: Iterable[str | None]) -> dict[str, int]:
    """The number of each stored text among ``hashes`` (None and unknown hashes are left out)."""
    wanted = {sha for sha in hashes if sha}
    rows = _keyed(con, _TEXTS_BY_KEY, (text_key(sha) for sha in wanted))
    return {sha: text_id for _, sha, text_id in rows if sha in wanted}


def require_text_ids(con: duckdb.DuckDBPyConnection, hashes: Iterable[str | None]) -> dict[str, int]:
    """Like :func:`text_ids`, but every hash given must name a stored text."""
    wanted = {sha for sha in hashes if sha}
    found = text_ids(con, wanted)
    if missing := sorted(wanted - found.keys()):
        raise WarehouseError(f"no stored text has the hash {missing[0]} ({len(missing)} missing); store texts first")
    return found


def save_texts(con: duckdb.DuckDBPyConnection, rows: Iterable[TextRow]) -> dict[str, int]:
    """Store the texts not stored yet (the first of a batch wins, as does one already stored). Returns every
    given text's number."""
    first: dict[str, TextRow] = {}
    for row in rows:
        first.setdefault(row.text_sha256, row)
    if not first:
        return {}
    data = [(r.text_sha256, r.text, r.words, r.language, r.extractor, r.stated_date) for r in first.values()]
    _insert(con, variant(con, _SAVE_TEXTS), _TEXT_COLUMNS, data)
    stored = _keyed(con, _TEXTS_BY_KEY, (text_key(sha) for sha in first))
    by_key = {key: (sha, text_id) for key, sha, text_id in stored}
    for sha in first:
        held = by_key[text_key(sha)][0]
        if held != sha:
            raise WarehouseError(f"texts {held} and {sha} share their first 64 bits; the second cannot be stored")
    return {sha: text_id for sha, text_id in by_key.values() if sha in first}


def save_sections(con: duckdb.DuckDBPyConnection, rows: Iterable[SectionRow]) -> None:
    """Store the sections of texts whose sections are not stored yet (a text's sections are written once, with
    it): each distinct section once, then each text's list of them."""
    pending = list(rows)
    if not pending:
        return
    ids = require_text_ids(con, (r.text_sha256 for r in pending))
    done = _texts_with_sections(con, ids.values())
    by_text: dict[str, dict[int, SectionRow]] = {}
    for row in pending:
        if ids[row.text_sha256] not in done:
            by_text.setdefault(row.text_sha256, {}).setdefault(row.ord, row)
    if not by_text:
        return
    distinct: dict[int, SectionRow] = {}
    for ords in by_text.values():
        for r in ords.values():
            _same_section(distinct.setdefault(section_key(r.heading, r.body), r), r.heading, r.body)
    section_ids = {}
    for key, section_id, heading, body in _keyed(con, _SECTIONS_BY_KEY, distinct):
        _same_section(distinct[key], heading, body)
        section_ids[key] = section_id
    new = [(r.section_sha256, r.heading, r.body) for key, r in distinct.items() if key not in section_ids]
    if new and is_lake(con):  # a lake's insert returns nothing: the new numbers are read back by key
        _insert(con, variant(con, _SAVE_SECTIONS), _SECTION_COLUMNS, new)
        added = {section_key(heading, body) for _, heading, body in new}
        section_ids.update((key, section_id) for key, section_id, _, _ in _keyed(con, _SECTIONS_BY_KEY, added))
    elif new:
        section_ids.update(_insert(con, _SAVE_SECTIONS, _SECTION_COLUMNS, new).fetchall())
    links = [
        (ids[sha], ord_, r.path, section_ids[section_key(r.heading, r.body)])
        for sha, ords in by_text.items()
        for ord_, r in sorted(ords.items())
    ]
    _insert(con, _SAVE_LINKS, _LINK_COLUMNS, links)


def _same_section(wanted: SectionRow, heading: str | None, body: str) -> None:
    if (heading, body) != (wanted.heading, wanted.body):
        raise WarehouseError(f"two sections share their first 64 bits: {heading!r} and {wanted.heading!r}")


def _texts_with_sections(con: duckdb.DuckDBPyConnection, ids: Iterable[int]) -> set[int]:
    """Which of these texts have their sections stored. Texts are numbered as stored and their sections written
    right after, so the range filter lets the scan skip every zone of older texts."""
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    rows = con.execute(
        "SELECT DISTINCT text_id FROM text_section WHERE text_id BETWEEN ? AND ? AND list_contains(?, text_id)",
        [wanted[0], wanted[-1], wanted],
    ).fetchall()
    return {row[0] for row in rows}
