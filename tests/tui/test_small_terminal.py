"""At 80x24: the sidebar makes room, the footer keeps Esc, config problems are one toast, Ctrl+O's 404 is a toast."""

from __future__ import annotations

from textual.widgets import DataTable

from asst_tui.registry import ThreadEntry
from asst_tui.tui.screens.help import HelpScreen

from .helpers import make_app, notes, notifications, ready, run_done, screen_text, send, wait_for, write_config

SMALL = (80, 24)


async def test_the_sidebar_hides_below_100_columns_and_f10_toggles_it(home) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        assert not app.sidebar.display and app.chat.size.width >= 70
        await pilot.press("f10")
        assert app.sidebar.display
        await pilot.press("f10")
        assert not app.sidebar.display
        await pilot.resize_terminal(140, 40)
        await pilot.pause()
        assert not app.sidebar.display  # hidden by the user: stays hidden when there is room
        await pilot.press("f10")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert app.sidebar.display  # and shown by the user: stays shown


async def test_the_sidebar_follows_the_width_as_the_terminal_is_resized(home) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        for size, shown in (((140, 40), True), ((80, 24), False), ((120, 30), True), ((99, 30), False)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            assert app.sidebar.display is shown, size  # each time from the new width, not the one before


async def test_ctrl_l_shows_the_hidden_sidebar_until_a_thread_is_chosen(home) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        current = app.thread_id
        app.sidebar.show_threads([ThreadEntry(current, "This one", last_active=1)], current)
        await pilot.press("ctrl+l")
        assert app.sidebar.display and app.focused.id == "thread-list"
        await pilot.press("enter")
        await wait_for(pilot, lambda: not app.sidebar.display, what="the sidebar hidden again")
        assert app.focused is app.prompt
        await pilot.press("ctrl+l")
        assert app.sidebar.display
        await pilot.press("ctrl+g")  # the focus leaves the sidebar without choosing a thread
        await wait_for(pilot, lambda: not app.sidebar.display, what="the sidebar hidden again")
        assert app.focused is app.chat


async def test_the_footer_keeps_esc_cancel_run_at_80_columns(home) -> None:
    write_config(home, '[profiles.local]\nkind = "local"\ndemo_delay_ms = 20\n')
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        await send(pilot, "/lorem 400")
        await wait_for(pilot, lambda: app.flow is not None and app.flow.run_id is not None, what="the run")
        await pilot.pause(0.3)
        footer = screen_text(app).splitlines()[-1]
        assert "esc Cancel run" in footer, footer
        await pilot.press("escape")
        await run_done(pilot, "cancelled")


async def test_several_config_problems_are_one_toast_and_f1_lists_them(home) -> None:
    write_config(home, 'colour = 1\nshape = 2\nsize = 3\n[profiles.local]\nkind = "local"\ndemo_delay_ms = 0\n'
                       '[keys]\nnope = "f1"\nquit = "banana+q"\n')
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        said = [n for n in notifications(app) if "config.toml" in n]
        assert len(said) == 1 and "Configuration problems: 5; F1 lists them all." in said[0]
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        table = app.screen.query_one(DataTable)
        rows = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        for key in ("colour", "shape", "size", "keys.nope", "keys.quit"):
            assert any(row.startswith("config.toml:") and key in row for row in rows), key


async def test_a_bad_thread_id_for_ctrl_o_is_a_toast_not_a_note_in_the_chat(home) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        before = notes(app)
        await pilot.press("ctrl+o")
        await pilot.pause(0.3)
        await pilot.press(*"thread_nope", "enter")
        await wait_for(pilot, lambda: any("404" in n or "No thread" in n or "not found" in n.lower()
                                          for n in notifications(app)), what="the toast")
        assert notes(app) == before and app.thread_id
