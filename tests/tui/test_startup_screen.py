"""The first frame has only what it shows: the hidden run panel joins the screen after it, the find field at the first find (issue 13)."""

from __future__ import annotations

from asst_tui.tui.textual_compat import after_each_frame
from asst_tui.tui.widgets.run_panel import RunPanel

from .helpers import SIZE, make_app, ready


async def test_the_run_panel_is_mounted_after_the_first_frame(home) -> None:
    app = make_app()
    first: list[tuple[bool, bool]] = []  # per frame: whether the run panel and the find field were in the screen
    after_each_frame(app, lambda screen: first.append((bool(screen.query(RunPanel)), bool(screen.query("#find-input")))))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert first[0] == (False, False)
        [panel] = app.screen.query(RunPanel)
        assert panel.parent.id == "main" and not panel.display
        await pilot.press("ctrl+b")
        assert panel.display and app.run_panel is panel


async def test_the_panel_key_mounts_the_panel_when_it_is_not_there_yet(home) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await app.run_panel.remove()  # as before start() mounted it
        await pilot.press("ctrl+b")
        await pilot.pause()
        [panel] = app.screen.query(RunPanel)
        assert panel.display and panel.is_mounted and panel.query("#run-header")


async def test_the_find_field_is_made_at_the_first_find(home) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert not app.screen.query("#find-input")
        app.chat.focus()
        await pilot.press("slash")
        await pilot.pause()
        assert app.focused is app.screen.query_one("#find-input")
        await pilot.press("escape", "slash")  # closed and opened again: the same field
        await pilot.pause()
        assert len(app.screen.query("#find-input")) == 1 and app.focused.id == "find-input"
