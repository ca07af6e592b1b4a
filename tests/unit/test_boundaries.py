"""The import rules of the README's Layout: which package may import which, and no import circles.

Every import counts: at module level, inside functions (the lazy ones) and under TYPE_CHECKING.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "src" / "asst_tui"

# package folder -> what its modules never import (a trailing "." forbids the submodules, not the package itself)
RULES = {
    "server": ("textual", "asst_tui.tui", "asst_tui.client", "asst_tui.session", "asst_tui.commands"),
    "client": ("textual", "asst_tui.tui", "asst_tui.server", "asst_tui.session", "asst_tui.commands"),
    "session": ("textual", "asst_tui.tui", "asst_tui.commands", "asst_tui.server."),  # the server by its entry points only
    "commands": ("textual", "asst_tui.tui"),
    "tui": ("asst_tui.server", "asst_tui.commands"),  # the session layer starts the server
}
# modules at the package root that every layer may use; they use no layer
FOUNDATION = ("atomic", "config", "paths", "protocol", "registry", "safe_text")
FOUNDATION_FORBIDS = ("textual", "asst_tui.tui", "asst_tui.client", "asst_tui.session", "asst_tui.commands", "asst_tui.server")


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, root: Path) -> list[str]:
    """Every module `path` imports, relative imports resolved; `from pkg import mod` names pkg.mod when mod is a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = _module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            submodules = [f"{source}.{alias.name}" for alias in node.names if _is_module(f"{source}.{alias.name}", root)]
            names.extend(submodules or [source])
    return names


def _is_module(name: str, root: Path) -> bool:
    if not name.startswith(root.name + "."):
        return False
    relative = Path(*name.split(".")[1:])
    return (root / relative).with_suffix(".py").is_file() or (root / relative / "__init__.py").is_file()


def _forbidden(name: str, prefixes: tuple[str, ...]) -> bool:
    for prefix in prefixes:
        if prefix.endswith("."):
            if name.startswith(prefix):
                return True
        elif name == prefix or name.startswith(prefix + "."):
            return True
    return False


def _violations(layer: str, root: Path = PKG) -> list[str]:
    paths = sorted((root / layer).rglob("*.py")) if layer in RULES else [root / f"{layer}.py"]
    forbidden = RULES.get(layer, FOUNDATION_FORBIDS)
    return [
        f"{path.relative_to(root)} imports {name}"
        for path in paths
        for name in _imports(path, root)
        if _forbidden(name, forbidden)
    ]


def _circles(root: Path = PKG) -> list[list[str]]:
    """Every set of modules that import each other round (Tarjan's strongly connected components), sorted."""
    modules = {_module_name(path, root): path for path in root.rglob("*.py")}
    graph = {name: sorted({target for target in _imports(path, root) if target in modules}) for name, path in modules.items()}
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = lowest[name] = len(index)
        stack.append(name)
        for target in graph[name]:
            if target not in index:
                visit(target)
                lowest[name] = min(lowest[name], lowest[target])
            elif target in stack:
                lowest[name] = min(lowest[name], index[target])
        if lowest[name] == index[name]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == name:
                    break
            if len(component) > 1 or name in graph[name]:
                found.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return sorted(found)


@pytest.mark.parametrize("layer", sorted(RULES))
def test_layer_respects_import_boundaries(layer: str) -> None:
    assert (PKG / layer).is_dir()
    assert _violations(layer) == []


@pytest.mark.parametrize("module", FOUNDATION)
def test_foundation_modules_import_no_layer(module: str) -> None:
    assert (PKG / f"{module}.py").is_file()
    assert _violations(module) == []


def test_no_import_circles() -> None:
    assert _circles() == []


def test_rule_detects_a_violation(tmp_path: Path) -> None:
    root = tmp_path / "asst_tui"
    (root / "server").mkdir(parents=True)
    (root / "server" / "probe.py").write_text("import textual\nfrom ..client import events\n")
    (root / "commands").mkdir()
    (root / "commands" / "probe.py").write_text("def f():\n    from ..tui.text import literal\n")
    (root / "session").mkdir()
    (root / "session" / "probe.py").write_text("from ..server import spawn_server\nfrom ..server.spawn import ChildServer\n")
    assert _violations("server", root) == [
        "server/probe.py imports textual",
        "server/probe.py imports asst_tui.client",
    ]
    assert _violations("commands", root) == ["commands/probe.py imports asst_tui.tui.text"]
    assert _violations("session", root) == ["session/probe.py imports asst_tui.server.spawn"]


def test_circle_check_detects_a_circle_even_under_type_checking(tmp_path: Path) -> None:
    root = tmp_path / "asst_tui"
    (root / "tui").mkdir(parents=True)
    (root / "tui" / "__init__.py").write_text("")
    (root / "tui" / "app.py").write_text("def start():\n    from .run_flow import RunFlow\n")
    (root / "tui" / "run_flow.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import app\n"
    )
    (root / "tui" / "alone.py").write_text("from . import run_flow\n")
    (root / "server").mkdir()
    (root / "server" / "a.py").write_text("from . import b\n")
    (root / "server" / "b.py").write_text("from . import a\n")
    assert _circles(root) == [["asst_tui.server.a", "asst_tui.server.b"], ["asst_tui.tui.app", "asst_tui.tui.run_flow"]]


MAX_LINES = 450  # the Layout's rule: a module a reader can hold in mind


def test_no_module_is_too_long_to_read() -> None:
    lengths = {str(path.relative_to(PKG)): len(path.read_text(encoding="utf-8").splitlines()) for path in PKG.rglob("*.py")}
    assert {path: n for path, n in lengths.items() if n > MAX_LINES} == {}
