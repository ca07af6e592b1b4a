"""The run overrides panel: what it builds, what it refuses, and that the parameters reach the run."""

from __future__ import annotations

from textual.widgets import Input, Select, Switch

from asst_tui.tui.screens.run_overrides import RunOverrides, RunOverridesScreen

from .conftest import Host, screen_text, wait_for
from .test_assistants_screen import fill, marked

SIZE = (120, 50)
TOOLS = [{"type": "code_interpreter"}, {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}}}]


async def test_overrides_are_built_checked_and_reach_the_run(backend) -> None:
    assistant = await backend.create_assistant(model="demo", instructions="Base.", tools=TOOLS)
    app = Host(lambda: RunOverridesScreen(None, ["lookup"], assistant))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "assistant's: demo" in screen_text(app)
        await fill(pilot, model="demo-large", temperature="3", max_prompt_tokens="12", last_messages="")
        app.screen.query_one("#truncation", Select).value = "last_messages"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "expected a number from 0 to 2" in marked(app, "temperature")
        assert "expected a whole number of 256 or more" in marked(app, "max_prompt_tokens")
        assert "how many messages" in marked(app, "last_messages")
        assert app.results == []

        await fill(pilot, temperature="0.2", max_prompt_tokens="2000", max_completion_tokens="300", last_messages="4",
                   additional_instructions="Answer in French.")
        app.screen.query_one("#tool_choice", Select).value = "function:lookup"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.results, what="applied")
    [overrides] = app.results
    assert overrides == RunOverrides({
        "model": "demo-large", "additional_instructions": "Answer in French.", "temperature": 0.2,
        "max_prompt_tokens": 2000, "max_completion_tokens": 300,
        "tool_choice": {"type": "function", "function": {"name": "lookup"}},
        "truncation_strategy": {"type": "last_messages", "last_messages": 4},
    })
    assert overrides.summary() == (
        "model=demo-large, additional_instructions, temperature=0.2, max_prompt_tokens=2000, "
        "max_completion_tokens=300, tool_choice=lookup, truncation=last 4"
    )

    thread = await backend.create_thread()
    await backend.add_message(thread["id"], "hello")
    events = [event async for event in backend.stream_run(thread["id"], assistant["id"], **overrides.params)]
    run = await backend.retrieve_run(thread["id"], events[0].run_id)
    assert run["model"] == "demo-large" and run["temperature"] == 0.2
    assert run["instructions"] == "Base.\n\nAnswer in French."
    assert (run["max_prompt_tokens"], run["max_completion_tokens"]) == (2000, 300)
    assert run["tool_choice"] == {"type": "function", "function": {"name": "lookup"}}
    assert run["truncation_strategy"] == {"type": "last_messages", "last_messages": 4}


async def test_prefilled_pinned_overrides_can_be_cleared_or_kept() -> None:
    current = RunOverrides({"model": "m", "tool_choice": "required", "truncation_strategy": {"type": "auto"}}, pinned=True)
    app = Host(lambda: RunOverridesScreen(current, [], {"model": "demo"}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#model", Input).value == "m"
        assert screen.query_one("#tool_choice", Select).value == "required"
        assert screen.query_one("#truncation", Select).value == "auto"
        assert screen.query_one("#pin", Switch).value is True
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.results, what="closed")
    assert app.results == [None]  # escape changes nothing

    app = Host(lambda: RunOverridesScreen(current, [], {"model": "demo"}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+r", "ctrl+s")
        await wait_for(pilot, lambda: app.results, what="applied")
    assert app.results == [RunOverrides({}, False)]
    assert RunOverrides({}, True).summary() == ""
