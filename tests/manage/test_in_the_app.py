"""The new screens from the real app (embedded server, demo engine): keys, overrides on real runs, handlers."""

from __future__ import annotations

import json
import shlex
import sys

import pytest
from textual.widgets import Select, Static, Switch, TextArea

from asst_tui.tui.screens.assistant_editor import AssistantEditorScreen
from asst_tui.tui.screens.assistants import AssistantsScreen
from asst_tui.tui.screens.handler_confirm import HandlerConfirmScreen
from asst_tui.tui.screens.run_inspector import RunInspectorScreen
from asst_tui.tui.screens.run_overrides import RunOverridesScreen
from asst_tui.tui.screens.run_steps import RunStepsScreen
from asst_tui.tui.screens.tool_outputs import ToolOutputsScreen
from asst_tui.tui.textual_compat import notifications as shown_notifications

from ..tui.helpers import SIZE, assistant_texts, make_app, ready, run_done, send, wait_for
from .conftest import screen_text, write_config
from .test_assistants_screen import fill

# answers with the location and every variable of its environment that looks like a key; fails for fahrenheit
HANDLER = """\
import json, os, sys
a = json.load(sys.stdin)
if a["unit"] == "fahrenheit":
    sys.stderr.write("no fahrenheit here")
    sys.exit(3)
print(a["location"], sorted(k for k in os.environ if "KEY" in k or "TOKEN" in k or k == "MY_CREDS"))
"""


def handler_command(home) -> str:
    script = home / "weather handler.py"
    script.write_text(HANDLER, encoding="utf-8")
    return shlex.join([sys.executable, str(script)])


async def newest_run(app) -> dict:
    return (await app.connection.backend.list_runs(app.thread_id, limit=1))[0]


async def test_overrides_reach_the_run_then_reset_unless_pinned(home) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f7")
        await wait_for(pilot, lambda: isinstance(app.screen, RunOverridesScreen), what="the overrides")
        await fill(pilot, model="demo-large", temperature="0.5", max_completion_tokens="500", additional_instructions="Be terse.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, RunOverridesScreen)
                       and "overrides model=demo-large" in screen_text(app), what="applied and shown")

        await send(pilot, "hello")
        await run_done(pilot)
        run = await newest_run(app)
        assert (run["model"], run["temperature"], run["max_completion_tokens"]) == ("demo-large", 0.5, 500)
        assert run["instructions"].endswith("Be terse.")
        assert "overrides" not in screen_text(app)  # used once, then cleared

        await send(pilot, "again")
        await run_done(pilot)
        run = await newest_run(app)
        assert run["model"] == "demo" and run["max_completion_tokens"] is None

        await pilot.press("f7")
        await wait_for(pilot, lambda: isinstance(app.screen, RunOverridesScreen), what="the overrides")
        app.screen.query_one("#tool_choice", Select).value = "none"
        app.screen.query_one("#pin", Switch).value = True
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "overrides tool_choice=none (pinned)" in screen_text(app), what="pinned")
        for text in ("```python\nprint(1)\n```", "one more"):
            await send(pilot, text)
            await run_done(pilot)
            assert (await newest_run(app))["tool_choice"] == "none"
        assert "(pinned)" in screen_text(app)


async def test_handler_runs_after_confirmation_reports_failure_and_sees_no_key(home, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-not-leak")
    monkeypatch.setenv("MY_CREDS", "profile-key")
    monkeypatch.setenv("SOME_TOKEN", "t")
    command = handler_command(home)
    write_config(home, f'[profiles.local]\nkind = "local"\nengine = "demo"\ndemo_delay_ms = 0\napi_key_env = "MY_CREDS"\n'
                       f'[profiles.local.handlers]\nget_current_temperature = {json.dumps(command)}\n')
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, 'get_current_temperature {"location": "Paris", "unit": "celsius"}')
        await wait_for(pilot, lambda: question(app) == "Run the local handler for get_current_temperature?", what="the question")
        assert app.flow.drafts == {}  # not run before the answer
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ToolOutputsScreen), what="the prompt")
        [area] = app.screen.query(TextArea)
        assert area.text == "Paris []"  # its output, and no key in its environment
        await pilot.press("ctrl+s")
        await run_done(pilot)
        assert "Paris []" in assistant_texts(app)[-1]

        await send(pilot, 'get_current_temperature {"location": "Oslo", "unit": "fahrenheit"}')
        await wait_for(pilot, lambda: isinstance(app.screen, HandlerConfirmScreen), what="the question")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ToolOutputsScreen), what="the prompt")
        await wait_for(pilot, lambda: any("The handler for get_current_temperature exited with status 3" in str(n.message)
                                          for n in shown_notifications(app)), what="the failure toast")
        [area] = app.screen.query(TextArea)
        error = json.loads(area.text)
        assert error["stderr"] == "no fahrenheit here" and "exited with status 3" in error["error"]
        area.load_text('{"error": "no fahrenheit, sorry"}')  # the user edits it before submitting
        await pilot.press("ctrl+s")
        await run_done(pilot)
        assert "no fahrenheit, sorry" in assistant_texts(app)[-1]


def question(app) -> str | None:
    """The question of the handler confirmation on screen, read from its widget (public state, painted or not)."""
    screen = app.screen
    if not isinstance(screen, HandlerConfirmScreen) or not screen.is_mounted:
        return None
    return str(screen.query_one("#handler-title", Static).content)


async def test_auto_handler_answers_without_any_prompt(home) -> None:
    command = handler_command(home)
    write_config(home, f'[profiles.local]\nkind = "local"\ndemo_delay_ms = 0\n'
                       f'[profiles.local.handlers.get_current_temperature]\ncommand = {json.dumps(command)}\nauto = true\n')
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, 'get_current_temperature {"location": "Rome", "unit": "celsius"}')
        await run_done(pilot)
        assert "Rome []" in assistant_texts(app)[-1]


async def test_assistants_inspector_and_keys_from_the_app(home) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        first = app.assistant["id"]
        descriptions = [description for _, _, _, description, _ in app.keys.rows()]
        for wanted in ("Assistants: use, new, edit, duplicate, delete", "Overrides for the next run", "Run inspector (runs and their steps)"):
            assert wanted in descriptions
        commands = [command.title for command in app.get_system_commands(app.screen)]
        assert "Run inspector (runs and their steps)" in commands

        await pilot.press("shift+f4")
        await wait_for(pilot, lambda: isinstance(app.screen, AssistantsScreen) and app.screen.rows, what="the assistants")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, AssistantEditorScreen), what="the editor")
        await fill(pilot, name="Second helper", model="demo-2")
        app.screen.query_one("#code_interpreter", Switch).value = True
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, AssistantsScreen) and "Second helper" in [r.name for r in app.screen.rows], what="the row")
        await wait_for(pilot, lambda: app.screen.selected().name == "Second helper", what="selected")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.assistant and app.assistant["name"] == "Second helper", what="switched")
        assert app.status_line.model == "demo-2"

        await send(pilot, "```python\nprint('from the second', 2 + 2)\n```")
        await run_done(pilot)
        run = await newest_run(app)
        assert run["assistant_id"] != first and run["model"] == "demo-2"

        await pilot.press("f12")
        await wait_for(pilot, lambda: isinstance(app.screen, RunInspectorScreen) and app.screen.runs, what="the runs")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RunStepsScreen) and app.screen.steps is not None, what="the steps")
        await wait_for(pilot, lambda: "from the second 4" in screen_text(app), what="the steps shown")
        assert "print('from the second', 2 + 2)" in screen_text(app)
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, (RunInspectorScreen, RunStepsScreen)), what="closed")
