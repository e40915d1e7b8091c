"""Keys the writer keeps: finding rows that repeat one, and removing the repeats where one row can stand for all.

Payloads, extractions, word counts of changes, sections and versions have no key index (migration 0012): the
store looks up what is stored and merges, one writer at a time. Nothing else writes them, so a repeat means a
bug or a hand-made change; ``palimpsest doctor`` names it and ``--repair`` keeps one row of each repeated key:
the latest payload and extraction, any one of identical word counts or list entries, the lowest number of a
section stored twice (its texts then list that one). A site whose versions repeat a number is rebuilt. Numbers
given twice to different texts or sections cannot be told apart and are only reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from palimpsest.warehouse.lake import begin, is_lake, rollback
from palimpsest.warehouse.statements import numbers
from palimpsest.warehouse.versions import rebuild_versions


@dataclass(frozen=True)
class Repeat:
    table: str
    key: str
    keys: int  # distinct key values that repeat
    example: str
    repairable: bool


# (table, key columns, which row of a repeated key is kept: the first in this order; None when none can be)
_KEYS = (
    ("payload", "url, ts, digest", "fetched_at DESC, rowid DESC"),
    ("extraction", "digest, run_id", "extracted_at DESC, rowid DESC"),
    ("text_change", "from_id, to_id", "rowid"),
    ("text_section", "text_id, ord", "rowid"),
    ("version", "site, version", None),
    ("policy_text", "text_id", None),
    ("section_text", "section_id", None),
)


#: Keys a file's indexes enforce but a lake cannot hold (warehouse.lake): there the writer keeps them, and a repeat
#: is only reported.
_LAKE_KEYS = (
    ("capture", "site, url, ts, digest", None),
    ("policy_text", "text_key", None),
    ("site", "site", None),
    ("policy_url", "site, url", None),
    ("archive", "archive_id", None),
    ("extraction_run", "run_id", None),
    ("imported_document", "file_sha256", None),
)


# A section stored twice: its texts list the number kept, and the other numbers go.
_RENUMBER = "UPDATE text_section SET section_id = ? WHERE section_id IN (SELECT unnest(?::INTEGER[]))"
_DROP_SECTIONS = "DELETE FROM section_text WHERE section_id IN (SELECT unnest(?::INTEGER[]))"


def repeats(con: duckdb.DuckDBPyConnection) -> list[Repeat]:
    """Every key that more than one row holds, a line per table and key."""
    found = []
    for table, key, keep in _KEYS + (_LAKE_KEYS if is_lake(con) else ()):
        held = f'SELECT {key} FROM "{table}" GROUP BY ALL HAVING count(*) > 1'  # noqa: S608 - identifiers from _KEYS, never user input
        rows = con.execute(f"SELECT count(*), min(({key})::VARCHAR) FROM ({held})").fetchone()  # noqa: S608 - identifiers from _KEYS, never user input
        if rows[0]:
            found.append(Repeat(table, key, int(rows[0]), rows[1], keep is not None or table == "version"))
    twice = _sections_stored_twice(con)
    if twice:
        found.append(Repeat("section_text", "section_key", len(twice), str(twice[0][0]), True))
    return found


def _sections_stored_twice(con: duckdb.DuckDBPyConnection) -> list[tuple[int, list[int]]]:
    """(section_key, its numbers) of sections stored more than once, word for word the same."""
    return con.execute(
        "SELECT section_key, list(section_id ORDER BY section_id) FROM section_text"
        " GROUP BY section_key, heading, body HAVING count(*) > 1 ORDER BY section_key"
    ).fetchall()


def remove_repeats(con: duckdb.DuckDBPyConnection) -> int:
    """Keep one row of every repeated key that one row can stand for; rebuild sites whose versions repeat a
    number. Returns the rows removed."""
    removed = 0
    begin(con)
    try:
        for _, (keep, *drop) in _sections_stored_twice(con):
            con.execute(_RENUMBER, [keep, numbers(drop)])
            removed += _changed(con.execute(_DROP_SECTIONS, [numbers(drop)]))
        for table, key, keep in _KEYS:
            if keep is None:
                continue
            ranked = f'SELECT rowid, row_number() OVER (PARTITION BY {key} ORDER BY {keep}) AS nth FROM "{table}"'  # noqa: S608 - identifiers from _KEYS, never user input
            repeated = f'DELETE FROM "{table}" WHERE rowid IN (SELECT rowid FROM ({ranked}) WHERE nth > 1)'  # noqa: S608 - identifiers from _KEYS, never user input
            removed += _changed(con.execute(repeated))
        con.execute("COMMIT")
    except Exception:
        rollback(con)
        raise
    sites = con.execute("SELECT DISTINCT site FROM version GROUP BY site, version HAVING count(*) > 1").fetchall()
    for (site,) in sites:
        rebuild_versions(con, site)
    return removed


def _changed(done: duckdb.DuckDBPyConnection) -> int:
    """The rows a DELETE or UPDATE changed, as DuckDB counts them (a lake takes no RETURNING on them)."""
    row = done.fetchone()
    return int(row[0]) if row else 0
