"""The handler confirmation and run_handlers: ask first, run after yes, report failures, auto handlers."""

from __future__ import annotations

import json
import sys

from textual import work
from textual.app import App

from asst_tui.client.handlers import handler_env
from asst_tui.config import FunctionHandler
from asst_tui.tui.handler_flow import run_handlers
from asst_tui.tui.screens.handler_confirm import HandlerConfirmScreen
from asst_tui.tui.textual_compat import notifications as shown_notifications

from .conftest import screen_text, wait_for

ECHO = FunctionHandler(f"{sys.executable} -c \"import sys; print('got ' + sys.stdin.read())\"")
FAIL = FunctionHandler(f"{sys.executable} -c \"import sys; sys.stderr.write('boom'); sys.exit(2)\"")
SLOW = FunctionHandler(f"{sys.executable} -c \"import time; time.sleep(30)\"", timeout=60)


def call(call_id: str, name: str, arguments: str = '{"x": 1}') -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


class Runner(App[None]):
    def __init__(self, calls: list[dict], handlers: dict, drafts: dict | None = None) -> None:
        super().__init__()
        self.calls, self.handlers = calls, handlers
        self.drafts = drafts if drafts is not None else {}
        self.outcome: bool | None = None

    def on_mount(self) -> None:
        self.go()

    @work
    async def go(self) -> None:
        self.outcome = await run_handlers(self, self.calls, self.handlers, handler_env(None, {"PATH": "/usr/bin"}), self.drafts)


def notes(app: App) -> str:
    return "\n".join(str(n.message) for n in shown_notifications(app))


async def test_confirmed_handler_runs_declined_one_does_not_and_failure_is_reported() -> None:
    calls = [call("c1", "echo", '{"city": "[red]Oslo"}'), call("c2", "fail"), call("c3", "echo"), call("c4", "manual")]
    app = Runner(calls, {"echo": ECHO, "fail": FAIL})
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, HandlerConfirmScreen)
                       and "Run the local handler for echo?" in screen_text(app), what="the first question shown")
        shown = screen_text(app)
        assert "Run the local handler for echo?" in shown and "import sys; print" in shown
        assert '"city": "[red]Oslo"' in shown and "timeout 30 s" in shown
        assert app.drafts == {}  # nothing runs before the answer
        await pilot.press("y")
        await wait_for(pilot, lambda: "c1" in app.drafts, what="the first output")
        await wait_for(pilot, lambda: isinstance(app.screen, HandlerConfirmScreen), what="the second question")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "c2" in app.drafts, what="the failure")
        await wait_for(pilot, lambda: isinstance(app.screen, HandlerConfirmScreen), what="the third question")
        await pilot.press("n")
        await wait_for(pilot, lambda: app.outcome is not None, what="the end")
    assert app.outcome is False
    assert app.drafts["c1"] == 'got {"city": "[red]Oslo"}'
    assert json.loads(app.drafts["c2"]) == {"error": json.loads(app.drafts["c2"])["error"], "stderr": "boom"}
    assert "exited with status 2" in app.drafts["c2"]
    assert "c3" not in app.drafts and "c4" not in app.drafts
    assert "The handler for fail exited with status 2" in notes(app)


async def test_auto_handlers_answer_without_asking() -> None:
    auto = FunctionHandler(ECHO.command, auto=True)
    app = Runner([call("a", "echo"), call("b", "echo", "{}")], {"echo": auto})
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.outcome is not None, what="the end")
    assert app.outcome is True and app.drafts == {"a": 'got {"x": 1}', "b": "got {}"}

    kept = Runner([call("a", "echo")], {"echo": auto}, drafts={"a": "typed before"})
    async with kept.run_test() as pilot:
        await wait_for(pilot, lambda: kept.outcome is not None, what="the end")
    assert kept.outcome is False and kept.drafts == {"a": "typed before"}  # a reopened prompt keeps its drafts


async def test_escape_stops_a_running_handler() -> None:
    app = Runner([call("s", "slow")], {"slow": SLOW})
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, HandlerConfirmScreen), what="the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: "Running" in screen_text(app), what="running")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.outcome is not None, what="the end", timeout=5)
    assert app.outcome is False and app.drafts == {}
