"""SQL kept in files: every ``warehouse/sql/<module>.<name>.sql`` is run by its module, is read back as written,
and every statement a module names has its file."""

from __future__ import annotations

import re

import duckdb
import pytest

from palimpsest.warehouse import search_index
from palimpsest.warehouse.statements import numbers, statement
from tests.shared import REPO

SQL = REPO / "warehouse" / "sql"
FILES = sorted(SQL.glob("*.sql"))
#: ``statement("module.name")`` as the modules call it.
CALL = re.compile(r"""statement\(\s*["']([\w.]+)["']\s*\)""")


def named() -> dict[str, set[str]]:
    """The statements each warehouse module loads, by the module's file name."""
    return {
        path.stem: set(CALL.findall(path.read_text(encoding="utf-8"))) for path in (REPO / "warehouse").glob("*.py")
    }


def test_there_are_statement_files() -> None:
    assert FILES, f"no statements in {SQL}"


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_each_file_is_loaded_by_its_module_and_read_as_written(path) -> None:
    module, _, name = path.stem.partition(".")
    assert name, f"{path.name}: name statement files <module>.<statement>.sql"
    assert path.stem in named().get(module, set()), f"warehouse/{module}.py never loads {path.name}"
    assert statement(path.stem) == path.read_text(encoding="utf-8")


def test_every_statement_a_module_loads_has_its_file() -> None:
    for module, names in named().items():
        for name in names:
            assert name.startswith(f"{module}."), f"warehouse/{module}.py loads {name}, another module's statement"
            assert (SQL / f"{name}.sql").is_file(), f"warehouse/{module}.py loads {name}, which has no file"


def test_the_index_scores_postings_with_the_formula_search_documents() -> None:
    flat = " ".join(statement("search_index.impact").split())
    assert " ".join(search_index.TERM_SCORE.split()) in flat


def test_a_list_of_numbers_is_one_parameter_read_back_whole() -> None:
    con = duckdb.connect()
    big = 2**64 - 1  # a text key: 64 bits, unsigned
    assert con.execute("SELECT ?::UBIGINT[]", [numbers([3, 1, big])]).fetchone()[0] == [3, 1, big]
    assert con.execute("SELECT ?::INTEGER[]", [numbers([])]).fetchone()[0] == []
    with pytest.raises(ValueError):
        numbers(["1); DROP TABLE site; --"])
