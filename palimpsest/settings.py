"""Settings from the environment (each also a CLI option). The names and defaults are part of the contract."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from palimpsest.errors import BadInput

IA_CDX_URL = "https://web.archive.org/cdx/search/cdx"
IA_REPLAY_URL = "https://web.archive.org/web/"


@dataclass(frozen=True)
class Settings:
    db: Path = Path("palimpsest.duckdb")
    cdx_url: str = IA_CDX_URL
    replay_url: str = IA_REPLAY_URL
    # IA firewalls an IP for an hour (doubling) at ~60 CDX requests/min; 24/min stays well clear (measured 2026-11).
    cdx_rate: float = 24.0
    replay_rate: float = 300.0
    warc_dir_override: Path | None = None

    @property
    def warc_dir(self) -> Path:
        """Where raw captures are kept: ``PALIMPSEST_WARC_DIR`` or ``<db file>.warc/`` beside the warehouse."""
        if self.warc_dir_override is not None:
            return self.warc_dir_override
        return self.db.with_name(self.db.name + ".warc")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Read ``PALIMPSEST_*`` variables; keyword overrides (CLI options) win when not None."""
        env = dict(os.environ if env is None else env)
        base = cls(
            db=Path(env.get("PALIMPSEST_DB", "palimpsest.duckdb")),
            cdx_url=env.get("PALIMPSEST_CDX_URL", IA_CDX_URL),
            replay_url=env.get("PALIMPSEST_REPLAY_URL", IA_REPLAY_URL),
            cdx_rate=_rate(env, "PALIMPSEST_CDX_RATE", 24.0),
            replay_rate=_rate(env, "PALIMPSEST_REPLAY_RATE", 300.0),
            warc_dir_override=Path(env["PALIMPSEST_WARC_DIR"]) if env.get("PALIMPSEST_WARC_DIR") else None,
        )
        given = {k: v for k, v in overrides.items() if v is not None}
        if "warc_dir" in given:
            given["warc_dir_override"] = Path(str(given.pop("warc_dir")))
        if "db" in given:
            given["db"] = Path(str(given["db"]))
        return replace(base, **given)


def _rate(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as err:
        raise BadInput(f"{name}={raw!r} is not a number of requests per minute") from err
    if value <= 0:
        raise BadInput(f"{name}={raw!r} must be greater than zero")
    return value


def quiet_prefect(*, verbose: bool = False) -> None:
    """Defaults for Prefect in this process, set before it is imported: no telemetry (this may run offline)."""
    import os  # noqa: PLC0415

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # Prefect's temporary server gives up after 20 s by default; on a busy 2-core machine its first start took
    # 13–22 s and more (measured 2026-11), which failed the whole command before it began.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
