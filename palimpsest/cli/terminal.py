"""What the terminal shows of a history beyond tables: the newest-first log, and the diff of two versions.

Everything goes through ``palimpsest.cli.output``: coloured on a terminal, plain text with the same markers in a pipe.
"""

from __future__ import annotations

from palimpsest.cli.output import console, plural, say, say_pieces
from palimpsest.comparison.diff import word_delta
from palimpsest.comparison.redline import redline
from palimpsest.comparison.sections import SectionChange, compare_sections, hunks, outline, summary
from palimpsest.timestamps import span
from palimpsest.warehouse.history import SiteHistory
from palimpsest.warehouse.rows import Version

#: How each section status is flagged in ``diff --sections`` and the log's section line.
SECTION_MARK = {"changed": "~", "renamed": ">", "added": "+", "removed": "-", "unchanged": "="}
SECTION_STYLE = {"changed": "yellow", "renamed": "yellow", "added": "green", "removed": "red", "unchanged": "dim"}


def print_log(history: SiteHistory, *, replay_prefix: str, patch: bool = False) -> None:
    """Every version, newest first, like ``git log``: the change that made it, its evidence, its sections."""
    if not history.versions:
        say(f"{history.site}: no versions yet ({plural(len(history.captures), 'capture')} seen)")
        return
    returns = history.returns()
    for n, v in enumerate(reversed(history.versions)):
        if n:
            say("")
        change = history.change_into(v.version)
        kind = "first version seen" if change is None else change.kind
        counts = "" if change is None else f"  +{change.words_added or 0} −{change.words_removed or 0} words"
        again = f"  (text of version {returns[v.version]} again)" if v.version in returns else ""
        say(f"version {v.version}  {kind}{counts}{again}", style="bold yellow")
        if change is not None:
            say(
                f"Changed:   after {change.changed_after:%Y-%m-%d %H:%M:%S}, by {change.changed_by:%Y-%m-%d %H:%M:%S} "
                f"UTC (within {span(change.uncertainty)})"
            )
        say(
            f"In force:  {v.first_seen:%Y-%m-%d} → {v.last_seen:%Y-%m-%d}, {plural(v.captures, 'capture')}, "
            f"{plural(v.words, 'word')}" + (f", {v.language}" if v.language else "")
        )
        say(f"URL:       {v.policy_url}")
        evidence = history.evidence(v)
        if evidence is not None:
            say(f"Snapshot:  {evidence.link(replay_prefix)}", style="cyan")
        previous = history.version(v.version - 1)
        if previous is None:
            headings = [s.path for s in outline(v.text) if s.heading]
            if headings:
                say(f"Sections:  {', '.join(headings)}")
            continue
        changes = compare_sections(previous.text, v.text)
        flagged = [f"{SECTION_MARK[c.status]} {c.title}" for c in changes if c.status != "unchanged"]
        say(f"Sections:  {', '.join(flagged) or 'none changed (wording within lines)'}")
        if patch:
            say("")
            _print_hunks(previous, v, context=0, indent="    ")


def print_comparison(history: SiteHistory, old: Version, new: Version, *, sections: bool, context: int | None) -> None:
    """``diff``: a header, how the two versions relate, then hunks (or the whole text, or changed sections)."""
    say(f"--- {history.site} version {old.version} ({old.first_seen:%Y-%m-%d} → {old.last_seen:%Y-%m-%d})", "bold")
    say(f"+++ {history.site} version {new.version} ({new.first_seen:%Y-%m-%d} → {new.last_seen:%Y-%m-%d})", "bold")
    change = history.change_into(new.version) if new.version == old.version + 1 else None
    if change is not None:
        say(
            f"changed between {change.changed_after:%Y-%m-%d %H:%M:%S} and {change.changed_by:%Y-%m-%d %H:%M:%S} "
            f"UTC; {change.kind}, +{change.words_added or 0} −{change.words_removed or 0} words",
            style="dim",
        )
    elif old.text_sha256 != new.text_sha256:
        added, removed = word_delta(old.text, new.text)
        say(f"+{added} −{removed} words", style="dim")
    if old.text_sha256 == new.text_sha256:
        say(f"no difference: version {new.version} has the same text as version {old.version}")
        return
    if sections:
        _print_sections(compare_sections(old.text, new.text))
    elif context is None:
        say_pieces(redline(old.text, new.text))
    else:
        _print_hunks(old, new, context=context)


def _print_hunks(old: Version, new: Version, *, context: int, indent: str = "") -> None:
    for hunk in hunks(old.text, new.text, context=context):
        say(f"{indent}@@ {hunk.heading or 'start'} @@", style="cyan")
        for line in hunk.lines:
            if indent:
                console.out(indent, end="", highlight=False)
            say_pieces(line)


def _print_sections(changes: list[SectionChange]) -> None:
    for change in changes:
        if change.status == "unchanged":
            continue
        title = f"{change.old_path} → {change.path}" if change.status == "renamed" else change.title
        say(f"{SECTION_MARK[change.status]} {title} ({change.status})", style=SECTION_STYLE[change.status])
        if change.body:
            say_pieces(change.body)
        say("")
    counts = summary(changes)
    say("sections: " + ", ".join(f"{n} {status}" for status, n in counts.items()), style="dim")
