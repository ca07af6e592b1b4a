"""Backend and the stream adapter against the real embedded server, over loopback with the real SDK."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest

from asst_tui.client.backend import Backend
from asst_tui.client.errors import BackendError
from asst_tui.client.events import (
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

from .conftest import API_KEY, MODEL

CODE = "total = sum(range(10))\nprint('total', total)\n"


async def collect(events: AsyncIterator[Any]) -> list[Any]:
    return [event async for event in events]


def text_of(message: dict[str, Any]) -> str:
    return "".join(part["text"]["value"] for part in message["content"] if part["type"] == "text")


async def ask(backend: Backend, assistant: dict[str, Any], text: str) -> tuple[str, list[Any]]:
    thread = await backend.create_thread()
    await backend.add_message(thread["id"], text)
    return thread["id"], await collect(backend.stream_run(thread["id"], assistant["id"]))


async def test_demo_reply_streams_text_that_adds_up(backend: Backend, assistant: dict[str, Any]) -> None:
    thread_id, events = await ask(backend, assistant, "Hello there, [bold red]demo[/]!")
    kinds = [type(e) for e in events]
    assert kinds[0] is RunStatusChanged and kinds[-1] is RunEnded
    started = next(e for e in events if isinstance(e, MessageStarted))
    done = next(e for e in events if isinstance(e, MessageDone))
    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert kinds.index(MessageStarted) < kinds.index(TextDelta) < kinds.index(MessageDone) < kinds.index(RunEnded)
    assert started.role == "assistant" and started.run_id == events[-1].run_id
    assert {d.message_id for d in deltas} == {started.message_id} == {done.message_id}
    assert len(deltas) > 10
    assert "".join(d.text for d in deltas) == text_of(done.message)
    assert "[bold red]demo[/]" in text_of(done.message)
    assert events[-1].status == "completed" and events[-1].last_error is None
    assert any(isinstance(e, Usage) and e.total_tokens > 0 for e in events)
    messages, has_more = await backend.list_messages(thread_id)
    assert [m["role"] for m in messages] == ["user", "assistant"] and not has_more
    assert messages[1] == done.message or text_of(messages[1]) == text_of(done.message)
    assert await backend.active_run(thread_id) is None


async def test_code_block_runs_in_the_code_interpreter(backend: Backend, assistant: dict[str, Any]) -> None:
    thread_id, events = await ask(backend, assistant, f"Please run:\n\n```python\n{CODE}```\n")
    started = [e for e in events if isinstance(e, ToolCallStarted)]
    assert len(started) == 1 and started[0].type == "code_interpreter"
    call_id = started[0].call_id
    code = "".join(e.input for e in events if isinstance(e, ToolCallDelta) and e.call_id == call_id)
    assert code == CODE
    logs = [e for e in events if isinstance(e, CodeLogs)]
    assert [log.logs for log in logs] == ["total 45\n"] and logs[0].call_id == call_id
    done = [e for e in events if isinstance(e, ToolCallDone)]
    assert len(done) == 1 and done[0].call_id == call_id
    assert done[0].call["code_interpreter"]["input"] == CODE
    kinds = [type(e) for e in events]
    assert kinds.index(ToolCallStarted) < kinds.index(ToolCallDelta) < kinds.index(CodeLogs) < kinds.index(ToolCallDone)
    assert kinds.index(ToolCallDone) < kinds.index(MessageStarted)
    assert events[-1].status == "completed"
    runs = await backend.list_runs(thread_id)
    steps = await backend.list_run_steps(thread_id, runs[0]["id"])
    assert [s["type"] for s in steps] == ["tool_calls", "message_creation"]


async def test_function_call_requires_action_then_tool_outputs_finish_it(
    backend: Backend, assistant: dict[str, Any]
) -> None:
    thread_id, events = await ask(backend, assistant, 'get_current_temperature {"location": "Paris"}')
    action = events[-1]
    assert isinstance(action, RequiresAction)
    assert [c["function"]["name"] for c in action.tool_calls] == ["get_current_temperature"]
    assert json.loads(action.tool_calls[0]["function"]["arguments"]) == {"location": "Paris"}
    assert action.run["status"] == "requires_action"
    started = next(e for e in events if isinstance(e, ToolCallStarted))
    assert (started.type, started.name) == ("function", "get_current_temperature")

    active = await backend.active_run(thread_id)
    assert active is not None and active["id"] == action.run_id and active["status"] == "requires_action"

    outputs = [{"tool_call_id": action.tool_calls[0]["id"], "output": "21 °C and sunny"}]
    rest = await collect(backend.submit_tool_outputs(thread_id, action.run_id, outputs))
    assert isinstance(rest[-1], RunEnded) and rest[-1].status == "completed"
    done = next(e for e in rest if isinstance(e, ToolCallDone))
    assert done.call["function"]["output"] == "21 °C and sunny"
    reply = next(e for e in rest if isinstance(e, MessageDone))
    assert "21 °C and sunny" in text_of(reply.message)
    assert "".join(e.text for e in rest if isinstance(e, TextDelta)) == text_of(reply.message)


async def test_locked_thread(backend: Backend, assistant: dict[str, Any]) -> None:
    thread_id, events = await ask(backend, assistant, 'get_current_temperature {"location": "Oslo"}')
    assert isinstance(events[-1], RequiresAction)
    with pytest.raises(BackendError) as adding:
        await backend.add_message(thread_id, "are you there?")
    assert adding.value.kind == "locked" and adding.value.status == 400
    assert adding.value.hint == "Wait for the run to finish or cancel it (Esc)."
    with pytest.raises(BackendError) as running:
        await collect(backend.stream_run(thread_id, assistant["id"]))
    assert running.value.kind == "locked"
    cancelled = await backend.cancel_run(thread_id, events[-1].run_id)
    assert cancelled["status"] in ("cancelling", "cancelled")


async def test_failed_run(backend: Backend, assistant: dict[str, Any]) -> None:
    _, events = await ask(backend, assistant, "/fail server_error")
    end = events[-1]
    assert isinstance(end, RunEnded) and end.status == "failed"
    assert end.last_error is not None and end.last_error["code"] == "server_error"


async def test_cancel_a_streaming_run(make_server: Any) -> None:
    server = make_server(demo_delay_ms=5)
    backend = Backend.connect(base_url=server.base_url, api_key=API_KEY, kind="local")
    try:
        assistant = await backend.create_assistant(model=MODEL)
        thread = await backend.create_thread()
        await backend.add_message(thread["id"], "/lorem 5000")
        events = []
        async for event in backend.stream_run(thread["id"], assistant["id"]):
            events.append(event)
            if isinstance(event, TextDelta) and sum(isinstance(e, TextDelta) for e in events) == 5:
                await backend.cancel_run(thread["id"], event_run_id(events))
        assert isinstance(events[-1], RunEnded) and events[-1].status == "cancelled"
        assert "cancelling" in [e.status for e in events if isinstance(e, RunStatusChanged)]
    finally:
        await backend.close()


def event_run_id(events: list[Any]) -> str:
    return next(e.run_id for e in events if isinstance(e, RunStatusChanged))


async def test_server_stopping_mid_stream_never_raises(make_server: Any) -> None:
    server = make_server(demo_delay_ms=1)
    backend = Backend.connect(base_url=server.base_url, api_key=API_KEY, kind="local")
    try:
        assistant = await backend.create_assistant(model=MODEL)
        thread = await backend.create_thread()
        await backend.add_message(thread["id"], "/lorem 20000")
        events = []
        stopping = None
        async for event in backend.stream_run(thread["id"], assistant["id"]):
            events.append(event)
            if stopping is None and isinstance(event, TextDelta):
                stopping = asyncio.create_task(asyncio.to_thread(server.stop))
        await stopping
        assert sum(isinstance(e, TextDelta) for e in events) < 20000
        last = events[-1]
        assert isinstance(last, (StreamError, RunEnded))
        if isinstance(last, StreamError):
            assert last.recoverable
        else:
            assert last.status == "failed"
    finally:
        await backend.close()


async def test_connection_refused_on_a_closed_port() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    backend = Backend.connect(base_url=f"http://127.0.0.1:{port}/v1", kind="local")
    try:
        with pytest.raises(BackendError) as caught:
            await backend.list_assistants()
        assert caught.value.kind == "connection"
        assert str(caught.value) == (
            f"Can't reach http://127.0.0.1:{port}/v1 — Is the server running? Check the profile's base_url."
        )
        with pytest.raises(BackendError) as streaming:
            await collect(backend.stream_run("thread_x", "asst_x"))
        assert streaming.value.kind == "connection"
    finally:
        await backend.close()


async def test_wrong_key(embedded: Any) -> None:
    backend = Backend.connect(base_url=embedded.base_url, api_key="sk-wrong", kind="local")
    try:
        with pytest.raises(BackendError) as caught:
            await backend.list_assistants()
        assert (caught.value.kind, caught.value.status) == ("auth", 401)
    finally:
        await backend.close()


async def test_not_found(backend: Backend, assistant: dict[str, Any]) -> None:
    with pytest.raises(BackendError) as caught:
        await backend.retrieve_thread("thread_does_not_exist")
    assert (caught.value.kind, caught.value.status) == ("not_found", 404)
    with pytest.raises(BackendError) as streaming:
        await collect(backend.stream_run("thread_does_not_exist", assistant["id"]))
    assert streaming.value.kind == "not_found"


async def test_thread_lifecycle_and_message_pages(backend: Backend, assistant: dict[str, Any]) -> None:
    thread = await backend.create_thread(metadata={"title": "pages"})
    assert (await backend.retrieve_thread(thread["id"]))["metadata"] == {"title": "pages"}
    sent = [await backend.add_message(thread["id"], f"message {i}") for i in range(5)]
    ids = [m["id"] for m in sent]

    page, has_more = await backend.list_messages(thread["id"], limit=2)
    assert [m["id"] for m in page] == ids[3:] and has_more
    page, has_more = await backend.list_messages(thread["id"], limit=2, before=page[0]["id"])
    assert [m["id"] for m in page] == ids[1:3] and has_more
    page, has_more = await backend.list_messages(thread["id"], limit=2, before=page[0]["id"])
    assert [m["id"] for m in page] == ids[:1] and not has_more
    assert [m["id"] for m in await backend.all_messages(thread["id"])] == ids

    await backend.delete_thread(thread["id"])
    with pytest.raises(BackendError) as caught:
        await backend.retrieve_thread(thread["id"])
    assert caught.value.kind == "not_found"


async def test_assistants_runs_and_files(backend: Backend, assistant: dict[str, Any]) -> None:
    assert assistant["id"] in [a["id"] for a in await backend.list_assistants()]
    assert (await backend.retrieve_assistant(assistant["id"]))["name"] == "Client tests"
    thread_id, first = await ask(backend, assistant, "hi")
    await backend.add_message(thread_id, "```python\nopen('result.txt', 'w').write('made by the sandbox')\n```")
    second = await collect(backend.stream_run(thread_id, assistant["id"]))
    runs = await backend.list_runs(thread_id)
    assert [r["id"] for r in runs] == [second[-1].run_id, first[-1].run_id]  # newest first
    assert [r["id"] for r in await backend.all_runs(thread_id)] == [first[-1].run_id, second[-1].run_id]
    assert (await backend.retrieve_run(thread_id, runs[0]["id"]))["status"] == "completed"

    reply = next(e for e in second if isinstance(e, MessageDone)).message
    notes = reply["content"][0]["text"]["annotations"]
    file_id = next(n["file_path"]["file_id"] for n in notes if n["type"] == "file_path")
    assert (await backend.file_info(file_id))["filename"] == "result.txt"
    assert await backend.file_content(file_id) == b"made by the sandbox"
