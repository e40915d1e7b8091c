"""The static HTML report: one self-contained file (no CDN, works offline) with a timeline per site.

The data comes from the public views only; the HTML and CSS live in ``palimpsest/templates``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from extractors.diff import Piece, word_diff


@dataclass
class SiteReport:
    site: str
    versions: list[dict] = field(default_factory=list)
    captures: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None

    def position(self, moment: datetime) -> float:
        """Where ``moment`` falls on the timeline, 0–100 %."""
        if self.start is None or self.end is None or self.end <= self.start:
            return 0.0
        return round(100 * (moment - self.start).total_seconds() / (self.end - self.start).total_seconds(), 3)


def collect(con, site: str | None = None) -> list[SiteReport]:
    where, params = ("WHERE site = ?", [site]) if site else ("", [])
    names = [r[0] for r in con.execute(f"SELECT site FROM site {where} ORDER BY site", params).fetchall()]
    reports = []
    for name in names:
        report = SiteReport(name)
        for row in con.execute(
            "SELECT version, first_seen, last_seen, captures, words, language, policy_url, text, text_sha256"
            " FROM versions WHERE site = ? ORDER BY version",
            [name],
        ).fetchall():
            keys = (
                "version",
                "first_seen",
                "last_seen",
                "captures",
                "words",
                "language",
                "policy_url",
                "text",
                "text_sha256",
            )
            report.versions.append(dict(zip(keys, row, strict=True)))
        for row in con.execute(
            'SELECT "timestamp", url, outcome, status FROM captures WHERE site = ? ORDER BY "timestamp"',
            [name],
        ).fetchall():
            report.captures.append(dict(zip(("timestamp", "url", "outcome", "status"), row, strict=True)))
        if report.captures:
            report.start = report.captures[0]["timestamp"]
            report.end = report.captures[-1]["timestamp"]
        by_number = {v["version"]: v for v in report.versions}
        for row in con.execute(
            "SELECT version, previous_version, changed_after, changed_by, words_added, words_removed, minor"
            " FROM changes WHERE site = ? ORDER BY version",
            [name],
        ).fetchall():
            keys = ("version", "previous", "changed_after", "changed_by", "added", "removed", "minor")
            change = dict(zip(keys, row, strict=True))
            change["pieces"] = word_diff(by_number[change["previous"]]["text"], by_number[change["version"]]["text"])
            report.changes.append(change)
        reports.append(report)
    return reports


def snapshot_url(replay_prefix: str, moment: datetime, url: str) -> str:
    return f"{replay_prefix}{moment.astimezone(UTC):%Y%m%d%H%M%S}/{url}"


def render(reports: list[SiteReport], *, replay_prefix: str, title: str = "Palimpsest report") -> str:
    env = Environment(
        loader=PackageLoader("palimpsest", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = lambda value: value.strftime("%Y-%m-%d") if value else ""
    env.globals["snapshot_url"] = lambda moment, url: snapshot_url(replay_prefix, moment, url)
    env.globals["Piece"] = Piece
    return env.get_template("report.html.j2").render(
        reports=reports, title=title, generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    )


def write_report(con, out: Path, *, replay_prefix: str, site: str | None = None) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(collect(con, site), replay_prefix=replay_prefix), encoding="utf-8")
    return out
