"""The run side panel, fed synthetic event sequences."""

from __future__ import annotations

import time
from datetime import datetime

from rich.syntax import Syntax
from textual.app import App, ComposeResult

from asst_tui.client.events import (
    CodeImage,
    CodeLogs,
    RequiresAction,
    RunEnded,
    RunStatusChanged,
    StreamError,
    ToolCallDelta,
    ToolCallDone,
    ToolCallStarted,
    Usage,
)
from asst_tui.tui.widgets.run_panel import RunPanel
from asst_tui.tui.widgets.tool_calls import CodeCallView, FileItem

from .helpers import screen_segments, screen_text

T0 = time.time() - 10
CODE = ["import math\n", "def area(r):\n", "    return math.pi * r ** 2\n", "print(area(2))\n"]


class Host(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.saved: list[str] = []

    def compose(self) -> ComposeResult:
        yield RunPanel(id="panel")

    @property
    def panel(self) -> RunPanel:
        return self.query_one(RunPanel)

    def on_file_item_save_requested(self, event: FileItem.SaveRequested) -> None:
        self.saved.append(event.file_id)


def code_run() -> list:
    events = [
        RunStatusChanged("run_1", "queued", T0),
        RunStatusChanged("run_1", "in_progress", T0 + 1.5),
        ToolCallStarted("step_1", "call_c", 0, "code_interpreter"),
    ]
    events += [ToolCallDelta("step_1", "call_c", 0, "code_interpreter", piece) for piece in CODE]
    events += [
        CodeLogs("step_1", "call_c", "[bold]12.56[/bold] \x1b[31mred\x1b[0m\n"),
        CodeImage("step_1", "call_c", "file-img1"),
    ]
    return events


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.pause()


async def test_timeline_code_logs_and_image() -> None:
    app = Host()
    async with app.run_test(size=(70, 50)) as pilot:
        app.panel.start_run("run_1")
        for event in code_run():
            app.panel.apply(event)
        await settle(pilot)
        text = screen_text(app)
        assert "Run run_1" in text
        assert "queued" in text and "in_progress" in text
        assert datetime.fromtimestamp(T0).strftime("%H:%M:%S") in text
        assert "+1.5s" in text
        assert "def area(r):" in text and "return math.pi * r ** 2" in text
        view = app.panel.query_one(CodeCallView)
        assert isinstance(view._code_view.content, Syntax)
        colors = {seg.text.strip(): seg.style.color for seg in screen_segments(app) if seg.text.strip()}
        assert colors["def"] != colors["area"]  # highlighted, not plain
        assert "[bold]12.56[/bold] ␛[31mred␛[0m" in text  # logs literal
        assert "\x1b" not in text
        assert "image file-img1" in text and "s: save" in text


async def test_done_status_usage_and_no_duplicate_outputs() -> None:
    app = Host()
    async with app.run_test(size=(70, 50)) as pilot:
        for event in code_run():
            app.panel.apply(event)
        call = {
            "id": "call_c",
            "type": "code_interpreter",
            "code_interpreter": {
                "input": "".join(CODE),
                "outputs": [
                    {"type": "logs", "logs": "12.56\n"},
                    {"type": "image", "image": {"file_id": "file-img1"}},
                ],
            },
        }
        app.panel.apply(ToolCallDone("step_1", "call_c", "code_interpreter", call))
        app.panel.apply(Usage("run_1", 120, 30, 150))
        app.panel.apply(RunEnded("run_1", "completed", {"id": "run_1", "completed_at": int(T0) + 5}))
        await settle(pilot)
        text = screen_text(app)
        assert "✓ code interpreter" in text
        assert "completed" in text and "● completed" in text
        assert "prompt 120" in text and "completion 30" in text and "total 150" in text
        assert len(app.panel.query(FileItem)) == 1
        assert "12.56" in text and "[bold]" not in text  # the final logs replace the streamed ones


async def test_save_key_and_click_post_save_file() -> None:
    app = Host()
    async with app.run_test(size=(70, 50)) as pilot:
        for event in code_run():
            app.panel.apply(event)
        app.panel.apply(CodeImage("step_1", "call_c", "file-img2"))
        await settle(pilot)
        first, second = app.panel.query(FileItem)
        first.focus()
        await pilot.press("s")
        await pilot.press("tab")  # the next item
        await pilot.press("enter")
        await pilot.click(first)
        await settle(pilot)
        assert app.saved == ["file-img1", "file-img2", "file-img1"]


async def test_function_call_arguments_and_outputs() -> None:
    app = Host()
    async with app.run_test(size=(70, 50)) as pilot:
        panel = app.panel
        panel.apply(RunStatusChanged("run_2", "in_progress", T0))
        panel.apply(ToolCallStarted("step_2", "call_f", 0, "function", "get_weather"))
        for piece in ['{"city"', ': "[Oslo]"}']:
            panel.apply(ToolCallDelta("step_2", "", 0, "function", piece))  # no id on later deltas
        calls = [{"id": "call_f", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "[Oslo]"}'}}]
        panel.apply(RequiresAction("run_2", calls, None))
        panel.record_outputs([{"tool_call_id": "call_f", "output": '{"temp": "[b]5[/b]"}'}])
        panel.apply(StreamError("connection [reset]", code="io"))
        await settle(pilot)
        text = screen_text(app)
        assert "function get_weather" in text
        assert '"city": "[Oslo]"' in text
        assert "requires_action" in text
        assert 'output sent: {"temp": "[b]5[/b]"}' in text
        assert "Stream error (io): connection [reset]" in text
        assert "Run run_2" in text  # a status of a new run starts it


async def test_deltas_are_coalesced_per_frame() -> None:
    app = Host()
    async with app.run_test(size=(70, 50)) as pilot:
        panel = app.panel
        panel.apply(ToolCallStarted("s", "c", 0, "code_interpreter"))
        await settle(pilot)
        view = panel.query_one(CodeCallView)
        renders = []
        original = view.render_content
        view.render_content = lambda: (renders.append(1), original())
        for _ in range(2000):
            panel.apply(ToolCallDelta("s", "c", 0, "code_interpreter", "x"))
        await settle(pilot)
        assert len(renders) == 1
        assert view.code == "x" * 2000


async def test_show_history_renders_code_and_function_steps() -> None:
    run = {
        "id": "run_old",
        "status": "failed",
        "created_at": int(T0),
        "started_at": int(T0) + 1,
        "failed_at": int(T0) + 4,
        "last_error": {"code": "server_error", "message": "engine [crashed]"},
        "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
    }
    steps = [
        {
            "id": "step_b",
            "created_at": int(T0) + 3,
            "status": "completed",
            "step_details": {
                "type": "tool_calls",
                "tool_calls": [
                    {"id": "call_fn", "type": "function",
                     "function": {"name": "lookup", "arguments": '{"q": 1}', "output": "found it"}},
                ],
            },
        },
        {
            "id": "step_a",
            "created_at": int(T0) + 2,
            "status": "completed",
            "step_details": {
                "type": "tool_calls",
                "tool_calls": [
                    {"id": "call_ci", "type": "code_interpreter",
                     "code_interpreter": {"input": "def old():\n    pass\n",
                                          "outputs": [{"type": "logs", "logs": "old logs\n"},
                                                      {"type": "image", "image": {"file_id": "file-old"}}]}},
                ],
            },
        },
        {"id": "step_c", "created_at": int(T0) + 4, "status": "completed",
         "step_details": {"type": "message_creation", "message_creation": {"message_id": "msg_1"}}},
    ]
    app = Host()
    async with app.run_test(size=(70, 60)) as pilot:
        for event in code_run():
            app.panel.apply(event)
        await settle(pilot)
        app.panel.show_history(run, steps)
        await settle(pilot)
        text = screen_text(app)
        assert "Run run_old" in text and "def area" not in text  # the live run was cleared
        assert "queued" in text and "in_progress" in text and "failed" in text and "+4.0s" in text
        assert "def old():" in text and "old logs" in text and "image file-old" in text
        assert "function lookup" in text and '"q": 1' in text and "output sent: found it" in text
        assert text.index("def old():") < text.index("function lookup")  # steps in creation order
        assert "message msg_1" in text
        assert "Run failed (server_error): engine [crashed]" in text
        assert "total 10" in text


async def test_follows_new_content_until_the_user_scrolls_up() -> None:
    app = Host()
    async with app.run_test(size=(60, 15)) as pilot:
        panel = app.panel
        panel.apply(ToolCallStarted("s", "c", 0, "code_interpreter"))
        for number in range(40):
            panel.apply(ToolCallDelta("s", "c", 0, "code_interpreter", f"x{number} = {number}\n"))
        await settle(pilot)
        assert panel.max_scroll_y > 0 and panel.scroll_y == panel.max_scroll_y
        panel.scroll_home(animate=False, immediate=True)
        await settle(pilot)
        panel.apply(CodeLogs("s", "c", "more\n" * 10))
        await settle(pilot)
        assert panel.scroll_y == 0



async def test_events_before_the_panel_is_mounted_are_kept() -> None:
    """The run worker can feed a panel that isn't mounted yet: no KeyError for its component styles."""
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        await app.panel.remove()
        panel = RunPanel(id="panel")
        for event in code_run()[:2]:  # status changes: they render the timeline at once
            panel.apply(event)
        await app.mount(panel)
        await pilot.pause()
        assert "in_progress" in screen_text(app)
