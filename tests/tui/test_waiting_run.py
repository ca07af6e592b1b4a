"""A run left waiting for function outputs: the header, F6 to answer, Esc or Ctrl+X to cancel, no lost drafts."""

from __future__ import annotations

from asst_tui.tui.screens.tool_outputs import ToolOutputsScreen

from .helpers import (
    SIZE,
    assistant_texts,
    make_app,
    notes,
    notifications,
    ready,
    run_done,
    screen_text,
    send,
    tool_prompt,
    wait_for,
)

CALL = 'get_current_temperature {"location": "Paris", "unit": "celsius"}'


def footer_keys(app) -> set[str]:
    return {binding.action for (_, binding, enabled, _) in app.active_bindings.values() if enabled and binding.show}


async def closed_prompt(pilot) -> None:
    """Start a function call, type a half answer and close the prompt with Escape."""
    app = pilot.app
    await ready(pilot)
    await send(pilot, CALL)
    await tool_prompt(pilot)
    await pilot.press(*'{"temperature": ')
    await pilot.press("escape")
    await wait_for(pilot, lambda: not isinstance(app.screen, ToolOutputsScreen), what="prompt closed")
    await pilot.pause(0.1)


def palette(app) -> list[str]:
    return [command.title for command in app.get_system_commands(app.screen)]


async def test_closed_prompt_says_the_run_waits_and_f6_answers_it(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert ("f6", "Answer function call") in [(key.lower(), text) for _, _, key, text, _ in app.keys.rows()]  # F1
        assert "Answer function call" not in palette(app) and "answer_function_call" not in footer_keys(app)
        await closed_prompt(pilot)
        header = screen_text(app).splitlines()[0]
        assert "waits for function outputs — F6 answers, Esc cancels" in header
        assert "answer_function_call" in footer_keys(app) and "cancel_run" in footer_keys(app)
        assert "Answer function call" in palette(app)

        await send(pilot, "hello while it waits")
        await pilot.pause(0.1)
        assert app.prompt.text == "hello while it waits"  # the draft stays
        assert "F6" in notifications(app)[-1] and "Esc" in notifications(app)[-1]
        assert [entry.source for entry in app.chat.entries if entry.role == "user"] == [CALL]
        assert not any("while a run" in note for note in notes(app))  # no raw lock error

        await pilot.press("f6")
        await tool_prompt(pilot)
        await pilot.press("end", *'22}')  # the half answer was kept
        await pilot.press("ctrl+s")
        await run_done(pilot)
        assert '{"temperature": 22}' in assistant_texts(app)[-1]
        assert "answer_function_call" not in footer_keys(app)
        assert "F6" not in screen_text(app).splitlines()[0]

        await pilot.press("enter")  # the kept draft goes out now
        await run_done(pilot)
        assert "hello while it waits" in assistant_texts(app)[-1]


async def test_escape_cancels_a_waiting_run(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await closed_prompt(pilot)
        app.prompt.focus()
        await pilot.press("escape")
        await run_done(pilot, "cancelled")
        [run] = await app.connection.backend.list_runs(app.thread_id, limit=1)
        assert run["status"] == "cancelled"
        await send(pilot, "after the cancel")
        await run_done(pilot)
        assert "after the cancel" in assistant_texts(app)[-1]


async def test_ctrl_x_cancels_and_frees_the_thread_and_a_declined_call_finishes_its_run(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, CALL)
        await tool_prompt(pilot)
        await pilot.press("ctrl+x")
        await run_done(pilot, "cancelled")  # it used to stay "cancelling", and every send said a run was going
        await send(pilot, CALL)
        await tool_prompt(pilot)
        await pilot.press("ctrl+d", "ctrl+s")
        await run_done(pilot)
        assert "declined by user" in assistant_texts(app)[-1]
