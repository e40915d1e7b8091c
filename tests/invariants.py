"""What every faulty run must leave behind, checked in one place: every capture the archive listed has exactly one
recorded outcome from the contract's vocabulary, and the versions are whole (numbered 1..n, each a change from the
one before, every usable capture in exactly one of them, every text stored).
"""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from pathlib import Path

from palimpsest.warehouse import connect
from tests.servers import FaultArchive, Page

#: The contract's outcomes; ``error:`` and ``skipped:`` carry a reason.
OUTCOMES = {"version", "same-text", "redirect", "not-found", "imported"}


def listed(archive: FaultArchive | list[Page]) -> set[tuple[str, str]]:
    """(url, 14-digit timestamp) of every capture an archive's CDX lists."""
    pages = archive.pages if isinstance(archive, FaultArchive) else archive
    return {(page.url, page.when) for page in pages}


def assert_nothing_lost(db: Path, expected: set[tuple[str, str]]) -> dict[str, str]:
    """Check the warehouse at ``db`` against the captures the archive listed; returns {timestamp: outcome}."""
    con = connect(db, read_only=True)
    try:
        rows = con.execute(
            "SELECT url, strftime(\"timestamp\", '%Y%m%d%H%M%S'), digest, outcome, text_sha256 FROM captures"
        ).fetchall()
        versions = con.execute(
            "SELECT site, version, text_sha256, captures, text IS NOT NULL FROM versions ORDER BY site, version"
        ).fetchall()
        usable = dict(con.execute("SELECT site, count(*) FROM capture WHERE usable GROUP BY site").fetchall())
        firsts = dict(
            con.execute("SELECT site, count(*) FROM captures WHERE outcome = 'version' GROUP BY 1").fetchall()
        )
    finally:
        con.close()
    keys = Counter((url, ts, digest) for url, ts, digest, *_ in rows)
    assert not [key for key, n in keys.items() if n > 1], "a capture is stored twice"
    seen = Counter((url, ts) for url, ts, *_ in rows)
    assert set(seen) == expected, f"missing {sorted(expected - set(seen))}, unexpected {sorted(set(seen) - expected)}"
    assert all(n == 1 for n in seen.values()), "a listed capture has more than one outcome"
    for url, ts, _, outcome, _ in rows:
        assert outcome in OUTCOMES or outcome.split(":", 1)[0] in {"error", "skipped"}, (url, ts, outcome)
        if outcome.startswith("error:") or outcome.startswith("skipped:"):
            assert len(outcome.split(":", 1)[1]) > 0, (url, ts, outcome)
    by_site: dict[str, list[tuple]] = {}
    for site, number, sha, count, has_text in versions:
        by_site.setdefault(site, []).append((number, sha, count, has_text))
    for site, items in by_site.items():
        assert [number for number, *_ in items] == list(range(1, len(items) + 1)), f"{site}: versions not 1..n"
        shas = [sha for _, sha, *_ in items]
        assert all(a != b for a, b in pairwise(shas)), f"{site}: a version repeats its predecessor"
        assert all(has_text for *_, has_text in items), f"{site}: a version without its text"
        assert sum(count for _, _, count, _ in items) == usable.get(site, 0), f"{site}: usable captures lost"
        assert firsts.get(site, 0) == len(items), f"{site}: first captures do not match versions"
    return {ts: outcome for _, ts, _, outcome, _ in rows}


def version_texts(db: Path) -> list[str]:
    """The text hash of each version, in order (all sites)."""
    con = connect(db, read_only=True)
    try:
        return [row[0] for row in con.execute("SELECT text_sha256 FROM versions ORDER BY site, version").fetchall()]
    finally:
        con.close()
