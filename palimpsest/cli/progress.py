"""Progress of a running crawl: rich bars (found, fetched, extracted) with ETA and the rate-limit wait.

On a terminal the bars redraw live; in a pipe (logs, tests) a plain line is printed after each stored batch,
so a long run still shows it is alive. The crawl publishes its running report (:mod:`palimpsest.flows.progress`);
the rate-limit column reads the archive client's limiters as it draws. A run in shards publishes each shard when
its state changes, printed as a line.

It imports the crawl's pipeline (trafilatura among it, 0.65 s), so commands import it when they crawl.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
from rich.text import Text

from palimpsest.cli.output import console, say
from palimpsest.flows import progress
from palimpsest.flows.fetching import client_for
from palimpsest.flows.shards import Shard
from palimpsest.settings import Settings


class RateLimitColumn(ProgressColumn):
    """Seconds spent waiting on the archive's rate limits so far, and the spacing in force now."""

    def __init__(self, client: object) -> None:
        super().__init__()
        self.client = client

    def render(self, task: object) -> Text:
        if not getattr(task, "fields", {}).get("limits"):
            return Text("")
        return Text(rate_limit_note(self.client), style="dim")


def rate_limit_note(client: object) -> str:
    limiters = client.limiters  # type: ignore[attr-defined]
    spacing = ", ".join(f"{kind} every {limiter.interval:.2f} s" for kind, limiter in limiters.items())
    return f"waited {client.waited:.1f} s on rate limits ({spacing})"  # type: ignore[attr-defined]


@contextmanager
def crawl_progress(settings: Settings) -> Iterator[None]:
    """Show the progress of every crawl run in this process inside the block."""

    client = client_for(settings)
    reports: dict[int, object] = {}
    live = console.is_terminal
    bars = Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        RateLimitColumn(client),
        console=console,
        transient=False,
        disable=not live,
    )
    found = bars.add_task("found", total=None)
    fetched = bars.add_task("fetched", total=None)
    extracted = bars.add_task("extracted", total=None, limits=True)

    def update(report: object) -> None:
        if isinstance(report, Shard):  # a run in shards: the crawls run on workers, each shard says how it goes
            where = f" on {report.worker}" if report.worker else ""
            say(f"{report.label} ({', '.join(report.sites)}): {report.state.lower()}{where}")
            return
        reports[id(report)] = report
        totals = {
            name: sum(getattr(r, name) for r in reports.values())
            for name in ("captures_found", "to_fetch", "fetched", "extracted")
        }
        bars.update(found, completed=totals["captures_found"], total=totals["captures_found"])
        bars.update(fetched, completed=totals["fetched"], total=totals["to_fetch"])
        bars.update(extracted, completed=totals["extracted"], total=totals["to_fetch"])
        if not live:
            say(
                f"found {totals['captures_found']}, fetched {totals['fetched']} of {totals['to_fetch']}, "
                f"extracted {totals['extracted']}; {rate_limit_note(client)}"
            )

    with bars, progress.listening(update):
        yield
