"""The import boundaries of DESIGN.md: server never imports textual/tui/client; client never imports textual."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "src" / "asst_tui"

RULES = {
    "server": ("textual", "asst_tui.tui", "asst_tui.client"),
    "client": ("textual", "asst_tui.tui", "asst_tui.server"),
    "tui": ("asst_tui.server.",),  # the TUI may start the server through asst_tui.server only
}


def _imports(path: Path, root: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    package = ".".join(path.relative_to(root.parent).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                names.append(".".join(base + ([node.module] if node.module else [])))
            else:
                names.append(node.module or "")
    return names


def _violations(layer: str, root: Path = PKG) -> list[str]:
    forbidden = RULES[layer]
    found = []
    for path in sorted((root / layer).rglob("*.py")):
        for name in _imports(path, root):
            for prefix in forbidden:
                if name == prefix.rstrip(".") and not prefix.endswith(".") or name.startswith(
                    prefix if prefix.endswith(".") else prefix + "."
                ):
                    found.append(f"{path.relative_to(root)} imports {name}")
    return found


@pytest.mark.parametrize("layer", sorted(RULES))
def test_layer_respects_import_boundaries(layer: str) -> None:
    assert (PKG / layer).is_dir()
    assert _violations(layer) == []


def test_rule_detects_a_violation(tmp_path: Path) -> None:
    root = tmp_path / "asst_tui"
    (root / "server").mkdir(parents=True)
    (root / "server" / "probe.py").write_text("import textual\nfrom ..client import events\n")
    assert _violations("server", root) == [
        "server/probe.py imports textual",
        "server/probe.py imports asst_tui.client",
    ]
