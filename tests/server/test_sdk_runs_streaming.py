"""Runs and run steps through the real SDK: overrides, polling, raw streams and the stream helpers."""

from __future__ import annotations

import asyncio
import warnings

import openai
import pytest
from openai import AssistantEventHandler, AsyncAssistantEventHandler
from openai.types.beta.threads import Message, Text, TextDelta

from .conftest import MODEL, function_tool, message_text, wait_for_status

RUN_EVENTS = [
    "thread.run.created",
    "thread.run.queued",
    "thread.run.in_progress",
    "thread.run.step.created",
    "thread.run.step.in_progress",
    "thread.message.created",
    "thread.message.in_progress",
]


def _setup(client: openai.OpenAI, content: str = "hello", **assistant: object) -> tuple[str, str]:
    a = client.beta.assistants.create(model=MODEL, name="Runner", instructions="Base instructions.", **assistant)  # type: ignore[arg-type]
    t = client.beta.threads.create(messages=[{"role": "user", "content": content}])
    return a.id, t.id


def test_run_create_with_every_override_is_reflected(client: openai.OpenAI) -> None:
    assistant_id, thread_id = _setup(client, tools=[{"type": "code_interpreter"}], temperature=0.3)
    run = client.beta.threads.runs.create(
        thread_id=thread_id,
        assistant_id=assistant_id,
        model="override-model",
        instructions="Override instructions.",
        additional_instructions="Also be kind.",
        additional_messages=[{"role": "user", "content": "extra question", "metadata": {"extra": "1"}}],
        tools=[function_tool("lookup")],
        metadata={"purpose": "overrides"},
        temperature=1.5,
        top_p=0.25,
        max_prompt_tokens=5000,
        max_completion_tokens=4000,
        truncation_strategy={"type": "last_messages", "last_messages": 7},
        tool_choice="none",
        parallel_tool_calls=False,
        response_format={"type": "json_object"},
    )
    assert run.id.startswith("run_") and run.object == "thread.run"
    assert (run.thread_id, run.assistant_id, run.status) == (thread_id, assistant_id, "queued")
    assert run.model == "override-model"
    assert run.instructions.startswith("Override instructions.") and run.instructions.endswith("Also be kind.")
    assert [t.type for t in run.tools] == ["function"] and run.tools[0].function.name == "lookup"
    assert run.metadata == {"purpose": "overrides"}
    assert (run.temperature, run.top_p) == (1.5, 0.25)
    assert (run.max_prompt_tokens, run.max_completion_tokens) == (5000, 4000)
    assert (run.truncation_strategy.type, run.truncation_strategy.last_messages) == ("last_messages", 7)
    assert run.tool_choice == "none"
    assert run.parallel_tool_calls is False
    assert run.response_format.type == "json_object"
    assert run.expires_at == run.created_at + 600

    done = wait_for_status(client, thread_id, run.id, "completed")
    assert done.model == "override-model" and done.metadata == {"purpose": "overrides"}
    assert done.started_at and done.completed_at and done.completed_at >= done.started_at
    assert done.expires_at is None  # a finished run no longer expires
    assert done.usage.total_tokens == done.usage.prompt_tokens + done.usage.completion_tokens > 0
    messages = client.beta.threads.messages.list(thread_id, order="asc").data
    assert [message_text(m) for m in messages[:2]] == ["hello", "extra question"]
    assert messages[1].metadata == {"extra": "1"}
    reply = messages[2]
    assert reply.run_id == run.id and "override-model" in message_text(reply)
    assert "extra question" in message_text(reply)  # the additional message was the last user message


def test_run_defaults_come_from_the_assistant(client: openai.OpenAI) -> None:
    assistant_id, thread_id = _setup(client, tools=[{"type": "code_interpreter"}], temperature=0.3, top_p=0.8)
    run = client.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant_id)
    assert (run.model, run.instructions, run.temperature, run.top_p) == (MODEL, "Base instructions.", 0.3, 0.8)
    assert [t.type for t in run.tools] == ["code_interpreter"]
    assert run.tool_choice == "auto" and run.parallel_tool_calls is True
    assert run.truncation_strategy.type == "auto"
    wait_for_status(client, thread_id, run.id, "completed")


def test_run_list_retrieve_update_and_steps(client: openai.OpenAI) -> None:
    assistant_id, thread_id = _setup(client)
    first = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id, poll_interval_ms=20)
    client.beta.threads.messages.create(thread_id, role="user", content="again")
    second = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id, poll_interval_ms=20)
    assert first.status == second.status == "completed"

    runs = client.beta.threads.runs.list(thread_id)
    assert [r.id for r in runs.data] == [second.id, first.id]
    asc = client.beta.threads.runs.list(thread_id, order="asc", limit=1)
    assert [r.id for r in asc.data] == [first.id] and asc.has_more is True
    assert [r.id for r in client.beta.threads.runs.list(thread_id, order="asc", after=first.id).data] == [second.id]
    assert [r.id for r in client.beta.threads.runs.list(thread_id, before=first.id).data] == [second.id]

    fetched = client.beta.threads.runs.retrieve(first.id, thread_id=thread_id)
    assert fetched.status == "completed" and fetched.id == first.id
    updated = client.beta.threads.runs.update(first.id, thread_id=thread_id, metadata={"rated": "good"})
    assert updated.metadata == {"rated": "good"}
    assert client.beta.threads.runs.retrieve(first.id, thread_id=thread_id).metadata == {"rated": "good"}

    steps = client.beta.threads.runs.steps.list(first.id, thread_id=thread_id)
    assert len(steps.data) == 1
    step = steps.data[0]
    assert step.id.startswith("step_") and step.object == "thread.run.step"
    assert (step.run_id, step.thread_id, step.assistant_id, step.type, step.status) == (
        first.id, thread_id, assistant_id, "message_creation", "completed",
    )
    reply = client.beta.threads.messages.list(thread_id, run_id=first.id).data[0]
    assert step.step_details.message_creation.message_id == reply.id
    assert step.usage is not None and step.usage.completion_tokens > 0
    again = client.beta.threads.runs.steps.retrieve(step.id, thread_id=thread_id, run_id=first.id)
    assert again.model_dump() == step.model_dump()
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.runs.steps.retrieve(step.id, thread_id=thread_id, run_id=second.id)
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.runs.retrieve(first.id, thread_id=client.beta.threads.create().id)


def test_raw_stream_has_the_hosted_event_order(client: openai.OpenAI) -> None:
    assistant_id, thread_id = _setup(client, content="/lorem 30")
    stream = client.beta.threads.runs.create(
        thread_id=thread_id,
        assistant_id=assistant_id,
        stream=True,
        model="stream-model",
        metadata={"s": "1"},
        temperature=0.2,
        truncation_strategy={"type": "last_messages", "last_messages": 3},
        max_completion_tokens=10_000,
    )
    events = list(stream)
    names = [e.event for e in events]
    created = events[0].data
    assert (created.model, created.metadata, created.temperature, created.max_completion_tokens) == ("stream-model", {"s": "1"}, 0.2, 10_000)
    assert created.truncation_strategy.last_messages == 3
    assert names[: len(RUN_EVENTS)] == RUN_EVENTS
    deltas = [e for e in events if e.event == "thread.message.delta"]
    assert len(deltas) > 10
    assert names[len(RUN_EVENTS) : len(RUN_EVENTS) + len(deltas)] == ["thread.message.delta"] * len(deltas)
    assert names[len(RUN_EVENTS) + len(deltas) :] == ["thread.message.completed", "thread.run.step.completed", "thread.run.completed"]
    completed = events[-1].data
    assert completed.status == "completed" and completed.usage is not None
    streamed = "".join(d.data.delta.content[0].text.value for d in deltas)
    message = events[-3].data
    assert message_text(message) == streamed
    assert len(streamed.split()) >= 30
    stored = client.beta.threads.messages.retrieve(message.id, thread_id=thread_id)
    assert message_text(stored) == streamed


def test_create_and_run_non_streaming_and_poll(client: openai.OpenAI) -> None:
    assistant = client.beta.assistants.create(model=MODEL, name="Starter")
    run = client.beta.threads.create_and_run(
        assistant_id=assistant.id,
        thread={"messages": [{"role": "user", "content": "start here"}], "metadata": {"t": "1"}},
        metadata={"r": "1"},
    )
    assert run.status == "queued" and run.thread_id.startswith("thread_") and run.metadata == {"r": "1"}
    assert client.beta.threads.retrieve(run.thread_id).metadata == {"t": "1"}
    assert wait_for_status(client, run.thread_id, run.id, "completed").status == "completed"

    polled = client.beta.threads.create_and_run_poll(
        assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": "poll me"}]}, poll_interval_ms=20
    )
    assert polled.status == "completed"
    reply = client.beta.threads.messages.list(polled.thread_id, run_id=polled.id).data[0]
    assert "poll me" in message_text(reply)


def test_create_and_run_stream(client: openai.OpenAI) -> None:
    assistant = client.beta.assistants.create(model=MODEL)
    names: list[str] = []
    with client.beta.threads.create_and_run_stream(
        assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": "/lorem 12"}]}
    ) as stream:
        for event in stream:
            names.append(event.event)
        final = stream.get_final_messages()
        run = stream.get_final_run()
    assert names[0] == "thread.created"
    assert names[1 : 1 + len(RUN_EVENTS)] == RUN_EVENTS
    assert names[-1] == "thread.run.completed"
    assert run.status == "completed"
    assert len(final) == 1 and final[0].role == "assistant" and final[0].status == "completed"
    assert message_text(client.beta.threads.messages.retrieve(final[0].id, thread_id=run.thread_id)) == message_text(final[0])


def test_raw_create_and_run_stream(client: openai.OpenAI) -> None:
    assistant = client.beta.assistants.create(model=MODEL)
    events = list(
        client.beta.threads.create_and_run(
            assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": "hi"}]}, stream=True
        )
    )
    assert events[0].event == "thread.created" and events[0].data.id.startswith("thread_")
    assert events[1].data.thread_id == events[0].data.id
    assert events[-1].event == "thread.run.completed"


def test_sync_event_handler_and_text_deltas(client: openai.OpenAI) -> None:
    assistant_id, thread_id = _setup(client, content="/lorem 40")

    class Collector(AssistantEventHandler):
        def __init__(self) -> None:
            super().__init__()
            self.deltas: list[str] = []
            self.done: list[Message] = []

        def on_text_delta(self, delta: TextDelta, snapshot: Text) -> None:
            self.deltas.append(delta.value or "")

        def on_message_done(self, message: Message) -> None:
            self.done.append(message)

    handler = Collector()
    with client.beta.threads.runs.stream(thread_id=thread_id, assistant_id=assistant_id, event_handler=handler) as stream:
        stream.until_done()
    assert len(handler.done) == 1
    assert "".join(handler.deltas) == message_text(handler.done[0])
    assert handler.current_run is not None and handler.current_run.status == "completed"

    client.beta.threads.messages.create(thread_id, role="user", content="/lorem 25")
    with client.beta.threads.runs.stream(thread_id=thread_id, assistant_id=assistant_id) as stream:
        text = "".join(stream.text_deltas)
        final = stream.get_final_messages()
    assert text and text == message_text(final[0])


async def test_async_event_handler_tool_calls_and_submit_stream(aclient: openai.AsyncOpenAI) -> None:
    assistant = await aclient.beta.assistants.create(model=MODEL, tools=[function_tool("get_weather")])
    thread = await aclient.beta.threads.create(
        messages=[{"role": "user", "content": 'What is the weather? get_weather {"city": "Paris"}'}]
    )

    class Handler(AsyncAssistantEventHandler):
        def __init__(self) -> None:
            super().__init__()
            self.text: list[str] = []
            self.tool_calls: list[object] = []
            self.messages_done: list[Message] = []
            self.events: list[str] = []

        async def on_event(self, event: object) -> None:
            self.events.append(event.event)  # type: ignore[attr-defined]

        async def on_text_delta(self, delta: TextDelta, snapshot: Text) -> None:
            self.text.append(delta.value or "")

        async def on_tool_call_created(self, tool_call: object) -> None:
            self.tool_calls.append(tool_call)

        async def on_message_done(self, message: Message) -> None:
            self.messages_done.append(message)

    first = Handler()
    async with aclient.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id, event_handler=first) as stream:
        await stream.until_done()
    assert first.events[-1] == "thread.run.requires_action"
    assert len(first.tool_calls) == 1
    call = first.tool_calls[0]
    assert call.type == "function" and call.function.name == "get_weather"  # type: ignore[attr-defined]
    run = first.current_run
    assert run is not None and run.status == "requires_action"
    required = run.required_action.submit_tool_outputs.tool_calls
    assert [c.function.name for c in required] == ["get_weather"]
    assert required[0].function.arguments == '{"city": "Paris"}'
    assert first.text == [] and first.messages_done == []

    second = Handler()
    async with aclient.beta.threads.runs.submit_tool_outputs_stream(
        thread_id=thread.id, run_id=run.id, tool_outputs=[{"tool_call_id": required[0].id, "output": "sunny, 21 C"}], event_handler=second
    ) as stream:
        await stream.until_done()
        final_messages = await stream.get_final_messages()
        final_run = await stream.get_final_run()
    assert final_run.status == "completed"
    assert len(second.messages_done) == 1 and second.text
    assert "".join(second.text) == message_text(second.messages_done[0])
    assert "sunny, 21 C" in message_text(second.messages_done[0])
    assert final_messages[0].id == second.messages_done[0].id
    # The tool step completes when its outputs arrive, then the run is queued again.
    assert second.events[:3] == ["thread.run.step.completed", "thread.run.queued", "thread.run.in_progress"]

    steps = (await aclient.beta.threads.runs.steps.list(run.id, thread_id=thread.id, order="asc")).data
    assert [s.type for s in steps] == ["tool_calls", "message_creation"]
    assert steps[0].status == "completed"
    assert steps[0].step_details.tool_calls[0].function.output == "sunny, 21 C"


async def test_async_text_deltas_and_code_interpreter_hooks(aclient: openai.AsyncOpenAI) -> None:
    assistant = await aclient.beta.assistants.create(model=MODEL, tools=[{"type": "code_interpreter"}])
    code = "a = 6\nb = 7\nprint(a * b)\n"
    thread = await aclient.beta.threads.create(messages=[{"role": "user", "content": f"```python\n{code}```"}])

    class Handler(AsyncAssistantEventHandler):
        def __init__(self) -> None:
            super().__init__()
            self.created: list[object] = []
            self.inputs: list[str] = []
            self.done: list[object] = []
            self.logs: list[str] = []

        async def on_tool_call_created(self, tool_call: object) -> None:
            self.created.append(tool_call)

        async def on_tool_call_delta(self, delta: object, snapshot: object) -> None:
            ci = delta.code_interpreter  # type: ignore[attr-defined]
            if ci is not None and ci.input:
                self.inputs.append(ci.input)
            if ci is not None and ci.outputs:
                self.logs += [o.logs for o in ci.outputs if o.type == "logs"]

        async def on_tool_call_done(self, tool_call: object) -> None:
            self.done.append(tool_call)

    handler = Handler()
    async with aclient.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id, event_handler=handler) as stream:
        await stream.until_done()
    assert [c.type for c in handler.created] == ["code_interpreter"]  # type: ignore[attr-defined]
    assert "".join(handler.inputs) == code
    assert handler.logs == ["42\n"]
    # The SDK calls on_tool_call_done again at every later step/run end for its last tool call.
    assert handler.done and all(d.id == handler.created[0].id for d in handler.done)  # type: ignore[attr-defined]
    assert handler.done[0].code_interpreter.input == code  # type: ignore[attr-defined]
    assert handler.done[0].code_interpreter.outputs[0].logs == "42\n"  # type: ignore[attr-defined]

    await aclient.beta.threads.messages.create(thread.id, role="user", content="/lorem 20")
    async with aclient.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id) as stream:
        pieces = [piece async for piece in stream.text_deltas]
        final = await stream.get_final_messages()
    assert len(pieces) >= 20 and "".join(pieces) == message_text(final[0])


async def test_async_create_and_poll_and_runs_crud(aclient: openai.AsyncOpenAI) -> None:
    assistant = await aclient.beta.assistants.create(model=MODEL)
    thread = await aclient.beta.threads.create(messages=[{"role": "user", "content": "async run"}])
    run = await aclient.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=20)
    assert run.status == "completed"
    assert (await aclient.beta.threads.runs.retrieve(run.id, thread_id=thread.id)).status == "completed"
    assert (await aclient.beta.threads.runs.update(run.id, thread_id=thread.id, metadata={"a": "b"})).metadata == {"a": "b"}
    assert [r.id for r in (await aclient.beta.threads.runs.list(thread.id)).data] == [run.id]
    steps = (await aclient.beta.threads.runs.steps.list(run.id, thread_id=thread.id)).data
    assert (await aclient.beta.threads.runs.steps.retrieve(steps[0].id, thread_id=thread.id, run_id=run.id)).id == steps[0].id
    stream = await aclient.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id, stream=True)
    names = [event.event async for event in stream]
    assert names[:3] == RUN_EVENTS[:3] and names[-1] == "thread.run.completed"


def test_fail_directive(client: openai.OpenAI) -> None:
    assistant_id, thread_id = _setup(client, content="/fail rate_limit_exceeded")
    run = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id, poll_interval_ms=20)
    assert run.status == "failed"
    assert run.last_error is not None and run.last_error.code == "rate_limit_exceeded" and run.last_error.message
    assert run.failed_at is not None and run.completed_at is None

    client.beta.threads.messages.create(thread_id, role="user", content="/fail server_error")
    with client.beta.threads.runs.stream(thread_id=thread_id, assistant_id=assistant_id) as stream:
        names = [event.event for event in stream]
        final = stream.get_final_run()
    assert names[-1] == "thread.run.failed"
    assert final.status == "failed" and final.last_error.code == "server_error"


def test_incomplete_directive_and_max_completion_tokens(client: openai.OpenAI) -> None:
    assistant_id, thread_id = _setup(client, content="/incomplete")
    run = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id, poll_interval_ms=20)
    assert run.status == "incomplete"
    assert run.incomplete_details is not None and run.incomplete_details.reason == "max_completion_tokens"
    reply = client.beta.threads.messages.list(thread_id, run_id=run.id).data[0]
    assert reply.status == "incomplete" and reply.incomplete_details.reason == "max_tokens"
    assert reply.incomplete_at is not None and message_text(reply)

    client.beta.threads.messages.create(thread_id, role="user", content="/lorem 500")
    with client.beta.threads.runs.stream(thread_id=thread_id, assistant_id=assistant_id, max_completion_tokens=256) as stream:
        names = [event.event for event in stream]
        capped = stream.get_final_run()
    assert names[-1] == "thread.run.incomplete"
    assert "thread.message.incomplete" in names
    assert capped.status == "incomplete" and capped.incomplete_details.reason == "max_completion_tokens"
    assert capped.usage is not None and 0 < capped.usage.completion_tokens <= 256
    reply = client.beta.threads.messages.list(thread_id, run_id=capped.id).data[0]
    assert reply.status == "incomplete"
    assert 0 < len(message_text(reply).split()) < 400
    step = client.beta.threads.runs.steps.list(capped.id, thread_id=thread_id).data[0]
    assert step.status == "completed"  # as the hosted API did: the step is done, its message incomplete
    # An incomplete run releases the thread.
    client.beta.threads.messages.create(thread_id, role="user", content="ok?")


async def test_concurrent_streams_on_different_threads_do_not_mix(aclient: openai.AsyncOpenAI) -> None:
    assistant = await aclient.beta.assistants.create(model=MODEL, tools=[{"type": "code_interpreter"}])

    async def one(i: int) -> None:
        if i % 2:
            content = f"```python\nvalue_{i} = {i}\nprint(value_{i} ** 2)\n```"
        else:
            content = f"thread number {i} says hello"
        thread = await aclient.beta.threads.create(messages=[{"role": "user", "content": content}])
        async with aclient.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id) as stream:
            text = "".join([piece async for piece in stream.text_deltas])
            run = await stream.get_final_run()
        assert run.status == "completed" and run.thread_id == thread.id
        stored = (await aclient.beta.threads.messages.list(thread.id, run_id=run.id)).data
        assert len(stored) == 1 and message_text(stored[0]) == text
        if i % 2:
            assert f"\n{i * i}\n" in text
            steps = (await aclient.beta.threads.runs.steps.list(run.id, thread_id=thread.id, order="asc")).data
            assert steps[0].step_details.tool_calls[0].code_interpreter.outputs[0].logs == f"{i * i}\n"
        else:
            assert f"thread number {i} says hello" in text
            assert all(f"thread number {j} " not in text for j in range(8) if j != i)

    await asyncio.gather(*(one(i) for i in range(8)))


def test_sdk_deprecation_warnings_are_filtered_by_message(client: openai.OpenAI) -> None:
    """The SDK marks every Assistants call deprecated; the pytest config drops exactly those warnings."""
    with warnings.catch_warnings(record=True) as caught:  # the configured filters stay in force
        client.beta.assistants.list(limit=1)
        warnings.warn("an unrelated API is old", DeprecationWarning)
        warnings.warn("deprecated since 2.0: use the new API", DeprecationWarning)
    shown = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    assert shown == ["an unrelated API is old", "deprecated since 2.0: use the new API"]

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # without the configured filters the SDK does warn
        client.beta.assistants.list(limit=1)
        assistant = client.beta.assistants.create(model=MODEL)
        client.beta.threads.create_and_run_poll(
            assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": "x"}]}, poll_interval_ms=20
        )
    messages = {str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)}
    assert messages and messages <= {"deprecated", "The Assistants API is deprecated in favor of the Responses API"}
