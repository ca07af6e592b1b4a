"""The TUI's side of one run: the session layer's events into the chat pane, the run panel and the status line.

Also the function-call prompt (local handlers first, then ToolOutputsScreen) and the words for what
went wrong. `RunSession` (session/run.py) owns the lifecycle; the app is reached only through
`RunHost`, the protocol defined here, so this module never imports the app. Runs in a worker of the app.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Protocol

from ..client.events import (
    CodeImage,
    CodeLogs,
    MessageDone,
    MessageStarted,
    RequiresAction,
    RunEnded,
    RunEvent,
    RunStatusChanged,
    StreamError,
    TextDelta,
    ToolCallDelta,
    ToolCallDone,
    ToolCallStarted,
    Usage,
)
from ..session.run import CANCEL_RUN, RunSession, ToolOutputs
from .handler_flow import ScreenHost, handler_outputs
from .text import visible

if TYPE_CHECKING:
    from ..client.backend import Backend
    from ..client.errors import BackendError
    from ..config import Profile
    from .widgets.chat import ChatView
    from .widgets.run_panel import RunPanel

PANEL_EVENTS = (ToolCallStarted, ToolCallDelta, CodeLogs, CodeImage, ToolCallDone, Usage, RunStatusChanged, RequiresAction)


class RunHost(ScreenHost, Protocol):
    """What a run flow needs from the app around the chat pane and the run panel."""

    @property
    def profile(self) -> Profile | None: ...

    def set_run_status(self, status: str, hint: str = "") -> None: ...

    async def show_problem(self, what: str, todo: str, severity: str = "error") -> None: ...

    def reveal_panel(self) -> None: ...

    async def reload_messages(self) -> None: ...

    def active_run_started(self, flow: RunFlow) -> None: ...

    def run_waiting(self, flow: RunFlow) -> None: ...

    def run_finished(self, flow: RunFlow) -> None: ...


class RunFlow:
    """Shows one run of a thread as its RunSession follows it (the session's RunObserver)."""

    def __init__(self, host: RunHost, backend: Backend, thread_id: str, chat: ChatView, panel: RunPanel) -> None:
        self.host = host
        self.chat = chat
        self.panel = panel
        self.session = RunSession(backend, thread_id, self)
        self.drafts: dict[str, str] = {}  # tool call id -> output typed so far

    @property
    def thread_id(self) -> str:
        return self.session.thread_id

    @property
    def run_id(self) -> str | None:
        return self.session.run_id

    @property
    def waiting(self) -> RequiresAction | None:
        """The run waits for outputs and the prompt is closed."""
        return self.session.waiting

    # --- RunObserver ----------------------------------------------------------------------------

    def run_started(self, run_id: str) -> None:
        if self.panel.run_id != run_id:
            self.panel.start_run(run_id)
        self.host.active_run_started(self)

    def status(self, status: str) -> None:
        self.host.set_run_status(status)

    async def show(self, event: RunEvent) -> None:
        if isinstance(event, TextDelta):
            self.chat.add_delta(event.message_id, visible(event.text))
        elif isinstance(event, MessageStarted):
            if event.role == "assistant":
                await self.chat.begin_stream(event.message_id, time.time(), run_id=event.run_id)  # the time, as on reload
        elif isinstance(event, MessageDone):
            await self.chat.finish_message(event.message)
        elif isinstance(event, PANEL_EVENTS):
            self.panel.apply(event)
            if isinstance(event, ToolCallStarted) and event.type == "code_interpreter":
                self.host.reveal_panel()
        elif isinstance(event, (RunEnded, StreamError)):
            self.chat.flush()
            self.panel.apply(event)
            if isinstance(event, RunEnded):
                self.host.set_run_status(event.status)
                self.chat.mark_runs([{"id": event.run_id, "status": event.status}])
                await self._say_how_it_ended(event)

    async def _say_how_it_ended(self, event: RunEnded) -> None:
        if event.status == "failed":
            error = event.last_error or {}
            what = error.get("message") or "The run failed."
            code = error.get("code")
            await self.host.show_problem(f"Run failed{f' ({code})' if code else ''}: {what}", "Send the message again, or change it.")
        elif event.status == "incomplete":
            reason = (event.incomplete_details or {}).get("reason") or "unknown reason"
            await self.host.show_problem(f"The reply is incomplete ({reason}).", "Ask the assistant to continue.", "warning")
        elif event.status == "expired":
            await self.host.show_problem("The run expired before it finished.", "Send the message again.", "warning")

    async def outputs_for(self, waiting: RequiresAction) -> ToolOutputs | str | None:
        """Local handlers answer first; else the prompt: its outputs, CANCEL_RUN, or None when closed."""
        from .screens.tool_outputs import ToolOutputsScreen

        outputs = await handler_outputs(self.host, self.host.profile, waiting.tool_calls, self.drafts)
        if outputs is None:
            result = await self.host.push_screen_wait(ToolOutputsScreen(waiting.tool_calls, waiting.expires_at, self.drafts))
            if result is None:
                return None
            if result.action == "cancel_run":
                return CANCEL_RUN
            outputs = result.outputs
        self.panel.record_outputs(outputs)
        return outputs

    def left_waiting(self) -> None:
        self.host.run_waiting(self)

    async def stream_broke(self, error: StreamError) -> bool:
        if error.recoverable:
            await self.host.show_problem(error.message, "Re-syncing with the server…", "warning")
        else:
            await self.host.show_problem(error.message, "Try again; if it keeps happening, check the server's log.")
        return True

    async def not_sent(self, error: BackendError) -> bool:
        await self.host.show_problem(f"The function outputs were not sent: {error.message}", error.hint)
        return True

    async def not_cancelled(self, error: BackendError) -> bool:
        await self.host.show_problem(f"The run was not cancelled: {error.message}", error.hint)
        return True

    async def lost(self, error: BackendError) -> None:
        self.host.set_run_status("offline" if error.kind == "connection" else "idle")
        await self.host.show_problem(error.message, error.hint)

    async def caught_up(self) -> None:
        await self.host.reload_messages()

    def finished(self) -> None:
        self.host.run_finished(self)
