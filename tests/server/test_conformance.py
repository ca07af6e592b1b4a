"""Every JSON response and every streamed event of the covered operations, validated against OpenAI's
own OpenAPI description (../shared/openapi/openai-openapi.yaml) with a plain HTTP client.

Each request goes through `Api`, which looks up the operation's 200 `application/json` response
schema by the spec's path template and method and fails the test on any violation. Streamed runs go
through `Api.stream`, which validates each SSE event's `data` against the schema the spec gives that
event (AssistantStreamEvent → RunStreamEvent / RunStepStreamEvent / MessageStreamEvent / ...).

Spec exemptions (each a documented quirk of the description, not of the server) are in `EXEMPTIONS`.
"""

from __future__ import annotations

import json
import struct
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from asst_tui.server import ServerConfig, start_server

from .conftest import store_overrides
from .openapi_schemas import Spec, load_raw, template_for

TERMINAL = {"completed", "failed", "cancelled", "expired", "incomplete", "requires_action"}
LIST_RESPONSES = ("ListAssistantsResponse", "ListMessagesResponse", "ListRunsResponse", "ListRunStepsResponse", "ListFilesResponse",
                  "ListVectorStoresResponse", "ListVectorStoreFilesResponse")
NULLABLE_STRING = {"anyOf": [{"type": "string"}, {"type": "null"}]}

# Spec quirks: each widens the spec's schema at one JSON pointer (of the converted document) only as far
# as the quirk needs, with the reason. Everything else is validated as the description has it.
EXEMPTIONS: dict[str, tuple[Any, str]] = {
    **{
        f"/components/schemas/{name}/properties/{key}": (
            NULLABLE_STRING,
            "The description types first_id/last_id as plain strings, but an empty page has no first or "
            "last object: the hosted API answered null there and the SDK's cursor pages accept it. "
            "(Api.call checks that a non-empty page names its first and last object.)",
        )
        for name in LIST_RESPONSES
        for key in ("first_id", "last_id")
    },
    "/components/schemas/ErrorEvent/properties/data": (
        {"anyOf": [{"$ref": "#/components/schemas/Error"}, {"$ref": "#/components/schemas/ErrorResponse"}]},
        "ErrorEvent gives `data` as a bare Error, but the SDK's stream decoder only recognises an error "
        "event whose data carries an `error` key ({\"error\": Error}, like every error body): it then raises "
        "APIError with the message. The server sends that shape; the Error inside is still validated.",
    ),
    "/components/schemas/OpenAIFile/properties/purpose": (
        {"type": "string", "enum": ["assistants", "assistants_output", "batch", "batch_output", "fine-tune",
                                    "fine-tune-results", "vision", "user_data", "evals"]},
        "The description contradicts itself: CreateFileRequest (and the SDK's FilePurpose) accept purpose "
        "`evals`, but the OpenAIFile it answers with lists every purpose except `evals`; the file can only "
        "echo the purpose it was uploaded with.",
    ),
}

# (path template, method) of every covered operation. The content download answers raw bytes (the
# spec's `type: string` "schema" for it is not JSON), so it is exercised but not schema-validated.
COVERED = {
    ("/assistants", "post"), ("/assistants", "get"), ("/assistants/{assistant_id}", "get"),
    ("/assistants/{assistant_id}", "post"), ("/assistants/{assistant_id}", "delete"),
    ("/threads", "post"), ("/threads/runs", "post"), ("/threads/{thread_id}", "get"),
    ("/threads/{thread_id}", "post"), ("/threads/{thread_id}", "delete"),
    ("/threads/{thread_id}/messages", "post"), ("/threads/{thread_id}/messages", "get"),
    ("/threads/{thread_id}/messages/{message_id}", "get"), ("/threads/{thread_id}/messages/{message_id}", "post"),
    ("/threads/{thread_id}/messages/{message_id}", "delete"),
    ("/threads/{thread_id}/runs", "post"), ("/threads/{thread_id}/runs", "get"),
    ("/threads/{thread_id}/runs/{run_id}", "get"), ("/threads/{thread_id}/runs/{run_id}", "post"),
    ("/threads/{thread_id}/runs/{run_id}/cancel", "post"),
    ("/threads/{thread_id}/runs/{run_id}/submit_tool_outputs", "post"),
    ("/threads/{thread_id}/runs/{run_id}/steps", "get"), ("/threads/{thread_id}/runs/{run_id}/steps/{step_id}", "get"),
    ("/files", "post"), ("/files", "get"), ("/files/{file_id}", "get"), ("/files/{file_id}", "delete"),
    ("/vector_stores", "post"), ("/vector_stores", "get"), ("/vector_stores/{vector_store_id}", "get"),
    ("/vector_stores/{vector_store_id}", "post"), ("/vector_stores/{vector_store_id}", "delete"),
    ("/vector_stores/{vector_store_id}/search", "post"),
    ("/vector_stores/{vector_store_id}/files", "post"), ("/vector_stores/{vector_store_id}/files", "get"),
    ("/vector_stores/{vector_store_id}/files/{file_id}", "get"), ("/vector_stores/{vector_store_id}/files/{file_id}", "post"),
    ("/vector_stores/{vector_store_id}/files/{file_id}", "delete"), ("/vector_stores/{vector_store_id}/files/{file_id}/content", "get"),
    ("/vector_stores/{vector_store_id}/file_batches", "post"), ("/vector_stores/{vector_store_id}/file_batches/{batch_id}", "get"),
    ("/vector_stores/{vector_store_id}/file_batches/{batch_id}/cancel", "post"),
    ("/vector_stores/{vector_store_id}/file_batches/{batch_id}/files", "get"),
}
EXPECTED_EVENTS = {
    "thread.created", "thread.run.created", "thread.run.queued", "thread.run.in_progress",
    "thread.run.requires_action", "thread.run.completed", "thread.run.failed", "thread.run.incomplete",
    "thread.run.cancelling", "thread.run.cancelled",
    "thread.run.step.created", "thread.run.step.in_progress", "thread.run.step.delta", "thread.run.step.completed",
    "thread.message.created", "thread.message.in_progress", "thread.message.delta", "thread.message.completed",
    "thread.message.incomplete", "thread.run.step.cancelled", "error", "done",
}

VALIDATED: Counter[str] = Counter()  # "POST /threads/{thread_id}/runs" or "event thread.run.created" -> count


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


class Api:
    """A plain HTTP client whose every JSON answer is checked against the spec."""

    def __init__(self, base_url: str, spec: Spec) -> None:
        self.http = httpx2.Client(base_url=base_url, timeout=30)
        self.spec = spec
        self.templates: dict[str, list[str]] = {}
        for path, item in spec.raw["paths"].items():
            for method in item:
                self.templates.setdefault(method, []).append(path)

    def close(self) -> None:
        self.http.close()

    def _template(self, method: str, path: str) -> str:
        template = template_for(path.split("?")[0], self.templates[method])
        assert template is not None, f"the spec has no operation {method.upper()} {path}"
        return template

    def check(self, label: str, validator: Any, body: Any) -> None:
        problems = Spec.errors(validator, body)
        assert not problems, f"{label} violates the spec:\n  " + "\n  ".join(problems) + f"\nbody: {json.dumps(body)[:2000]}"
        VALIDATED[label] += 1

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        method = method.lower()
        response = self.http.request(method.upper(), path, **kwargs)
        assert response.status_code == 200, f"{method.upper()} {path}: {response.status_code} {response.text[:500]}"
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
        template = self._template(method, path)
        self.check(f"{method.upper()} {template}", self.spec.response(template, method), body)
        if isinstance(body, dict) and body.get("object") == "list":  # what the first_id/last_id exemption can't say
            ids = [item["id"] for item in body["data"]]
            assert (body["first_id"], body["last_id"]) == ((ids[0], ids[-1]) if ids else (None, None)), body
        return body

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.call("get", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.call("post", path, json=body if body is not None else {}, **kwargs)

    def delete(self, path: str) -> Any:
        return self.call("delete", path)

    def stream(self, path: str, body: dict[str, Any], on_event: Any = None) -> list[tuple[str, Any]]:
        """POST with stream: true; every event's data validated; [(event, data)] in order."""
        events: list[tuple[str, Any]] = []
        with self.http.stream("POST", path, json={**body, "stream": True}) as response:
            assert response.status_code == 200, response.read().decode()[:500]
            assert response.headers["content-type"].startswith("text/event-stream")
            name, data_lines = None, []
            for line in response.iter_lines():
                if line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    data_lines.append(line[5:].lstrip())
                elif line == "" and name is not None:
                    raw = "\n".join(data_lines)
                    data = raw if name == "done" else json.loads(raw)
                    self.check(f"event {name}", self.spec.stream_event_data(name), data)
                    events.append((name, data))
                    if on_event is not None:
                        on_event(name, data)
                    name, data_lines = None, []
        assert events and events[-1] == ("done", "[DONE]"), f"the stream did not end with done: {events[-3:]}"
        return events

    def wait_run(self, thread_id: str, run_id: str, timeout: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            run = self.get(f"/threads/{thread_id}/runs/{run_id}")
            if run["status"] in TERMINAL:
                return run
            assert time.monotonic() < deadline, f"run still {run['status']}"
            time.sleep(0.02)

    def check_run_artifacts(self, thread_id: str, run_id: str) -> None:
        """List and retrieve the run's steps and messages (all validated)."""
        steps = self.get(f"/threads/{thread_id}/runs/{run_id}/steps", params={"order": "asc"})
        for step in steps["data"]:
            self.get(f"/threads/{thread_id}/runs/{run_id}/steps/{step['id']}")
        messages = self.get(f"/threads/{thread_id}/messages", params={"run_id": run_id})
        for message in messages["data"]:
            self.get(f"/threads/{thread_id}/messages/{message['id']}")


@pytest.fixture(scope="module")
def spec() -> Spec:
    return Spec(load_raw(), {pointer: schema for pointer, (schema, _why) in EXEMPTIONS.items()})


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, spec: Spec, store: str, request: pytest.FixtureRequest) -> Iterator[Api]:
    on_store = store_overrides(request, store)
    server = start_server(ServerConfig(data_dir=tmp_path_factory.mktemp("conformance"), port=0, demo_delay_ms=0, sandbox_timeout_s=20, **on_store))
    client = Api(server.base_url, spec)
    try:
        yield client
    finally:
        client.close()
        server.stop()


@pytest.fixture(scope="module")
def assistant(api: Api) -> dict[str, Any]:
    return api.post("/assistants", {
        "model": "gpt-4o",
        "name": "Conformance",
        "instructions": "Answer briefly.",
        "tools": [
            {"type": "code_interpreter"},
            {"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
                                              "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}},
            {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}, "strict": False}},
        ],
        "metadata": {"suite": "conformance"},
    })


def _event_names(events: list[tuple[str, Any]]) -> list[str]:
    return [name for name, _ in events]


def _user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


# ---- assistants ----------------------------------------------------------------------------------


def test_assistants_crud_and_list(api: Api) -> None:
    minimal = api.post("/assistants", {"model": "gpt-4o-mini"})
    assert minimal["id"].startswith("asst_")
    full = api.post("/assistants", {
        "model": "gpt-4o", "name": "Full", "description": "Every field", "instructions": "Be terse.",
        "tools": [{"type": "code_interpreter"}, {"type": "file_search"},
                  {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}}}],
        "tool_resources": {"code_interpreter": {"file_ids": []}},
        "metadata": {"a": "1", "b": "2"}, "temperature": 0.5, "top_p": 0.9,
        "response_format": {"type": "json_object"},
    })
    api.post("/assistants", {"model": "gpt-4o", "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object"}, "strict": True}}})
    api.post("/assistants", {"model": "gpt-4o", "response_format": {"type": "text"}, "name": None, "temperature": None})
    nulls = api.post("/assistants", {"model": "gpt-4o", "tools": [  # null settings are taken as absent, never echoed as null
        {"type": "file_search", "file_search": {"max_num_results": None, "ranking_options": {"ranker": None, "score_threshold": 0.5}}},
    ]})
    assert nulls["tools"] == [{"type": "file_search", "file_search": {"ranking_options": {"score_threshold": 0.5}}}]
    api.get(f"/assistants/{full['id']}")
    updated = api.post(f"/assistants/{full['id']}", {"name": "Renamed", "metadata": {"c": "3"}, "response_format": "auto", "tools": []})
    assert updated["name"] == "Renamed" and updated["metadata"] == {"c": "3"}
    page = api.get("/assistants", params={"limit": 2, "order": "asc"})
    assert page["has_more"] is True and len(page["data"]) == 2
    api.get("/assistants", params={"limit": 2, "order": "asc", "after": page["last_id"]})
    api.get("/assistants", params={"order": "desc", "before": full["id"]})
    api.get("/assistants")
    gone = api.delete(f"/assistants/{minimal['id']}")
    assert gone == {"id": minimal["id"], "object": "assistant.deleted", "deleted": True}


# ---- files ---------------------------------------------------------------------------------------


def test_files_upload_list_retrieve_content_delete(api: Api) -> None:
    data = b"col\n1\n2\n"
    info = api.call("post", "/files", files={"file": ("data.csv", data, "text/csv")}, data={"purpose": "assistants"})
    assert info["bytes"] == len(data) and info["filename"] == "data.csv"
    image = api.call("post", "/files", files={"file": ("pixel.png", png_bytes(), "image/png")}, data={"purpose": "vision"})
    expiring = api.call("post", "/files", files={"file": ("day.txt", b"for a day", "text/plain")},
                        data={"purpose": "assistants", "expires_after[anchor]": "created_at", "expires_after[seconds]": "86400"})
    assert expiring["expires_at"] == expiring["created_at"] + 86_400 and "expires_at" not in info
    api.get(f"/files/{expiring['id']}")
    for purpose in ("batch", "fine-tune", "user_data", "evals"):
        api.call("post", "/files", files={"file": (f"{purpose}.jsonl", b"{}\n", "application/jsonl")}, data={"purpose": purpose})
    api.get("/files")
    api.get("/files", params={"purpose": "vision", "limit": 1})
    api.get(f"/files/{info['id']}")
    content = api.http.get(f"/files/{info['id']}/content")
    assert content.status_code == 200 and content.content == data
    VALIDATED["GET /files/{file_id}/content (bytes compared, not JSON)"] += 1
    assert api.delete(f"/files/{image['id']}") == {"id": image["id"], "object": "file", "deleted": True}
    api.delete(f"/files/{info['id']}")
    api.get("/files", params={"purpose": "batch"})  # an empty page


# ---- threads and messages ------------------------------------------------------------------------


def test_threads_and_messages_crud(api: Api) -> None:
    image = api.call("post", "/files", files={"file": ("pixel.png", png_bytes(), "image/png")}, data={"purpose": "vision"})
    attachment = api.call("post", "/files", files={"file": ("notes.txt", b"hello", "text/plain")}, data={"purpose": "assistants"})
    empty = api.post("/threads")
    assert empty["id"].startswith("thread_")
    thread = api.post("/threads", {
        "messages": [
            _user("Hello"),
            {"role": "assistant", "content": "Hi there", "metadata": {"k": "v"}},
            {"role": "user", "content": [
                {"type": "text", "text": "Look at these"},
                {"type": "image_file", "image_file": {"file_id": image["id"], "detail": "low"}},
                {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
            ], "attachments": [{"file_id": attachment["id"], "tools": [{"type": "code_interpreter"}]},
                               {"file_id": attachment["id"], "tools": [{"type": "file_search"}]}]},
        ],
        "tool_resources": {"code_interpreter": {"file_ids": [attachment["id"]]}},
        "metadata": {"topic": "conformance"},
    })
    tid = thread["id"]
    api.get(f"/threads/{tid}")
    api.post(f"/threads/{tid}", {"metadata": {"topic": "changed"}, "tool_resources": {"code_interpreter": {"file_ids": []}}})
    made = api.post(f"/threads/{tid}/messages", {"role": "user", "content": "One more", "metadata": {"n": "4"}})
    api.post(f"/threads/{tid}/messages", {"role": "user", "content": [{"type": "text", "text": "parts"}],
                                          "attachments": [{"file_id": attachment["id"]}]})
    page = api.get(f"/threads/{tid}/messages", params={"limit": 2})
    assert page["has_more"] is True
    api.get(f"/threads/{tid}/messages", params={"limit": 2, "after": page["last_id"]})
    api.get(f"/threads/{tid}/messages", params={"order": "asc", "before": made["id"]})
    api.get(f"/threads/{tid}/messages/{made['id']}")
    changed = api.post(f"/threads/{tid}/messages/{made['id']}", {"metadata": {"n": "5"}})
    assert changed["metadata"] == {"n": "5"}
    assert api.delete(f"/threads/{tid}/messages/{made['id']}")["object"] == "thread.message.deleted"
    api.get(f"/threads/{empty['id']}/messages")  # an empty page
    api.get(f"/threads/{empty['id']}/runs")  # an empty page
    assert api.delete(f"/threads/{empty['id']}") == {"id": empty["id"], "object": "thread.deleted", "deleted": True}
    api.delete(f"/threads/{tid}")


# ---- runs ----------------------------------------------------------------------------------------


def test_run_polled_with_every_override(api: Api, assistant: dict[str, Any]) -> None:
    thread = api.post("/threads", {"messages": [_user("Hello there")]})
    tid = thread["id"]
    run = api.post(f"/threads/{tid}/runs", {
        "assistant_id": assistant["id"], "model": "gpt-4o-mini", "instructions": "Override.",
        "additional_instructions": "Also this.", "additional_messages": [_user("An extra message"), {"role": "assistant", "content": "ok"}, _user("Go")],
        "tools": [{"type": "code_interpreter"}, {"type": "function", "function": {"name": "get_time"}}],
        "metadata": {"run": "1"}, "temperature": 0.2, "top_p": 0.5, "max_prompt_tokens": 5000,
        "max_completion_tokens": 5000, "truncation_strategy": {"type": "last_messages", "last_messages": 5},
        "tool_choice": {"type": "code_interpreter"}, "parallel_tool_calls": False,
        "response_format": {"type": "json_schema", "json_schema": {"name": "reply", "schema": {"type": "object"}}},
    })
    assert run["status"] == "queued"
    done = api.wait_run(tid, run["id"])
    assert done["status"] == "completed" and done["usage"]["total_tokens"] > 0
    api.get(f"/threads/{tid}/runs")
    updated = api.post(f"/threads/{tid}/runs/{run['id']}", {"metadata": {"run": "2"}})
    assert updated["metadata"] == {"run": "2"}
    api.check_run_artifacts(tid, run["id"])
    # tool_choice as strings and a named function
    for choice in ("none", "required", {"type": "function", "function": {"name": "get_time"}}):
        again = api.post(f"/threads/{tid}/runs", {"assistant_id": assistant["id"], "tool_choice": choice, "truncation_strategy": {"type": "auto"}})
        final = api.wait_run(tid, again["id"])
        if final["status"] == "requires_action":
            api.post(f"/threads/{tid}/runs/{again['id']}/cancel")
            final = api.wait_run(tid, again["id"])
        api.check_run_artifacts(tid, again["id"])


def test_streamed_plain_reply(api: Api, assistant: dict[str, Any]) -> None:
    thread = api.post("/threads", {"messages": [_user("Tell me what you can do")]})
    events = api.stream(f"/threads/{thread['id']}/runs", {"assistant_id": assistant["id"]})
    names = _event_names(events)
    assert names[:3] == ["thread.run.created", "thread.run.queued", "thread.run.in_progress"]
    assert "thread.message.delta" in names and names[-2:] == ["thread.run.completed", "done"]
    api.check_run_artifacts(thread["id"], events[0][1]["id"])


def test_streamed_lorem_and_max_completion_tokens(api: Api, assistant: dict[str, Any]) -> None:
    thread = api.post("/threads", {"messages": [_user("/lorem 120")]})
    events = api.stream(f"/threads/{thread['id']}/runs", {"assistant_id": assistant["id"]})
    assert _event_names(events)[-2] == "thread.run.completed"
    # a budget that runs out mid-message: the message ends incomplete (max_tokens), the run incomplete
    api.post(f"/threads/{thread['id']}/messages", _user("/lorem 2000"))
    events = api.stream(f"/threads/{thread['id']}/runs", {"assistant_id": assistant["id"], "max_completion_tokens": 256})
    names = _event_names(events)
    assert "thread.message.incomplete" in names and names[-2] == "thread.run.incomplete"
    run = events[-2][1]
    assert run["incomplete_details"] == {"reason": "max_completion_tokens"}
    api.check_run_artifacts(thread["id"], run["id"])


CODE = """Please run this:

```python
import struct, zlib
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
raw = b"".join(b"\\x00" + b"\\xff\\x00\\x00" * 2 for _ in range(2))
png = b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open("plot.png", "wb").write(png)
open("table.csv", "w").write("a,b\\n1,2\\n")
print("sum is", 2 + 3)
```

and this:

```python
1 / 0
```
"""


def test_streamed_code_interpreter(api: Api, assistant: dict[str, Any]) -> None:
    thread = api.post("/threads", {"messages": [_user(CODE)]})
    events = api.stream(f"/threads/{thread['id']}/runs", {"assistant_id": assistant["id"]})
    names = _event_names(events)
    assert names[-2] == "thread.run.completed", names
    deltas = [data for name, data in events if name == "thread.run.step.delta"]
    outputs = [o for d in deltas for c in d["delta"]["step_details"]["tool_calls"] for o in (c.get("code_interpreter") or {}).get("outputs") or []]
    assert {o["type"] for o in outputs} == {"logs", "image"}
    run_id = events[0][1]["id"]
    api.check_run_artifacts(thread["id"], run_id)
    steps = api.get(f"/threads/{thread['id']}/runs/{run_id}/steps", params={"order": "asc"})["data"]
    assert [s["type"] for s in steps] == ["tool_calls", "message_creation"]
    message = api.get(f"/threads/{thread['id']}/messages", params={"run_id": run_id})["data"][0]
    image_id = next(o["image"]["file_id"] for o in outputs if o["type"] == "image")
    image_part, text_part = message["content"]
    assert image_part["image_file"]["file_id"] == image_id
    assert text_part["text"]["annotations"][0]["type"] == "file_path"
    image_deltas = [
        part for name, data in events if name == "thread.message.delta" for part in data["delta"]["content"] if part["type"] == "image_file"
    ]
    assert image_deltas == [{"index": 0, "type": "image_file", "image_file": {"file_id": image_id}}]
    annotated = [  # the link's annotation travels with its text, in a delta validated like every other
        a for name, data in events if name == "thread.message.delta" for part in data["delta"]["content"]
        if part["type"] == "text" for a in part["text"].get("annotations") or []
    ]
    assert [(a["index"], a["type"], a["text"]) for a in annotated] == [(0, "file_path", "sandbox:/mnt/data/table.csv")]
    api.get(f"/files/{image_id}")


def test_function_calls_submit_and_stream(api: Api, assistant: dict[str, Any]) -> None:
    # non-streamed: parallel calls → requires_action → submit_tool_outputs (JSON) → completed
    thread = api.post("/threads", {"messages": [_user('get_weather {"city": "Oslo"} and get_time({})')]})
    tid = thread["id"]
    run = api.post(f"/threads/{tid}/runs", {"assistant_id": assistant["id"]})
    waiting = api.wait_run(tid, run["id"])
    assert waiting["status"] == "requires_action"
    calls = waiting["required_action"]["submit_tool_outputs"]["tool_calls"]
    assert [c["function"]["name"] for c in calls] == ["get_weather", "get_time"]
    api.check_run_artifacts(tid, run["id"])
    resumed = api.post(f"/threads/{tid}/runs/{run['id']}/submit_tool_outputs",
                       {"tool_outputs": [{"tool_call_id": c["id"], "output": f"out {i}"} for i, c in enumerate(calls)]})
    assert resumed["status"] == "queued"
    assert api.wait_run(tid, run["id"])["status"] == "completed"
    api.check_run_artifacts(tid, run["id"])

    # streamed: the stream ends at requires_action; submit_tool_outputs streams the rest
    api.post(f"/threads/{tid}/messages", _user('get_weather({"city": "Rome"})'))
    events = api.stream(f"/threads/{tid}/runs", {"assistant_id": assistant["id"]})
    names = _event_names(events)
    assert names[-2] == "thread.run.requires_action" and "thread.run.step.delta" in names
    fragments = [c["function"]["arguments"] for name, data in events if name == "thread.run.step.delta"
                 for c in data["delta"]["step_details"]["tool_calls"] if c["type"] == "function"]
    assert len(fragments) > 2 and json.loads("".join(fragments)) == {"city": "Rome"}, "the arguments stream in deltas"
    run = events[-2][1]
    call = run["required_action"]["submit_tool_outputs"]["tool_calls"][0]
    events = api.stream(f"/threads/{tid}/runs/{run['id']}/submit_tool_outputs", {"tool_outputs": [{"tool_call_id": call["id"], "output": "sunny"}]})
    names = _event_names(events)
    assert "thread.run.step.completed" in names and names[-2] == "thread.run.completed"
    api.check_run_artifacts(tid, run["id"])


@pytest.mark.parametrize("code", ["server_error", "rate_limit_exceeded", "invalid_prompt"])
def test_failed_run(api: Api, assistant: dict[str, Any], code: str) -> None:
    thread = api.post("/threads", {"messages": [_user(f"/fail {code}")]})
    events = api.stream(f"/threads/{thread['id']}/runs", {"assistant_id": assistant["id"]})
    assert _event_names(events)[-2] == "thread.run.failed"
    run = api.get(f"/threads/{thread['id']}/runs/{events[-2][1]['id']}")
    assert run["last_error"]["code"] == code and run["failed_at"] is not None
    api.check_run_artifacts(thread["id"], run["id"])


def test_incomplete_run(api: Api, assistant: dict[str, Any]) -> None:
    thread = api.post("/threads", {"messages": [_user("/incomplete")]})
    events = api.stream(f"/threads/{thread['id']}/runs", {"assistant_id": assistant["id"]})
    assert _event_names(events)[-2] == "thread.run.incomplete"
    run = api.get(f"/threads/{thread['id']}/runs/{events[-2][1]['id']}")
    assert run["status"] == "incomplete" and run["incomplete_details"]["reason"] == "max_completion_tokens"
    api.check_run_artifacts(thread["id"], run["id"])


def test_cancel_mid_stream_and_while_waiting(api: Api, assistant: dict[str, Any]) -> None:
    thread = api.post("/threads", {"messages": [_user("/lorem 1000000")]})
    tid = thread["id"]
    run_ids: list[str] = []
    cancelled: list[dict[str, Any]] = []
    side = Api(str(api.http.base_url).rstrip("/"), api.spec)  # a second connection, as another client would

    def on_event(name: str, data: Any) -> None:
        if name == "thread.run.created":
            run_ids.append(data["id"])
        elif name == "thread.message.delta" and not cancelled:
            cancelled.append(side.post(f"/threads/{tid}/runs/{run_ids[0]}/cancel"))

    try:
        events = api.stream(f"/threads/{tid}/runs", {"assistant_id": assistant["id"]}, on_event=on_event)
    finally:
        side.close()
    names = _event_names(events)
    assert cancelled and cancelled[0]["status"] == "cancelling"
    assert "thread.run.cancelling" in names and names[-2] == "thread.run.cancelled"
    assert "thread.message.incomplete" in names
    api.check_run_artifacts(tid, run_ids[0])

    # a run waiting for tool outputs is cancelled at once
    api.post(f"/threads/{tid}/messages", _user('get_time {}'))
    run = api.post(f"/threads/{tid}/runs", {"assistant_id": assistant["id"]})
    assert api.wait_run(tid, run["id"])["status"] == "requires_action"
    result = api.post(f"/threads/{tid}/runs/{run['id']}/cancel")
    assert result["status"] == "cancelled"
    api.check_run_artifacts(tid, run["id"])


def test_engine_crash_streams_an_error_event(api: Api, assistant: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """An engine that breaks mid-message: `event: error`, then the run, step and message read back failed."""
    from asst_tui.server.runs.engines.demo import DemoEngine

    async def crash(self: Any, ctx: Any) -> None:
        await ctx.begin_message()
        await ctx.write("Half a ")
        raise RuntimeError("engine broke")

    monkeypatch.setattr(DemoEngine, "run", crash)
    thread = api.post("/threads", {"messages": [_user("Hello")]})
    events = api.stream(f"/threads/{thread['id']}/runs", {"assistant_id": assistant["id"]})
    assert _event_names(events)[-2] == "error"
    run_id = events[0][1]["id"]
    run = api.wait_run(thread["id"], run_id)
    assert run["status"] == "failed" and run["last_error"]["code"] == "server_error"
    api.check_run_artifacts(thread["id"], run_id)
    step = api.get(f"/threads/{thread['id']}/runs/{run_id}/steps")["data"][0]
    assert step["status"] == "failed" and step["last_error"]["code"] == "server_error"


def test_create_thread_and_run(api: Api, assistant: dict[str, Any]) -> None:
    run = api.post("/threads/runs", {
        "assistant_id": assistant["id"],
        "thread": {"messages": [_user("Hi")], "metadata": {"via": "create_and_run"}},
        "tool_resources": {"code_interpreter": {"file_ids": []}},
        "metadata": {"kind": "polled"}, "temperature": 1, "tool_choice": "auto",
    })
    done = api.wait_run(run["thread_id"], run["id"])
    assert done["status"] == "completed"
    api.check_run_artifacts(run["thread_id"], run["id"])
    events = api.stream("/threads/runs", {"assistant_id": assistant["id"], "thread": {"messages": [_user("Hi again")]}})
    names = _event_names(events)
    assert names[:2] == ["thread.created", "thread.run.created"] and names[-2] == "thread.run.completed"
    api.check_run_artifacts(events[0][1]["id"], events[1][1]["id"])


def test_expired_run(tmp_path: Path, spec: Spec) -> None:
    """A run left waiting for tool outputs past expires_at: run, step and listings stay conformant."""
    server = start_server(ServerConfig(data_dir=tmp_path, port=0, demo_delay_ms=0, run_expiry_seconds=1))
    api = Api(server.base_url, spec)
    try:
        assistant = api.post("/assistants", {"model": "gpt-4o", "tools": [{"type": "function", "function": {"name": "get_time"}}]})
        thread = api.post("/threads", {"messages": [_user("get_time {}")]})
        events = api.stream(f"/threads/{thread['id']}/runs", {"assistant_id": assistant["id"]})
        run = events[-2][1]
        assert run["status"] == "requires_action"
        deadline = time.monotonic() + 10
        while (run := api.get(f"/threads/{thread['id']}/runs/{run['id']}"))["status"] != "expired":
            assert time.monotonic() < deadline, run["status"]
            time.sleep(0.1)
        api.check_run_artifacts(thread["id"], run["id"])
        step = api.get(f"/threads/{thread['id']}/runs/{run['id']}/steps")["data"][0]
        assert step["status"] == "expired" and step["expired_at"] is not None
    finally:
        api.close()
        server.stop()


def test_validator_catches_violations(spec: Spec) -> None:
    """The converted schemas still reject what the spec forbids (nullable handling isn't a blanket pass)."""
    message = {
        "id": "msg_1", "object": "thread.message", "created_at": 1, "thread_id": "thread_1", "status": "completed",
        "incomplete_details": None, "completed_at": 1, "incomplete_at": None, "role": "user",
        "content": [{"type": "text", "text": {"value": "x", "annotations": []}}],
        "assistant_id": None, "run_id": None, "attachments": [], "metadata": {},
    }
    validator = spec.component("MessageObject")
    assert Spec.errors(validator, message) == []
    bad = [
        {**message, "status": "done"},
        {**message, "completed_at": "yesterday"},
        {**message, "metadata": {"n": 1}},
        {**message, "content": [{"type": "text", "text": {"value": "x"}}]},
        {**message, "incomplete_details": {"reason": "bored"}},
        {k: v for k, v in message.items() if k != "attachments"},
    ]
    for instance in bad:
        assert Spec.errors(validator, instance), instance
    assert Spec.errors(spec.component("RunObject"), None)
    delta = spec.stream_event_data("thread.message.delta")
    assert Spec.errors(delta, {"id": "msg_1", "object": "thread.message.delta", "delta": {"content": [{"type": "text", "text": {"value": "x"}}]}})
    file_info = {"id": "file-1", "object": "file", "bytes": 1, "created_at": 1, "filename": "a", "purpose": "assistants", "status": "processed"}
    assert Spec.errors(spec.component("OpenAIFile"), file_info) == []
    assert Spec.errors(spec.component("OpenAIFile"), {**file_info, "expires_at": None})


# ---- vector stores and file_search ---------------------------------------------------------------


def _upload(api: Api, name: str, data: bytes) -> dict[str, Any]:
    return api.call("post", "/files", files={"file": (name, data, "application/octet-stream")}, data={"purpose": "assistants"})


def _settled(api: Api, path: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while (obj := api.get(path))["file_counts"]["in_progress"]:
        assert time.monotonic() < deadline, obj
        time.sleep(0.02)
    return obj


def test_vector_stores_files_batches_and_search(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from asst_tui.server.tools import ingest

    text = _upload(api, "atlas.md", b"# Atlas\n\nThe atlas maps every glacier in Norway.\n")
    other = _upload(api, "notes.txt", b"Glacier notes: ice moves slowly.")
    empty = _upload(api, "empty.txt", b"")
    vs = api.post("/vector_stores", {
        "name": "Maps", "description": "Maps of the north", "file_ids": [text["id"], empty["id"]], "metadata": {"kind": "maps"},
        "expires_after": {"anchor": "last_active_at", "days": 7},
        "chunking_strategy": {"type": "static", "static": {"max_chunk_size_tokens": 300, "chunk_overlap_tokens": 50}},
    })
    vid = vs["id"]
    api.post("/vector_stores", {})  # every field optional
    vs = _settled(api, f"/vector_stores/{vid}")
    assert vs["file_counts"] == {"in_progress": 0, "completed": 1, "failed": 1, "cancelled": 0, "total": 2}
    api.get("/vector_stores", params={"limit": 1, "order": "asc"})
    api.get("/vector_stores")
    assert vs["description"] == "Maps of the north"
    api.post(f"/vector_stores/{vid}", {"name": "Maps 2", "description": "Atlases", "metadata": {"kind": "atlas"}, "expires_after": None})
    added = api.post(f"/vector_stores/{vid}/files", {"file_id": other["id"], "attributes": {"region": "north", "year": 2024, "public": True},
                                                    "chunking_strategy": {"type": "auto"}})
    assert added["status"] == "in_progress"
    _settled(api, f"/vector_stores/{vid}")
    api.get(f"/vector_stores/{vid}/files")
    api.get(f"/vector_stores/{vid}/files", params={"filter": "failed", "order": "asc", "limit": 5})
    failed = api.get(f"/vector_stores/{vid}/files/{empty['id']}")
    assert failed["status"] == "failed" and failed["last_error"]["code"] == "invalid_file"
    api.get(f"/vector_stores/{vid}/files/{text['id']}")
    api.post(f"/vector_stores/{vid}/files/{other['id']}", {"attributes": {"region": "south"}})
    content = api.get(f"/vector_stores/{vid}/files/{text['id']}/content")
    assert "glacier" in content["data"][0]["text"]
    found = api.post(f"/vector_stores/{vid}/search", {
        "query": ["glacier", "ice"], "max_num_results": 5, "rewrite_query": False,
        "ranking_options": {"ranker": "auto", "score_threshold": 0.0},
        "filters": {"type": "or", "filters": [{"type": "eq", "key": "region", "value": "south"}, {"type": "in", "key": "region", "value": ["x"]}]},
    })
    assert [r["filename"] for r in found["data"]] == ["notes.txt"]
    api.post(f"/vector_stores/{vid}/search", {"query": "nothing like this"})  # an empty page

    batch = api.post(f"/vector_stores/{vid}/file_batches", {"file_ids": [other["id"], text["id"]]})
    _settled(api, f"/vector_stores/{vid}/file_batches/{batch['id']}")
    api.post(f"/vector_stores/{vid}/file_batches", {"files": [{"file_id": text["id"], "attributes": {"a": 1}}]})
    api.get(f"/vector_stores/{vid}/file_batches/{batch['id']}/files", params={"filter": "completed"})

    release = threading.Event()
    original = ingest.prepare_chunks
    monkeypatch.setattr(ingest, "prepare_chunks", lambda *args: (release.wait(10), original(*args))[1])
    try:
        fresh = _upload(api, "fresh.txt", b"Fresh snow on the glacier.")
        pending = api.post(f"/vector_stores/{vid}/file_batches", {"file_ids": [fresh["id"]]})
        assert pending["status"] == "in_progress"
        cancelled = api.post(f"/vector_stores/{vid}/file_batches/{pending['id']}/cancel")
        assert cancelled["status"] == "cancelled" and cancelled["file_counts"]["cancelled"] == 1
    finally:
        release.set()
    assert api.delete(f"/vector_stores/{vid}/files/{other['id']}") == {"id": other["id"], "object": "vector_store.file.deleted", "deleted": True}
    assert api.delete(f"/vector_stores/{vid}") == {"id": vid, "object": "vector_store.deleted", "deleted": True}


def test_file_search_run_steps_and_citations(api: Api) -> None:
    doc = _upload(api, "fjords.txt", b"The longest fjord in Norway is the Sognefjord.")
    vs = api.post("/vector_stores", {"name": "Fjords", "file_ids": [doc["id"]]})
    _settled(api, f"/vector_stores/{vs['id']}")
    assistant = api.post("/assistants", {"model": "gpt-4o", "tools": [{"type": "file_search", "file_search": {"max_num_results": 5}}],
                                         "tool_resources": {"file_search": {"vector_store_ids": [vs["id"]]}}})
    attached = _upload(api, "more.txt", b"Sognefjord is 205 km long.")
    thread = api.post("/threads", {"messages": [{"role": "user", "content": "How long is the Sognefjord?",
                                                 "attachments": [{"file_id": attached["id"], "tools": [{"type": "file_search"}]}]}]})
    assert len(thread["tool_resources"]["file_search"]["vector_store_ids"]) == 1
    events = api.stream(f"/threads/{thread['id']}/runs", {"assistant_id": assistant["id"]})
    assert _event_names(events)[-2] == "thread.run.completed"
    run_id = events[0][1]["id"]
    api.check_run_artifacts(thread["id"], run_id)
    steps = api.get(f"/threads/{thread['id']}/runs/{run_id}/steps", params={"include[]": "step_details.tool_calls[*].file_search.results[*].content", "order": "asc"})
    results = steps["data"][0]["step_details"]["tool_calls"][0]["file_search"]["results"]
    assert {r["file_name"] for r in results} == {"fjords.txt", "more.txt"} and all(r["content"] for r in results)
    api.get(f"/threads/{thread['id']}/runs/{run_id}/steps/{steps['data'][0]['id']}", params={"include[]": "step_details.tool_calls[*].file_search.results[*].content"})
    message = api.get(f"/threads/{thread['id']}/messages", params={"run_id": run_id})["data"][0]
    assert {a["type"] for a in message["content"][0]["text"]["annotations"]} == {"file_citation"}
    streamed = [a for name, data in events if name == "thread.message.delta" for part in data["delta"]["content"]
                for a in (part.get("text") or {}).get("annotations") or []]
    assert [{k: v for k, v in a.items() if k != "index"} for a in streamed] == message["content"][0]["text"]["annotations"]
    # the create-inline helper answers with the store it made, never with the helper itself
    inline = api.post("/assistants", {"model": "gpt-4o", "tool_resources": {"file_search": {"vector_stores": [{"file_ids": [doc["id"]]}]}}})
    assert list(inline["tool_resources"]["file_search"]) == ["vector_store_ids"]
    made = api.post("/threads", {"tool_resources": {"file_search": {"vector_stores": [{"file_ids": [doc["id"]], "metadata": {"a": "b"}}]}}})
    api.get(f"/vector_stores/{made['tool_resources']['file_search']['vector_store_ids'][0]}")


# ---- coverage ------------------------------------------------------------------------------------


def test_covered_operations_are_all_of_the_specs_assistants_files_and_vector_stores_operations(spec: Spec) -> None:
    declared = set(spec.operation_paths(["Assistants", "Files", "Vector stores"]))
    assert COVERED | {("/files/{file_id}/content", "get")} == declared


def test_every_covered_operation_and_event_was_validated(request: pytest.FixtureRequest) -> None:
    """Runs last: every covered operation and every expected event type was validated at least once."""
    selected = {item.originalname for item in request.session.items if item.module is request.module}
    defined = {name for name in vars(request.module) if name.startswith("test_")}
    if selected != defined:
        pytest.skip("only meaningful when the whole module runs")
    operations = {label for label in VALIDATED if not label.startswith("event ")}
    missing = sorted(f"{m.upper()} {p}" for p, m in COVERED if f"{m.upper()} {p}" not in operations)
    assert not missing, f"operations never validated: {missing}"
    events = {label[6:] for label in VALIDATED if label.startswith("event ")}
    assert EXPECTED_EVENTS <= events, f"events never seen: {sorted(EXPECTED_EVENTS - events)}"
    responses = sum(n for label, n in VALIDATED.items() if not label.startswith("event ") and "(bytes" not in label)
    streamed = sum(n for label, n in VALIDATED.items() if label.startswith("event "))
    print(f"\nvalidated against the spec: {responses} JSON responses over {len(operations) - 1} operations, "
          f"{streamed} stream events of {len(events)} types")
    for label, count in sorted(VALIDATED.items()):
        print(f"  {count:6d}  {label}")
