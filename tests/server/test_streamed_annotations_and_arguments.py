"""What UIs built from stream deltas rely on (issue 16, items 1 and 6), with the real SDK's event handler:
text deltas carry their file_path / file_citation annotations, and a function call's arguments arrive in
several deltas (so `on_tool_call_delta` / Node's `toolCallDelta` fire for function calls too)."""

from __future__ import annotations

import json
import time
from typing import Any

import openai
from openai import AssistantEventHandler

from .conftest import MODEL, function_tool, message_text


class DeltaRecorder(AssistantEventHandler):
    """Builds the reply from text deltas as the OpenAI assistants quickstart does: append the value, then
    rewrite each annotation's text (a sandbox link, a citation marker) in what has arrived so far."""

    def __init__(self) -> None:
        super().__init__()
        self.shown = ""
        self.annotations: list[dict[str, Any]] = []
        self.tool_calls: list[tuple[str, str]] = []  # ("created" | "delta", type)
        self.arguments: dict[str, list[str]] = {}  # call id -> argument fragments, as streamed

    def on_text_delta(self, delta: Any, snapshot: Any) -> None:
        self.shown += delta.value or ""
        for annotation in delta.annotations or []:
            self.annotations.append(annotation.to_dict())
            target = annotation.file_path.file_id if annotation.type == "file_path" else annotation.file_citation.file_id
            self.shown = self.shown.replace(annotation.text, f"/api/files/{target}")

    def on_tool_call_created(self, tool_call: Any) -> None:
        self.tool_calls.append(("created", tool_call.type))
        if tool_call.type == "function":
            self.arguments[tool_call.id] = [tool_call.function.arguments]

    def on_tool_call_delta(self, delta: Any, snapshot: Any) -> None:
        self.tool_calls.append(("delta", delta.type))
        if delta.type == "function" and delta.function.arguments:
            self.arguments[snapshot.id].append(delta.function.arguments)


def _stream(client: openai.OpenAI, thread_id: str, assistant_id: str) -> tuple[DeltaRecorder, Any]:
    recorder = DeltaRecorder()
    with client.beta.threads.runs.stream(thread_id=thread_id, assistant_id=assistant_id, event_handler=recorder) as stream:
        stream.until_done()
        run = stream.get_final_run()
    return recorder, run


def _without_index(annotations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in a.items() if k != "index"} for a in annotations]


def test_a_link_to_a_file_the_code_wrote_arrives_with_its_annotation(client: openai.OpenAI) -> None:
    assistant = client.beta.assistants.create(model=MODEL, tools=[{"type": "code_interpreter"}])
    code = "```python\nopen('report.csv', 'w').write('a,b\\n1,2\\n')\nprint('written')\n```"
    thread = client.beta.threads.create(messages=[{"role": "user", "content": code}])
    recorder, run = _stream(client, thread.id, assistant.id)
    assert run.status == "completed"
    [streamed] = recorder.annotations
    assert streamed["type"] == "file_path" and streamed["text"] == "sandbox:/mnt/data/report.csv" and streamed["index"] == 0
    file_id = streamed["file_path"]["file_id"]
    assert client.files.retrieve(file_id).filename == "report.csv"
    assert "(/api/files/" + file_id + ")" in recorder.shown and "sandbox:" not in recorder.shown, "the quickstart's link works"
    text = client.beta.threads.messages.list(thread_id=thread.id, run_id=run.id).data[0].content[0].text
    assert [a.to_dict() for a in text.annotations] == _without_index(recorder.annotations)
    assert text.value[streamed["start_index"]:streamed["end_index"]] == streamed["text"]


def test_citations_arrive_with_their_annotations(client: openai.OpenAI) -> None:
    doc = client.files.create(file=("owls.txt", b"Barn owls hunt at night over open fields."), purpose="assistants")
    store = client.vector_stores.create(name="Owls", file_ids=[doc.id])
    deadline = time.monotonic() + 15
    while client.vector_stores.retrieve(store.id).file_counts.in_progress:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assistant = client.beta.assistants.create(model=MODEL, tools=[{"type": "file_search"}],
                                              tool_resources={"file_search": {"vector_store_ids": [store.id]}})
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "When do barn owls hunt?"}])
    recorder, run = _stream(client, thread.id, assistant.id)
    assert run.status == "completed"
    [streamed] = recorder.annotations
    assert streamed["type"] == "file_citation" and streamed["text"] == "【0:0†source】" and streamed["file_citation"]["file_id"] == doc.id
    assert f"/api/files/{doc.id}" in recorder.shown and "【" not in recorder.shown
    text = client.beta.threads.messages.list(thread_id=thread.id, run_id=run.id).data[0].content[0].text
    assert [a.to_dict() for a in text.annotations] == _without_index(recorder.annotations)


def test_text_that_only_looks_like_a_link_or_a_citation_carries_no_annotation(client: openai.OpenAI) -> None:
    assistant = client.beta.assistants.create(model=MODEL)
    said = "See sandbox:/mnt/data/nothing.csv and 【0:0†source】, and s"
    thread = client.beta.threads.create(messages=[{"role": "user", "content": said}])
    recorder, run = _stream(client, thread.id, assistant.id)
    assert run.status == "completed" and recorder.annotations == []
    reply = client.beta.threads.messages.list(thread_id=thread.id, run_id=run.id).data[0]
    assert said in message_text(reply) and recorder.shown == message_text(reply), "held-back text is all sent"


def test_a_function_calls_arguments_stream_in_several_deltas(client: openai.OpenAI) -> None:
    assistant = client.beta.assistants.create(model=MODEL, tools=[function_tool("get_weather"), function_tool("get_time")])
    thread = client.beta.threads.create(messages=[{"role": "user", "content": 'get_weather {"city": "Oslo", "unit": "celsius"} and get_time {}'}])
    recorder, run = _stream(client, thread.id, assistant.id)
    assert run.status == "requires_action"
    calls = run.required_action.submit_tool_outputs.tool_calls
    assert [c.function.name for c in calls] == ["get_weather", "get_time"]
    assert recorder.tool_calls.count(("created", "function")) == 2
    assert recorder.tool_calls.count(("delta", "function")) >= 4, recorder.tool_calls
    weather, clock = (recorder.arguments[c.id] for c in calls)
    assert len(weather) > 2 and "".join(weather) == calls[0].function.arguments
    assert json.loads(calls[0].function.arguments) == {"city": "Oslo", "unit": "celsius"}
    assert "".join(clock) == calls[1].function.arguments == "{}"
    step = client.beta.threads.runs.steps.list(run_id=run.id, thread_id=thread.id).data[0]
    assert [c.function.arguments for c in step.step_details.tool_calls] == [c.function.arguments for c in calls]
