"""The ``palimpsest`` command: thin over flows and warehouse queries. ``main(args)`` is the testable entry.

Heavy libraries (Prefect, DuckDB, trafilatura) are imported inside the commands that need them, so
``palimpsest --help`` starts in a fraction of a second.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from palimpsest import __version__
from palimpsest.errors import BadInput, PalimpsestError
from palimpsest.output import error
from palimpsest.settings import Settings, quiet_prefect

app = typer.Typer(
    name="palimpsest",
    help="Rebuild the full history of a website's privacy policy from web archives, into DuckDB.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class State:
    settings: Settings | None = None
    verbose: bool = False


state = State()


def settings() -> Settings:
    if state.settings is None:
        state.settings = Settings.from_env()
    return state.settings


def _version(value: bool) -> None:
    if value:
        typer.echo(f"palimpsest {__version__}")
        raise typer.Exit


@app.callback()
def _options(
    db: Annotated[Path | None, typer.Option(help="Warehouse file [env PALIMPSEST_DB; palimpsest.duckdb]")] = None,
    cdx_url: Annotated[str | None, typer.Option(help="CDX endpoint [env PALIMPSEST_CDX_URL; IA's]")] = None,
    replay_url: Annotated[str | None, typer.Option(help="Replay prefix [env PALIMPSEST_REPLAY_URL; IA's]")] = None,
    cdx_rate: Annotated[
        float | None, typer.Option(help="CDX requests/min at most [env PALIMPSEST_CDX_RATE; 24]")
    ] = None,
    replay_rate: Annotated[
        float | None, typer.Option(help="Replay requests/min at most [env PALIMPSEST_REPLAY_RATE; 300]")
    ] = None,
    warc_dir: Annotated[Path | None, typer.Option(help="Raw capture store [env PALIMPSEST_WARC_DIR]")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's and the fetcher's logs.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Options here apply to every command and override the PALIMPSEST_* environment variables."""
    state.settings = Settings.from_env(
        db=db,
        cdx_url=cdx_url,
        replay_url=replay_url,
        cdx_rate=cdx_rate,
        replay_rate=replay_rate,
        warc_dir=warc_dir,
    )
    state.verbose = verbose


def export_settings(current: Settings) -> None:
    """Hand the settings to flows running in this process, which read them from the environment."""
    os.environ["PALIMPSEST_DB"] = str(current.db)
    os.environ["PALIMPSEST_CDX_URL"] = current.cdx_url
    os.environ["PALIMPSEST_REPLAY_URL"] = current.replay_url
    os.environ["PALIMPSEST_CDX_RATE"] = str(current.cdx_rate)
    os.environ["PALIMPSEST_REPLAY_RATE"] = str(current.replay_rate)
    if current.warc_dir_override is not None:
        os.environ["PALIMPSEST_WARC_DIR"] = str(current.warc_dir_override)
    quiet_prefect(verbose=state.verbose)
    from palimpsest.prefect_server import detach_temporary_server  # noqa: PLC0415 - imports Prefect

    detach_temporary_server()


def _register() -> None:
    # Each command module adds its commands to ``app`` when imported.
    from palimpsest import (  # noqa: F401, PLC0415
        commands_corpus,
        commands_crawl,
        commands_demo,
        commands_doctor,
        commands_flows,
        commands_read,
    )


INTERRUPTED = "interrupted: what was stored is kept; run the same command again to resume"


def main(args: list[str] | None = None) -> int:  # noqa: PLR0911 - one exit code per kind of failure
    """Run the CLI; returns the exit code. Errors are one line on stderr, never a traceback."""
    _register()
    try:
        code = app(args=args, prog_name="palimpsest", standalone_mode=False)
    except typer.Exit as done:
        return done.exit_code
    except typer.Abort:
        error("aborted")
        return 130
    except KeyboardInterrupt:
        error(INTERRUPTED)
        return 130
    except BadInput as err:
        error(f"error: {err}")
        return 2
    except PalimpsestError as err:
        error(f"error: {err}")
        return 1
    except Exception as err:  # usage errors, and anything unexpected, still get one clear line
        if _duckdb_interrupted(err):
            error(INTERRUPTED)
            return 130
        usage = _usage_error(err)
        if usage:
            error(f"error: {usage}")
            return 2
        error(f"error: {type(err).__name__}: {err}")
        return 1
    if code == 130:  # typer turns Ctrl-C into a silent exit code 130 (typer 0.2x, 2026-11); no command returns it
        error(INTERRUPTED)
    return code if isinstance(code, int) else 0


def _usage_error(err: Exception) -> str | None:
    """The message of a command-line usage error (typer carries its own copy of click's exception classes, so
    they are recognised by what they have: a message and an exit code)."""
    message = getattr(err, "format_message", None)
    if not callable(message) or not isinstance(getattr(err, "exit_code", None), int):
        return None
    text = str(message())
    if type(err).__name__ == "NoSuchOption":
        text += " (an argument that starts with '-' goes after --, e.g. palimpsest sql -- \"-- a comment\")"
    return text


def _duckdb_interrupted(err: BaseException) -> bool:
    """DuckDB turns a Ctrl-C that lands inside a query into ``RuntimeError("Query interrupted")``, not a
    KeyboardInterrupt (duckdb 1.5.5, measured 2026-11)."""
    return isinstance(err, RuntimeError) and str(err) == "Query interrupted"


def entry() -> None:  # the console script
    sys.exit(main())
