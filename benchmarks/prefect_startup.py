"""Prefect start-up: ``palimpsest crawl`` and ``palimpsest refresh`` as commands, against the same work as plain calls.

    python -m benchmarks.prefect_startup [--rounds 5] [--bench-json]      # --bench-json: 3 rounds

The demo archive (our own pages) is served by a real pywb on loopback. Every run is a fresh process, as a user's
command is: the crawl of a demo site with 3 fetches into a fresh warehouse, and the refresh of the 4 demo sites with
nothing new (a copy of a warehouse that holds them all). Each is run

* as plain calls: the command's steps without Prefect, in ``python -m benchmarks.prefect_startup --plain …``
  (settings, progress, the crawl's steps, the summary and the history, imports included);
* as the command with no Prefect API configured: it starts a temporary Prefect server and stops it at exit
  (``PALIMPSEST_PREFECT_IDLE=0``);
* as the command with no Prefect API configured, using the temporary server and the warm runner an earlier command
  started and left running (``PALIMPSEST_PREFECT_IDLE`` above 0, as by default), and again with the server only
  (``PALIMPSEST_WARM=0``);
* as the command while a ``prefect server start`` of the same ``PREFECT_HOME`` runs, which the command reuses.

All share one ``PREFECT_HOME``, warmed first by one command (its first run creates Prefect's database: reported
apart). The runs of a round are interleaved, so that load from elsewhere falls on all of them; medians of the
rounds are reported, wall and CPU time (the command's own and its server's). Issue #19's goal: a crawl in 3 s
where the plain calls take 1.5 s, i.e. at most twice the plain calls, on a warm machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._rows import emit, row
from tests.prefect_processes import processes_with_home, start_prefect_server

REPO = Path(__file__).resolve().parent.parent
CRAWLED = "https://pebbleweather.example/privacy"  # 6 captures, 3 distinct digests: 3 fetches
GOAL = "≤ 2× plain (3 s vs 1.5 s, issue #19)"
RATES = {"PALIMPSEST_CDX_RATE": "6000", "PALIMPSEST_REPLAY_RATE": "60000"}  # pywb on loopback: no waiting


def plain(what: str, url: str | None) -> None:
    """The command's work as plain calls, in this process (``--plain crawl URL`` or ``--plain refresh``)."""
    # Imported here: this is the measured process, and it imports what the plain calls need, no more.
    from palimpsest.cli.progress import crawl_progress  # noqa: PLC0415
    from palimpsest.cli.read import print_history, read_history  # noqa: PLC0415
    from palimpsest.flows.crawl import PLAIN, run_crawl  # noqa: PLC0415
    from palimpsest.flows.fleet import crawl_many, refresh_entries  # noqa: PLC0415
    from palimpsest.settings import Settings  # noqa: PLC0415

    settings = Settings.from_env()
    with crawl_progress(settings):
        if what == "crawl":
            reports = [run_crawl(settings, str(url), steps=PLAIN)]
        else:
            reports = crawl_many(settings, refresh_entries(settings), steps=PLAIN, workers=2).reports
    for report in reports:
        print(f"{report.site}: {report.captures_found} captures, {report.fetched} fetched, {report.versions} versions")
    if what == "crawl":
        print_history(read_history(settings, reports[0].site), replay_prefix=settings.replay_url)


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one command, its children included; fails loudly if the command fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def fresh_warehouse(template: Path | None, db: Path) -> None:
    """A warehouse at ``db``: empty, or a copy of ``template`` (file and raw-capture store)."""
    for path in (db, db.with_name(db.name + ".wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(db.with_name(db.name + ".warc"), ignore_errors=True)
    if template is not None:
        shutil.copy(template, db)
        shutil.copytree(template.with_name(template.name + ".warc"), db.with_name(db.name + ".warc"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_rounds(
    runs: dict[str, list[tuple[float, float]]],
    kinds: dict[str, tuple[Path | None, list[str]]],
    names: list[str],
    env: dict[str, str],
    suffix: str,
    label: str,
    every: tuple[int, Path, object],
) -> None:
    """``every = (rounds, db, out)``: each round runs the ``names`` of ``kinds`` once, each on a fresh warehouse."""
    rounds, db, out = every
    for number in range(rounds):
        for kind in names:
            template, argv = kinds[kind]
            fresh_warehouse(template, db)
            runs.setdefault(f"{kind}{suffix}", []).append(timed(argv, env))
        print(f"round {number + 1}/{rounds} ({label}) done", file=out, flush=True)


def stop_kept_server(prefect_home: Path) -> None:
    """Stop the temporary server kept for ``prefect_home`` (SIGTERM to its keeper), and wait until it is gone."""
    try:
        keeper = json.loads((prefect_home / "palimpsest-server" / "server.json").read_text(encoding="utf-8"))["keeper"]
    except (OSError, ValueError, KeyError):
        return
    stop([keeper])


def stop(pids: list[int]) -> None:
    """SIGTERM to each process, then wait (30 s at most) until all are gone."""
    from palimpsest.processes import alive  # noqa: PLC0415

    for pid in pids:
        os.kill(pid, 15)
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)


def run_kept(
    runs: dict[str, list[tuple[float, float]]],
    kinds: dict[str, tuple[Path | None, list[str]]],
    env: dict[str, str],
    crawl: list[str],
    every: tuple[int, Path, object],
) -> None:
    """The rounds with the temporary server and the warm runner kept, then with the server only."""
    _rounds, db, out = every
    home = Path(env["PREFECT_HOME"])
    kept = {**env, "PALIMPSEST_PREFECT_IDLE": "600"}
    fresh_warehouse(None, db)
    timed(crawl, kept)  # starts the server and the runner that the next commands use
    try:
        wait_for_runner(home, out)
        run_rounds(runs, kinds, ["crawl", "refresh"], kept, " kept", "server and warm runner kept", every)
        alone = {**kept, "PALIMPSEST_WARM": "0"}
        run_rounds(runs, kinds, ["crawl", "refresh"], alone, " kept alone", "server kept, no runner", every)
    finally:
        stop_kept_server(home)
        stop(processes_with_home(home, "palimpsest.cli.warm_runner"))  # the warm runner


def wait_for_runner(prefect_home: Path, out: object) -> None:
    """Wait until the warm runner the last command started serves (it imports for a few seconds first)."""
    deadline = time.monotonic() + 120
    log = prefect_home / "palimpsest-server" / "warm.log"
    while not (log.exists() and "serving" in log.read_text(encoding="utf-8")):
        if time.monotonic() > deadline:
            raise SystemExit(f"no warm runner started; see {prefect_home / 'palimpsest-server' / 'warm.log'}")
        time.sleep(0.2)
    print("warm runner serving", file=out, flush=True)


def measure(rounds: int, out: object) -> list[dict]:
    from palimpsest.demo.archive import ArchiveStartError, LocalWayback, pywb_bin  # noqa: PLC0415
    from palimpsest.demo.build import build  # noqa: PLC0415

    command = Path(sys.executable).with_name("palimpsest")
    try:
        pywb_bin("wayback")
    except ArchiveStartError as err:
        print(f"skipped: {err}", file=sys.stderr)
        return [{"skipped": str(err)}]
    if not command.exists():
        print(f"skipped: {command} not found: run make setup", file=sys.stderr)
        return [{"skipped": f"{command} not found: run make setup"}]
    with tempfile.TemporaryDirectory(prefix="palimpsest-bench-") as tmp:
        work = Path(tmp)
        warc, _ = build(work / "demo")
        with LocalWayback([warc]) as wayback:
            base = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PALIMPSEST_"))}
            base |= {**RATES, "PALIMPSEST_CDX_URL": wayback.cdx_url, "PALIMPSEST_REPLAY_URL": wayback.replay_url}
            base |= {"PREFECT_HOME": str(work / "prefect-home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
            base |= {"DO_NOT_TRACK": "1", "PREFECT_SERVER_API_PORT": str(free_port())}  # nothing there, at first
            db, tracked = work / "w.duckdb", work / "tracked.duckdb"
            env = {**base, "PALIMPSEST_DB": str(db), "PALIMPSEST_PREFECT_IDLE": "0"}
            sites = [*(f"--plain-site={s}" for s in _demo_urls(work / "demo" / "expected.json"))]
            timed([sys.executable, "-m", "benchmarks.prefect_startup", "--plain", "track", *sites], {**base,
                  "PALIMPSEST_DB": str(tracked)})  # fmt: skip
            fresh_warehouse(None, db)
            first = timed([str(command), "crawl", CRAWLED], env)  # Prefect's database created and migrated
            plain_crawl = [sys.executable, "-m", "benchmarks.prefect_startup", "--plain", "crawl", CRAWLED]
            plain_refresh = [sys.executable, "-m", "benchmarks.prefect_startup", "--plain", "refresh"]
            runs: dict[str, list[tuple[float, float]]] = {}
            kinds = {
                "crawl plain": (None, plain_crawl),
                "crawl": (None, [str(command), "crawl", CRAWLED]),
                "refresh plain": (tracked, plain_refresh),
                "refresh": (tracked, [str(command), "refresh"]),
            }
            every = (rounds, db, out)
            run_rounds(runs, kinds, list(kinds), env, "", "temporary server", every)
            run_kept(runs, kinds, env, [str(command), "crawl", CRAWLED], every)
            try:
                server = start_prefect_server(base, int(base["PREFECT_SERVER_API_PORT"]), wait=180)
            except RuntimeError as err:
                raise SystemExit(str(err)) from err
            try:
                run_rounds(runs, kinds, ["crawl", "refresh"], env, " server", "server running", every)
            finally:
                os.killpg(server.pid, 15)
                server.wait(timeout=30)
    return report(runs, first, out)


def _demo_urls(expected: Path) -> list[str]:
    return [site["url"] for site in json.loads(expected.read_text(encoding="utf-8"))["sites"]]


def report(runs: dict[str, list[tuple[float, float]]], first: tuple[float, float], out: object) -> list[dict]:
    def median(kind: str, index: int = 0) -> float:
        return statistics.median(run[index] for run in runs[kind])

    print(f"{'run':<16} {'wall median':>11} {'wall min':>9} {'CPU median':>10}   ({len(runs['crawl'])} runs)", file=out)
    for kind, timings in runs.items():
        walls = [run[0] for run in timings]
        print(f"{kind:<16} {median(kind):>10.2f}s {min(walls):>8.2f}s {median(kind, 1):>9.2f}s", file=out)
    print(f"first crawl on a fresh PREFECT_HOME: {first[0]:.2f} s wall, {first[1]:.2f} s CPU", file=out)
    return [
        row("crawl, 3 fetches (temporary server)", median("crawl"), median("crawl plain"), "plain calls", "s", GOAL),
        row("crawl, 3 fetches (server running)", median("crawl server"), median("crawl plain"), "plain calls", "s",
            GOAL),
        row("crawl, 3 fetches (temporary server and warm runner kept from the last command)", median("crawl kept"),
            median("crawl plain"), "plain calls", "s", GOAL),
        row("refresh, 4 sites (temporary server)", median("refresh"), median("refresh plain"), "plain calls", "s",
            GOAL),
        row("refresh, 4 sites (server running)", median("refresh server"), median("refresh plain"), "plain calls",
            "s", GOAL),
        row("refresh, 4 sites (temporary server and warm runner kept from the last command)", median("refresh kept"),
            median("refresh plain"), "plain calls", "s", GOAL),
        row("crawl, 3 fetches (temporary server kept, PALIMPSEST_WARM=0)", median("crawl kept alone"),
            median("crawl plain"), "plain calls", "s", GOAL),
        row("refresh, 4 sites (temporary server kept, PALIMPSEST_WARM=0)", median("refresh kept alone"),
            median("refresh plain"), "plain calls", "s", GOAL),
        row("crawl, first on a fresh PREFECT_HOME", first[0], None, "", "s", "informational (migrations)"),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--bench-json", action="store_true", help="3 rounds; JSON lines on stdout, prose on stderr")
    parser.add_argument("--plain", choices=("crawl", "refresh", "track"), help=argparse.SUPPRESS)
    parser.add_argument("--plain-site", action="append", default=[], help=argparse.SUPPRESS)
    parser.add_argument("url", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.plain == "track":
        for url in args.plain_site:
            plain("crawl", url)
        return 0
    if args.plain:
        plain(args.plain, args.url)
        return 0
    out = sys.stderr if args.bench_json else sys.stdout
    rows = measure(3 if args.bench_json else args.rounds, out)
    if args.bench_json:
        emit([item for item in rows if "measure" in item])
        for item in rows:
            if "skipped" in item:
                print(json.dumps(item, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
