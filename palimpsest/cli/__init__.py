"""The face: the ``palimpsest`` command. Commands are plain functions in small modules, listed in one table in
:mod:`palimpsest.cli.program`; nothing below the face imports it."""

from __future__ import annotations

__all__ = ["app", "entry", "main"]


def __getattr__(name: str) -> object:
    if name not in __all__:
        raise AttributeError(f"module 'palimpsest.cli' has no attribute {name!r}")
    # lazy: the program imports every command module (DuckDB among them, 0.12 s), which the Prefect server guard
    # (python -m palimpsest.cli.prefect_runtime) does not need.
    from palimpsest.cli import program  # noqa: PLC0415

    return getattr(program, name)
