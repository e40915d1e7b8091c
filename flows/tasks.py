"""Prefect tasks: thin, verb–noun wrappers over the plain steps in :mod:`flows.pipeline`.

No task retries: the fetcher is the one retry layer (STYLE lesson 5). No caching of inputs: the steps pass
bytes and records that are not worth hashing, and every step is idempotent anyway.
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from flows import pipeline
from flows.crawl import Steps

_OPTIONS = {"cache_policy": NO_CACHE, "retries": 0, "persist_result": False}

find_captures = task(name="find_captures", **_OPTIONS)(pipeline.find_captures)
plan_captures = task(name="plan_captures", **_OPTIONS)(pipeline.plan_captures)
fetch_captures = task(name="fetch_captures", **_OPTIONS)(pipeline.fetch_captures)
extract_texts = task(name="extract_texts", **_OPTIONS)(pipeline.extract_texts)
store_results = task(name="store_results", **_OPTIONS)(pipeline.store_results)
store_versions = task(name="store_versions", **_OPTIONS)(pipeline.store_versions)
record_move = task(name="record_move", **_OPTIONS)(pipeline.record_move)

TASKS = Steps(
    find_captures,
    plan_captures,
    fetch_captures,
    extract_texts,
    store_results,
    store_versions,
    record_move,
)
