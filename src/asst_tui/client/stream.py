"""Run streams, read from the raw HTTP body, to the neutral events of events.py.

The requests go through the SDK (`with_streaming_response` on `runs.create(stream=True)` and
`runs.submit_tool_outputs(stream=True)`), so auth, base_url, Azure, retries on connect and the mapping
of HTTP errors stay the SDK's. The body is then read here rather than by the SDK's AsyncStream, whose
SSE decoding and pydantic parse cost more than half of what each streamed token costs the client:
sse.py decodes it and event_data.py turns message deltas straight into TextDelta. (Not the
`runs.stream()` helper either: its handler re-accumulates a snapshot on every delta and raises on
servers that skip an event it expects, a delta before its `created`, a `completed` message without content.)
"""

from __future__ import annotations

import ssl
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx2

from .errors import BackendError
from .event_data import MESSAGE_DELTA, sdk_event, text_deltas
from .events import (
    CodeImage,
    CodeLogs,
    MessageDone,
    MessageStarted,
    RequiresAction,
    RunEnded,
    RunEvent,
    RunStatusChanged,
    StreamError,
    ToolCallDelta,
    ToolCallDone,
    ToolCallStarted,
    Usage,
)
from ..protocol import RUN_STATUSES, TERMINAL_RUN_STATUSES, TERMINAL_STEP_STATUSES
from .plain import plain
from .sse import sse_events

OpenStream = Callable[[], AbstractAsyncContextManager[Any]]
"""An SDK `with_streaming_response` call: entering it sends the request and gives the response, body unread."""

RUN_EVENTS = RUN_STATUSES | {"created"}  # the thread.run.<status> event names
# what the SDK's own stream counts as the connection failing (anyio.EndOfStream: TLS failures httpx2 leaves unmapped)
CONNECTION_ERRORS = (httpx2.RequestError, ssl.SSLError, anyio.EndOfStream)

# what happened only: the consumer decides what to do (the TUI re-syncs with retrieve_run)
DROPPED = "The connection dropped mid-stream; the run may still be going on the server."
STALLED = "The server sent nothing for too long; the run may still be going on the server."
ENDED_EARLY = "The stream ended before the run finished; the run may still be going on the server."


async def run_events(open_stream: OpenStream, *, to_error: Callable[[BaseException], BackendError]) -> AsyncIterator[RunEvent]:
    """Open the stream and yield its events.

    Raises BackendError (made by `to_error`) if the request fails before streaming starts. Once
    streaming, it never raises (except CancelledError): a dropped connection ends with
    StreamError(recoverable=True), an `event: error` or an unreadable stream with
    StreamError(recoverable=False).
    """
    try:
        response = await open_stream().__aenter__()  # its __aexit__ only closes the response, as _close does
    except Exception as exc:
        raise to_error(exc) from exc
    adapter = StreamAdapter()
    name = None
    try:
        async for name, data in sse_events(response.iter_bytes()):
            if name == MESSAGE_DELTA:  # the hot path: one event per token
                for delta in text_deltas(data):
                    yield delta
                continue
            if data.startswith("[DONE]"):
                break
            event = sdk_event(name, data)
            if event is not None:
                for out in adapter.feed(event):
                    yield out
                if adapter.finished:
                    return
    except httpx2.TimeoutException:
        yield StreamError(STALLED, recoverable=True)
        return
    except CONNECTION_ERRORS:
        yield StreamError(DROPPED, recoverable=True)
        return
    except Exception as exc:  # noqa: BLE001 - a malformed stream must not crash the caller
        yield StreamError(
            f"The server sent a stream asst-tui can't read (last event: {name}): {type(exc).__name__}: {exc}",
            recoverable=False,
        )
        return
    finally:
        await _close(response)
    yield StreamError(ENDED_EARLY, recoverable=True)


async def _close(response: Any) -> None:
    try:
        await response.close()
    except Exception:  # noqa: BLE001 - the connection is gone already; nothing left to release
        pass


@dataclass(slots=True)
class _Call:
    """What has been announced of one tool call, so that later events only add what is new."""

    call_id: str
    type: str
    input_chars: int = 0
    log_chars: dict[int, int] = field(default_factory=dict)  # output index -> chars of logs announced
    images: set[int] = field(default_factory=set)  # output indexes of images announced


class StreamAdapter:
    """Turns one stream's SDK event models into RunEvents, keeping the little state tool calls need."""

    def __init__(self) -> None:
        self.finished = False
        self._calls: dict[tuple[str, int], _Call] = {}
        self._usage: tuple[int, int, int] | None = None

    def feed(self, event: Any) -> list[RunEvent]:
        """The RunEvents of one SDK event model (message deltas never come here: see event_data.text_deltas)."""
        name = event.event
        if name == "error":
            return self._error(event.data)
        if name.startswith("thread.run.step."):
            suffix = name[len("thread.run.step.") :]
            if suffix == "delta":
                return self._step_delta(event.data)
            if suffix == "created" or suffix in TERMINAL_STEP_STATUSES:
                return self._step(suffix, event.data)
            return []
        if name.startswith("thread.run."):
            suffix = name[len("thread.run.") :]
            return self._run(suffix, event.data) if suffix in RUN_EVENTS else []
        if name == "thread.message.created":
            data = event.data
            return [MessageStarted(data.id, data.role or "assistant", data.run_id)]
        if name in ("thread.message.completed", "thread.message.incomplete"):
            return [MessageDone(event.data.id, plain(event.data))]
        return []

    def _error(self, error: Any) -> list[RunEvent]:
        self.finished = True
        message = str(getattr(error, "message", None) or "The server reported an error during the run")
        code = getattr(error, "code", None)
        return [StreamError(message, code=str(code) if code is not None else None, recoverable=False)]

    def _run(self, suffix: str, run: Any) -> list[RunEvent]:
        status = run.status or suffix
        dump = plain(run)
        out: list[RunEvent] = [RunStatusChanged(run.id, status, time.time(), dump)]
        usage = run.usage
        if usage is not None:
            counts = (usage.prompt_tokens or 0, usage.completion_tokens or 0, usage.total_tokens or 0)
            if counts != self._usage:
                self._usage = counts
                out.append(Usage(run.id, *counts))
        if status == "requires_action":
            self.finished = True
            out.append(RequiresAction(run.id, required_calls(dump), run.expires_at, dump))
        elif status in TERMINAL_RUN_STATUSES:
            self.finished = True
            out.append(RunEnded(run.id, status, dump, dump.get("last_error"), dump.get("incomplete_details")))
        return out

    def _step_delta(self, step: Any) -> list[RunEvent]:
        out: list[RunEvent] = []
        details = step.delta.step_details if step.delta is not None else None
        if details is not None and details.type == "tool_calls":
            for position, call in enumerate(details.tool_calls or ()):
                index = call.index if call.index is not None else position
                self._announce(step.id, index, call, out, fragment=True)
        return out

    def _step(self, suffix: str, step: Any) -> list[RunEvent]:
        """A step was created (announce calls it already holds) or ended (finish each of its calls)."""
        out: list[RunEvent] = []
        details = step.step_details
        if details is None or details.type != "tool_calls":
            return out
        calls = details.tool_calls or ()
        if suffix == "created":
            for index, call in enumerate(calls):
                self._announce(step.id, index, call, out, fragment=False)
        else:
            for index, call in enumerate(calls):
                state = self._announce(step.id, index, call, out, fragment=False)
                out.append(ToolCallDone(step.id, state.call_id, state.type, plain(call)))
        return out

    def _announce(self, step_id: str, index: int, call: Any, out: list[RunEvent], *, fragment: bool) -> _Call:
        """Emit what is new in `call`: all of it if it is a delta `fragment`, else what wasn't announced."""
        state = self._calls.get((step_id, index))
        if state is None:
            kind = call.type or ""
            function = getattr(call, "function", None)
            name = (function.name or "") if kind == "function" and function is not None else ""
            state = self._calls[(step_id, index)] = _Call(call.id or f"{step_id}:{index}", kind)
            out.append(ToolCallStarted(step_id, state.call_id, index, kind, name))
        if state.type == "code_interpreter":
            code = getattr(call, "code_interpreter", None)
            if code is not None:
                _input(step_id, index, state, code.input, out, fragment)
                for position, output in enumerate(code.outputs or ()):
                    at = output.index if fragment and output.index is not None else position
                    _output(step_id, state, at, output, out, fragment)
        elif state.type == "function":
            function = getattr(call, "function", None)
            if function is not None:
                _input(step_id, index, state, function.arguments, out, fragment)
        return state


def _input(step_id: str, index: int, state: _Call, text: str | None, out: list[RunEvent], fragment: bool) -> None:
    new = (text or "") if fragment else (text or "")[state.input_chars :]
    if new:
        state.input_chars += len(new)
        out.append(ToolCallDelta(step_id, state.call_id, index, state.type, new))


def _output(step_id: str, state: _Call, at: int, output: Any, out: list[RunEvent], fragment: bool) -> None:
    if output.type == "logs":
        seen = state.log_chars.get(at, 0)
        new = (output.logs or "") if fragment else (output.logs or "")[seen:]
        if new:
            state.log_chars[at] = seen + len(new)
            out.append(CodeLogs(step_id, state.call_id, new))
    elif output.type == "image" and at not in state.images:
        file_id = output.image.file_id if output.image is not None else None
        if file_id:
            state.images.add(at)
            out.append(CodeImage(step_id, state.call_id, file_id))


def required_calls(run: dict[str, Any]) -> list[dict[str, Any]]:
    """The function calls a `requires_action` run waits for, from its plain dict."""
    action = run.get("required_action") or {}
    return list((action.get("submit_tool_outputs") or {}).get("tool_calls") or [])
