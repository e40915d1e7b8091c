"""What the warm runner (``warm_runner``) loads once, and what each child it forks does to become its command.

The runner imports Prefect, the flows and every command, as a command's own process would (``prefect_runtime``'s
settings for Prefect first), extracts one small page so that trafilatura and py3langid load what they load at first
use, and freezes the garbage collector's view of all of it: forked children share those pages and collect faster.
A child then takes its command's process group, terminal, directory and environment, and runs ``main``.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import os
import sys
import threading
import time
from pathlib import Path
from typing import NoReturn

from palimpsest.cli.output import renew_consoles
from palimpsest.cli.prefect_runtime import quiet_prefect

#: What Prefect 3.8.8 imported at the first flow run of a process that had imported it and the flows (0.3 s);
#: a name that a later Prefect lacks is skipped.
FIRST_RUN_IMPORTS = (
    "prefect.engine",
    "prefect.flow_engine",
    "prefect.task_engine",
    "prefect.concurrency.sync",
    "prefect.concurrency.v1.context",
    "prefect._internal.control_listener",
    "prefect.telemetry.run_telemetry",
    "prefect.utilities.visualization",
    "fastapi.encoders",
    "anyio._backends._asyncio",
    "anyio.streams.tls",
    "pydantic.color",
    "pytz",
    "netrc",
)
#: A page for the extractor's first use: enough English words for the language model to be loaded.
SAMPLE_PAGE = (
    b"<html><head><title>Privacy policy</title></head><body><main><h1>Privacy policy</h1>"
    + b"<p>This policy explains which information we collect when you use our service, why we keep it, "
    + b"with whom we share it and how you can ask us to correct or delete it.</p>" * 4
    + b"</main></body></html>"
)


def become(fields: dict, descriptors: list[int]) -> NoReturn:
    """In a forked child (in a process group of its own): take the command's terminal (``descriptors``: its
    standard input, output and error), directory and environment, run it as ``main`` would (``fields``: as
    ``warm._offer`` sent), and exit with its code."""
    for target, descriptor in enumerate(descriptors):
        os.dup2(descriptor, target)
        os.close(descriptor)
    os.umask(int(fields.get("umask", 0o022)))
    os.environ.clear()
    os.environ.update({str(key): str(value) for key, value in dict(fields.get("env", {})).items()})
    time.tzset()
    for stream, (encoding, errors, line_buffering) in zip(
        (sys.stdin, sys.stdout, sys.stderr), fields.get("streams", []), strict=False
    ):
        changed = (
            {"encoding": encoding, "errors": errors} if (encoding, errors) != (stream.encoding, stream.errors) else {}
        )
        with contextlib.suppress(OSError, ValueError):  # a stream that cannot change encoding keeps the runner's
            stream.reconfigure(**changed, line_buffering=bool(line_buffering))
    sys.argv = [str(fields.get("argv0", "palimpsest")), *map(str, fields["args"])]
    try:
        os.chdir(str(fields.get("cwd", "/")))
    except OSError as err:
        sys.stderr.write(f"error: the current directory is gone: {err}\n")
        exit_now(1)
    renew_consoles()  # built at import for the runner's log file: they look at the terminal again
    from palimpsest.cli.program import main  # noqa: PLC0415 - lazy: after quiet_prefect (warm_up), 0 s here

    exit_now(main(sys.argv[1:]))


def exit_now(code: int) -> NoReturn:
    """End the child as an exit would, without tearing the interpreter down: its threads are waited for and its
    exit handlers run (Prefect's last events and logs, the kept server's user file), the standard streams are
    flushed, then the process ends. Tearing down the runner's 1,700 modules took 0.07–0.12 s of every command
    (measured 2026-12), and what the command opened it has closed itself (its warehouse, its WARC files)."""
    threading._shutdown()  # type: ignore[attr-defined] - what an exit does first (CPython 3.11)
    atexit._run_exitfuncs()  # what an exit does next
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def warm_up() -> dict[str, tuple[int, int] | None]:
    """Import and load what a command's flow run would, as its process would (``prefect_runtime``'s settings for
    Prefect first); returns the state of every file imported."""
    quiet_prefect()  # before Prefect is imported: it reads its settings once, at import
    # The whole point of this process: 2.4 s of imports and first-use loads, done once for many commands.
    from prefect.settings import get_current_settings  # noqa: PLC0415 - lazy: after quiet_prefect; Prefect, 0 s more

    import palimpsest.cli.program  # noqa: PLC0415 - lazy: after quiet_prefect; typer, DuckDB, commands, 0.4 s
    import palimpsest.cli.progress  # noqa: PLC0415 - lazy: after quiet_prefect; trafilatura, 0.65 s
    import palimpsest.flows  # noqa: PLC0415 - lazy: after quiet_prefect; Prefect, the flows, 1.5 s
    from palimpsest.extractors import extract_policy  # noqa: PLC0415 - lazy: after quiet_prefect; trafilatura, 0 s more

    for name in palimpsest.flows.__all__:  # each flow's module, imported when the flow is first asked for
        getattr(palimpsest.flows, name)
    for name in FIRST_RUN_IMPORTS:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    extract_policy(SAMPLE_PAGE, "https://www.example.com/privacy", {"Content-Type": "text/html"})
    import duckdb  # noqa: PLC0415 - lazy: after quiet_prefect, with the flows above; 0 s more

    # duckdb 1.5.5 opens an in-memory database at import, and its task scheduler runs a thread. A child forked
    # while that thread ran aborted at exit once it had used DuckDB ("terminate called without an active
    # exception", exit 134; 2026-12). Closed, the thread ends; a later module-level call would open another.
    duckdb.default_connection().close()
    gc.collect()
    gc.freeze()
    files = {str(getattr(module, "__file__", None)) for module in list(sys.modules.values())}
    # Prefect read its profiles at import too (the API a profile names, its logging): a change is a change of code.
    files.add(str(get_current_settings().profiles_path))
    return {path: file_state(path) for path in files if path != "None"}


def file_state(path: str) -> tuple[int, int] | None:
    """A file as the runner checks it: (modification time, size), or None if it is gone."""
    try:
        found = Path(path).stat()
    except OSError:
        return None
    return found.st_mtime_ns, found.st_size
