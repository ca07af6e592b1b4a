"""The chat engine against a scripted Chat Completions upstream on loopback, driven by the real SDK.

Each test scripts its own model name on the shared upstream, so tests never consume each other's
replies; a model with nothing scripted answers 404 like a real server.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from openai import AssistantEventHandler

from asst_tui.server import EmbeddedServer

from .conftest import function_tool, message_text, sync_client, wait_for_status
from .scripted_upstream import Reply, ScriptedUpstream, chunk, error_reply, text_reply, tool_reply

UPSTREAM_KEY = "sk-upstream-9f8e7d6c5b4a-do-not-leak"
_names = itertools.count()


@pytest.fixture(scope="module")
def upstream() -> Iterator[ScriptedUpstream]:
    scripted = ScriptedUpstream().start()
    yield scripted
    scripted.stop()


@pytest.fixture
def chat_server(upstream: ScriptedUpstream, make_server: Callable[..., EmbeddedServer]) -> Callable[..., EmbeddedServer]:
    """Start a chat-engine server on the scripted upstream (settings overridable)."""

    def make(**overrides: Any) -> EmbeddedServer:
        settings: dict[str, Any] = dict(
            engine="chat", upstream_base_url=upstream.base_url, upstream_api_key=UPSTREAM_KEY, upstream_timeout_s=5.0,
            model_map={"friendly-alias": "upstream-real-name"},
        )
        settings.update(overrides)
        return make_server(**settings)

    return make


@pytest.fixture
def chat(chat_server: Callable[..., EmbeddedServer]) -> Iterator[openai.OpenAI]:
    with sync_client(chat_server().base_url) as client:
        yield client


def model() -> str:
    return f"scripted-{next(_names)}"


def start(client: openai.OpenAI, model_name: str, text: str = "Hello?", **assistant: Any) -> tuple[Any, Any]:
    """An assistant on `model_name` and a thread holding one user message."""
    made = client.beta.assistants.create(model=model_name, **assistant)
    thread = client.beta.threads.create(messages=[{"role": "user", "content": text}])
    return made, thread


def run_to_end(client: openai.OpenAI, assistant: Any, thread: Any, **options: Any) -> Any:
    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id, **options)
    return wait_for_status(client, thread.id, run.id, {"completed", "failed", "incomplete", "requires_action", "cancelled", "expired"})


def reply_text(client: openai.OpenAI, thread: Any) -> str:
    return message_text(client.beta.threads.messages.list(thread_id=thread.id, limit=1).data[0])


def dump(client: openai.OpenAI, thread: Any, run: Any) -> str:
    """Everything a client can read about a run: the run, its steps and the thread's messages."""
    steps = client.beta.threads.runs.steps.list(run_id=run.id, thread_id=thread.id)
    messages = client.beta.threads.messages.list(thread_id=thread.id)
    return json.dumps([run.model_dump(), [s.model_dump() for s in steps.data], [m.model_dump() for m in messages.data]])


# ---- answers -------------------------------------------------------------------------------------


def test_text_deltas_reach_the_client_while_the_upstream_is_still_streaming(chat: openai.OpenAI, upstream: ScriptedUpstream) -> None:
    name, gate = model(), threading.Event()
    upstream.script(name, text_reply("Hello", " there", ", friend.", hold=gate, hold_after=2))
    assistant, thread = start(chat, name, instructions="Be kind.")
    seen: list[str] = []
    with chat.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id, additional_instructions="Be brief.") as stream:
        for event in stream:
            if event.event == "thread.message.delta":
                seen.append(event.data.delta.content[0].text.value)
                if len(seen) == 1:
                    assert not upstream.requests_for(name)[0].finished.is_set(), "the first delta waited for the whole answer"
                    gate.set()
        run = stream.get_final_run()
    assert seen == ["Hello", " there", ", friend."]
    assert run.status == "completed" and run.usage.prompt_tokens == 11 and run.usage.completion_tokens == 7
    assert reply_text(chat, thread) == "Hello there, friend."
    body = upstream.requests_for(name)[0].body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["messages"] == [{"role": "system", "content": "Be kind.\n\nBe brief."}, {"role": "user", "content": "Hello?"}]
    assert "tools" not in body and "max_tokens" not in body
    steps = chat.beta.threads.runs.steps.list(run_id=run.id, thread_id=thread.id).data
    assert [(s.type, s.usage.prompt_tokens, s.usage.completion_tokens) for s in steps] == [("message_creation", 11, 7)]


def test_run_settings_model_map_and_history_reach_the_upstream(chat: openai.OpenAI, upstream: ScriptedUpstream) -> None:
    upstream.script("upstream-real-name", text_reply("first"), text_reply('{"ok": true}'))
    assistant, thread = start(chat, "friendly-alias", "one", tools=[function_tool("lookup")], temperature=0.3)
    assert run_to_end(chat, assistant, thread).status == "completed"
    chat.beta.threads.messages.create(thread_id=thread.id, role="user", content=[
        {"type": "text", "text": "two"}, {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
    ])
    schema = {"type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object"}}}
    run = run_to_end(chat, assistant, thread, top_p=0.5, response_format=schema, tool_choice="required", parallel_tool_calls=False)
    assert run.status == "completed"
    body = upstream.requests_for("upstream-real-name")[1].body
    assert body["messages"][:2] == [{"role": "user", "content": "one"}, {"role": "assistant", "content": "first"}]
    assert body["messages"][2]["content"].startswith("two\n\n[an image was attached here")
    assert (body["temperature"], body["top_p"], body["response_format"]) == (0.3, 0.5, schema)
    assert (body["tool_choice"], body["parallel_tool_calls"]) == ("required", False)
    assert [t["function"]["name"] for t in body["tools"]] == ["lookup"]


def test_truncation_last_messages_and_max_prompt_tokens(chat: openai.OpenAI, upstream: ScriptedUpstream) -> None:
    name = model()
    upstream.script(name, text_reply("a"), text_reply("b"))
    made = chat.beta.assistants.create(model=name)
    thread = chat.beta.threads.create(messages=[{"role": "user", "content": f"message {i} " + "word " * 40} for i in range(6)])
    run_to_end(chat, made, thread, truncation_strategy={"type": "last_messages", "last_messages": 2})
    sent = upstream.requests_for(name)[0].body["messages"]
    assert [m["content"].split()[1] for m in sent] == ["4", "5"]
    run_to_end(chat, made, thread, max_prompt_tokens=256)
    sent = upstream.requests_for(name)[1].body["messages"]
    assert 1 <= len(sent) < 7 and sent[-1]["content"] == "a", "the oldest messages were dropped to fit"


# ---- tools ---------------------------------------------------------------------------------------


def test_function_call_streams_arguments_then_resumes_with_the_output(chat: openai.OpenAI, upstream: ScriptedUpstream) -> None:
    name = model()
    upstream.script(
        name,
        tool_reply(("get_weather", ['{"ci', 'ty": "Pa', 'ris"}']), text="Let me check."),
        text_reply("It is sunny in Paris.", tokens=(40, 8)),
    )
    assistant, thread = start(chat, name, "Weather in Paris?", tools=[function_tool("get_weather")])
    run = run_to_end(chat, assistant, thread)
    assert run.status == "requires_action", run.last_error
    (call,) = run.required_action.submit_tool_outputs.tool_calls
    assert (call.function.name, call.function.arguments) == ("get_weather", '{"city": "Paris"}')
    run = chat.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": "sunny, 24 C"}], poll_interval_ms=20
    )
    assert run.status == "completed" and reply_text(chat, thread) == "It is sunny in Paris."
    assert (run.usage.prompt_tokens, run.usage.completion_tokens) == (20 + 40, 9 + 8)
    second = upstream.requests_for(name)[1].body["messages"]
    assert second[-2:] == [
        {"role": "assistant", "content": "Let me check.", "tool_calls": [
            {"id": call.id, "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
        ]},
        {"role": "tool", "tool_call_id": call.id, "content": "sunny, 24 C"},
    ]
    steps = chat.beta.threads.runs.steps.list(run_id=run.id, thread_id=thread.id, order="asc").data
    assert [(s.type, s.usage.completion_tokens) for s in steps] == [("message_creation", 0), ("tool_calls", 9), ("message_creation", 8)]


class StreamRecorder(AssistantEventHandler):
    """What a UI built from deltas sees: function-argument fragments and text-delta annotations."""

    def __init__(self) -> None:
        super().__init__()
        self.fragments: dict[str, list[str]] = {}  # function call id -> arguments, created then each delta
        self.annotations: list[Any] = []
        self.text = ""

    def on_tool_call_created(self, tool_call: Any) -> None:
        if tool_call.type == "function":
            self.fragments[tool_call.id] = [tool_call.function.arguments]

    def on_tool_call_delta(self, delta: Any, snapshot: Any) -> None:
        if delta.type == "function":
            self.fragments[snapshot.id].append(delta.function.arguments)

    def on_text_delta(self, delta: Any, snapshot: Any) -> None:
        self.text += delta.value or ""
        self.annotations += delta.annotations or []


def stream_run(client: openai.OpenAI, assistant: Any, thread: Any) -> tuple[StreamRecorder, Any]:
    recorder = StreamRecorder()
    with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id, event_handler=recorder) as stream:
        stream.until_done()
        run = stream.get_final_run()
    return recorder, run


def test_function_arguments_stream_as_the_upstream_sends_them(chat: openai.OpenAI, upstream: ScriptedUpstream) -> None:
    name = model()
    upstream.script(name, tool_reply(("get_weather", ['{"ci', 'ty": "Pa', 'ris"}']), ("get_time", [])), text_reply("Sunny at noon."))
    assistant, thread = start(chat, name, "Weather in Paris, and the time?", tools=[function_tool("get_weather"), function_tool("get_time")])
    recorder, run = stream_run(chat, assistant, thread)
    assert run.status == "requires_action", run.last_error
    weather, clock = run.required_action.submit_tool_outputs.tool_calls
    assert recorder.fragments[weather.id] == ["", '{"ci', 'ty": "Pa', 'ris"}'], "each fragment is a delta, as the upstream sent it"
    assert recorder.fragments[clock.id] == ["", "{}"], "a call the model gave no arguments is called with {}"
    assert (weather.function.arguments, clock.function.arguments) == ('{"city": "Paris"}', "{}")


def test_links_and_citations_in_the_models_text_stream_with_their_annotations(chat: openai.OpenAI, upstream: ScriptedUpstream) -> None:
    name = model()
    upload = chat.files.create(file=("notes.txt", b"Capybaras eat grass and aquatic plants."), purpose="assistants")
    store = chat.vector_stores.create(name="notes", file_ids=[upload.id])
    upstream.script(
        name,
        tool_reply(("file_search", ['{"query": "capybara diet"}'])),
        tool_reply(("python", ['{"code": "open(\'diet.csv\', \'w\').write(\'grass\')"}'])),
        text_reply("They eat grass 【0:0†no", "tes.txt】; the table is [diet.csv](sand", "box:/mnt/da", "ta/diet.csv).", " Also see sandbox:/mnt/data/other.csv"),
    )
    assistant, thread = start(chat, name, "What do capybaras eat?", tools=[{"type": "file_search"}, {"type": "code_interpreter"}],
                              tool_resources={"file_search": {"vector_store_ids": [store.id]}})
    recorder, run = stream_run(chat, assistant, thread)
    assert run.status == "completed", run.last_error
    assert [(a.type, a.text) for a in recorder.annotations] == [("file_citation", "【0:0†notes.txt】"), ("file_path", "sandbox:/mnt/data/diet.csv")]
    citation, link = recorder.annotations
    assert citation.file_citation.file_id == upload.id
    assert chat.files.retrieve(link.file_path.file_id).filename == "diet.csv"
    text = chat.beta.threads.messages.list(thread_id=thread.id, limit=1).data[0].content[0].text
    assert text.value == recorder.text and [a.text for a in text.annotations] == [citation.text, link.text]
    assert all(text.value[a.start_index:a.end_index] == a.text for a in text.annotations)
    second = upstream.requests_for(name)[1].body
    assert second["messages"][-1]["content"].startswith("【0:0†notes.txt】"), "the model sees the marker to cite"


def test_waiting_function_call_survives_a_server_restart(chat_server: Callable[..., EmbeddedServer], upstream: ScriptedUpstream, tmp_path: Path) -> None:
    name = model()
    upstream.script(name, tool_reply(("lookup", ['{"q": 1}'])), text_reply("Found it."))
    first = chat_server(data_dir=tmp_path / "restart")
    with sync_client(first.base_url) as client:
        assistant, thread = start(client, name, tools=[function_tool("lookup")])
        run = run_to_end(client, assistant, thread)
        assert run.status == "requires_action"
    first.stop()
    with sync_client(chat_server(data_dir=tmp_path / "restart").base_url) as client:
        call = run.required_action.submit_tool_outputs.tool_calls[0]
        run = client.beta.threads.runs.submit_tool_outputs_and_poll(
            run_id=run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": "42"}], poll_interval_ms=20
        )
        assert run.status == "completed" and reply_text(client, thread) == "Found it."
    tail = upstream.requests_for(name)[1].body["messages"][-2:]
    assert tail[0]["tool_calls"][0]["function"] == {"name": "lookup", "arguments": '{"q": 1}'}
    assert tail[1] == {"role": "tool", "tool_call_id": call.id, "content": "42"}


def test_code_interpreter_streams_code_into_the_step_and_feeds_outputs_back(chat: openai.OpenAI, upstream: ScriptedUpstream) -> None:
    name = model()
    upstream.script(
        name,
        tool_reply(("python", ['{"code": "x = 6', ' * 7\\nprint(', '\\"answer\\", x)"}'])),
        text_reply("The answer is 42."),
    )
    assistant, thread = start(chat, name, "Compute 6*7", tools=[{"type": "code_interpreter"}])
    inputs: list[str] = []
    with chat.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id, tool_choice={"type": "code_interpreter"}) as stream:
        for event in stream:
            if event.event == "thread.run.step.delta":
                code = event.data.delta.step_details.tool_calls[0].code_interpreter
                if code.input:
                    inputs.append(code.input)
        run = stream.get_final_run()
    assert run.status == "completed" and reply_text(chat, thread) == "The answer is 42."
    assert inputs == ["x = 6", " * 7\nprint(", '"answer", x)'], "the code streams as the model writes it"
    step = chat.beta.threads.runs.steps.list(run_id=run.id, thread_id=thread.id, order="asc").data[0]
    call = step.step_details.tool_calls[0]
    assert call.code_interpreter.input == 'x = 6 * 7\nprint("answer", x)'
    assert [o.logs for o in call.code_interpreter.outputs] == ["answer 42\n"]
    first, second = (r.body for r in upstream.requests_for(name))
    assert first["tool_choice"] == {"type": "function", "function": {"name": "python"}}
    assert "tool_choice" not in second, "a forced tool is forced once"
    assert [t["function"]["name"] for t in second["tools"]] == ["python"]
    assert second["messages"][-1] == {"role": "tool", "tool_call_id": call.id, "content": "answer 42\n"}
    assert json.loads(second["messages"][-2]["tool_calls"][0]["function"]["arguments"]) == {"code": call.code_interpreter.input}


def test_parallel_calls_mixing_code_and_functions(chat: openai.OpenAI, upstream: ScriptedUpstream) -> None:
    name = model()
    upstream.script(
        name,
        tool_reply(("get_time", ['{"tz": "UTC"}']), ("python", ['{"code": "print(2 + 2)"}']), ("get_date", ["{}"])),
        text_reply("Done."),
    )
    tools = [function_tool("get_time"), function_tool("get_date"), {"type": "code_interpreter"}]
    assistant, thread = start(chat, name, tools=tools)
    run = run_to_end(chat, assistant, thread)
    assert run.status == "requires_action"
    calls = run.required_action.submit_tool_outputs.tool_calls
    assert [c.function.name for c in calls] == ["get_time", "get_date"]
    outputs = [{"tool_call_id": c.id, "output": f"out-{c.function.name}"} for c in calls]
    run = chat.beta.threads.runs.submit_tool_outputs_and_poll(run_id=run.id, thread_id=thread.id, tool_outputs=outputs, poll_interval_ms=20)
    assert run.status == "completed"
    messages = upstream.requests_for(name)[1].body["messages"]
    assert sorted(c["function"]["name"] for c in messages[1]["tool_calls"]) == ["get_date", "get_time", "python"]
    assert sorted(m["content"] for m in messages[2:]) == ["4\n", "out-get_date", "out-get_time"]


def with_text_after_the_calls(reply: Reply, *pieces: str) -> Reply:
    """The reply with content deltas after its tool calls, before the finish chunk (some models do this)."""
    finish = next(i for i, c in enumerate(reply.chunks) if c["choices"] and c["choices"][0]["finish_reason"])
    reply.chunks[finish:finish] = [chunk({"content": p}) for p in pieces]
    return reply


def test_text_after_a_code_call_becomes_a_message_after_its_step(chat: openai.OpenAI, upstream: ScriptedUpstream) -> None:
    name = model()
    upstream.script(
        name,
        with_text_after_the_calls(tool_reply(("python", ['{"code": "print(3 * 3)"}'])), "Running ", "that now."),
        text_reply("It printed 9."),
    )
    assistant, thread = start(chat, name, tools=[{"type": "code_interpreter"}])
    run = run_to_end(chat, assistant, thread)
    assert run.status == "completed"
    steps = chat.beta.threads.runs.steps.list(run_id=run.id, thread_id=thread.id, order="asc").data
    assert [s.type for s in steps] == ["tool_calls", "message_creation", "message_creation"]
    texts = [message_text(m) for m in chat.beta.threads.messages.list(thread.id, order="asc").data[1:]]
    assert texts == ["Running that now.", "It printed 9."]


def test_text_after_function_calls_becomes_a_message_after_the_waiting_step(chat: openai.OpenAI, upstream: ScriptedUpstream) -> None:
    """The calls stream into one tool step as the model writes them; text after them follows that step."""
    name = model()
    upstream.script(
        name,
        with_text_after_the_calls(
            tool_reply(("python", ['{"code": "print(1)"}']), ("get_time", ['{"tz": "UTC"}'])), "Checking the clock."
        ),
        text_reply("Done."),
    )
    assistant, thread = start(chat, name, tools=[function_tool("get_time"), {"type": "code_interpreter"}])
    run = run_to_end(chat, assistant, thread)
    assert run.status == "requires_action"
    steps = chat.beta.threads.runs.steps.list(run_id=run.id, thread_id=thread.id, order="asc").data
    assert [(s.type, s.status) for s in steps] == [("tool_calls", "in_progress"), ("message_creation", "completed")]
    assert [c.type for c in steps[0].step_details.tool_calls] == ["code_interpreter", "function"]
    assert message_text(chat.beta.threads.messages.list(thread.id).data[0]) == "Checking the clock."
    [call] = run.required_action.submit_tool_outputs.tool_calls
    run = chat.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": "noon"}], poll_interval_ms=20
    )
    assert run.status == "completed" and reply_text(chat, thread) == "Done."
    history = upstream.requests_for(name)[1].body["messages"]
    assert [m["role"] for m in history] == ["user", "assistant", "tool", "tool", "assistant"]
    assert [c["function"]["name"] for c in history[1]["tool_calls"]] == ["python", "get_time"]
    assert history[3] == {"role": "tool", "tool_call_id": call.id, "content": "noon"}
    assert history[4] == {"role": "assistant", "content": "Checking the clock."}  # nothing the model said is lost


def test_file_search_call_searches_and_feeds_results_back(chat: openai.OpenAI, upstream: ScriptedUpstream) -> None:
    name = model()
    upstream.script(name, tool_reply(("file_search", ['{"query": "capybara diet"}'])), text_reply("They eat grass."))
    upload = chat.files.create(file=("notes.txt", b"Capybaras eat grass and aquatic plants."), purpose="assistants")
    store = chat.vector_stores.create(name="notes", file_ids=[upload.id])
    assistant, thread = start(
        chat, name, "What do capybaras eat?", tools=[{"type": "file_search"}],
        tool_resources={"file_search": {"vector_store_ids": [store.id]}},
    )
    deadline = time.monotonic() + 10
    while chat.vector_stores.retrieve(store.id).status != "completed" and time.monotonic() < deadline:
        time.sleep(0.05)
    run = run_to_end(chat, assistant, thread)
    assert run.status == "completed", run.last_error
    assert run.usage.prompt_tokens == 20 + 11, "the upstream's count only: the results are in its second prompt"
    step = chat.beta.threads.runs.steps.list(run_id=run.id, thread_id=thread.id, order="asc").data[0]
    assert [c.type for c in step.step_details.tool_calls] == ["file_search"]
    first, second = (r.body for r in upstream.requests_for(name))
    assert [t["function"]["name"] for t in first["tools"]] == ["file_search"]
    assert "aquatic plants" in second["messages"][-1]["content"] and second["messages"][-1]["role"] == "tool"


def test_a_model_that_keeps_calling_tools_is_stopped(chat: openai.OpenAI, upstream: ScriptedUpstream) -> None:
    name = model()
    upstream.script(name, *[tool_reply(("python", ['{"code": "pass"}'])) for _ in range(10)])
    assistant, thread = start(chat, name, tools=[{"type": "code_interpreter"}])
    run = run_to_end(chat, assistant, thread)
    assert run.status == "failed" and run.last_error.code == "server_error"
    assert "kept calling tools" in run.last_error.message and len(upstream.requests_for(name)) == 10
    third = upstream.requests_for(name)[2].body["messages"]
    assert [m["role"] for m in third] == ["user", "assistant", "tool", "assistant", "tool"], "one model call, one step"


def test_a_call_to_a_tool_the_run_lacks_fails_the_run(chat: openai.OpenAI, upstream: ScriptedUpstream) -> None:
    name = model()
    upstream.script(name, tool_reply(("delete_everything", ["{}"])))
    assistant, thread = start(chat, name, tools=[function_tool("harmless")])
    run = run_to_end(chat, assistant, thread)
    assert run.status == "failed" and "'delete_everything', which is not one of this run's tools" in run.last_error.message


# ---- budgets -------------------------------------------------------------------------------------


def test_finish_reason_length_ends_the_run_incomplete(chat: openai.OpenAI, upstream: ScriptedUpstream) -> None:
    name = model()
    upstream.script(name, text_reply("A very long", " answer", finish="length", tokens=(10, 256)))
    assistant, thread = start(chat, name)
    run = run_to_end(chat, assistant, thread, max_completion_tokens=256)
    assert run.status == "incomplete" and run.incomplete_details.reason == "max_completion_tokens"
    assert run.usage.completion_tokens == 256 and upstream.requests_for(name)[0].body["max_tokens"] == 256
    message = chat.beta.threads.messages.list(thread_id=thread.id, limit=1).data[0]
    assert message.status == "incomplete" and message_text(message) == "A very long answer"


def test_a_tool_round_that_spends_the_budget_ends_the_run_incomplete(chat: openai.OpenAI, upstream: ScriptedUpstream) -> None:
    name = model()
    upstream.script(name, tool_reply(("python", ['{"code": "print(1)"}']), tokens=(20, 256)))
    assistant, thread = start(chat, name, tools=[{"type": "code_interpreter"}])
    run = run_to_end(chat, assistant, thread, max_completion_tokens=256)
    assert run.status == "incomplete" and run.incomplete_details.reason == "max_completion_tokens"
    assert len(upstream.requests_for(name)) == 1


# ---- upstream failures ---------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


FAILURES: dict[str, tuple[list[Reply], str, str]] = {
    "401": ([error_reply(401, f"Incorrect API key provided: {UPSTREAM_KEY}.", "invalid_api_key")], "server_error", "refused the API key (401 Unauthorized)"),
    "400": ([error_reply(400, "This model's maximum context length is 8192 tokens.")], "invalid_prompt", "refused the request (400 Bad Request): This model's maximum context length"),
    "429 exhausted": ([error_reply(429, "Slow down.", headers={"Retry-After": "0"})] * 3, "rate_limit_exceeded", "rate-limited the request (429 Too Many Requests after 3 tries): Slow down."),
    "500": ([error_reply(500, "The server had an error.")], "server_error", "failed (500 Internal Server Error): The server had an error."),
    "malformed chunk": ([Reply(chunks=[chunk({"content": "Hi"}), '{"choices": [{"delta": '])], "server_error", "sent a malformed stream chunk (not JSON)"),
    "odd chunk": ([Reply(chunks=[{"choices": [{"delta": "text?"}]}])], "server_error", "sent a stream chunk of an unexpected shape"),
    "error chunk": ([Reply(chunks=[{"error": {"message": "overloaded"}}])], "server_error", "reported an error mid-stream: overloaded"),
    "cut mid-stream": ([Reply(chunks=[chunk({"content": "Hi"})], cut=True)], "server_error", "closed the connection mid-stream"),
    "no finish": ([Reply(chunks=[chunk({"content": "Hi"})], done=False)], "server_error", "ended the stream before the reply was finished"),
}


@pytest.mark.parametrize("case", list(FAILURES))
def test_upstream_failures_fail_the_run_with_a_code_and_the_cause(case: str, chat: openai.OpenAI, upstream: ScriptedUpstream) -> None:
    replies, code, cause = FAILURES[case]
    name = model()
    upstream.script(name, *replies)
    assistant, thread = start(chat, name)
    run = run_to_end(chat, assistant, thread)
    assert run.status == "failed" and run.last_error.code == code, run.last_error
    assert run.last_error.message.startswith(f"The upstream 127.0.0.1:{upstream.port} ")
    assert cause in run.last_error.message
    assert UPSTREAM_KEY not in dump(chat, thread, run)


def test_unknown_model_is_an_invalid_prompt(chat: openai.OpenAI, upstream: ScriptedUpstream) -> None:
    assistant, thread = start(chat, "no-such-model")
    run = run_to_end(chat, assistant, thread)
    assert run.status == "failed" and run.last_error.code == "invalid_prompt"
    assert "(404 Not Found): The model `no-such-model` does not exist" in run.last_error.message
    assert "check the model name (or the model map) and the base URL" in run.last_error.message


def test_rate_limit_retry_after_is_honoured_then_the_run_completes(chat: openai.OpenAI, upstream: ScriptedUpstream) -> None:
    name = model()
    upstream.script(name, error_reply(429, "Slow down.", headers={"Retry-After": "1"}), text_reply("Made it."))
    assistant, thread = start(chat, name)
    run = run_to_end(chat, assistant, thread)
    assert run.status == "completed" and reply_text(chat, thread) == "Made it."
    first, second = upstream.requests_for(name)
    assert 0.9 <= second.at - first.at < 5


def test_refused_connection_and_stall_fail_fast(chat_server: Callable[..., EmbeddedServer], upstream: ScriptedUpstream, tmp_path: Path) -> None:
    port = _closed_port()
    with sync_client(chat_server(upstream_base_url=f"http://127.0.0.1:{port}/v1").base_url) as client:
        assistant, thread = start(client, model())
        run = run_to_end(client, assistant, thread)
        assert run.status == "failed" and run.last_error.code == "server_error"
        assert run.last_error.message.startswith(f"The upstream 127.0.0.1:{port} can't connect (connection refused)")
    name = model()
    upstream.script(name, Reply(chunks=[chunk({"content": "Hm"})], stall=10))
    with sync_client(chat_server(upstream_timeout_s=0.5, data_dir=tmp_path / "stall").base_url) as client:
        assistant, thread = start(client, name)
        started = time.monotonic()
        run = run_to_end(client, assistant, thread)
        assert run.status == "failed" and run.last_error.message == f"The upstream 127.0.0.1:{upstream.port} stalled: no data for 0.5 s."
        assert time.monotonic() - started < 3
        assert reply_text(client, thread) == "Hm"


def test_cancel_closes_the_upstream_stream_at_once(chat: openai.OpenAI, upstream: ScriptedUpstream) -> None:
    name = model()
    upstream.script(name, text_reply("Thinking", " forever", hold=threading.Event(), hold_after=2))
    assistant, thread = start(chat, name)
    with chat.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id) as stream:
        for event in stream:
            if event.event == "thread.message.delta":
                chat.beta.threads.runs.cancel(run_id=stream.current_run.id, thread_id=thread.id)
                break
    request = upstream.requests_for(name)[0]
    assert request.disconnected.wait(2), "the upstream stream stayed open after cancel"
    assert wait_for_status(chat, thread.id, stream.current_run.id, "cancelled").status == "cancelled"


def test_the_upstream_key_is_sent_upstream_and_nowhere_else(chat: openai.OpenAI, upstream: ScriptedUpstream, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    name = model()
    upstream.script(name, text_reply("fine"), error_reply(401, f"Incorrect API key provided: {UPSTREAM_KEY}."), error_reply(500, f"key {UPSTREAM_KEY} broke"))
    assistant, thread = start(chat, name)
    runs = [run_to_end(chat, assistant, thread) for _ in range(3)]
    assert [r.status for r in runs] == ["completed", "failed", "failed"]
    assert all(r.headers["authorization"] == f"Bearer {UPSTREAM_KEY}" for r in upstream.requests_for(name))
    assert "[redacted]" in runs[2].last_error.message
    assert all(UPSTREAM_KEY not in dump(chat, thread, r) for r in runs)
    assert caplog.records and UPSTREAM_KEY not in caplog.text


# ---- asst-tui serve --engine chat ------------------------------------------------------------------


def test_serve_with_the_chat_engine(upstream: ScriptedUpstream, tmp_path: Path) -> None:
    name = model()
    upstream.script(name, text_reply("From the CLI."))
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "ASST_TUI_SERVER_KEY")}
    env.update(PYTHONUNBUFFERED="1", TEST_UPSTREAM_KEY=UPSTREAM_KEY)
    command = [sys.executable, "-m", "asst_tui.cli", "serve", "--port", "0", "--data-dir", str(tmp_path), "--engine", "chat",
               "--upstream-base-url", upstream.base_url, "--upstream-api-key-env", "TEST_UPSTREAM_KEY", "--model-map", f"nice={name}"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        assert f"(chat engine, upstream {upstream.base_url}) listening on http://127.0.0.1:" in banner
        with sync_client(banner.split()[-1]) as client:
            assistant, thread = start(client, "nice")
            assert run_to_end(client, assistant, thread).status == "completed"
            assert reply_text(client, thread) == "From the CLI."
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    assert upstream.requests_for(name)[0].headers["authorization"] == f"Bearer {UPSTREAM_KEY}"
    assert UPSTREAM_KEY not in banner + out + err


def test_serve_chat_without_an_upstream_exits_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    done = subprocess.run(
        [sys.executable, "-m", "asst_tui.cli", "serve", "--engine", "chat", "--port", "0", "--data-dir", str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=30,
    )
    assert done.returncode == 2 and "--upstream-base-url" in done.stderr and "OPENAI_API_KEY" in done.stderr
