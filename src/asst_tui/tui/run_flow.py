"""Follow one run: route its events to the chat pane, the run panel and the status line.

Also the function-call prompt (requires_action → ToolOutputsScreen → submit_tool_outputs), a run left
waiting when the prompt is closed, and the re-sync after a dropped stream. Runs inside a worker of the app.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from ..client.errors import BackendError
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
from ..client.stream import required_calls
from ..protocol import ACTIVE_RUN_STATUSES
from .text import visible

if TYPE_CHECKING:
    from .app import AsstApp

POLL_SECONDS = 1.0
YIELD_SECONDS = 0.005  # the longest the stream is read without giving the event loop a turn (a key
# or a frame waits at most this long for it; at 1/60 s frame gaps and keypress latency were ~2x longer)
PANEL_EVENTS = (ToolCallStarted, ToolCallDelta, CodeLogs, CodeImage, ToolCallDone, Usage)


class RunFlow:
    """Consumes run streams for the open thread of `app`."""

    def __init__(self, app: AsstApp, thread_id: str) -> None:
        self.app = app
        self.thread_id = thread_id
        self.run_id: str | None = None
        self.drafts: dict[str, str] = {}  # tool call id -> output typed so far
        self.waiting: RequiresAction | None = None  # the run waits for outputs and the prompt is closed

    @property
    def backend(self):
        return self.app.connection.backend

    async def follow(self, events: AsyncIterator[RunEvent]) -> None:
        """Consume the stream of a new run (a failure to open it propagates), then answer its function calls."""
        waiting = await self._consume(events)
        if waiting:
            await self.answer(waiting)

    async def answer(self, waiting: RequiresAction) -> None:
        """Prompt for function outputs and follow the run on, until it stops or the prompt is closed."""
        while waiting:
            events = await self._prompt(waiting)
            if events is None:
                return
            try:
                waiting = await self._consume(events)
            except BackendError as error:
                await self.app.show_problem(f"The function outputs were not sent: {error.message}", error.hint)
                await self.settle()
                return

    async def reopen(self) -> None:
        """Show the prompt again for a run left waiting (F6)."""
        if self.waiting:
            await self.answer(self.waiting)

    async def _consume(self, events: AsyncIterator[RunEvent]) -> RequiresAction | None:
        chat, panel = self.app.chat, self.app.run_panel
        waiting = None
        loop = asyncio.get_running_loop()
        turn_ends = loop.time() + YIELD_SECONDS
        async for event in events:
            if loop.time() > turn_ends:
                await asyncio.sleep(0)  # a fast stream never waits on the socket: let the screen and keys in
                turn_ends = loop.time() + YIELD_SECONDS
            if isinstance(event, TextDelta):
                chat.add_delta(event.message_id, visible(event.text))
            elif isinstance(event, RunStatusChanged):
                if event.run_id != self.run_id:
                    self.run_id = event.run_id
                    panel.start_run(event.run_id)
                    self.app.active_run_started(self)
                panel.apply(event)
                self.app.set_run_status(event.status)
            elif isinstance(event, MessageStarted):
                if event.role == "assistant":
                    await chat.begin_stream(event.message_id)
            elif isinstance(event, MessageDone):
                await chat.finish_message(event.message)
            elif isinstance(event, PANEL_EVENTS):
                panel.apply(event)
                if isinstance(event, ToolCallStarted) and event.type == "code_interpreter":
                    self.app.reveal_panel()
            elif isinstance(event, RequiresAction):
                panel.apply(event)
                waiting = event
            elif isinstance(event, RunEnded):
                chat.flush()
                panel.apply(event)
                await self._ended(event)
            elif isinstance(event, StreamError):
                chat.flush()
                panel.apply(event)
                if event.recoverable:
                    await self.resync(event.message)
                else:
                    await self.app.show_problem(event.message, "Try again; if it keeps happening, check the server's log.")
                    await self.settle()
        return waiting

    async def _ended(self, event: RunEnded) -> None:
        self.app.set_run_status(event.status)
        if event.status == "failed":
            error = event.last_error or {}
            what = error.get("message") or "The run failed."
            code = error.get("code")
            await self.app.show_problem(f"Run failed{f' ({code})' if code else ''}: {what}", "Send the message again, or change it.")
        elif event.status == "incomplete":
            reason = (event.incomplete_details or {}).get("reason") or "unknown reason"
            await self.app.show_problem(f"The reply is incomplete ({reason}).", "Ask the assistant to continue.", "warning")
        elif event.status == "expired":
            await self.app.show_problem("The run expired before it finished.", "Send the message again.", "warning")
        self.app.run_finished(self)

    async def _prompt(self, waiting: RequiresAction) -> AsyncIterator[RunEvent] | None:
        """Show the function-call prompt; the continued stream, or None when the run is cancelled or left waiting."""
        from .handler_flow import handler_outputs
        from .screens.tool_outputs import ToolOutputsResult, ToolOutputsScreen

        self.run_id = waiting.run_id
        self.waiting = None
        self.app.set_run_status("requires_action")
        outputs = await handler_outputs(self.app, waiting.tool_calls, self.drafts)  # local handlers answer first
        if outputs is not None:
            result = ToolOutputsResult("submit", outputs)
        else:
            result = await self.app.push_screen_wait(ToolOutputsScreen(waiting.tool_calls, waiting.expires_at, self.drafts))
        if result is None:
            self.waiting = waiting
            self.app.run_waiting(self)
            return None
        if result.action == "cancel_run":
            await self.cancel()
            return None
        self.app.run_panel.record_outputs(result.outputs)
        return self.backend.submit_tool_outputs(self.thread_id, waiting.run_id, result.outputs)

    async def cancel(self) -> None:
        """Cancel a run that no stream follows (one waiting for outputs) and see it to its end."""
        self.waiting = None
        self.app.set_run_status("cancelling")
        try:
            await self.backend.cancel_run(self.thread_id, self.run_id)
        except BackendError as error:
            await self.app.show_problem(f"The run was not cancelled: {error.message}", error.hint)
        await self.settle()

    async def resync(self, why: str) -> None:
        """After a dropped stream: retrieve the run and its messages, and keep following the run if it goes on."""
        await self.app.show_problem(why, "Re-syncing with the server…", "warning")
        await self.settle()

    async def settle(self) -> None:
        """Retrieve the run (no stream is open) and follow it to its end by polling."""
        try:
            run = await self._current_run()
        except BackendError as error:
            await self._lost(error)
            return
        await self.watch(run)

    async def _current_run(self) -> dict[str, Any] | None:
        if self.run_id:
            return await self.backend.retrieve_run(self.thread_id, self.run_id)
        return await self.backend.active_run(self.thread_id)

    async def watch(self, run: dict[str, Any] | None) -> None:
        """Follow a run we have no stream for (opened thread, dropped stream) by polling it."""
        try:
            while run is not None and run.get("status") in ACTIVE_RUN_STATUSES:
                self.run_id = run["id"]
                self.app.active_run_started(self)
                self.app.set_run_status(run["status"])
                if run["status"] == "requires_action":
                    await self.answer(RequiresAction(run["id"], required_calls(run), run.get("expires_at"), run))
                    return
                await asyncio.sleep(POLL_SECONDS)
                run = await self.backend.retrieve_run(self.thread_id, run["id"])
            if run is not None:
                await self.app.reload_messages()
        except BackendError as error:
            await self._lost(error)
            return
        if run is None:
            self.app.set_run_status("idle")
            self.app.run_finished(self)
            return
        ended = RunEnded(run["id"], run["status"], run, run.get("last_error"), run.get("incomplete_details"))
        self.app.run_panel.apply(ended)
        await self._ended(ended)

    async def _lost(self, error: BackendError) -> None:
        """The server could not tell how the run stands; stop following it."""
        self.app.set_run_status("offline" if error.kind == "connection" else "idle")
        await self.app.show_problem(error.message, error.hint)
        self.app.run_finished(self)
