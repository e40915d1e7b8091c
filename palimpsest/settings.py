"""Settings: one value, built and validated once, from the environment or command-line options, then passed down.

Every setting has a ``PALIMPSEST_*`` variable and a command-line option; the names and defaults are part of the
contract. A bad value is refused where it is read, naming what the user wrote: the variable
(``PALIMPSEST_CDX_RATE='abc' is not a number``) or the option (``--replay-rate 0 must be greater than zero``).
Nothing here writes the environment: flows receive the value as a parameter, and a deployment's flow run reads
the worker's environment itself.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from palimpsest.errors import BadInput

IA_CDX_URL = "https://web.archive.org/cdx/search/cdx"
IA_REPLAY_URL = "https://web.archive.org/web/"
#: A warehouse named ``ducklake:…`` is a DuckLake catalog rather than a DuckDB file.
LAKE_PREFIX = "ducklake:"


@dataclass(frozen=True)
class Lake:
    """A DuckLake as the warehouse: its catalog as DuckLake names it after ``ducklake:`` (``postgres:dbname=…
    host=…``, ``sqlite:PATH`` or ``PATH.ducklake``) and where its data files go (a directory or an ``s3://`` URL;
    None: where the catalog already says, or DuckLake's default beside a catalog file)."""

    catalog: str
    data: str | None = None

    @classmethod
    def parse(cls, target: str, data: str | None = None) -> Lake:
        """The lake ``ducklake:…`` names; a BadInput when nothing follows the prefix."""
        catalog = target.removeprefix(LAKE_PREFIX).strip()
        if not target.startswith(LAKE_PREFIX) or not catalog:
            raise BadInput(
                f"{target!r} names no DuckLake catalog (ducklake:postgres:…, ducklake:sqlite:PATH or ducklake:PATH)"
            )
        return cls(catalog, data)

    @property
    def kind(self) -> str:
        """``postgres``, ``sqlite`` or ``duckdb`` (a catalog file of DuckDB's own)."""
        head = self.catalog.partition(":")[0]
        return head if head in {"postgres", "sqlite"} else "duckdb"

    @property
    def catalog_file(self) -> Path | None:
        """The catalog's file, for a SQLite or DuckDB catalog; None for PostgreSQL."""
        if self.kind == "postgres":
            return None
        return Path(self.catalog.removeprefix("sqlite:"))

    @property
    def name(self) -> str:
        return self.catalog_file.name if self.catalog_file else "palimpsest"

    def __str__(self) -> str:
        return LAKE_PREFIX + self.catalog


@dataclass(frozen=True)
class Settings:
    """Where the warehouse and raw captures are, which archive to ask, and how fast."""

    #: A DuckDB file, or a DuckLake (``ducklake:…``; its data files go to ``lake_data``).
    db: Path | Lake = Path("palimpsest.duckdb")
    cdx_url: str = IA_CDX_URL
    replay_url: str = IA_REPLAY_URL
    # IA firewalls an IP for an hour (doubling) at ~60 CDX requests/min; 24/min stays well clear (measured 2026-11).
    cdx_rate: float = 24.0
    replay_rate: float = 300.0
    warc_dir_override: Path | None = None
    #: Seconds to wait for another process's write lock on the warehouse before giving up.
    lock_timeout: float = 120.0
    #: Where every process on this host that names the same directory keeps one shared pace per archive endpoint.
    pace_dir_override: Path | None = None
    #: Prefect global concurrency limits ``<name>-cdx`` and ``<name>-replay`` (with slot decay) that hosts behind
    #: one address share; off unless named (see ``fetchers/limiter.py``).
    shared_limit: str | None = None
    #: Where a DuckLake warehouse keeps its data files: a directory or an ``s3://`` URL (unused for a file).
    lake_data: str | None = None
    #: Seconds a temporary Prefect server started by a command is kept for the next command after the last one
    #: using it ends (0: stopped with its command). Unused when a Prefect API is configured or already running.
    prefect_idle: float = 300.0

    def __post_init__(self) -> None:
        for setting in fields(self):
            value = getattr(self, setting.name)
            if value is not None and setting.name in _CHECKS:
                _CHECKS[setting.name](value, setting.name)
        if isinstance(self.db, Lake) and self.db.data != self.lake_data and self.lake_data is not None:
            # The lake carries where its data goes, so every layer that opens it gets both in one value.
            object.__setattr__(self, "db", replace(self.db, data=self.lake_data))

    @property
    def warc_dir(self) -> Path:
        """Where raw captures are kept: ``PALIMPSEST_WARC_DIR`` or ``<db file>.warc/`` beside the warehouse."""
        if self.warc_dir_override is not None:
            return self.warc_dir_override
        if isinstance(self.db, Lake):
            # A lake's catalog may be a server: raw captures stay on the machine that fetched them, beside the
            # catalog file when there is one, else in the current directory.
            file = self.db.catalog_file
            return file.with_name(file.name + ".warc") if file else Path("palimpsest.warc")
        return self.db.with_name(self.db.name + ".warc")

    @property
    def pace_dir(self) -> Path:
        """Where the shared pace files are: ``PALIMPSEST_PACE_DIR`` or ``<WARC dir>.pace/`` beside the WARC store."""
        if self.pace_dir_override is not None:
            return self.pace_dir_override
        return self.warc_dir.parent / (self.warc_dir.name + ".pace")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings the ``PALIMPSEST_*`` variables give (``os.environ`` unless ``env`` is given)."""
        env = os.environ if env is None else env
        given = {}
        for name, (variable, _option) in NAMES.items():
            raw = env.get(variable)
            if raw:
                given[name] = _parse(name, raw, variable)
        return cls(**given)

    def with_options(self, **options: object) -> Settings:
        """These settings with the command-line options that were given (None: not given) in their place."""
        given = {}
        for name, value in options.items():
            if value is None:
                continue
            if name not in NAMES:
                raise TypeError(f"no setting {name!r}")
            given[name] = _parse(name, value, NAMES[name][1])
        return replace(self, **given)


#: Each setting's environment variable and command-line option.
NAMES = {
    "db": ("PALIMPSEST_DB", "--db"),
    "cdx_url": ("PALIMPSEST_CDX_URL", "--cdx-url"),
    "replay_url": ("PALIMPSEST_REPLAY_URL", "--replay-url"),
    "cdx_rate": ("PALIMPSEST_CDX_RATE", "--cdx-rate"),
    "replay_rate": ("PALIMPSEST_REPLAY_RATE", "--replay-rate"),
    "warc_dir_override": ("PALIMPSEST_WARC_DIR", "--warc-dir"),
    "lock_timeout": ("PALIMPSEST_LOCK_TIMEOUT", "--lock-timeout"),
    "pace_dir_override": ("PALIMPSEST_PACE_DIR", "--pace-dir"),
    "shared_limit": ("PALIMPSEST_SHARED_LIMIT", "--shared-limit"),
    "lake_data": ("PALIMPSEST_LAKE_DATA", "--lake-data"),
    "prefect_idle": ("PALIMPSEST_PREFECT_IDLE", "--prefect-idle"),
}


def _parse(name: str, raw: object, source: str) -> object:
    """``raw`` read as the setting ``name``; a bad value is a BadInput naming ``source`` (a variable or option)."""
    shown = f"{source}={raw!r}" if source.startswith("PALIMPSEST_") else f"{source} {raw}"
    if name == "db" and str(raw).startswith(LAKE_PREFIX):
        return Lake.parse(str(raw))
    if name in {"db", "warc_dir_override", "pace_dir_override"}:
        return Path(str(raw))
    if name in {"cdx_rate", "replay_rate", "lock_timeout", "prefect_idle"}:
        try:
            value = float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError) as err:
            unit = "seconds" if name in {"lock_timeout", "prefect_idle"} else "requests per minute"
            raise BadInput(f"{shown} is not a number of {unit}") from err
    else:
        value = str(raw)
    _CHECKS[name](value, shown)
    return value


def _positive(value: object, shown: str) -> None:
    if not isinstance(value, float | int) or not math.isfinite(value) or value <= 0:
        raise BadInput(f"{shown} must be a number greater than zero")


def _not_negative(value: object, shown: str) -> None:
    if not isinstance(value, float | int) or not math.isfinite(value) or value < 0:
        raise BadInput(f"{shown} must be zero or more seconds")


def _web_url(value: object, shown: str) -> None:
    parts = urlsplit(str(value))
    if parts.scheme not in {"http", "https"} or not parts.hostname or " " in parts.netloc:
        raise BadInput(f"{shown} is not an http(s) URL")


def _limit_name(value: object, shown: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", str(value)):
        raise BadInput(f"{shown} is not a concurrency limit name (letters, digits, '.', '_' and '-')")


def _anything(value: object, shown: str) -> None:
    """Paths: any is accepted here; opening them says what is wrong."""


_CHECKS: dict[str, Callable[[object, str], None]] = {
    "db": _anything,
    "warc_dir_override": _anything,
    "pace_dir_override": _anything,
    "shared_limit": _limit_name,
    "lake_data": _anything,
    "cdx_url": _web_url,
    "replay_url": _web_url,
    "cdx_rate": _positive,
    "replay_rate": _positive,
    "lock_timeout": _not_negative,
    "prefect_idle": _not_negative,
}
