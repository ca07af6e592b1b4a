"""Write the README's key table from src/asst_tui/tui/keymap.py, so it shows the keys the app binds.

Run: python scripts/key_table.py           (rewrites the table between the README's keys markers)
     python scripts/key_table.py --check   (exit 1 when the README's table differs from keymap.py)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
START, END = "<!-- keys:start (scripts/key_table.py writes this table) -->", "<!-- keys:end -->"


def table() -> str:
    sys.path.insert(0, str(ROOT / "src"))
    from asst_tui.tui.keymap import FIXED, Keymap, label

    lines = ["| key | action | where | `[keys]` name |", "| --- | --- | --- | --- |"]
    group = None
    for name, action, keys, description, where in Keymap().rows():
        if name != group:
            lines.append(f"| **{name}** | | | |")
            group = name
        lines.append(f"| {_cell(keys)} | {_cell(description)} | {_cell(where)} | `{action}` |")
    lines.append("| **Prompt and everywhere** | | | (fixed) |")
    lines += [f"| {_cell(label(key))} | {_cell(description)} | {_cell(where)} | |" for key, description, where in FIXED]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def current(readme: str) -> str:
    start, end = readme.index(START) + len(START), readme.index(END)
    return readme[start:end].strip("\n")


def main(argv: list[str]) -> int:
    readme = README.read_text(encoding="utf-8")
    wanted = table()
    if "--check" in argv:
        if current(readme) != wanted:
            print("README.md's key table differs from keymap.py: run python scripts/key_table.py", file=sys.stderr)
            return 1
        return 0
    start, end = readme.index(START) + len(START), readme.index(END)
    README.write_text(readme[:start] + "\n" + wanted + "\n" + readme[end:], encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
