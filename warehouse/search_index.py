"""Building the full-text index: documents, the versions that carry them, BM25 postings best first.

A document is a distinct section, by its normalised hash, so that a clause that a site kept through twenty
versions, or that a thousand sites share, is indexed once; a text a version has without sections is a document
of its own. Documents are numbered in the order of the first version that carries them (by site, then version
number), which ``warehouse.topk`` relies on to stop early among equal scores. Versions are numbered in the same
order (``search_version``), and the links and lists between documents and versions hold those numbers.

DuckDB's fts extension tokenises and stems the documents (from a temporary table of their words, so that no
section is stored twice) and counts each term; ``search_impact`` then holds every posting with its BM25 term
score, each term's postings best first.

Freshness: ``search_state`` records how many texts and text sections the index was built over (they are only
ever added) and a hash of every version's (site, number, text, first seen); any difference means the index is
stale. It is written last, so an index left half built reads as stale too.
"""

from __future__ import annotations

import duckdb

from palimpsest.errors import WarehouseError
from palimpsest.warehouse import terms
from palimpsest.warehouse.statements import statement

#: The fts extension's schema for the index (named after the table of document words it was built from); the
#: statements name it as it is written here.
FTS = "fts_main_search_text"


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load the fts extension from its wheel; never from the network.

    As of 2026-11 the extension works offline only from the ``duckdb-extension-fts`` wheel for duckdb 1.5.5,
    loaded with ``duckdb_extensions.import_extension``; a read-only connection must load it too, because the
    index's macros call its ``stem`` function."""
    try:
        import duckdb_extensions  # noqa: PLC0415 - lazy: 0.15 s, only when the index is built or searched

        duckdb_extensions.import_extension("fts", con=con)
        con.execute("LOAD fts")
    except (ImportError, duckdb.Error) as err:
        raise WarehouseError(f"the full-text search extension cannot be loaded: {err}") from err


def fingerprint(con: duckdb.DuckDBPyConnection) -> tuple[int, int, int]:
    """What the index depends on: texts and their sections (only ever added, so counted) and every version's
    text and first capture (a time filter reads when each version came into force from the index)."""
    row = con.execute(
        "SELECT (SELECT count(*) FROM policy_text), (SELECT count(*) FROM text_section),"
        " (SELECT coalesce(bit_xor(hash(site, version, text_id, first_seen)), 0) FROM version)"
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def is_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the index was built, whole, over the warehouse as it is now."""
    built = con.execute("SELECT texts, sections, versions FROM search_state ORDER BY built_at DESC LIMIT 1").fetchone()
    has_index = con.execute("SELECT count(*) FROM duckdb_schemas() WHERE schema_name = ?", [FTS]).fetchone()[0]
    return bool(has_index) and built is not None and tuple(built) == fingerprint(con)


def build_index(con: duckdb.DuckDBPyConnection, *, keep_tokens: bool = False) -> int:
    """(Re)build the documents, their BM25 index and the postings. Returns the documents indexed.

    The fts extension's table of tokens (a row per word of every document) is read once, to count the postings,
    and then emptied, unless ``keep_tokens`` (tests rank from it to check ``warehouse.topk``)."""
    load_fts(con)
    state = fingerprint(con)
    _run(con, _BUILD)
    _rewrite_words(con)
    # create_fts_index runs statements of its own and cannot join a transaction.
    con.execute(_CREATE_INDEX)
    _run(
        con,
        (
            statement("search_index.impact"),
            *(() if keep_tokens else ("DELETE FROM fts_main_search_text.terms",)),
            "DROP TABLE search_text",
            ("INSERT INTO search_state (texts, sections, versions) VALUES (?, ?, ?)", list(state)),
        ),
    )
    return int(con.execute("SELECT count(*) FROM search_doc").fetchone()[0])


#: A PRAGMA takes no parameters: the pattern is the module's constant, with no quote in it.
assert "'" not in terms.IGNORE  # noqa: S101 - a fact of the constant, checked where it is spliced in
_CREATE_INDEX = (
    "PRAGMA create_fts_index('search_text', 'doc_id', 'body', stemmer = 'porter', stopwords = 'english',"
    f" ignore = '{terms.IGNORE}', overwrite = 1)"
)


def _rewrite_words(con: duckdb.DuckDBPyConnection) -> None:
    """The documents' words as the index reads them (``warehouse.terms``): only rows that need it go through
    Python."""
    con.create_function("palimpsest_indexed", terms.indexed, ["VARCHAR"], "VARCHAR", side_effects=False)
    try:
        con.execute(
            "UPDATE search_text SET body = palimpsest_indexed(body) WHERE regexp_matches(body, ?)", [terms.NEEDS]
        )
    finally:
        con.remove_function("palimpsest_indexed")


def _run(con: duckdb.DuckDBPyConnection, statements) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        for statement in statements:
            con.execute(*statement) if isinstance(statement, tuple) else con.execute(statement)
        con.execute("COMMIT")
    except duckdb.Error:
        con.execute("ROLLBACK")
        raise


# Versions numbered; each document's reference (a section: its first stored form; a text without sections: minus
# its number) and the versions carrying it; documents numbered by their first version; links sorted by version;
# each document's versions as one sorted list; and the words of every document, for the fts extension.
_BUILD = (
    "DELETE FROM search_state",
    "DELETE FROM search_doc",
    "DELETE FROM search_link",
    "DELETE FROM search_carrier",
    "DELETE FROM search_impact",
    "DELETE FROM search_version",
    statement("search_index.versions"),
    statement("search_index.refs"),
    statement("search_index.docs"),
    statement("search_index.doc_links"),
    "DROP TABLE search_ref",
    "INSERT INTO search_link (vid, doc_id) SELECT vid, doc_id FROM search_doc_link ORDER BY vid, doc_id",
    "INSERT INTO search_carrier (doc_id, vids)"
    " SELECT doc_id, list_sort(list(vid)) FROM search_doc_link GROUP BY doc_id ORDER BY doc_id",
    "DROP TABLE search_doc_link",
    statement("search_index.words"),
)


#: Okapi BM25's score of one term in one document, with the fts extension's defaults (k1 = 1.2, b = 0.75), as
#: ``search_index.impact`` computes it for every posting.
TERM_SCORE = (
    "ln((stats.num_docs - dict.df + 0.5) / (dict.df + 0.5) + 1)"
    " * p.tf * 2.2 / (p.tf + 1.2 * (0.25 + 0.75 * p.len / stats.avgdl))"
)
