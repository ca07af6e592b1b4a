"""Dialogs show on the first frame after their key: screens are imported when first opened, forms and lists
paint their frame with a loading line first, then compose their fields or fetch their data (issue 12.11)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from textual.widgets import DataTable, Input

from asst_tui.tui.screens.files_view import FilesScreen
from asst_tui.tui.screens.run_overrides import RunOverridesScreen
from asst_tui.tui.textual_compat import after_each_frame

from .helpers import SIZE, make_app, ready, wait_for

SRC = Path(__file__).resolve().parents[2] / "src"


def test_starting_the_app_imports_no_screen() -> None:
    code = "import sys, asst_tui.tui.app; print(sorted(m for m in sys.modules if m.startswith('asst_tui.tui.screens')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": str(SRC)},
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


async def test_f7_paints_its_frame_first_then_its_fields(home) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        first: list[bool] = []  # per frame of the dialog: whether its fields were there yet

        def on_frame(screen) -> None:
            if isinstance(screen, RunOverridesScreen):
                first.append(bool(screen.query("#model")))

        after_each_frame(app, on_frame)
        await pilot.press("f7")
        await wait_for(pilot, lambda: isinstance(app.focused, Input) and app.focused.id == "model", what="the fields")
        assert first and first[0] is False  # the first frame showed the dialog, with "Loading the fields…"
        await pilot.press("escape")


async def test_the_files_view_shows_a_loading_row_then_its_files(home) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        seen: list[str] = []

        def on_frame(screen) -> None:
            if isinstance(screen, FilesScreen) and not seen:
                table = screen.query_one(DataTable)
                seen.append(str(table.get_row_at(0)[2]) if table.row_count else "")

        after_each_frame(app, on_frame)
        await pilot.press("f11")
        await wait_for(pilot, lambda: isinstance(app.screen, FilesScreen) and app.screen.table.row_count
                       and "Loading" not in str(app.screen.table.get_row_at(0)[2]), what="the files")
        assert seen == ["Loading…"]


async def test_f4_shows_its_picker_at_once_then_the_assistants(home) -> None:
    from textual.widgets import OptionList

    from asst_tui.tui.screens.picker import PickerScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        first: list[str] = []

        def on_frame(screen) -> None:
            if isinstance(screen, PickerScreen) and not first:
                options = screen.query_one(OptionList)
                first.append(str(options.get_option_at_index(0).prompt) if options.option_count else "")

        after_each_frame(app, on_frame)
        current = app.assistant["id"]
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen) and app.screen.options, what="the assistants")
        assert first == ["Loading…"]
        options = app.screen.query_one(OptionList)
        assert options.get_option_at_index(options.highlighted).id == current
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, PickerScreen), what="the picker closed")
        assert app.assistant["id"] == current
