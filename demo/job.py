"""The demo job (``make demo``): build the demo archive, serve it with pywb and crawl it.

Everything goes through the real interfaces: pywb's CDX and ``id_`` replay over HTTP on loopback and the
``crawl_policy`` Prefect flow (ephemeral, no server needed). ``palimpsest demo`` then shows each history and writes
the report from the public views. It imports Prefect: the command imports it when the demo runs.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from palimpsest.demo.archive import DEMO_DIR, LocalWayback
from palimpsest.demo.build import build
from palimpsest.errors import PalimpsestError
from palimpsest.flows import crawl_policy
from palimpsest.settings import Settings
from palimpsest.warehouse import warehouse

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


@dataclass(frozen=True)
class DemoRun:
    """What the demo crawled: every site's versions, and the settings (warehouse, archive) it crawled with."""

    settings: Settings
    sites: list[str]
    versions: dict[str, int]
    started: float


def run_demo(out_dir: Path = DEMO_DIR, *, say: Callable[[str], None] = print) -> DemoRun:
    """Crawl every demo site into ``out_dir/palimpsest.duckdb``, rebuilt from scratch each time."""
    started = time.monotonic()
    warc, expected_path = build(out_dir / "build")
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    demo_sites = [site["site"] for site in expected["sites"]]
    db = own_warehouse(out_dir / "palimpsest.duckdb", set(demo_sites), say)
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(db.with_name(db.name + ".warc"), ignore_errors=True)
    say(f"demo archive: {warc} ({len(expected['sites'])} sites)")
    versions: dict[str, int] = {}
    with LocalWayback([warc]) as wayback:
        say(f"local Wayback (pywb) answering at {wayback.base_url}")
        settings = demo_settings(wayback, db)
        for site in expected["sites"]:
            report = crawl_policy(url=site["url"], site=site["site"], settings=settings)
            versions[site["site"]] = report["versions"]
            say(
                f"crawled {site['site']}: {report['captures_found']} captures, {report['fetched']} fetched, "
                f"{report['versions']} versions (expected {len(site['versions'])})"
            )
    return DemoRun(settings, demo_sites, versions, started)


def own_warehouse(db: Path, demo_sites: set[str], say: Callable[[str], None]) -> Path:
    """The warehouse file the demo may rebuild: ``db``, unless it holds sites or imports the demo did not write
    (someone pointed a real crawl at it), which are never deleted: then a file of the demo's own beside it."""
    if not db.exists():
        return db
    try:
        with warehouse(db, read_only=True) as con:
            sites = {row[0] for row in con.execute("SELECT site FROM site").fetchall()}
            imported = con.execute("SELECT count(*) FROM capture WHERE provenance = 'imported'").fetchone()[0]
    except PalimpsestError:
        sites, imported = {"(a file the demo cannot read)"}, 0
    foreign = sorted(sites - demo_sites)
    if not foreign and not imported:
        return db
    own = db.with_name("palimpsest-demo.duckdb")
    held = ", ".join(foreign[:3]) + (" …" if len(foreign) > 3 else "") if foreign else f"{imported} imported documents"
    say(f"note: {db} holds what the demo did not write ({held}) and is left alone; the demo uses {own}")
    return own
