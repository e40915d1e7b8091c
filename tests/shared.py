"""Where the shared test data lives (recorded archive responses, seed documents), and how to read it.

The data is not copied into the repository (its licence and the seed README ask us to read it in place). Tests
that need it skip with a clear message when it cannot be found.
"""

from __future__ import annotations

import gzip
import os
from functools import cache
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent


def shared_dir() -> Path | None:
    candidates = [os.environ.get("PALIMPSEST_SHARED"), REPO.parent / "shared", "/work/shared"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "wayback-recorded").is_dir():
            return Path(candidate)
    return None


def require_shared(sub: str) -> Path:
    base = shared_dir()
    if base is None or not (base / sub).exists():
        pytest.skip(f"shared test data {sub!r} not found (set PALIMPSEST_SHARED to the folder holding it)")
    return base / sub


@cache
def cassette(name: str) -> list[dict]:
    """The interactions of one VCR cassette, bodies as bytes with any gzip already undone."""
    path = require_shared("wayback-recorded") / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    interactions = []
    for item in data["interactions"]:
        response = item["response"]
        body = response["body"]["string"]
        if isinstance(body, str):
            body = body.encode("utf-8")
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        headers = [
            (key, value)
            for key, values in response["headers"].items()
            for value in (values if isinstance(values, list) else [values])
            if key.lower() not in {"content-encoding", "transfer-encoding", "content-length", "connection"}
        ]
        interactions.append(
            {
                "method": item["request"]["method"],
                "uri": item["request"]["uri"],
                "status": int(response["status"]["code"]),
                "headers": headers,
                "body": body,
            }
        )
    return interactions


def cdx_fixture(name: str) -> str:
    return (require_shared("wayback-recorded") / "cdx-fixtures" / name).read_text(encoding="utf-8")
