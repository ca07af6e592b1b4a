"""Sending, streaming, code interpreter, function calls and cancelling, against the embedded server."""

from __future__ import annotations

from asst_tui.tui.widgets.tool_calls import CodeCallView

from .helpers import (
    SIZE,
    assistant_texts,
    make_app,
    notifications,
    ready,
    run_done,
    send,
    tool_prompt,
    wait_for,
    write_config,
)


async def test_first_run_creates_demo_assistant_thread_and_welcome(home):
    app = make_app(fresh_server=True)  # a first run: the server has no assistant yet
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.assistant["name"] == "Demo assistant"
        tools = {tool["type"] for tool in app.assistant["tools"]}
        assert tools == {"code_interpreter", "file_search", "function"}
        function = next(t["function"] for t in app.assistant["tools"] if t["type"] == "function")
        assert function["name"] == "get_current_temperature"
        assert set(function["parameters"]["properties"]) == {"location", "unit"}
        assert [entry.id for entry in app.registry.threads(app.identity)] == [app.thread_id]
        notes = [entry.source for entry in app.chat.entries if entry.role == "note"]
        assert notes and "/lorem" in notes[0]


async def test_sent_message_streams_a_reply(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "/lorem 400")
        assert app.prompt.text == ""
        await run_done(pilot)
        [reply] = assistant_texts(app)
        assert len(reply.split()) >= 300
        entry = app.registry.get_thread(app.identity, app.thread_id)
        assert entry.title == "/lorem 400"


async def test_typing_before_the_backend_is_ready_sends_once_connected(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.prompt.text = "hello early"
        await pilot.press("enter")  # the very first frame: nothing is connected yet
        await ready(pilot)
        await run_done(pilot)
        users = [entry.source for entry in app.chat.entries if entry.role == "user"]
        assert users == ["hello early"]
        assert "hello early" in assistant_texts(app)[0]


async def test_code_block_fills_the_side_panel_with_input_and_logs(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "```python\nprint('hello from the sandbox', 6 * 7)\n```")
        await run_done(pilot)
        assert app.run_panel.display
        [call] = app.run_panel.query(CodeCallView)
        assert "print('hello from the sandbox', 6 * 7)" in call.code
        assert "hello from the sandbox 42" in call.logs


async def test_function_call_opens_the_prompt_and_submitting_finishes_the_run(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, 'get_current_temperature {"location": "Paris", "unit": "celsius"}')
        await tool_prompt(pilot)
        await pilot.press(*'{"temperature": 21}')
        await pilot.press("ctrl+s")
        await run_done(pilot)
        assert '{"temperature": 21}' in assistant_texts(app)[-1]


async def test_thread_waiting_for_outputs_reopens_the_prompt_after_a_restart(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, 'get_current_temperature {"location": "Oslo", "unit": "celsius"}')
        await tool_prompt(pilot)
        thread_id = app.thread_id
    again = make_app()
    async with again.run_test(size=SIZE) as pilot:
        await tool_prompt(pilot)
        assert again.thread_id == thread_id
        await pilot.press(*"33", "ctrl+s")
        await run_done(pilot)
        assert "33" in assistant_texts(again)[-1]


async def test_escape_cancels_a_streaming_run(home):
    write_config(home, "[profiles.local]\nkind = \"local\"\ndemo_delay_ms = 5\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "/lorem 5000")
        await wait_for(pilot, lambda: assistant_texts(app) and len(assistant_texts(app)[-1]) > 50, what="streaming")
        await send(pilot, "meanwhile")
        assert app.prompt.text == "meanwhile"  # not sent while the run goes on, and not lost
        assert "A run is still going" in notifications(app)[-1]
        await pilot.press("escape")
        await run_done(pilot, "cancelled")
        assert len(assistant_texts(app)[-1].split()) < 4000
        run = await app.connection.backend.list_runs(app.thread_id, limit=1)
        assert run[0]["status"] == "cancelled"
        assert app.prompt.text == "meanwhile"


async def test_unreachable_server_keeps_the_draft_and_says_what_to_do(home):
    app = make_app(base_url="http://127.0.0.1:9/v1")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.offline, what="offline")
        notes = [entry.source for entry in app.chat.entries if entry.role == "note"]
        assert any("Can't reach" in note and "base\\_url" in note for note in notes)
        await send(pilot, "keep me")
        assert app.prompt.text == "keep me"
        assert app.status_line.status == "offline"
