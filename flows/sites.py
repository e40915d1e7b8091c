"""The list of sites a multi-site crawl reads: CSV or TOML, one policy URL per entry.

CSV has a header row naming its columns; TOML has one ``[[site]]`` table per entry::

    url,site,from,to,sample                      [[site]]
    https://www.example.com/privacy,example,,,   url = "https://www.example.com/privacy"
                                                 site = "example"

Only ``url`` is required. ``site`` defaults to the URL's host without ``www.``; ``from``/``to`` take the CLI's
timestamps; ``sample`` is daily, weekly, monthly or yearly.
"""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass
from pathlib import Path

from palimpsest.errors import BadInput, PalimpsestError
from palimpsest.flows.sampling import check_period
from palimpsest.names import policy_url, site_name
from palimpsest.timestamps import window

COLUMNS = ("url", "site", "from", "to", "sample")


@dataclass(frozen=True)
class SiteEntry:
    url: str
    site: str | None = None
    from_: str | None = None
    to: str | None = None
    sample: str | None = None


def read_sites(path: Path | str) -> list[SiteEntry]:
    """Read and check a sites file; a bad entry is a BadInput naming the file and entry, before any crawl."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise BadInput(f"cannot read the sites file {path}: {err.strerror or err}") from err
    records = _toml(path, raw) if path.suffix.lower() == ".toml" else _csv(path, raw)
    entries = [_entry(path, where, record) for where, record in records]
    if not entries:
        raise BadInput(f"{path} lists no sites")
    return entries


def entries_from(records: list[dict], source: str) -> list[SiteEntry]:
    """Check entries given as records with a sites file's fields (a shard's parameters), as a file's are checked;
    a bad one is a BadInput naming ``source`` and the entry's place."""
    return [_entry(source, f"entry {n}", dict(record)) for n, record in enumerate(records, start=1)]


def as_record(entry: SiteEntry) -> dict[str, str]:
    """An entry as a record with a sites file's fields, leaving out those it does not set."""
    values = zip(COLUMNS, (entry.url, entry.site, entry.from_, entry.to, entry.sample), strict=True)
    return {name: value for name, value in values if value is not None}


def _toml(path: Path, raw: str) -> list[tuple[str, dict]]:
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as err:
        raise BadInput(f"{path} is not valid TOML: {err}") from err
    tables = data.get("site", [])
    if not isinstance(tables, list):
        raise BadInput(f"{path}: write each site as a [[site]] table")
    return [(f"[[site]] number {n}", dict(table)) for n, table in enumerate(tables, start=1)]


def _csv(path: Path, raw: str) -> list[tuple[str, dict]]:
    reader = csv.DictReader(io.StringIO(raw))
    if reader.fieldnames is None or "url" not in [name.strip().lower() for name in reader.fieldnames]:
        raise BadInput(f"{path}: the first line must name the columns, with at least 'url' ({', '.join(COLUMNS)})")
    records = []
    for row in reader:
        record = {(key or "").strip().lower(): (value or "").strip() for key, value in row.items() if key}
        if any(record.values()):
            records.append((f"line {reader.line_num}", record))
    return records


def _entry(path: Path | str, where: str, record: dict) -> SiteEntry:
    unknown = set(record) - set(COLUMNS)
    if unknown:
        raise BadInput(f"{path} {where}: unknown field(s) {', '.join(sorted(unknown))}; use {', '.join(COLUMNS)}")
    values = {key: (str(value).strip() or None) if value is not None else None for key, value in record.items()}
    try:
        policy_url(values.get("url") or "")
        if values.get("site"):
            site_name(values["site"])
        window(values.get("from"), values.get("to"))
        check_period(values.get("sample"))
    except PalimpsestError as err:
        raise BadInput(f"{path} {where}: {err}") from err
    url = values["url"]
    return SiteEntry(url, values.get("site"), values.get("from"), values.get("to"), values.get("sample"))
