"""The client's own stream reader against the SDK's AsyncStream: the same events from the same runs and the
same bytes, and the same BackendError when the request fails before the stream. Real SDK, real server, loopback."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import openai
import pytest

from asst_tui.client.backend import Backend
from asst_tui.client.errors import BackendError, from_exception
from asst_tui.client.events import (
    MessageDone,
    RequiresAction,
    RunEnded,
    RunStatusChanged,
    TextDelta,
    ToolCallDone,
)
from asst_tui.client.stream import StreamAdapter

from .conftest import API_KEY
from .raw_http import Script, raw_server

CODE = "squares = [n * n for n in range(5)]\nprint('squares', squares)\n"


async def collect(events: AsyncIterator[Any]) -> list[Any]:
    return [event async for event in events]


async def sdk_path(stream: Any) -> list[Any]:
    """What the client made of the SDK's AsyncStream before it read the body itself."""
    adapter = StreamAdapter()
    out: list[Any] = []
    async for event in stream:
        if event.event == "thread.message.delta":
            data = event.data
            out += [TextDelta(data.id, part.text.value) for part in data.delta.content or ()
                    if part.type == "text" and part.text is not None and part.text.value]
            continue
        out += adapter.feed(event)
        if adapter.finished:
            break
    return out


def timeless(events: list[Any]) -> list[Any]:
    return [dataclasses.replace(e, at=0.0) if isinstance(e, RunStatusChanged) else e for e in events]


def outline(events: list[Any]) -> list[tuple[str, Any]]:
    """Each event without what differs between two runs of the same prompt (ids, times)."""
    def what(event: Any) -> Any:
        if isinstance(event, TextDelta):
            return event.text
        if isinstance(event, MessageDone):
            return [part["text"]["value"] for part in event.message["content"]]
        if isinstance(event, (RunStatusChanged, RunEnded)):
            return event.status
        return None

    return [(type(event).__name__, what(event)) for event in events]


@pytest.fixture
async def sdk(embedded: Any) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(base_url=embedded.base_url, api_key=API_KEY, max_retries=0) as client:
        yield client


async def new_thread(backend: Backend, text: str) -> str:
    thread = await backend.create_thread()
    await backend.add_message(thread["id"], text)
    return thread["id"]


async def test_a_long_lorem_run_reads_the_same_as_through_the_sdk(
    backend: Backend, sdk: openai.AsyncOpenAI, assistant: dict[str, Any]
) -> None:
    ours_thread, theirs_thread = [await new_thread(backend, "/lorem 5000") for _ in range(2)]
    ours = await collect(backend.stream_run(ours_thread, assistant["id"]))
    theirs = await sdk_path(
        await sdk.beta.threads.runs.create(theirs_thread, assistant_id=assistant["id"], stream=True)
    )
    assert outline(ours) == outline(theirs)
    deltas = [e for e in ours if isinstance(e, TextDelta)]
    assert len(deltas) > 5000
    messages, _ = await backend.list_messages(ours_thread)
    assert "".join(d.text for d in deltas) == messages[-1]["content"][0]["text"]["value"]
    assert isinstance(ours[-1], RunEnded) and ours[-1].status == "completed"


async def record(sdk: openai.AsyncOpenAI, thread_id: str, assistant_id: str) -> bytes:
    """The raw body of one run's stream, as the embedded server sent it."""
    async with sdk.beta.threads.runs.with_streaming_response.create(
        thread_id, assistant_id=assistant_id, stream=True
    ) as response:
        return b"".join([chunk async for chunk in response.iter_bytes()])


@pytest.mark.parametrize(
    "prompt", ["/lorem 2000", f"Please run:\n\n```python\n{CODE}```\n", 'get_current_temperature {"location": "Kraków"}']
)
async def test_recorded_streams_read_the_same_through_both_paths(
    backend: Backend, sdk: openai.AsyncOpenAI, assistant: dict[str, Any], prompt: str
) -> None:
    body = await record(sdk, await new_thread(backend, prompt), assistant["id"])
    script = Script(events=[body[i : i + 1000] for i in range(0, len(body), 1000)])
    async with raw_server(script) as server:
        replay = Backend.connect(base_url=server.base_url, kind="local")
        try:
            ours = await collect(replay.stream_run("thread_1", "asst_1"))
        finally:
            await replay.close()
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key="replay", max_retries=0) as client:
            theirs = await sdk_path(await client.beta.threads.runs.create("thread_1", assistant_id="asst_1", stream=True))
    assert timeless(ours) == timeless(theirs)
    assert isinstance(ours[-1], (RunEnded, RequiresAction))
    if "python" in prompt:
        assert any(isinstance(e, ToolCallDone) for e in ours)


async def sdk_error(call: Any, base_url: str) -> BackendError:
    """The BackendError the client made of the SDK's own streaming call failing."""
    with pytest.raises(openai.APIError) as caught:
        await call()
    return from_exception(caught.value, base_url=base_url)


async def stream_error(events: AsyncIterator[Any]) -> BackendError:
    with pytest.raises(BackendError) as caught:
        await collect(events)
    return caught.value


def same(ours: BackendError, theirs: BackendError) -> tuple[Any, ...]:
    assert (ours.message, ours.hint, ours.kind, ours.status) == (theirs.message, theirs.hint, theirs.kind, theirs.status)
    return ours.kind, ours.status


async def test_errors_before_the_stream_are_as_through_the_sdk(
    embedded: Any, backend: Backend, sdk: openai.AsyncOpenAI, assistant: dict[str, Any]
) -> None:
    runs = sdk.beta.threads.runs
    base = backend.base_url
    locked = await new_thread(backend, 'get_current_temperature {"location": "Oslo"}')
    waiting = await collect(backend.stream_run(locked, assistant["id"]))
    assert isinstance(waiting[-1], RequiresAction)

    ours = await stream_error(backend.stream_run(locked, assistant["id"]))
    theirs = await sdk_error(lambda: runs.create(locked, assistant_id=assistant["id"], stream=True), base)
    assert same(ours, theirs) == ("locked", 400)

    thread_id = await new_thread(backend, "hello")
    ours = await stream_error(backend.stream_run(thread_id, "asst_does_not_exist"))
    theirs = await sdk_error(lambda: runs.create(thread_id, assistant_id="asst_does_not_exist", stream=True), base)
    assert same(ours, theirs) == ("not_found", 404)

    outputs = [{"tool_call_id": "call_nope", "output": "1"}]
    ours = await stream_error(backend.submit_tool_outputs(thread_id, "run_does_not_exist", outputs))
    theirs = await sdk_error(
        lambda: runs.submit_tool_outputs("run_does_not_exist", thread_id=thread_id, tool_outputs=outputs, stream=True), base
    )
    assert same(ours, theirs) == ("not_found", 404)

    stranger = Backend.connect(base_url=embedded.base_url, api_key="sk-wrong", kind="local")
    try:
        ours = await stream_error(stranger.stream_run(thread_id, assistant["id"]))
    finally:
        await stranger.close()
    async with openai.AsyncOpenAI(base_url=embedded.base_url, api_key="sk-wrong", max_retries=0) as client:
        call = lambda: client.beta.threads.runs.create(thread_id, assistant_id=assistant["id"], stream=True)  # noqa: E731
        theirs = await sdk_error(call, base)
    assert same(ours, theirs) == ("auth", 401)
