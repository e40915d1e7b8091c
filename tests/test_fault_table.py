"""The fault matrix (tests/FAULTS.md) is the same table in docs/operations.md, and every test it names exists."""

from __future__ import annotations

import re

from tests.shared import REPO

_CELL = re.compile(r"`(test_\w+\.py)::(test_\w+)`")


def table(text: str) -> list[str]:
    start = text.index("| Fault | Required behaviour | Test |")
    lines = []
    for line in text[start:].splitlines():
        if not line.startswith("|"):
            break
        lines.append(line)
    return lines


def test_the_operations_page_reproduces_the_fault_table() -> None:
    faults = table((REPO / "tests" / "FAULTS.md").read_text(encoding="utf-8"))
    page = table((REPO / "docs" / "operations.md").read_text(encoding="utf-8"))
    assert len(faults) > 10
    assert page == faults


def test_every_test_the_fault_table_names_exists() -> None:
    named = _CELL.findall((REPO / "tests" / "FAULTS.md").read_text(encoding="utf-8"))
    assert len(named) >= 17
    for file, test in named:
        source = (REPO / "tests" / file).read_text(encoding="utf-8")
        assert re.search(rf"^def {test}\(", source, re.MULTILINE), f"{file}::{test} is named in FAULTS.md but missing"
