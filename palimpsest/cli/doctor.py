"""``palimpsest doctor``: check that the warehouse and the raw WARC store agree, and say how to repair them."""

from __future__ import annotations

from typing import Annotated

import typer

from palimpsest.cli.invocation import invocation
from palimpsest.cli.output import error, plural, say
from palimpsest.warehouse import compact as compaction
from palimpsest.warehouse import warehouse


def doctor(
    ctx: typer.Context,
    repair: Annotated[
        bool,
        typer.Option("--repair", help="Apply pending migrations and mark captures with lost raw bytes for refetching."),
    ] = False,
    compact: Annotated[
        bool,
        typer.Option(
            "--compact",
            help="Rewrite a warehouse made in an older DuckDB storage format in the current one, with compressed "
            "texts, or one an upgrade left with much free space (needs room for a second copy while it runs).",
        ),
    ] = False,
    collect: Annotated[
        bool,
        typer.Option("--collect", help="Remove from the WARC store the raw captures no site uses (after forget)."),
    ] = False,
) -> None:
    """Check the warehouse against the raw WARC store: every stored capture's bytes exist and match their digest,
    the views resolve and the migrations are current. Exits 1 when a problem is found, and prints how to repair it.

    Example: palimpsest doctor || palimpsest doctor --repair

    Example: palimpsest doctor --compact

    Example: palimpsest doctor --collect
    """
    from palimpsest.flows import doctor as checks  # noqa: PLC0415 - lazy: the raw store's reader (warcio), 0.27 s

    run = invocation(ctx)
    current = run.settings
    if compact:
        done = compaction.compact(
            current.db,
            on_step=lambda message: say(f"compacting: {message}"),
            on_wait=error,
            lock_timeout=current.lock_timeout,
        )
        if done.changed:
            say(
                f"compacted: {current.db} {done.bytes_before / 1e6:,.1f} MB -> {done.bytes_after / 1e6:,.1f} MB, "
                f"{plural(done.rows, 'row')} in {plural(done.tables, 'table')} copied and checked"
                + ("; search index rebuilt" if done.reindexed else "")
            )
        else:
            say(f"compact: {current.db} is in the current storage format with little free space; nothing to do")
    if repair:
        with run.warehouse(write=True) as con:  # opening for writing applies pending migrations
            marked = checks.repair(con, current.warc_dir)
        say(f"repaired: migrations current; {plural(marked, 'capture')} marked for refetching by the next crawl")
    if collect:
        with run.warehouse(write=True) as con:
            done = checks.collect(con, current.warc_dir)
        say(
            f"collected: {plural(done.payloads, 'raw capture')} no site uses, {done.freed / 1e6:,.1f} MB freed "
            f"in {plural(done.files, 'WARC file')}"
        )
        for name in done.busy:
            say(f"  left alone: {name} (a crawl may still be writing it; collect again later)")
    with warehouse(current.db, read_only=True, lock_timeout=current.lock_timeout, upgrade=False) as con:
        problems = checks.check(con, current.warc_dir)
        unused, unused_bytes = checks.unused(con)
        older_format = compaction.older_format(con)
        free = compaction.reclaimable(con)
    for problem in problems:
        say(f"{problem.kind}: {problem.subject}: {problem.detail}")
        say(f"  repair: {problem.repair}")
    if unused:
        say(f"note: {plural(unused, 'raw capture')} ({unused_bytes / 1e6:,.1f} MB) in the WARC store no site uses;")
        say("  palimpsest doctor --collect removes them")
    if older_format:
        say("note: the file is in an older DuckDB storage format, where texts cannot be stored with zstd;")
        say("  palimpsest doctor --compact rewrites it in the current one (often several times smaller)")
    elif free:
        say(f"note: {free / 1e6:,.0f} MB of the file is free space, left by a migration that rewrote its tables;")
        say("  palimpsest doctor --compact gives it back")
    if problems:
        say(f"{plural(len(problems), 'problem')} found in {current.db} (raw store {current.warc_dir})")
        raise typer.Exit(code=1)
    say(f"ok: {current.db} and its raw store {current.warc_dir} agree; views resolve; migrations are current")
