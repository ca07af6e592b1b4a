"""One run's lifecycle, for any front end: add the message, stream the run, answer its function calls, poll it to its end.

A `RunSession` follows one run of one thread and tells a `RunObserver` what happens; the observer
shows it (the TUI's run flow, `asst-tui send`'s printer) and makes the decisions that differ between
front ends: which outputs to submit, and whether to keep following after something failed. The
session never words a message for the user.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Final, Protocol

from ..client.errors import BackendError
from ..client.events import RequiresAction, RunEnded, RunEvent, RunStatusChanged, StreamError
from ..client.stream import required_calls
from ..protocol import ACTIVE_RUN_STATUSES

if TYPE_CHECKING:
    from ..client.backend import Backend

POLL_SECONDS = 1.0
YIELD_SECONDS = 0.002  # the longest the stream is read without giving the event loop a turn (a key
# or a frame waits at most this long for it; at 1/60 s frame gaps and keypress latency were ~2x longer)
YIELD_TURNS = 4  # loop turns given each time: a key's way to the screen is a chain of tasks (app, widget,
# screen, its update timer), each waking the next one turn later; one turn per yield made each link wait
NO_RUN: Final = "idle"  # the status the observer is told when no run goes on
CANCEL_RUN: Final = "cancel_run"  # what `RunObserver.outputs_for` returns to cancel the run instead

ToolOutputs = list[dict[str, str]]  # [{"tool_call_id", "output"}]


class RunObserver(Protocol):
    """What a front end does while a RunSession follows a run; the session calls it and is never called back."""

    def run_started(self, run_id: str) -> None:
        """A run is known to go on: a new stream's first status, or a run found by polling (may repeat)."""

    def status(self, status: str) -> None:
        """The run's status as last seen (also "cancelling" once asked to, and NO_RUN when none goes on)."""

    async def show(self, event: RunEvent) -> None:
        """One event of the stream, or the RunEnded of a run followed by polling."""

    async def outputs_for(self, waiting: RequiresAction) -> ToolOutputs | str | None:
        """The outputs to submit, CANCEL_RUN to cancel the run, or None to leave it waiting (see `resume`)."""

    def left_waiting(self) -> None:
        """The run waits for outputs nobody gave: `resume` asks again, `cancel_waiting` cancels it."""

    async def stream_broke(self, error: StreamError) -> bool:
        """The stream failed (the run may go on); True to follow the run on by polling."""

    async def not_sent(self, error: BackendError) -> bool:
        """The function outputs could not be submitted; True to follow the run on by polling."""

    async def not_cancelled(self, error: BackendError) -> bool:
        """The run could not be cancelled; True to follow the run on by polling."""

    async def lost(self, error: BackendError) -> None:
        """The backend could not say how the run stands; following stops."""

    async def caught_up(self) -> None:
        """A run followed by polling has ended: fetch what it wrote, no stream showed it."""

    def finished(self) -> None:
        """Following stops: the run ended, could not be followed, or none was going on."""


class RunSession:
    """Follows one run of `thread_id` on `backend` from its first event to its end, reporting to `observer`."""

    def __init__(self, backend: Backend, thread_id: str, observer: RunObserver, *, poll_seconds: float = POLL_SECONDS) -> None:
        self.backend = backend
        self.thread_id = thread_id
        self.observer = observer
        self.poll_seconds = poll_seconds
        self.run_id: str | None = None
        self.waiting: RequiresAction | None = None  # the run waits for outputs and nobody is asked right now
        self.ended: RunEnded | None = None  # how the run ended, once it has

    async def add_message(self, text: str, attachments: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """Add the user's message to the thread (BackendError when it is not added)."""
        return await self.backend.add_message(self.thread_id, text, attachments)

    async def start(self, assistant_id: str, **overrides: Any) -> None:
        """Start a run and follow it to its end; BackendError when it cannot be started."""
        await self.follow(self.backend.stream_run(self.thread_id, assistant_id, **overrides))

    async def follow(self, events: AsyncIterator[RunEvent]) -> None:
        """Consume a new run's stream (a failure to open it propagates), then answer its function calls."""
        waiting = await self._consume(events)
        if waiting:
            await self.answer(waiting)

    async def answer(self, waiting: RequiresAction) -> None:
        """Ask the observer for function outputs and follow the run on, until it stops or is left waiting."""
        while waiting:
            events = await self._submit(waiting)
            if events is None:
                return
            try:
                waiting = await self._consume(events)
            except BackendError as error:
                if await self.observer.not_sent(error):
                    await self.settle()
                else:
                    self.observer.finished()
                return

    async def resume(self) -> None:
        """Ask again for the outputs of a run left waiting."""
        if self.waiting:
            await self.answer(self.waiting)

    async def _submit(self, waiting: RequiresAction) -> AsyncIterator[RunEvent] | None:
        """The stream that goes on once the outputs are in; None when the run is cancelled or left waiting."""
        self.run_id = waiting.run_id
        self.waiting = None
        self.observer.status("requires_action")
        outputs = await self.observer.outputs_for(waiting)
        if outputs is None:
            self.waiting = waiting
            self.observer.left_waiting()
            return None
        if outputs == CANCEL_RUN:
            await self.cancel_waiting()
            return None
        return self.backend.submit_tool_outputs(self.thread_id, waiting.run_id, outputs)

    async def _consume(self, events: AsyncIterator[RunEvent]) -> RequiresAction | None:
        """Show every event; the RequiresAction that ended the stream, if one did."""
        waiting = None
        loop = asyncio.get_running_loop()
        turn_ends = loop.time() + YIELD_SECONDS
        async with contextlib.aclosing(events):  # cancelled (a quit): the stream closes now, not at exit
            async for event in events:
                if loop.time() > turn_ends:
                    for _ in range(YIELD_TURNS):  # a fast stream never waits on the socket: let the screen and keys in
                        await asyncio.sleep(0)
                    turn_ends = loop.time() + YIELD_SECONDS
                if isinstance(event, RunStatusChanged) and event.run_id != self.run_id:
                    self.run_id = event.run_id
                    self.observer.run_started(event.run_id)
                await self.observer.show(event)
                if isinstance(event, RunStatusChanged):
                    self.observer.status(event.status)
                elif isinstance(event, RequiresAction):
                    waiting = event
                elif isinstance(event, RunEnded):
                    self._end(event)
                elif isinstance(event, StreamError):
                    if await self.observer.stream_broke(event):
                        await self.settle()
                    else:
                        self.observer.finished()
        return waiting

    def _end(self, event: RunEnded) -> None:
        self.ended = event
        self.observer.status(event.status)
        self.observer.finished()

    async def request_cancel(self) -> None:
        """Ask the backend to cancel a run a stream follows; the stream shows its end (BackendError if refused)."""
        self.observer.status("cancelling")
        await self.backend.cancel_run(self.thread_id, self.run_id)

    async def cancel_waiting(self) -> None:
        """Cancel a run no stream follows (one waiting for outputs) and see it to its end."""
        self.waiting = None
        self.observer.status("cancelling")
        try:
            await self.backend.cancel_run(self.thread_id, self.run_id)
        except BackendError as error:
            if not await self.observer.not_cancelled(error):
                self.observer.finished()
                return
        await self.settle()

    async def settle(self) -> None:
        """Retrieve the run (no stream is open) and follow it to its end by polling."""
        try:
            if self.run_id:
                run = await self.backend.retrieve_run(self.thread_id, self.run_id)
            else:
                run = await self.backend.active_run(self.thread_id)
        except BackendError as error:
            await self._lost(error)
            return
        await self.watch(run)

    async def watch(self, run: dict[str, Any] | None) -> None:
        """Follow a run no stream follows (one found going on, or after a dropped stream) by polling it."""
        try:
            while run is not None and run.get("status") in ACTIVE_RUN_STATUSES:
                self.run_id = run["id"]
                self.observer.run_started(run["id"])
                self.observer.status(run["status"])
                if run["status"] == "requires_action":
                    await self.answer(RequiresAction(run["id"], required_calls(run), run.get("expires_at"), run))
                    return
                await asyncio.sleep(self.poll_seconds)
                run = await self.backend.retrieve_run(self.thread_id, run["id"])
            if run is not None:
                await self.observer.caught_up()
        except BackendError as error:
            await self._lost(error)
            return
        if run is None:
            self.observer.status(NO_RUN)
            self.observer.finished()
            return
        ended = RunEnded(run["id"], run["status"], run, run.get("last_error"), run.get("incomplete_details"))
        await self.observer.show(ended)
        self._end(ended)

    async def _lost(self, error: BackendError) -> None:
        await self.observer.lost(error)
        self.observer.finished()
