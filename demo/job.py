"""The demo job (``make demo``): build the demo archive, serve it with pywb, crawl it, show the history.

Everything goes through the real interfaces: pywb's CDX and ``id_`` replay over HTTP on loopback, the
``crawl_policy`` Prefect flow (ephemeral, no server needed), and the public DuckDB views.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from palimpsest.demo.archive import ROOT, LocalWayback
from palimpsest.demo.build import build

from palimpsest.settings import Settings

DEMO_DIR = ROOT / "demo"
#: pywb on loopback can take far more than IA's limits; the demo still goes through the same limiter.
DEMO_CDX_RATE = 600.0
DEMO_REPLAY_RATE = 6000.0


def demo_settings(wayback: LocalWayback, db: Path) -> Settings:
    return Settings(
        db=db,
        cdx_url=wayback.cdx_url,
        replay_url=wayback.replay_url,
        cdx_rate=DEMO_CDX_RATE,
        replay_rate=DEMO_REPLAY_RATE,
    )


def run_demo(
    out_dir: Path = DEMO_DIR,
    *,
    say: Callable[[str], None] = print,
    show_history: Callable[[Path, str], None] | None = None,
) -> dict:
    """Run the whole demo; returns {site: versions}. The warehouse is rebuilt from scratch each time."""
    started = time.monotonic()
    warc, expected_path = build(out_dir / "build")
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    db = out_dir / "palimpsest.duckdb"
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(db.with_name(db.name + ".warc"), ignore_errors=True)
    say(f"demo archive: {warc} ({len(expected['sites'])} sites)")
    results: dict[str, int] = {}
    with LocalWayback([warc]) as wayback:
        say(f"local Wayback (pywb) answering at {wayback.base_url}")
        settings = demo_settings(wayback, db)
        _export(settings)
        from palimpsest.flows import crawl_policy  # noqa: PLC0415 - imports Prefect

        for site in expected["sites"]:
            report = crawl_policy(url=site["url"], site=site["site"])
            results[site["site"]] = report["versions"]
            say(
                f"crawled {site['site']}: {report['captures_found']} captures, {report['fetched']} fetched, "
                f"{report['versions']} versions (expected {len(site['versions'])})"
            )
        from palimpsest.warehouse import connect  # noqa: PLC0415

        from palimpsest.report import write_report  # noqa: PLC0415

        con = connect(db, read_only=True)
        try:
            report_path = write_report(con, out_dir / "report.html", replay_prefix=wayback.replay_url)
        finally:
            con.close()
    if show_history is not None:
        for site in expected["sites"]:
            show_history(db, site["site"])
    say(f"warehouse: {db}")
    say(f"report: {report_path}  (open it in a browser)")
    say(f"demo finished in {time.monotonic() - started:.1f} s")
    return results


def _export(settings: Settings) -> None:
    os.environ["PALIMPSEST_DB"] = str(settings.db)
    os.environ["PALIMPSEST_CDX_URL"] = settings.cdx_url
    os.environ["PALIMPSEST_REPLAY_URL"] = settings.replay_url
    os.environ["PALIMPSEST_CDX_RATE"] = str(settings.cdx_rate)
    os.environ["PALIMPSEST_REPLAY_RATE"] = str(settings.replay_rate)
    os.environ.pop("PALIMPSEST_WARC_DIR", None)
