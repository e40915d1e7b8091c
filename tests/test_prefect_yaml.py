"""prefect.yaml stays true to the code: every entrypoint imports, every parameter is in the flow's signature."""

from __future__ import annotations

import inspect

import yaml

from tests.shared import REPO


def _deployments() -> list[dict]:
    return yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]


def _flow(entrypoint: str):
    """The flow as a worker loads it: by Prefect's own loader, with no placeholder for a failed import."""
    from prefect.flows import load_flow_from_entrypoint

    return load_flow_from_entrypoint(entrypoint, use_placeholder_flow=False)


def test_every_entrypoint_imports_a_flow() -> None:
    from prefect.flows import Flow

    deployments = _deployments()
    assert deployments
    for deployment in deployments:
        assert isinstance(_flow(deployment["entrypoint"]), Flow), deployment["name"]


def test_every_parameter_is_in_the_flow_signature() -> None:
    for deployment in _deployments():
        signature = inspect.signature(_flow(deployment["entrypoint"]).fn)
        for name in deployment.get("parameters") or {}:
            assert name in signature.parameters, f"{deployment['name']}: {name} is not a parameter"


def test_entrypoints_name_the_installed_package_not_a_file_of_the_checkout() -> None:
    # A worker with the wheel installed has no flows/ folder; a module path works there and in a checkout alike.
    for deployment in _deployments():
        assert deployment["entrypoint"].startswith("palimpsest.flows:"), deployment["name"]


def test_every_flow_is_importable_from_the_flows_package() -> None:
    from palimpsest import flows

    for deployment in _deployments():
        name = deployment["entrypoint"].rpartition(":")[2]
        assert getattr(flows, name) is _flow(deployment["entrypoint"])


def test_the_daily_refresh_is_scheduled_in_utc_and_the_pool_is_a_process_pool() -> None:
    deployments = {d["name"]: d for d in _deployments()}
    assert {
        "refresh-all",
        "crawl-policy",
        "crawl-sites",
        "discover-policy",
        "import-corpus",
        "verify-corpus",
        "reextract",
    } <= set(deployments)
    (schedule,) = deployments["refresh-all"]["schedules"]
    assert schedule["timezone"] == "UTC"
    fields = schedule["cron"].split()
    assert len(fields) == 5 and fields[2:] == ["*", "*", "*"]  # once a day, every day
    for deployment in deployments.values():
        assert deployment["work_pool"]["name"] == "palimpsest"
        assert deployment.get("description"), deployment["name"]


def test_every_parameter_of_every_flow_is_documented_in_the_description() -> None:
    for deployment in _deployments():
        signature = inspect.signature(_flow(deployment["entrypoint"]).fn)
        for name in signature.parameters:
            assert name in deployment["description"], f"{deployment['name']}: {name} is not documented"
