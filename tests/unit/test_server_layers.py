"""The server's internal arrows: each part imports only the layers below it, and no server module is in an import circle.

Layers, top to bottom: `host` (the composition root, `asst_tui.server` itself and its hosting in a thread,
a child process or uvicorn) → `api` (HTTP) → `runs` (run lifecycle) → `tools` (sandbox, file_search,
vector stores) → `storage` (the storage interface and its implementations) → `core` (ids, object
shapes, errors; and the settings, `config.py`). A module may import its own layer and those below.
`TYPE_CHECKING` imports count like any other: a circle through them is still a circle for a reader.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
SERVER = "asst_tui.server"

BELOW = {
    "host": {"api", "runs", "tools", "storage", "core"},
    "api": {"runs", "tools", "storage", "core"},
    "runs": {"tools", "storage", "core"},
    "tools": {"storage", "core"},
    "storage": {"core"},
    "core": set(),
}
# Modules directly in server/ belong to `host`, but for these base modules.
TOP_LEVEL_LAYERS = {"config": "core"}
# Third-party and standard modules that only these layers may import: SQL stays in storage, HTTP in api and host.
ONLY_IN = {"sqlite3": {"storage"}, "psycopg": {"storage"}, "psycopg_pool": {"storage"}, "starlette": {"api", "host"}, "uvicorn": {"host"}}
# Scripts run by path in a process of their own: they import nothing of the package.
STANDALONE = {"asst_tui.server.tools.sandbox_worker", "asst_tui.server.tools.sandbox_userns"}
MAX_LINES = 450


def _modules(src: Path) -> dict[str, Path]:
    """Every module of the server package by dotted name (a package by its own name)."""
    found = {}
    for path in sorted((src / SERVER.replace(".", "/")).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imported(name: str, path: Path, known: set[str]) -> Iterator[tuple[str, int]]:
    """(module, line) for every import in the module: server modules resolved, others by their top-level name."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                yield (f"{target}.{alias.name}" if f"{target}.{alias.name}" in known else target), node.lineno


def _layer(name: str) -> str:
    rest = name[len(SERVER) + 1 :].split(".") if name != SERVER else ["__init__"]
    if len(rest) == 1:
        return TOP_LEVEL_LAYERS.get(rest[0], "host")
    return rest[0]


def _graph(src: Path) -> dict[str, dict[str, int]]:
    """Server module -> {server module it imports: line}."""
    modules = _modules(src)
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        graph[name] = {}
        for target, line in _imported(name, path, set(modules)):
            if target in modules and target != name:
                graph[name].setdefault(target, line)
    return graph


def _upward(src: Path = SRC) -> list[str]:
    """Imports of a layer that isn't the module's own nor below it, and libraries outside their layers."""
    modules = _modules(src)
    found = []
    for name, path in modules.items():
        layer = _layer(name)
        for target, line in _imported(name, path, set(modules)):
            where = f"{path.relative_to(src)}:{line}"
            if name in STANDALONE and target.startswith("asst_tui"):
                found.append(f"{where} imports {target}, but it runs by path on its own")
            elif target in modules:
                if _layer(target) != layer and _layer(target) not in BELOW[layer]:
                    found.append(f"{where} ({layer}) imports {target} ({_layer(target)})")
            elif (library := target.split(".")[0]) in ONLY_IN and layer not in ONLY_IN[library]:
                found.append(f"{where} ({layer}) imports {library}, which only {', '.join(sorted(ONLY_IN[library]))} may")
    return found


def _circles(src: Path = SRC) -> list[str]:
    """Every import circle among server modules, as 'a -> b -> a', each found once (from its smallest module)."""
    graph = _graph(src)
    circles: set[tuple[str, ...]] = set()

    def visit(start: str, node: str, trail: list[str]) -> None:
        for target in graph[node]:
            if target == start:
                circles.add(tuple(trail))
            elif target > start and target not in trail:
                visit(start, target, [*trail, target])

    for start in sorted(graph):
        visit(start, start, [start])
    return [" -> ".join([*circle, circle[0]]) for circle in sorted(circles)]


def test_every_server_module_is_in_a_known_layer() -> None:
    layers = {name: _layer(name) for name in _modules(SRC)}
    assert {name: layer for name, layer in layers.items() if layer not in BELOW} == {}
    assert set(layers.values()) == set(BELOW)


def test_server_imports_point_only_downward() -> None:
    assert _upward() == []


def test_server_has_no_import_circle() -> None:
    assert _circles() == []


@pytest.mark.parametrize("package", sorted(name for name, path in _modules(SRC).items() if path.name == "__init__.py"))
def test_every_server_package_names_its_job(package: str) -> None:
    path = _modules(SRC)[package]
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert docstring and len(docstring.split()) >= 5, f"{path} needs a docstring naming its one job"


def test_no_server_module_is_too_long_to_read() -> None:
    lengths = {str(path.relative_to(SRC)): len(path.read_text(encoding="utf-8").splitlines()) for path in _modules(SRC).values()}
    assert {path: n for path, n in lengths.items() if n > MAX_LINES} == {}


def test_the_checker_finds_an_upward_import_a_circle_and_a_misplaced_library(tmp_path: Path) -> None:
    server = tmp_path / "asst_tui" / "server"
    for package in ("", "core", "storage", "runs"):
        (server / package).mkdir(parents=True, exist_ok=True)
        (server / package / "__init__.py").write_text('"""A package."""\n')
    (server / "core" / "ids.py").write_text("from ..runs import manager\n")
    (server / "storage" / "store.py").write_text("import sqlite3\n")
    (server / "runs" / "manager.py").write_text("import sqlite3\nfrom .context import RunContext\n")
    (server / "runs" / "context.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .manager import RunManager\n"
    )
    assert _upward(tmp_path) == [
        "asst_tui/server/core/ids.py:1 (core) imports asst_tui.server.runs.manager (runs)",
        "asst_tui/server/runs/manager.py:1 (runs) imports sqlite3, which only storage may",
    ]
    assert _circles(tmp_path) == ["asst_tui.server.runs.context -> asst_tui.server.runs.manager -> asst_tui.server.runs.context"]
