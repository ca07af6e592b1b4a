"""The sidebar's thread filter: `/` then fast typing, Backspace, Esc, and a filter that matches nothing."""

from __future__ import annotations

from textual.widgets import Input

from asst_tui.registry import ThreadEntry
from asst_tui.tui.textual_compat import key_events

from .helpers import SIZE, make_app, ready, screen_text

THREADS = [ThreadEntry("thread_a", "Squares and a plot", last_active=3), ThreadEntry("thread_b", "Weather in Paris", last_active=2)]


async def burst(pilot, data: str) -> None:
    """Keys as a fast typist (or a paste-like burst) sends them: all queued before the app handles the first."""
    for event in key_events(data):
        pilot.app.post_message(event)
    await pilot.pause(0.2)


async def test_slash_then_fast_typing_filters_backspace_and_esc_clear(home) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.sidebar.show_threads(THREADS, "thread_a")
        app.query_one("#thread-list").focus()
        await pilot.pause()
        field = app.query_one("#thread-filter", Input)
        await burst(pilot, "/weat")
        assert field.value == "weat" and app.focused is field
        assert app.sidebar.visible_ids == ["thread_b"]
        await burst(pilot, "\x7f\x7f")  # Backspace, as terminals send it
        assert field.value == "we"
        await burst(pilot, "zz")
        assert app.sidebar.visible_ids == []
        assert "No thread matches 'wezz'" in screen_text(app)
        await burst(pilot, "\x1b")  # Esc clears the filter
        assert field.value == "" and app.sidebar.visible_ids == ["thread_a", "thread_b"]
        assert "No thread matches" not in screen_text(app)
        await burst(pilot, "\x1b")  # and on an empty filter goes back to the prompt
        assert app.focused is app.prompt


async def test_slash_in_the_prompt_types_a_slash(home) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.prompt.focus()
        await pilot.pause()
        await burst(pilot, "/lorem 3")
        assert app.prompt.text == "/lorem 3" and app.query_one("#thread-filter", Input).value == ""


async def test_slash_in_the_chat_is_its_find_not_the_filter(home) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.chat.focus()
        await pilot.pause()
        await burst(pilot, "/x")
        assert app.query_one("#thread-filter", Input).value == ""
        assert app.focused is not None and app.focused.id != "thread-filter"
        assert app.query_one("#find") in app.focused.ancestors_with_self  # the find bar has the focus
