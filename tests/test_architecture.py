"""The house rules of DEVELOPERS.md, checked on the source: one namespace, a kernel below, a face on top, data
flowing one way (fetchers → extractors → warehouse, carried by flows), no import cycle, and no function-local
import except a measured lazy load.

Run ``python -m tests.test_architecture`` to print the import graph between layers.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tests.shared import REPO

#: Repository folder → the package it installs as.
FOLDERS = {
    "palimpsest": "palimpsest",
    "fetchers": "palimpsest.fetchers",
    "extractors": "palimpsest.extractors",
    "warehouse": "palimpsest.warehouse",
    "flows": "palimpsest.flows",
    "demo": "palimpsest.demo",
}
KERNEL = (
    "palimpsest",
    "palimpsest.errors",
    "palimpsest.names",
    "palimpsest.processes",
    "palimpsest.settings",
    "palimpsest.timestamps",
)
KERNEL_PACKAGES = ("palimpsest.text", "palimpsest.comparison")
STAGES = ("fetchers", "extractors", "warehouse")
#: Which layers each layer may import (its own always).
ALLOWED = {
    "kernel": set(),
    "fetchers": {"kernel"},
    "extractors": {"kernel"},
    "warehouse": {"kernel"},
    "flows": {"kernel", "fetchers", "extractors", "warehouse"},
    "demo": {"kernel", "fetchers", "extractors", "warehouse", "flows"},
    "report": {"kernel", "warehouse"},
    "cli": {"kernel", "fetchers", "extractors", "warehouse", "flows", "demo", "report"},
}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported project module
    line: int
    local: bool  # inside a function
    comment: str


def layer(module: str) -> str:
    if module in KERNEL or module.startswith(tuple(p + "." for p in KERNEL_PACKAGES)) or module in KERNEL_PACKAGES:
        return "kernel"
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in {*STAGES, "flows", "demo", "cli", "report"}:
        return parts[1]
    raise AssertionError(f"{module} belongs to no layer: add it to the kernel or a package")


def modules() -> dict[str, Path]:
    found = {}
    for folder, package in FOLDERS.items():
        for path in (REPO / folder).rglob("*.py"):
            parts = path.relative_to(REPO / folder).with_suffix("").parts
            name = ".".join((package, *parts)).removesuffix(".__init__")
            found[name] = path
    return found


def imports() -> list[Import]:
    known = modules()
    found = []
    for source, path in known.items():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        tree = ast.parse(text)
        local_nodes = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            for inner in ast.walk(node)
            if inner is not node
        }
        typing_only = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for inner in ast.walk(node)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom) or id(node) in typing_only:
                continue
            local = id(node) in local_nodes
            comment = _comment(lines, node.lineno) if local else ""
            for target in _targets(node, source, known):
                found.append(Import(source, target, node.lineno, local, comment))
            if local:
                found.append(Import(source, "", node.lineno, local, comment))  # third-party lazy loads count too
    return found


def _comment(lines: list[str], number: int) -> str:
    """The comment on an import's line and on the comment lines right above it."""
    found = [lines[number - 1].partition("#")[2]]
    above = number - 2
    while above >= 0 and lines[above].strip().startswith("#"):
        found.insert(0, lines[above].strip().lstrip("#"))
        above -= 1
    return " ".join(found)


def _targets(node: ast.Import | ast.ImportFrom, source: str, known: dict[str, Path]) -> list[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            base = ".".join(source.split(".")[: -node.level] + ([base] if base else []))
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
    return [name for name in names if name in known or name.split(".")[0] in {"palimpsest", *FOLDERS}]


def test_nothing_imports_a_stage_by_its_bare_folder_name() -> None:
    for folder in (*FOLDERS, "tests", "benchmarks", "docs"):
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                    if isinstance(node, ast.ImportFrom) and not node.level
                    else []
                )
                bare = [n for n in names if n.split(".")[0] in set(FOLDERS) - {"palimpsest"}]
                assert not bare, f"{path.relative_to(REPO)}:{node.lineno} imports {bare}; use palimpsest.<stage>"


def test_each_layer_imports_only_what_lies_below_it() -> None:
    wrong = [
        f"{i.source}:{i.line} ({layer(i.source)}) imports {i.target} ({layer(i.target)})"
        for i in imports()
        if i.target and layer(i.target) != layer(i.source) and layer(i.target) not in ALLOWED[layer(i.source)]
    ]
    assert not wrong, "\n".join(wrong)


def test_every_module_belongs_to_a_layer() -> None:
    for name in modules():
        layer(name)


def test_nothing_below_the_face_imports_it() -> None:
    face = {"cli", "report"}
    wrong = [
        f"{i.source} imports {i.target}"
        for i in imports()
        if i.target and layer(i.target) in face and layer(i.source) not in face
    ]
    assert not wrong, "\n".join(wrong)


#: Libraries a layer must not reach for: each belongs to another layer's job.
FORBIDDEN = {
    "kernel": {"duckdb", "requests", "warcio", "trafilatura", "lxml", "prefect", "typer", "rich", "jinja2"},
    "fetchers": {"duckdb", "trafilatura", "prefect", "typer", "rich"},
    "extractors": {"duckdb", "requests", "urllib3", "warcio", "prefect", "typer", "rich"},
    "warehouse": {"requests", "warcio", "trafilatura", "prefect", "typer", "rich"},
}


def test_each_stage_keeps_to_its_own_libraries() -> None:
    wrong = []
    for name, path in modules().items():
        banned = FORBIDDEN.get(layer(name), set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            found = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            wrong += [f"{name}:{node.lineno} imports {f}" for f in found if f.split(".")[0] in banned]
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle() -> None:
    graph: dict[str, set[str]] = {}
    for i in imports():
        if i.target and not i.local and i.target != i.source:
            graph.setdefault(i.source, set()).add(i.target)
    cycles = _cycles(graph)
    assert not cycles, "\n".join(" → ".join(c) for c in cycles)


def test_every_function_local_import_is_a_measured_lazy_load() -> None:
    """A function-local import hides a dependency; it is kept only to put off a heavy load, and says so."""
    wrong = [
        f"{i.source}:{i.line}: {i.comment.strip() or 'no reason given'}"
        for i in imports()
        if i.local
        and ("lazy:" not in i.comment or not any(unit in i.comment for unit in (" s", " ms")))
        and not ("lazy:" in i.comment and "absent from the wheel" in i.comment)
    ]
    assert not wrong, "function-local imports need '# lazy: <what>, <measured cost>':\n" + "\n".join(wrong)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan), each as a list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in list(graph):
        if node not in index:
            visit(node)
    return found


def layer_graph() -> Counter:
    """Import statements from one layer into another, module-level and function-local alike."""
    return Counter(
        (layer(i.source), layer(i.target)) for i in imports() if i.target and layer(i.source) != layer(i.target)
    )


if __name__ == "__main__":
    for (source, target), count in sorted(layer_graph().items()):
        print(f"{source:>10} -> {target:<10} {count:4d}")
