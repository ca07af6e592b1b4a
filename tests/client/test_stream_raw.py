"""The stream adapter over the real SDK against scripted SSE: drops, error events, odd servers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import openai
import pytest

from asst_tui.client import backend as backend_module
from asst_tui.client.backend import Backend
from asst_tui.client.errors import BackendError
from asst_tui.client.events import (
    CodeImage,
    CodeLogs,
    MessageDone,
    MessageStarted,
    RequiresAction,
    RunEnded,
    RunStatusChanged,
    StreamError,
    TextDelta,
    ToolCallDelta,
    ToolCallDone,
    ToolCallStarted,
    Usage,
)

from .raw_http import DONE, Script, raw_server, sse


def run(status: str, **extra: Any) -> dict[str, Any]:
    return {"id": "run_1", "object": "thread.run", "thread_id": "thread_1", "assistant_id": "asst_1",
            "status": status, "created_at": 1, **extra}


MESSAGE = {"id": "msg_1", "object": "thread.message", "role": "assistant", "run_id": "run_1",
           "thread_id": "thread_1", "status": "in_progress", "content": []}


def text_delta(value: str, index: int = 0) -> bytes:
    return sse("thread.message.delta", {"id": "msg_1", "object": "thread.message.delta",
                                        "delta": {"content": [{"index": index, "type": "text", "text": {"value": value}}]}})


def step(details: dict[str, Any], status: str = "in_progress") -> dict[str, Any]:
    return {"id": "step_1", "object": "thread.run.step", "run_id": "run_1", "type": details["type"],
            "status": status, "step_details": details}


def step_delta(*calls: dict[str, Any]) -> bytes:
    return sse("thread.run.step.delta", {"id": "step_1", "object": "thread.run.step.delta",
                                         "delta": {"step_details": {"type": "tool_calls", "tool_calls": list(calls)}}})


async def collect(events: AsyncIterator[Any]) -> list[Any]:
    return [event async for event in events]


async def stream(script: Script) -> tuple[list[Any], list[tuple[str, bytes]]]:
    async with raw_server(script) as server:
        backend = Backend.connect(base_url=server.base_url, kind="local", label="raw")
        try:
            events = await collect(backend.stream_run("thread_1", "asst_1"))
        finally:
            await backend.close()
        return events, server.requests


async def test_text_stream_in_order() -> None:
    done_message = {**MESSAGE, "status": "completed",
                    "content": [{"type": "text", "text": {"value": "Hello world", "annotations": []}}]}
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    script = Script(events=[
        sse("thread.run.created", run("queued")),
        sse("thread.run.in_progress", run("in_progress")),
        sse("thread.message.created", MESSAGE),
        sse("thread.message.in_progress", MESSAGE),
        text_delta("Hello"),
        sse("thread.message.delta", {"id": "msg_1", "delta": {"content": [
            {"index": 1, "type": "image_file", "image_file": {"file_id": "file-1"}}]}}),
        text_delta(" world"),
        sse("thread.message.completed", done_message),
        sse("thread.run.completed", run("completed", usage=usage)),
        DONE,
    ])
    events, requests = await stream(script)
    assert requests[0][0] == "POST /v1/threads/thread_1/runs HTTP/1.1"
    assert json.loads(requests[0][1]) == {"assistant_id": "asst_1", "stream": True}
    assert [type(e) for e in events] == [
        RunStatusChanged, RunStatusChanged, MessageStarted, TextDelta, TextDelta, MessageDone,
        RunStatusChanged, Usage, RunEnded,
    ]
    assert [e.status for e in events if isinstance(e, RunStatusChanged)] == ["queued", "in_progress", "completed"]
    assert events[2] == MessageStarted("msg_1", "assistant", "run_1")
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Hello world"
    assert events[5].message["content"][0]["text"]["value"] == "Hello world"
    assert events[7] == Usage("run_1", 3, 2, 5)
    assert events[8].status == "completed" and events[8].run["usage"] == usage


async def test_connection_dropped_mid_stream() -> None:
    script = Script(drop=True, events=[
        sse("thread.run.created", run("queued")),
        sse("thread.message.created", MESSAGE),
        *(text_delta(f"word{i} ") for i in range(50)),
        b"event: thread.message.delta\ndata: {\"id\": \"msg_1\", \"del",
    ])
    events, _ = await stream(script)
    assert sum(isinstance(e, TextDelta) for e in events) == 50
    last = events[-1]
    assert isinstance(last, StreamError) and last.recoverable
    assert last.message.startswith("The connection dropped mid-stream")


async def test_silent_server_times_out_as_a_stall(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backend_module, "STREAM_TIMEOUT", openai.Timeout(0.3, connect=5.0))
    events, _ = await stream(Script(stall=2, events=[sse("thread.run.created", run("queued"))]))
    assert [type(e) for e in events] == [RunStatusChanged, StreamError]
    assert events[-1].recoverable and events[-1].message.startswith("The server sent nothing for too long")


async def test_error_event_with_error_object() -> None:
    error = {"error": {"message": "The engine broke.", "type": "server_error", "param": None, "code": "server_error"}}
    events, _ = await stream(Script(events=[sse("thread.run.created", run("queued")), sse("error", error), DONE]))
    assert events[-1] == StreamError("The engine broke.", code="server_error", recoverable=False)


async def test_error_event_with_bare_error_data() -> None:
    error = {"message": "Rate limit reached.", "type": "rate_limit", "param": None, "code": "rate_limit_exceeded"}
    events, _ = await stream(Script(events=[sse("thread.run.created", run("queued")), sse("error", error), DONE]))
    assert events[-1] == StreamError("Rate limit reached.", code="rate_limit_exceeded", recoverable=False)


async def test_error_event_mid_stream_ends_it_after_the_text_so_far() -> None:
    error = {"error": {"message": "The engine broke mid-reply.", "type": "server_error", "code": "server_error"}}
    script = Script(events=[
        sse("thread.run.created", run("queued")),
        sse("thread.message.created", MESSAGE),
        *(text_delta(f"word{i} ") for i in range(30)),
        sse("error", error),
        text_delta("never read"),
        sse("thread.run.completed", run("completed")),
    ])
    events, _ = await stream(script)
    assert [type(e) for e in events] == [RunStatusChanged, MessageStarted, *[TextDelta] * 30, StreamError]
    assert "".join(e.text for e in events[2:-1]) == "".join(f"word{i} " for i in range(30))
    assert events[-1] == StreamError("The engine broke mid-reply.", code="server_error", recoverable=False)


async def test_crlf_lines_comments_and_a_last_event_without_its_blank_line() -> None:
    # sent 3 bytes at a time: UTF-8 characters and CRLFs arrive cut in two
    body = b"".join([
        b": keep-alive\r\n\r\n",
        sse("thread.run.created", run("queued")),
        sse("thread.message.created", MESSAGE),
        *(sse("thread.message.delta", json.dumps({"id": "msg_1", "delta": {"content": [
            {"index": 0, "type": "text", "text": {"value": value}}]}}, ensure_ascii=False)) for value in ("café ", "✓ 🎉")),
    ]).replace(b"\n", b"\r\n") + sse("thread.run.completed", run("completed"))[:-1]
    events, _ = await stream(Script(events=[body[i : i + 3] for i in range(0, len(body), 3)]))
    assert [type(e) for e in events] == [RunStatusChanged, MessageStarted, TextDelta, TextDelta, RunStatusChanged, RunEnded]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "café ✓ 🎉"


async def test_unknown_events_are_ignored_and_an_unfinished_stream_is_reported() -> None:
    script = Script(events=[
        sse("thread.run.created", run("queued")),
        sse("thread.run.step.futuristic", {"id": "step_9", "whatever": [1, 2]}),
        sse("thread.brand_new_thing", {"id": "x"}),
        sse("ping", {"t": 1}),
        sse("thread.message.created", MESSAGE),
        text_delta("ok"),
        DONE,
    ])
    events, _ = await stream(script)
    assert [type(e) for e in events] == [RunStatusChanged, MessageStarted, TextDelta, StreamError]
    assert events[-1].recoverable and events[-1].message.startswith("The stream ended before the run finished")


async def test_malformed_event_data() -> None:
    events, _ = await stream(Script(events=[sse("thread.run.created", run("queued")), sse("thread.message.delta", "{nope")]))
    assert isinstance(events[-1], StreamError) and not events[-1].recoverable


async def test_code_interpreter_call_streamed_in_deltas() -> None:
    details = {"type": "tool_calls", "tool_calls": []}
    call = {"id": "call_1", "type": "code_interpreter",
            "code_interpreter": {"input": "print(6 * 7)", "outputs": [
                {"type": "logs", "logs": "42\n"}, {"type": "image", "image": {"file_id": "file-img"}}]}}
    script = Script(events=[
        sse("thread.run.created", run("queued")),
        sse("thread.run.step.created", step(details)),
        step_delta({"index": 0, "id": "call_1", "type": "code_interpreter", "code_interpreter": {"input": "", "outputs": []}}),
        step_delta({"index": 0, "type": "code_interpreter", "code_interpreter": {"input": "print(6"}}),
        step_delta({"index": 0, "type": "code_interpreter", "code_interpreter": {"input": " * 7)"}}),
        step_delta({"index": 0, "type": "code_interpreter", "code_interpreter": {"outputs": [
            {"index": 0, "type": "logs", "logs": "42\n"}]}}),
        step_delta({"index": 0, "type": "code_interpreter", "code_interpreter": {"outputs": [
            {"index": 1, "type": "image", "image": {"file_id": "file-img"}}]}}),
        sse("thread.run.step.completed", step({"type": "tool_calls", "tool_calls": [call]}, "completed")),
        sse("thread.run.completed", run("completed")),
    ])
    events, _ = await stream(script)
    tool_events = [e for e in events if not isinstance(e, (RunStatusChanged, RunEnded))]
    assert tool_events == [
        ToolCallStarted("step_1", "call_1", 0, "code_interpreter"),
        ToolCallDelta("step_1", "call_1", 0, "code_interpreter", "print(6"),
        ToolCallDelta("step_1", "call_1", 0, "code_interpreter", " * 7)"),
        CodeLogs("step_1", "call_1", "42\n"),
        CodeImage("step_1", "call_1", "file-img"),
        ToolCallDone("step_1", "call_1", "code_interpreter", tool_events[-1].call),
    ]
    assert tool_events[-1].call["code_interpreter"]["input"] == "print(6 * 7)"


async def test_tool_calls_sent_whole_are_announced_in_full() -> None:
    code = {"id": "call_c", "type": "code_interpreter",
            "code_interpreter": {"input": "1 + 1", "outputs": [{"type": "logs", "logs": "2"}]}}
    function = {"id": "call_f", "type": "function", "function": {"name": "lookup", "arguments": '{"q": 1}', "output": None}}
    script = Script(events=[
        sse("thread.run.step.created", step({"type": "tool_calls", "tool_calls": [code, function]})),
        sse("thread.run.step.completed", step({"type": "tool_calls", "tool_calls": [code, function]}, "completed")),
        sse("thread.run.completed", run("completed")),
    ])
    events, _ = await stream(script)
    assert events[:6] == [
        ToolCallStarted("step_1", "call_c", 0, "code_interpreter"),
        ToolCallDelta("step_1", "call_c", 0, "code_interpreter", "1 + 1"),
        CodeLogs("step_1", "call_c", "2"),
        ToolCallStarted("step_1", "call_f", 1, "function", "lookup"),
        ToolCallDelta("step_1", "call_f", 1, "function", '{"q": 1}'),
        ToolCallDone("step_1", "call_c", "code_interpreter", events[5].call),
    ]
    assert isinstance(events[6], ToolCallDone) and events[6].call_id == "call_f"


async def test_requires_action_ends_the_stream() -> None:
    calls = [{"id": "call_f", "type": "function", "function": {"name": "get_current_temperature",
                                                                "arguments": '{"location": "Paris"}'}}]
    action = {"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": calls}}
    script = Script(events=[
        sse("thread.run.created", run("queued")),
        step_delta({"index": 0, "id": "call_f", "type": "function",
                    "function": {"name": "get_current_temperature", "arguments": ""}}),
        sse("thread.run.requires_action", run("requires_action", required_action=action, expires_at=1234)),
        sse("thread.run.never_sent_after_requires_action", run("in_progress")),
    ])
    events, _ = await stream(script)
    assert isinstance(events[-1], RequiresAction)
    assert events[-1].run_id == "run_1" and events[-1].expires_at == 1234
    assert events[-1].tool_calls == calls
    assert isinstance(events[1], ToolCallStarted) and events[1].name == "get_current_temperature"


async def test_failed_run_carries_last_error() -> None:
    error = {"code": "server_error", "message": "It failed on purpose."}
    events, _ = await stream(Script(events=[sse("thread.run.failed", run("failed", last_error=error))]))
    assert isinstance(events[-1], RunEnded)
    assert events[-1].status == "failed" and events[-1].last_error == error


async def test_submit_tool_outputs_posts_the_outputs() -> None:
    async with raw_server(Script(events=[sse("thread.run.completed", run("completed")), DONE])) as server:
        backend = Backend.connect(base_url=server.base_url, kind="local")
        outputs = [{"tool_call_id": "call_f", "output": "21C"}]
        events = await collect(backend.submit_tool_outputs("thread_1", "run_1", outputs))
        await backend.close()
    assert isinstance(events[-1], RunEnded)
    line, body = server.requests[0]
    assert line == "POST /v1/threads/thread_1/runs/run_1/submit_tool_outputs HTTP/1.1"
    assert json.loads(body) == {"tool_outputs": outputs, "stream": True}


@pytest.mark.parametrize(
    ("status", "message", "kind"),
    [
        (404, "No thread found with id 'thread_1'.", "not_found"),
        (400, "Thread thread_1 already has an active run run_0.", "locked"),
        (401, "Incorrect API key provided.", "auth"),
    ],
)
async def test_errors_before_the_stream_raise(status: int, message: str, kind: str) -> None:
    body = {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}
    with pytest.raises(BackendError) as caught:
        await stream(Script(status=status, json_body=body))
    assert caught.value.kind == kind and caught.value.status == status
    assert message in caught.value.message
