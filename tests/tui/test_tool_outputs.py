"""The function tool-output prompt: every key, drafts, expiry and literal display."""

from __future__ import annotations

import json
import re
import time

from textual import events
from textual.app import App
from textual.widgets import TextArea

from asst_tui.tui.screens.tool_outputs import (
    DECLINED_OUTPUT,
    ToolOutputsResult,
    ToolOutputsScreen,
    time_left,
)
from asst_tui.tui.textual_compat import notifications as shown_notifications

from .helpers import screen_text

CALLS = [
    {"id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'}},
    {"id": "call_b", "type": "function", "function": {"name": "[bold]lookup[/]", "arguments": "{oops [red]"}},
]


class Host(App[None]):
    def __init__(self, screen: ToolOutputsScreen) -> None:
        super().__init__()
        self.prompt = screen
        self.results: list[ToolOutputsResult | None] = []

    def on_mount(self) -> None:
        self.push_screen(self.prompt, self.results.append)


def areas(app: App) -> list[TextArea]:
    return list(app.screen.query(TextArea))


def notes(app: App) -> list[str]:
    return [str(notification.message) for notification in shown_notifications(app)]


def test_time_left() -> None:
    assert time_left(None, 0) == ""
    assert time_left(1000, 1000 - 581) == "expires in 9:41"
    assert time_left(10_000, 10_000 - 3725) == "expires in 1:02:05"
    assert time_left(1000, 1000) == "expired"
    assert time_left(1000, 2000) == "expired"


async def test_shows_every_call_literally_with_expiry() -> None:
    app = Host(ToolOutputsScreen(CALLS, int(time.time()) + 595))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "get_weather" in text and "call_a" in text
        assert '"city": "Oslo"' in text  # pretty-printed
        assert "[bold]lookup[/]" in text and "{oops [red]" in text
        assert "the arguments are not valid JSON" in text
        assert re.search(r"expires in 9:[0-5]\d", text)  # 9:55 less however long a slow machine takes to paint
        assert "ctrl+s: submit all" in text and "Submit all" in text  # hint line and footer
        assert len(areas(app)) == 2
        assert app.focused is areas(app)[0]


async def test_expired_deadline() -> None:
    app = Host(ToolOutputsScreen(CALLS[:1], int(time.time()) - 5))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "expired" in screen_text(app)


async def test_ctrl_s_submits_all_outputs() -> None:
    app = Host(ToolOutputsScreen(CALLS, None, {"call_b": "42"}))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press(*"sunny")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.results == [
            ToolOutputsResult(
                "submit", [{"tool_call_id": "call_a", "output": "sunny"}, {"tool_call_id": "call_b", "output": "42"}]
            )
        ]


async def test_empty_output_asks_first_then_submits_on_second_ctrl_s() -> None:
    app = Host(ToolOutputsScreen(CALLS, None, {"call_a": "ok"}))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.results == []
        assert any("1 output is empty" in note for note in notes(app))
        assert app.focused is areas(app)[1]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.results[0].outputs[1] == {"tool_call_id": "call_b", "output": ""}


async def test_editing_after_the_warning_asks_again() -> None:
    app = Host(ToolOutputsScreen(CALLS, None))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("ctrl+s")
        await pilot.press("x")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.results == []
        assert [note.split(".")[0] for note in notes(app)] == ["2 outputs are empty", "1 output is empty"]


async def test_ctrl_d_fills_only_empty_outputs_and_waits() -> None:
    app = Host(ToolOutputsScreen(CALLS, None, {"call_a": "mine"}))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert app.results == []
        first, second = areas(app)
        assert first.text == "mine"
        assert json.loads(second.text) == {"error": "declined by user"}
        second.focus()
        await pilot.press("end", *" ")  # still editable
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.results[0].outputs[1]["output"] == DECLINED_OUTPUT + " "


async def test_ctrl_x_cancels_the_run() -> None:
    app = Host(ToolOutputsScreen(CALLS, None))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("ctrl+x")
        await pilot.pause()
        assert app.results == [ToolOutputsResult("cancel_run", [])]


async def test_escape_closes_keeping_drafts() -> None:
    drafts: dict[str, str] = {}
    app = Host(ToolOutputsScreen(CALLS, None, drafts))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press(*"half")
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]
        assert drafts["call_a"] == "half"
        assert app.prompt.drafts is drafts
        # Reopening with the kept drafts shows them again.
        again = ToolOutputsScreen(CALLS, None, drafts)
        app.push_screen(again)
        await pilot.pause()
        assert areas(app)[0].text == "half"


async def test_ctrl_s_right_after_fast_typing_submits_the_typed_text() -> None:
    """A terminal delivers typed text and Ctrl+S in one read; the submit must see all of the text."""
    app = Host(ToolOutputsScreen(CALLS[:1], None))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        for char in "21C":
            app.post_message(events.Key(char, char))
        app.post_message(events.Key("ctrl+s", None))
        await pilot.pause(0.2)
        assert app.results == [ToolOutputsResult("submit", [{"tool_call_id": "call_a", "output": "21C"}])]
