"""``palimpsest demo`` (what ``make demo`` runs) and ``palimpsest serve-demo``, and ``report``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from palimpsest.cli import app, settings, state
from palimpsest.output import console
from palimpsest.settings import quiet_prefect


@app.command()
def demo() -> None:
    """Build the demo archive, serve it with pywb, crawl every demo site, print histories, write the report.

    Example: palimpsest demo
    """
    from palimpsest.commands_read import print_history, read_history  # noqa: PLC0415
    from palimpsest.demo.job import run_demo  # noqa: PLC0415

    quiet_prefect(verbose=state.verbose)

    def show(db: Path, site: str) -> None:
        print_history(read_history(db, site))

    run_demo(say=lambda line: console.print(line, markup=False), show_history=show)


@app.command("serve-demo")
def serve_demo(
    port: Annotated[int | None, typer.Option(help="Loopback port (default: a free one)")] = None,
) -> None:
    """Serve the demo archive with pywb on loopback until Ctrl-C, and print how to crawl it.

    Example: palimpsest serve-demo --port 8080
    """
    from palimpsest.demo.archive import LocalWayback  # noqa: PLC0415
    from palimpsest.demo.build import build  # noqa: PLC0415
    from palimpsest.demo.job import DEMO_DIR  # noqa: PLC0415

    warc, _ = build(DEMO_DIR / "build")
    with LocalWayback([warc], port=port) as wayback:
        console.print(f"local Wayback (pywb) at {wayback.base_url}", markup=False)
        console.print(f"  export PALIMPSEST_CDX_URL={wayback.cdx_url}", markup=False)
        console.print(f"  export PALIMPSEST_REPLAY_URL={wayback.replay_url}", markup=False)
        console.print("  palimpsest crawl https://pebbleweather.example/privacy", markup=False)
        console.print("Ctrl-C to stop.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            console.print("stopping the archive")


@app.command()
def report(
    out: Annotated[Path, typer.Argument(help="The HTML file to write")],
    site: Annotated[str | None, typer.Option(help="Only this site")] = None,
) -> None:
    """Write a static, self-contained HTML timeline of every site's versions, with diffs.

    Example: palimpsest report history.html --site example.com
    """
    from palimpsest.report import write_report  # noqa: PLC0415
    from palimpsest.warehouse import connect, queries  # noqa: PLC0415

    current = settings()
    con = connect(current.db, read_only=True)
    try:
        if site:
            site = queries.resolve_site(con, site)
        path = write_report(con, out, replay_prefix=current.replay_url, site=site)
    finally:
        con.close()
    console.print(f"wrote {path}", markup=False)
