"""SQL statements longer than a few lines, kept in ``warehouse/sql/<module>.<name>.sql`` beside the modules that
run them, and the one form in which a list of numbers is bound to a statement."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib import resources


@cache
def statement(name: str) -> str:
    """The text of ``warehouse/sql/<name>.sql`` (``name`` as ``store.save_payloads``), read once from the package."""
    return resources.files("palimpsest.warehouse").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def numbers(values: Iterable[int]) -> str:
    """Integers as one parameter: a JSON array, which the statement casts (``?::BIGINT[]``).

    As of 2026-12, duckdb 1.5.5's Python client tries ``import pandas`` twice for every value it binds; without
    pandas installed, each value costs 0.1-0.25 ms. A list of 1,000 numbers bound as a Python list took 136 ms,
    the same numbers as one JSON text 1.9 ms (measured 2026-12-03)."""
    return json.dumps([int(value) for value in values])
