"""What one run of the command carries to each command: the settings, built once from the environment and the
global options, and whether to show details. It travels in typer's context, not in module state."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import typer

from palimpsest.cli.output import error
from palimpsest.settings import Settings
from palimpsest.warehouse import warehouse


@dataclass(frozen=True)
class Invocation:
    settings: Settings
    verbose: bool = False

    @contextmanager
    def warehouse(self, *, write: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """The warehouse the settings name, read-only unless ``write``; a wait for another writer is announced."""
        settings = self.settings
        with warehouse(
            settings.db, read_only=not write, lock_timeout=settings.lock_timeout, on_wait=error if write else None
        ) as con:
            yield con

    def check_writable(self) -> None:
        """Open the warehouse for writing once before a crawl starts Prefect, so that a path that cannot hold it,
        a file that is not one or a lock held elsewhere is said in a second, not after Prefect's start-up."""
        with self.warehouse(write=True):
            pass


def invocation(ctx: typer.Context) -> Invocation:
    """The invocation the global options made (the environment's settings when a command runs on its own)."""
    found = ctx.find_object(Invocation)
    return found if found is not None else Invocation(Settings.from_env())
