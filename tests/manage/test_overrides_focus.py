"""F7 then a quick burst of Tabs and digits: the digits go to the field the Tabs reached (issue 12.7)."""

from __future__ import annotations

from textual.widgets import Input

from asst_tui.tui.screens.run_overrides import RunOverridesScreen
from asst_tui.tui.textual_compat import key_events

from ..tui.helpers import SIZE, make_app, ready, wait_for


async def test_a_tab_burst_right_after_f7_types_into_the_field_it_reached(home) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        for event in key_events("\x1b[18~\t\t\t300"):  # F7, Tab Tab Tab, 3 0 0: all before the dialog has painted
            app.post_message(event)
        await wait_for(pilot, lambda: isinstance(app.screen, RunOverridesScreen), what="the overrides")
        await pilot.pause(0.5)
        screen = app.screen
        assert screen.query_one("#model", Input).value == ""
        assert screen.query_one("#max_prompt_tokens", Input).value == "300"
        assert app.focused is screen.query_one("#max_prompt_tokens", Input)


async def test_typing_right_after_f7_goes_to_the_model_field(home) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        for event in key_events("\x1b[18~gpt-x"):
            app.post_message(event)
        await wait_for(pilot, lambda: isinstance(app.screen, RunOverridesScreen), what="the overrides")
        await pilot.pause(0.5)
        assert app.screen.query_one("#model", Input).value == "gpt-x"
        assert app.prompt.text == ""


async def test_keys_after_a_dialog_key_that_opens_nothing_reach_the_prompt(home) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.prompt.focus()
        await pilot.pause()
        for event in key_events("\x1b[15~abc"):  # F5 on a thread with no runs: a toast, no dialog
            app.post_message(event)
        await wait_for(pilot, lambda: app.prompt.text == "abc", timeout=1.0, what="the held keys in the prompt, at once")
        assert len(app.screen_stack) == 1
