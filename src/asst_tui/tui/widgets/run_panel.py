"""The side panel of the current run: status timeline, tool calls, code, logs, files and usage."""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from asst_tui.protocol import TERMINAL_RUN_STATUSES
from asst_tui.tui.text import literal

from .tool_calls import CallView, CodeCallView, FunctionCallView

if TYPE_CHECKING:
    from asst_tui.client.events import RunEvent

NO_RUN = "No run going (F5 shows the thread's earlier runs)"

_STATUS_CLASS = {
    "completed": "done",
    "failed": "failed",
    "expired": "failed",
    "cancelled": "waiting",
    "cancelling": "waiting",
    "incomplete": "waiting",
    "requires_action": "waiting",
}


def _elapsed(seconds: float) -> str:
    if seconds < 60:
        return f"+{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"+{minutes}m{secs:02d}s"
    return f"+{minutes // 60}h{minutes % 60:02d}m"


class RunPanel(VerticalScroll):
    """Side panel for one run: feed it `apply(event)`, or `show_history` for an earlier run."""

    COMPONENT_CLASSES = {
        "run-panel--done",
        "run-panel--failed",
        "run-panel--waiting",
        "run-panel--active",
    }

    DEFAULT_CSS = """
    RunPanel {
        height: 1fr;
        padding: 0 1;
        background: $surface;
        & > .run-panel--done { color: $success; }
        & > .run-panel--failed { color: $error; }
        & > .run-panel--waiting { color: $warning; }
        & > .run-panel--active { color: $accent; }
        #run-header { text-style: bold; color: $primary; }
        #run-timeline { margin-bottom: 1; }
        #run-steps { height: auto; }
        #run-usage { color: $text-muted; margin-top: 1; }
        #run-error { color: $error; margin-top: 1; }
        .call { height: auto; margin-bottom: 1; }
        .call--arguments, .call--logs { background: $panel; padding: 0 1; }
        .call--logs { color: $text-muted; }
        .call--output { color: $success; }
        .call--files { height: auto; }
        .file-item { padding: 0 1; }
        .file-item:hover { background: $boost; }
        .file-item:focus { background: $primary 30%; }
        .step--message { color: $text-muted; }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.run_id: str | None = None
        self._timeline: list[tuple[str, float]] = []
        self._calls: dict[str, CallView] = {}
        self._index_keys: dict[tuple[str, int], str] = {}
        self._dirty: set[CallView] = set()
        self._flush_scheduled = False
        self._follow_scheduled = False
        self._header = Static(Text(NO_RUN), id="run-header")
        self._timeline_view = Static(Text(""), id="run-timeline")
        self._steps = Vertical(id="run-steps")
        self._usage = Static(Text(""), id="run-usage")
        self._usage.display = False
        self._error = Static(Text(""), id="run-error")
        self._error.display = False

    def compose(self) -> ComposeResult:
        yield self._header
        yield self._timeline_view
        yield self._steps
        yield self._usage
        yield self._error

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._retheme, init=False)

    def _retheme(self) -> None:
        self._render_timeline()
        for view in self._calls.values():
            self._mark(view)

    def start_run(self, run_id: str) -> None:
        """Clear the panel for a new run."""
        self.clear(Text.assemble("Run ", literal(run_id)))
        self.run_id = run_id

    def clear(self, header: Text | None = None) -> None:
        """Show no run (another thread was opened), or only `header`."""
        self.run_id = None
        self._timeline.clear()
        self._calls.clear()
        self._index_keys.clear()
        self._dirty.clear()
        self._steps.remove_children()
        self._header.update(header or Text(NO_RUN))
        self._timeline_view.update(Text(""))
        self._usage.display = self._error.display = False
        self.scroll_home(animate=False)

    def apply(self, event: RunEvent) -> None:
        """Show one run event; cheap: streamed text is rendered at most once a frame."""
        from asst_tui.client.events import (  # the client's events: not before the first frame
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

        match event:
            case RunStatusChanged(run_id=run_id, status=status, at=at):
                if run_id != self.run_id:
                    self.start_run(run_id)
                self._add_status(status, at)
            case ToolCallStarted(step_id=step_id, call_id=call_id, index=index, type=kind, name=name):
                view = self._call(step_id, call_id, index, kind, name)
                if isinstance(view, FunctionCallView):
                    view.set_name(name)
            case ToolCallDelta(step_id=step_id, call_id=call_id, index=index, type=kind, input=text):
                view = self._call(step_id, call_id, index, kind)
                if isinstance(view, (CodeCallView, FunctionCallView)):
                    view.append_input(text)
                    self._mark(view)
            case CodeLogs(step_id=step_id, call_id=call_id, logs=logs):
                view = self._call(step_id, call_id, -1, "code_interpreter")
                if isinstance(view, CodeCallView):
                    view.append_logs(logs)
                    self._mark(view)
            case CodeImage(step_id=step_id, call_id=call_id, file_id=file_id):
                view = self._call(step_id, call_id, -1, "code_interpreter")
                if isinstance(view, CodeCallView):
                    view.add_file("image", file_id)
            case ToolCallDone(step_id=step_id, call_id=call_id, type=kind, call=call):
                self._fill(self._call(step_id, call_id, -1, kind), call)
            case RequiresAction(tool_calls=tool_calls):
                self._add_status("requires_action", time.time())
                for call in tool_calls:
                    self._fill(self._call("", str(call.get("id", "")), -1, "function"), call)
            case Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=total):
                self._show_usage(prompt, completion, total)
            case RunEnded(status=status, run=run, last_error=last_error, incomplete_details=details):
                self._add_status(status, run.get(f"{status}_at") or time.time())
                self._show_outcome(last_error, details)
                if isinstance(run.get("usage"), dict):
                    self._show_run_usage(run["usage"])
            case StreamError(message=message, code=code):
                self._show_error(
                    Text.assemble(
                        ("Stream error", "bold"), literal(f" ({code})" if code else ""), ": ", literal(message)
                    )
                )
        self._follow()

    def record_outputs(self, outputs: list[dict[str, Any]]) -> None:
        """Show the function outputs the user submitted ([{tool_call_id, output}])."""
        for item in outputs:
            view = self._call("", str(item.get("tool_call_id", "")), -1, "function")
            if isinstance(view, FunctionCallView):
                view.set_output(str(item.get("output", "")))
                view.finish()
                self._mark(view)

    def show_history(self, run: dict[str, Any], steps: list[dict[str, Any]]) -> None:
        """Show an earlier run from its run object and run step objects (as the API returns them)."""
        self.start_run(str(run.get("id", "")))
        for status, key in (("queued", "created_at"), ("in_progress", "started_at")):
            if run.get(key):
                self._add_status(status, run[key])
        status = run.get("status", "")
        if status in TERMINAL_RUN_STATUSES:
            at = run.get(f"{status}_at") or (self._timeline[-1][1] if self._timeline else time.time())
            self._add_status(status, at)
        elif status and status not in ("queued", "in_progress"):
            self._add_status(status, time.time())
        for step in sorted(steps, key=lambda s: s.get("created_at") or 0):
            details = step.get("step_details") or {}
            if details.get("type") == "message_creation":
                message_id = (details.get("message_creation") or {}).get("message_id", "")
                self._steps.mount(Static(Text.assemble("✉ message ", literal(message_id)),
                                         classes="step--message"))
                continue
            for index, call in enumerate(details.get("tool_calls") or []):
                kind = call.get("type", "")
                view = self._call(step.get("id", ""), str(call.get("id", "")), index, kind)
                self._fill(view, call, done=step.get("status", "completed") == "completed")
        self._show_outcome(run.get("last_error"), run.get("incomplete_details"))
        if isinstance(run.get("usage"), dict):
            self._show_run_usage(run["usage"])

    # -- internals -------------------------------------------------------------------------

    def _call(self, step_id: str, call_id: str, index: int, kind: str, name: str = "") -> CallView:
        """The view of a tool call, created and mounted on first sight."""
        key = call_id or self._index_keys.get((step_id, index)) or f"{step_id}#{index}"
        if index >= 0:
            self._index_keys.setdefault((step_id, index), key)
        view = self._calls.get(key)
        if view is None:
            if kind == "code_interpreter":
                view = CodeCallView(key)
            elif kind == "function":
                view = FunctionCallView(key, name)
            else:
                view = CallView(key, kind.replace("_", " ") or "tool call")
            self._calls[key] = view
            self._steps.mount(view)
        return view

    def _fill(self, view: CallView, call: dict[str, Any], done: bool = True) -> None:
        """Set a call view from a complete tool call object."""
        if isinstance(view, CodeCallView):
            details = call.get("code_interpreter") or call
            if details.get("input"):
                view.set_input(details["input"])
            outputs = details.get("outputs") or []
            logs = [out.get("logs") or "" for out in outputs if out.get("type") == "logs"]
            if logs:
                view.set_logs("".join(logs))
            for out in outputs:
                kind = out.get("type", "")
                payload = out.get(kind)
                if isinstance(payload, dict) and payload.get("file_id"):
                    view.add_file(kind, payload["file_id"])
        elif isinstance(view, FunctionCallView):
            function = call.get("function") or call
            view.set_name(function.get("name") or "")
            if function.get("arguments") is not None:
                view.set_input(function["arguments"])
            if function.get("output") is not None:
                view.set_output(function["output"])
            done = done and view.has_output  # a function call is done once its output is in
        if done:
            view.finish()
        self._mark(view)

    def _mark(self, view: CallView) -> None:
        self._dirty.add(view)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.call_after_refresh(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        dirty, self._dirty = self._dirty, set()
        for view in dirty:
            view.render_content()
        self._follow()

    def _follow(self) -> None:
        """Keep the newest content in view unless the user has scrolled up."""
        if not self._follow_scheduled and self.scroll_y >= self.max_scroll_y:
            self._follow_scheduled = True
            self.call_after_refresh(self._scroll_to_end)

    def _scroll_to_end(self) -> None:
        self._follow_scheduled = False
        self.scroll_end(animate=False, immediate=True, x_axis=False)

    def _add_status(self, status: str, at: float) -> None:
        if self._timeline and self._timeline[-1][0] == status:
            return
        self._timeline.append((status, float(at)))
        self._render_timeline()

    def _render_timeline(self) -> None:
        if not self._timeline:
            return
        start = self._timeline[0][1]
        time_style = "dim"
        lines = []
        for number, (status, at) in enumerate(self._timeline):
            last = number == len(self._timeline) - 1
            kind = _STATUS_CLASS.get(status, "active" if last else "")
            style = self.get_component_rich_style(f"run-panel--{kind}", partial=True, default=Style()) if kind else ""
            lines.append(
                Text.assemble(
                    ("● " if last else "○ ", style),
                    literal(f"{status:<16}", style=style),
                    (datetime.fromtimestamp(at).strftime("%H:%M:%S"), time_style),
                    (f"  {_elapsed(at - start)}", time_style),
                )
            )
        self._timeline_view.update(Text("\n").join(lines))

    def _show_usage(self, prompt: int, completion: int, total: int) -> None:
        self._usage.display = True
        self._usage.update(Text(f"tokens  prompt {prompt:,}  ·  completion {completion:,}  ·  total {total:,}"))

    def _show_run_usage(self, usage: dict[str, Any]) -> None:
        self._show_usage(
            int(usage.get("prompt_tokens") or 0),
            int(usage.get("completion_tokens") or 0),
            int(usage.get("total_tokens") or 0),
        )

    def _show_outcome(self, last_error: dict[str, Any] | None, details: dict[str, Any] | None) -> None:
        if last_error:
            self._show_error(
                Text.assemble(
                    ("Run failed", "bold"),
                    literal(f" ({last_error['code']})" if last_error.get("code") else ""),
                    ": ",
                    literal(str(last_error.get("message") or "no message")),
                )
            )
        elif details:
            self._show_error(
                Text.assemble(("Run incomplete", "bold"), ": ", literal(str(details.get("reason") or "unknown")))
            )

    def _show_error(self, text: Text) -> None:
        self._error.display = True
        self._error.update(text)
