"""Prefect flows and tasks: thin orchestration over fetchers, extractors and warehouse.

Each flow is importable from here by name (``from flows import crawl_policy``), as ``prefect.yaml`` references
them. Prefect is imported only when a flow is first asked for, so plain modules stay cheap to import.
"""

from __future__ import annotations

from importlib import import_module

_FLOWS = {
    "crawl_policy": "palimpsest.flows.policy",
    "crawl_sites": "palimpsest.flows.multi",
    "refresh_all": "palimpsest.flows.multi",
    "crawl_shard": "palimpsest.flows.multi",
    "discover_policy": "palimpsest.flows.discover",
    "import_corpus": "palimpsest.flows.corpus",
    "verify_corpus": "palimpsest.flows.corpus",
    "reextract": "palimpsest.flows.corpus",
}

__all__ = [
    "crawl_policy",
    "crawl_shard",
    "crawl_sites",
    "discover_policy",
    "import_corpus",
    "reextract",
    "refresh_all",
    "verify_corpus",
]


def __getattr__(name: str) -> object:
    module = _FLOWS.get(name)
    if module is None:
        raise AttributeError(f"module 'palimpsest.flows' has no attribute {name!r}")
    return getattr(import_module(module), name)
