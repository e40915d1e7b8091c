"""Prefect tasks: thin, verb–noun wrappers over the plain steps in :mod:`flows.pipeline`.

No task retries: the fetcher is the one retry layer (STYLE lesson 5). No caching of inputs: the steps pass
bytes and records that are not worth hashing, and every step is idempotent anyway.

The steps are called with their arguments wrapped in Prefect's ``quote``, which the task receives unwrapped:
otherwise Prefect walks every argument, down to each capture of a batch and each fetched body, looking for
futures to track (measured 2026-11: ~60 ms a task for a batch of 50, two thirds of the flow's overhead).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from prefect import Task, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from palimpsest.flows import fetching, pipeline
from palimpsest.flows.crawl import Steps

_OPTIONS = {"cache_policy": NO_CACHE, "retries": 0, "persist_result": False}

find_captures = task(name="find_captures", **_OPTIONS)(pipeline.find_captures)
plan_captures = task(name="plan_captures", **_OPTIONS)(pipeline.plan_captures)
fetch_captures = task(name="fetch_captures", **_OPTIONS)(fetching.fetch_captures)
extract_texts = task(name="extract_texts", **_OPTIONS)(pipeline.extract_texts)
store_results = task(name="store_results", **_OPTIONS)(pipeline.store_results)
store_versions = task(name="store_versions", **_OPTIONS)(pipeline.store_versions)
record_move = task(name="record_move", **_OPTIONS)(pipeline.record_move)


def quoted(step: Task) -> Callable:
    """Call ``step`` with every argument quoted (not walked by Prefect); ``.task`` is the task itself."""

    @functools.wraps(step.fn)
    def call(*args: object, **kwargs: object) -> object:
        return step(*(quote(a) for a in args), **{k: quote(v) for k, v in kwargs.items()})

    call.task = step  # type: ignore[attr-defined]
    return call


TASKS = Steps(
    *(
        quoted(step)
        for step in (
            find_captures,
            plan_captures,
            fetch_captures,
            extract_texts,
            store_results,
            store_versions,
            record_move,
        )
    )
)
