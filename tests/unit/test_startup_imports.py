"""What the first screen does not need is not imported with the app (startup is measured over a bare Textual app)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
LATER = [
    "openai",  # the client and the embedded server start after the first frame
    "asst_tui.server",
    "asst_tui.client.events",  # the run panel's events, when a run starts
    "asst_tui.tui.screens.run_overrides",  # the F7 dialog, and the dataclass it edits
    "rich.syntax",  # Pygments: at the first code block
    "rich.markdown",  # markdown-it: at the first message
    "asst_tui.tui.widgets.run_panel",  # hidden at the start: mounted after the first frame
    "asst_tui.tui.widgets.tool_calls",
    "asst_tui.session.connection",  # start() connects and chooses, after the first frame
    "asst_tui.session.choose",
]


def imported_with_the_app(src: Path) -> list[str]:
    code = f"import json, sys, asst_tui.cli, asst_tui.tui.app; print(json.dumps([m for m in {LATER!r} if m in sys.modules]))"
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=True)
    return json.loads(done.stdout)


def test_what_comes_later_is_not_imported_with_the_app() -> None:
    assert imported_with_the_app(SRC) == []


def test_choosing_half_blocks_imports_no_widget() -> None:
    """prepare() runs in a thread while the app's modules load: importing the widget there held the start up."""
    code = (
        "import sys; from asst_tui.tui import inline_images; assert inline_images.prepare(); "
        "assert inline_images.available(); print('asst_tui.tui.widgets.half_block_image' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=True)
    assert done.stdout.strip() == "False"
