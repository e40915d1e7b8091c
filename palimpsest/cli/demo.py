"""``palimpsest demo`` (what ``make demo`` runs) and ``palimpsest serve-demo``.

The demo archive, its pages and the pywb runner live in the checkout's ``demo/`` folder (``palimpsest.demo`` in an
editable install); the wheel does not ship them, since the archive needs the checkout's pywb environment.
"""

from __future__ import annotations

import signal
import time
from typing import Annotated

import typer

from palimpsest.cli.invocation import Invocation, invocation
from palimpsest.cli.output import say
from palimpsest.cli.prefect_runtime import prepare_prefect
from palimpsest.cli.read import print_history, read_history
from palimpsest.errors import PalimpsestError
from palimpsest.report import write_report


class NoDemo(PalimpsestError):
    """The demo is not installed: it runs from a checkout of the repository."""


def demo(ctx: typer.Context) -> None:
    """Build the demo archive, serve it with pywb, crawl every demo site, print histories, write the report.

    Example: palimpsest demo
    """
    prepare_prefect(verbose=invocation(ctx).verbose, idle=invocation(ctx).settings.prefect_idle)
    try:
        from palimpsest.demo.job import DEMO_DIR, run_demo  # noqa: PLC0415 - lazy: Prefect, 1.5 s; absent from the wheel
    except ImportError as err:
        raise NoDemo("the demo runs from a checkout of Palimpsest: git clone it, then run make demo") from err

    run = run_demo(say=say)
    with Invocation(run.settings).warehouse() as con:
        report_path = write_report(con, DEMO_DIR / "report.html", replay_prefix=run.settings.replay_url)
    for site in run.sites:
        print_history(read_history(run.settings, site))
    say(f"warehouse: {run.settings.db}")
    say(f"report: {report_path}  (open it in a browser)")
    say(f"demo finished in {time.monotonic() - run.started:.1f} s")


def serve_demo(port: Annotated[int | None, typer.Option(help="Loopback port (default: a free one)")] = None) -> None:
    """Serve the demo archive with pywb on loopback until Ctrl-C, and print how to crawl it.

    Example: palimpsest serve-demo --port 8080
    """
    try:
        from palimpsest.demo.archive import DEMO_DIR, LocalWayback  # noqa: PLC0415 - lazy: absent from the wheel
        from palimpsest.demo.build import build  # noqa: PLC0415 - lazy: absent from the wheel
    except ImportError as err:
        raise NoDemo("the demo runs from a checkout of Palimpsest: git clone it, then run make serve-demo") from err

    warc, _ = build(DEMO_DIR / "build")
    # A closed terminal (SIGHUP) or a kill (SIGTERM) stops the archive as Ctrl-C does: pywb must not keep the port.
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, _interrupt)
    with LocalWayback([warc], port=port) as wayback:
        say(f"local Wayback (pywb) at {wayback.base_url}")
        say(f"  export PALIMPSEST_CDX_URL={wayback.cdx_url}")
        say(f"  export PALIMPSEST_REPLAY_URL={wayback.replay_url}")
        say("  palimpsest crawl https://pebbleweather.example/privacy")
        say("Ctrl-C to stop.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            say("stopping the archive")


def _interrupt(number: int, frame: object) -> None:
    raise KeyboardInterrupt
