"""The run inspector against the embedded server: runs with their facts, and each run's steps in order."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from asst_tui.client.run_info import end_reason
from asst_tui.session.choose import DEMO_ASSISTANT
from asst_tui.tui.screens.run_inspector import RunInspectorScreen
from asst_tui.tui.screens.run_steps import RunStepsScreen, step_view

from .conftest import Host, screen_text, wait_for

SIZE = (150, 60)


async def turn(backend, thread_id: str, assistant_id: str, text: str, output: str | None = None) -> dict[str, Any]:
    await backend.add_message(thread_id, text)
    events = [event async for event in backend.stream_run(thread_id, assistant_id)]
    run = events[-1].run
    if output is not None:
        call = run["required_action"]["submit_tool_outputs"]["tool_calls"][0]
        outputs = [{"tool_call_id": call["id"], "output": output}]
        events = [event async for event in backend.submit_tool_outputs(thread_id, run["id"], outputs)]
        run = events[-1].run
    return run


async def open_run(pilot, app, run_id: str) -> str:
    """Open a run's steps from the list and return the screen's text once they are shown."""
    inspector = app.screen
    row = [run["id"] for run in inspector.runs].index(run_id)
    inspector.query_one("#runs-table").move_cursor(row=row)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, RunStepsScreen) and app.screen.steps is not None, what="the steps")
    await pilot.pause(0.1)
    return screen_text(app)


async def test_runs_and_their_steps(backend) -> None:
    assistant = await backend.create_assistant(**DEMO_ASSISTANT)
    thread = (await backend.create_thread())["id"]
    code = await turn(backend, thread, assistant["id"], "```python\nprint('six times seven is', 6 * 7)\n```")
    function = await turn(backend, thread, assistant["id"], 'get_current_temperature {"location": "Paris", "unit": "celsius"}', output='{"c": 21}')
    failed = await turn(backend, thread, assistant["id"], "/fail server_error")
    incomplete = await turn(backend, thread, assistant["id"], "/incomplete")
    assert [run["status"] for run in (code, function, failed, incomplete)] == ["completed", "completed", "failed", "incomplete"]

    app = Host(lambda: RunInspectorScreen(backend, thread, "Inspector test"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "4 runs" in screen_text(app), what="the runs")
        assert "Runs of Inspector test" in screen_text(app)
        table = app.screen.query_one("#runs-table")
        rows = {run["id"]: [str(cell) for cell in table.get_row(run["id"])] for run in (code, failed, incomplete)}
        assert rows[code["id"]][1:3] == ["completed", "demo"] and "tokens" in rows[code["id"]][4]
        assert rows[failed["id"]][5].startswith("server_error: The demo engine failed this run on request")
        assert rows[incomplete["id"]][5] == "the reply reached max_completion_tokens"

        shown = await open_run(pilot, app, code["id"])
        assert shown.index("1. tool calls") < shown.index("2. message creation")
        assert "code_interpreter" in shown and "print('six times seven is', 6 * 7)" in shown
        assert "six times seven is 42" in shown  # the logs
        assert "I ran 1 code block" in shown  # the message the run created

        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RunInspectorScreen), what="back to the list")
        shown = await open_run(pilot, app, function["id"])
        assert "get_current_temperature" in shown
        assert '"location": "Paris"' in shown and '{"c": 21}' in shown
        assert shown.index("arguments:") < shown.index("output:") < shown.index("2. message creation")

        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RunInspectorScreen), what="back to the list")
        shown = await open_run(pilot, app, failed["id"])
        assert "failed — server_error: The demo engine failed this run" in shown


def test_end_reasons_say_why() -> None:
    assert end_reason({"status": "completed"}) is None
    assert end_reason({"status": "expired"}) == (
        "expired — it was not finished (or its function outputs were not submitted) before expires_at"
    )
    assert end_reason({"status": "incomplete", "incomplete_details": {"reason": "max_prompt_tokens"}}) == (
        "incomplete — the prompt reached max_prompt_tokens"
    )
    assert end_reason({"status": "failed", "last_error": {"code": "rate_limit_exceeded", "message": "slow down"}}) == (
        "failed — rate_limit_exceeded: slow down"
    )


def test_file_search_step_shows_results_literally() -> None:
    step = {
        "status": "completed", "created_at": 0, "type": "tool_calls",
        "step_details": {"type": "tool_calls", "tool_calls": [{
            "id": "call_fs", "type": "file_search",
            "file_search": {
                "ranking_options": {"ranker": "auto", "score_threshold": 0.0},
                "results": [{"file_id": "file_1", "file_name": "[bold]notes[/].md", "score": 0.8125,
                             "content": [{"type": "text", "text": "Budgets are due \x1b[31mFriday"}]}],
            },
        }]},
    }
    console = Console(width=100, record=True, color_system=None)
    console.print(step_view(3, step, {}))
    text = console.export_text()
    assert "3. tool calls" in text and "file_search" in text and "ranker auto" in text
    assert "1. [bold]notes[/].md (file_1)  score 0.812" in text
    assert "Budgets are due ␛[31mFriday" in text
