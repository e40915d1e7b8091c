"""Exports: every version as seed-format Markdown, or the public views as Parquet (zstd) or JSON Lines.

Markdown writes one folder per site. A version made of imported documents is written as those files
themselves, byte for byte and under the names they were imported with (``<out>/<site>/<name>``; a name met
twice in one site gets ``-2``, ``-3`` before its extension). Any other version is written as
``<out>/<site>/<version>.md``, with a header citing its first capture.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from palimpsest.errors import BadInput, WarehouseError
from palimpsest.warehouse.seeds import header_for
from palimpsest.warehouse.statements import statement
from palimpsest.warehouse.store import json_value

FORMATS = ("markdown", "parquet", "jsonl")
VIEWS = ("captures", "versions", "changes", "sections")
_BATCH = 10_000


@dataclass
class ExportSummary:
    files: list[Path] = field(default_factory=list)
    rows: int = 0


def export(con: duckdb.DuckDBPyConnection, out: Path, fmt: str) -> ExportSummary:
    if fmt not in FORMATS:
        raise BadInput(f"--format must be one of {', '.join(FORMATS)}")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise BadInput(f"cannot create the export folder {out}: {err.strerror or err}") from err
    if fmt == "markdown":
        return export_markdown(con, out)
    return export_views(con, out, fmt)


def export_markdown(con: duckdb.DuckDBPyConnection, out: Path) -> ExportSummary:
    summary = ExportSummary()
    imported = _imported_by_version(con)
    rows = con.execute(
        "SELECT site, version, policy_url, first_seen, text FROM versions ORDER BY site, version"
    ).fetchall()
    taken: set[Path] = set()
    for site, version, url, first_seen, text in rows:
        folder = out / _safe_name(site)
        folder.mkdir(exist_ok=True)
        documents = imported.get((site, version)) or [
            (f"{version:04d}.md", header_for(site, url, first_seen) + text.rstrip("\n") + "\n")
        ]
        for name, content in documents:
            path = _free_path(folder / _safe_name(name), taken)
            path.write_bytes(content.encode("utf-8"))
            summary.files.append(path)
        summary.rows += 1
    return summary


def _free_path(path: Path, taken: set[Path]) -> Path:
    """``path``, or ``<stem>-<n><suffix>`` for the first n from 2 that no earlier file of this export has."""
    candidate, n = path, 1
    while candidate in taken:
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    taken.add(candidate)
    return candidate


def _imported_by_version(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, int], list[tuple[str, str]]]:
    """(name, content) of the imported documents behind each version, in time order: each version's own
    captures, not its text's."""
    rows = con.execute(statement("export.imported_documents")).fetchall()
    found: dict[tuple[str, int], list[tuple[str, str]]] = {}
    for site, version, name, content in rows:
        found.setdefault((site, version), []).append((name, content))
    return found


def export_views(con: duckdb.DuckDBPyConnection, out: Path, fmt: str) -> ExportSummary:
    """One file per public view, read by name as a relation (no SQL is written). Parquet keeps DuckDB's types
    (TIMESTAMPTZ as UTC timestamps) and uses zstd."""
    summary = ExportSummary()
    for view in VIEWS:
        path = out / f"{view}.{fmt}"
        relation = con.table(view)
        try:
            if fmt == "parquet":
                relation.write_parquet(str(path), compression="zstd")
            else:
                _write_jsonl(relation, path)
        except duckdb.Error as err:
            raise WarehouseError(f"cannot export {view} to {path}: {err}") from err
        summary.files.append(path)
        summary.rows += int(con.table(view).aggregate("count(*)").fetchone()[0])
    return summary


def _write_jsonl(relation: duckdb.DuckDBPyRelation, path: Path) -> None:
    columns = relation.columns
    with path.open("w", encoding="utf-8") as handle:
        while batch := relation.fetchmany(_BATCH):
            for row in batch:
                record = dict(zip(columns, row, strict=True))
                handle.write(json.dumps(record, ensure_ascii=False, default=json_value) + "\n")


def _safe_name(site: str) -> str:
    """A site name as a folder name: anything but letters, digits, dots and dashes becomes an underscore."""
    cleaned = "".join(ch if ch.isalnum() or ch in ".-" else "_" for ch in site).strip(".")
    return cleaned or "_"
