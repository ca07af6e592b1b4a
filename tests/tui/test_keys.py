"""Keys as a terminal sends them (bytes through Textual's own input parser), not as Pilot names them."""

from __future__ import annotations

from textual import events

from asst_tui.tui.textual_compat import after_each_frame, key_events

from .helpers import SIZE, make_app, ready, run_done


async def type_bytes(pilot, data: str) -> None:
    """Feed what a terminal writes for some key presses into the app, as its driver would."""
    for event in key_events(data):
        pilot.app.post_message(event)
        await pilot.pause()


async def test_focus_keys_arrive_from_a_real_terminal(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        for data, wanted in (("\x0c", "thread-list"), ("\x07", "chat"), ("\x12", "run-panel"), ("\x06", "prompt")):
            await type_bytes(pilot, data)
            assert app.focused is not None and app.focused.id == wanted, repr(data)
        assert app.prompt.text == ""  # nothing was typed into the prompt on the way


async def test_ctrl_j_bytes_add_a_line_and_return_sends(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await type_bytes(pilot, "one\ntwo")
        assert app.prompt.text == "one\ntwo"
        await type_bytes(pilot, "\r")
        await run_done(pilot)
        messages, _ = await app.connection.backend.list_messages(app.thread_id)
        assert messages[0]["content"][0]["text"]["value"] == "one\ntwo"


async def test_the_prompt_gets_the_focus_when_nothing_has_it(home):
    """As when a terminal starts the app: keys typed at once go to the prompt, not the thread filter laid out first."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.screen.set_focus(None)
        await pilot.press("f1", "escape")  # the main screen is shown again with nothing focused
        await pilot.pause()
        assert app.focused is app.prompt


async def test_a_typed_character_is_painted_before_its_key_is_handled(home):
    """The character is on the screen when the prompt's key handler returns, not at the screen's next update tick
    (while a reply streams, the loop is busy and that tick comes late)."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.prompt.focus()
        await pilot.pause()
        shown: list[str] = []
        after_each_frame(app, lambda screen: shown.append(app.prompt.text))
        await app.prompt._on_key(events.Key("x", "x"))
        assert shown == ["x"]
