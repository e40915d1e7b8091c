"""The ``palimpsest`` program: global options, one table of commands, and errors turned into exit codes.

``main(args)`` is the testable entry. The global options and the ``PALIMPSEST_*`` variables make one
:class:`~palimpsest.settings.Settings` value, validated once, that each command receives through typer's context.
Commands are plain functions in small modules and are registered here, from the table below, so no command
module imports this one.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from palimpsest import __version__
from palimpsest.cli import corpus, crawl, demo, doctor, fleet, forget, lake, publish, read
from palimpsest.cli.invocation import Invocation
from palimpsest.cli.output import error
from palimpsest.errors import BadInput, PalimpsestError
from palimpsest.settings import Settings

app = typer.Typer(
    name="palimpsest",
    help="Rebuild the full history of a website's privacy policy from web archives, into DuckDB.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

#: Every command, in the order ``--help`` lists them: collect, read, publish, keep.
COMMANDS = (
    ("crawl", crawl.crawl),
    ("discover", fleet.discover),
    ("crawl-sites", fleet.crawl_sites),
    ("refresh", fleet.refresh),
    ("history", read.history),
    ("show", read.show),
    ("diff", read.diff),
    ("sql", read.sql),
    ("search", corpus.search),
    ("sites", read.sites),
    ("report", publish.report),
    ("feed", publish.feed),
    ("export", corpus.export),
    ("import", corpus.import_),
    ("verify", corpus.verify),
    ("reextract", corpus.reextract),
    ("forget", forget.forget),
    ("doctor", doctor.doctor),
    ("demo", demo.demo),
    ("serve-demo", demo.serve_demo),
)
for _name, _command in COMMANDS:
    app.command(_name)(_command)
app.add_typer(lake.app, name="lake")  # lake push / lake pull


def _version(value: bool) -> None:
    if value:
        typer.echo(f"palimpsest {__version__}")
        raise typer.Exit


@app.callback()
def _options(
    ctx: typer.Context,
    db: Annotated[
        Path | None, typer.Option(help="Warehouse file, or ducklake:… [env PALIMPSEST_DB; palimpsest.duckdb]")
    ] = None,
    cdx_url: Annotated[str | None, typer.Option(help="CDX endpoint [env PALIMPSEST_CDX_URL; IA's]")] = None,
    replay_url: Annotated[str | None, typer.Option(help="Replay prefix [env PALIMPSEST_REPLAY_URL; IA's]")] = None,
    cdx_rate: Annotated[
        float | None, typer.Option(help="CDX requests/min at most [env PALIMPSEST_CDX_RATE; 24]")
    ] = None,
    replay_rate: Annotated[
        float | None, typer.Option(help="Replay requests/min at most [env PALIMPSEST_REPLAY_RATE; 300]")
    ] = None,
    warc_dir: Annotated[Path | None, typer.Option(help="Raw capture store [env PALIMPSEST_WARC_DIR]")] = None,
    lake_data: Annotated[
        str | None, typer.Option(help="A DuckLake's data files: a folder or s3:// URL [env PALIMPSEST_LAKE_DATA]")
    ] = None,
    lock_timeout: Annotated[
        float | None,
        typer.Option(help="Seconds to wait for another writer's lock [env PALIMPSEST_LOCK_TIMEOUT; 120]"),
    ] = None,
    pace_dir: Annotated[
        Path | None,
        typer.Option(help="Where this host's processes share each archive's pace [env PALIMPSEST_PACE_DIR]"),
    ] = None,
    shared_limit: Annotated[
        str | None,
        typer.Option(help="Prefect limits NAME-cdx/-replay that hosts share [env PALIMPSEST_SHARED_LIMIT]"),
    ] = None,
    prefect_idle: Annotated[
        float | None,
        typer.Option(
            help="Seconds a temporary Prefect server waits for the next command [env PALIMPSEST_PREFECT_IDLE; 300]"
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's and the fetcher's logs.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Options here apply to every command and override the PALIMPSEST_* environment variables."""
    settings = Settings.from_env().with_options(
        db=db,
        cdx_url=cdx_url,
        replay_url=replay_url,
        cdx_rate=cdx_rate,
        replay_rate=replay_rate,
        warc_dir_override=warc_dir,
        lock_timeout=lock_timeout,
        pace_dir_override=pace_dir,
        shared_limit=shared_limit,
        lake_data=lake_data,
        prefect_idle=prefect_idle,
    )
    ctx.obj = Invocation(settings, verbose)


INTERRUPTED = "interrupted: what was stored is kept; run the same command again to resume"


def main(args: list[str] | None = None) -> int:  # noqa: PLR0911 - one exit code per kind of failure
    """Run the CLI; returns the exit code. Errors are one line on stderr, never a traceback."""
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
