"""file_search and files in runs with the real SDK: the documented flow end to end (vector store on the
assistant, a file attached to a message, a streamed run whose answer cites both files), thread vector
stores made from attachments, run steps with and without `include[]` content, and a code-interpreter
run that reads an attached CSV and hands back a file as a `file_path` annotation."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai
import pytest
from openai.lib.streaming import AssistantEventHandler
from openai.types.beta.threads.runs import RunStep

from asst_tui.server import EmbeddedServer
from asst_tui.server.tools import ingest, vector_stores

from .conftest import message_text, sync_client

CONTENT = "step_details.tool_calls[*].file_search.results[*].content"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


class Recorder(AssistantEventHandler):
    """Keeps the run steps as streamed."""

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[RunStep] = []

    def on_run_step_done(self, run_step: RunStep) -> None:
        self.steps.append(run_step)


def test_documented_flow_streamed_run_cites_the_right_files(client: openai.OpenAI, tmp_path: Path) -> None:
    # 1. a vector store with the assistant's knowledge, filled with the upload helper
    vector_store = client.vector_stores.create(name="Project handbook")
    handbook = write(tmp_path, "handbook.md", "# Aurora\n\nThe Aurora project launches in March with a budget of four million kroner.\n")
    unrelated = write(tmp_path, "canteen.txt", "The canteen serves soup on Fridays.\n")
    batch = client.vector_stores.file_batches.upload_and_poll(vector_store.id, files=[open(handbook, "rb"), open(unrelated, "rb")])
    assert batch.status == "completed" and batch.file_counts.completed == 2
    # 2. an assistant that uses it
    assistant = client.beta.assistants.create(name="Analyst", model="demo", tools=[{"type": "file_search"}])
    assistant = client.beta.assistants.update(assistant.id, tool_resources={"file_search": {"vector_store_ids": [vector_store.id]}})
    assert assistant.tool_resources.file_search.vector_store_ids == [vector_store.id]
    # 3. a thread whose message attaches another file for file_search
    report = client.files.create(file=write(tmp_path, "review.txt", "Borealis review: the Aurora launch date is confirmed for March.\n").open("rb"), purpose="assistants")
    thread = client.beta.threads.create(messages=[{
        "role": "user", "content": "When does Aurora launch?",
        "attachments": [{"file_id": report.id, "tools": [{"type": "file_search"}]}],
    }])
    thread_stores = thread.tool_resources.file_search.vector_store_ids
    assert len(thread_stores) == 1 and thread_stores[0] != vector_store.id
    # 4. a streamed run
    recorder = Recorder()
    with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id, event_handler=recorder) as stream:
        stream.until_done()
        messages = stream.get_final_messages()
        run = stream.get_final_run()
    assert run.status == "completed"
    text = messages[-1].content[0].text
    citations = [a for a in text.annotations if a.type == "file_citation"]
    cited = {client.files.retrieve(a.file_citation.file_id).filename for a in citations}
    assert cited == {"handbook.md", "review.txt"}
    for i, annotation in enumerate(citations):
        assert annotation.text == f"【0:{i}†source】" == text.value[annotation.start_index : annotation.end_index]
    assert "March" in text.value
    # the stored message says the same as the stream
    stored = client.beta.threads.messages.list(thread_id=thread.id, run_id=run.id).data[0]
    assert stored.content[0].text.annotations == text.annotations and message_text(stored) == text.value

    # the tool step: a file_search call whose results name the files; content only on request
    streamed = [s for s in recorder.steps if s.type == "tool_calls"]
    assert len(streamed) == 1
    streamed_call = streamed[0].step_details.tool_calls[0]
    assert streamed_call.type == "file_search" and all(r.content is None for r in streamed_call.file_search.results)
    plain = client.beta.threads.runs.steps.list(run_id=run.id, thread_id=thread.id, order="asc").data[0]
    call = plain.step_details.tool_calls[0]
    assert call.id.startswith("call_") and call.file_search.ranking_options.ranker == "default_2024_08_21"
    assert {r.file_name for r in call.file_search.results} >= {"handbook.md", "review.txt"}
    assert all(r.content is None and 0 <= r.score <= 1 for r in call.file_search.results)
    full = client.beta.threads.runs.steps.retrieve(plain.id, thread_id=thread.id, run_id=run.id, include=[CONTENT])
    contents = {r.file_name: r.content[0].text for r in full.step_details.tool_calls[0].file_search.results}
    assert "four million kroner" in contents["handbook.md"] and contents["review.txt"].startswith("Borealis review")
    listed = client.beta.threads.runs.steps.list(run_id=run.id, thread_id=thread.id, include=[CONTENT]).data
    assert listed[-1].step_details.tool_calls[0].file_search.results[0].content


def test_code_interpreter_reads_an_attached_csv_and_returns_a_file_path(client: openai.OpenAI, tmp_path: Path) -> None:
    csv_file = client.files.create(file=write(tmp_path, "sales.csv", "region,amount\nnorth,10\nsouth,20\neast,30\n").open("rb"), purpose="assistants")
    assistant = client.beta.assistants.create(model="demo", tools=[{"type": "code_interpreter"}])
    code = (
        "```python\n"
        "import csv\n"
        "rows = list(csv.DictReader(open('sales.csv')))\n"
        "total = sum(int(r['amount']) for r in rows)\n"
        "open('summary.csv', 'w', newline='').write(f'rows,total\\n{len(rows)},{total}\\n')\n"
        "print('total', total)\n"
        "```"
    )
    thread = client.beta.threads.create(messages=[{
        "role": "user", "content": code, "attachments": [{"file_id": csv_file.id, "tools": [{"type": "code_interpreter"}]}],
    }])
    assert not (thread.tool_resources.file_search and thread.tool_resources.file_search.vector_store_ids)
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=20)
    assert run.status == "completed"
    step = client.beta.threads.runs.steps.list(run_id=run.id, thread_id=thread.id, order="asc").data[0]
    logs = [o.logs for o in step.step_details.tool_calls[0].code_interpreter.outputs if o.type == "logs"]
    assert logs == ["total 60\n"]
    text = client.beta.threads.messages.list(thread_id=thread.id, run_id=run.id).data[0].content[0].text
    [annotation] = text.annotations
    assert annotation.type == "file_path" and annotation.text == "sandbox:/mnt/data/summary.csv"
    assert text.value[annotation.start_index : annotation.end_index] == annotation.text
    info = client.files.retrieve(annotation.file_path.file_id)
    assert (info.filename, info.purpose) == ("summary.csv", "assistants_output")
    assert client.files.content(info.id).read() == b"rows,total\n3,60\n"


def test_attachments_make_and_extend_the_thread_vector_store(client: openai.OpenAI, tmp_path: Path) -> None:
    first = client.files.create(file=write(tmp_path, "a.txt", "Kiwi birds cannot fly.").open("rb"), purpose="assistants")
    second = client.files.create(file=write(tmp_path, "b.txt", "Kiwi fruit is green.").open("rb"), purpose="assistants")
    both_tools = [{"type": "file_search"}, {"type": "code_interpreter"}]
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "hi", "attachments": [{"file_id": first.id, "tools": both_tools}]}])
    [store_id] = thread.tool_resources.file_search.vector_store_ids
    store = client.vector_stores.retrieve(store_id)
    assert store.expires_after.days == 7 and thread.id in store.name
    assert client.beta.threads.retrieve(thread.id).tool_resources.file_search.vector_store_ids == [store_id]
    client.beta.threads.messages.create(thread.id, role="user", content="more", attachments=[{"file_id": second.id, "tools": [{"type": "file_search"}]}])
    client.beta.threads.messages.create(thread.id, role="user", content="again", attachments=[{"file_id": first.id, "tools": [{"type": "file_search"}]}])
    assert client.beta.threads.retrieve(thread.id).tool_resources.file_search.vector_store_ids == [store_id]
    assert sorted(f.id for f in client.vector_stores.files.list(vector_store_id=store_id)) == sorted([first.id, second.id])

    # a thread that already has a vector store gets the attachments in that one
    own = client.vector_stores.create(name="own")
    thread = client.beta.threads.create(tool_resources={"file_search": {"vector_store_ids": [own.id]}})
    client.beta.threads.messages.create(thread.id, role="user", content="x", attachments=[{"file_id": second.id, "tools": [{"type": "file_search"}]}])
    assert client.beta.threads.retrieve(thread.id).tool_resources.file_search.vector_store_ids == [own.id]
    assert [f.id for f in client.vector_stores.files.list(vector_store_id=own.id)] == [second.id]

    # create-and-run and a run's additional_messages attach too; the run finds the file
    assistant = client.beta.assistants.create(model="demo", tools=[{"type": "file_search"}])
    run = client.beta.threads.create_and_run_poll(
        assistant_id=assistant.id, poll_interval_ms=20,
        thread={"messages": [{"role": "user", "content": "Can kiwi birds fly?", "attachments": [{"file_id": first.id, "tools": [{"type": "file_search"}]}]}]},
    )
    assert run.status == "completed"
    reply = client.beta.threads.messages.list(thread_id=run.thread_id).data[0].content[0].text
    assert [a.file_citation.file_id for a in reply.annotations] == [first.id]
    run = client.beta.threads.runs.create_and_poll(
        thread_id=run.thread_id, assistant_id=assistant.id, poll_interval_ms=20,
        additional_messages=[{"role": "user", "content": "Is kiwi fruit green?", "attachments": [{"file_id": second.id, "tools": [{"type": "file_search"}]}]}],
    )
    reply = client.beta.threads.messages.list(thread_id=run.thread_id, run_id=run.id).data[0].content[0].text
    assert reply.annotations[0].file_citation.file_id == second.id


def test_run_waits_for_attached_files_still_being_indexed(make_server: Callable[..., EmbeddedServer], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    original = ingest.prepare_chunks
    started = threading.Event()

    def slow(*args: Any) -> Any:
        started.set()
        time.sleep(0.6)
        return original(*args)

    monkeypatch.setattr(ingest, "prepare_chunks", slow)
    with sync_client(make_server().base_url) as client:
        note = client.files.create(file=write(tmp_path, "late.txt", "The quokka smiles a lot.").open("rb"), purpose="assistants")
        assistant = client.beta.assistants.create(model="demo", tools=[{"type": "file_search"}])
        thread = client.beta.threads.create(messages=[{"role": "user", "content": "Does the quokka smile?", "attachments": [{"file_id": note.id, "tools": [{"type": "file_search"}]}]}])
        run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
        assert started.wait(5)
        run = client.beta.threads.runs.poll(run.id, thread_id=thread.id, poll_interval_ms=20)
        assert run.status == "completed"
        reply = client.beta.threads.messages.list(thread_id=thread.id, run_id=run.id).data[0].content[0].text
        assert [a.file_citation.file_id for a in reply.annotations] == [note.id]


def test_file_search_settings_and_when_the_demo_does_not_search(client: openai.OpenAI, tmp_path: Path) -> None:
    files = [client.files.create(file=write(tmp_path, f"otter{i}.txt", f"Otter fact {i}: otters hold hands.").open("rb"), purpose="assistants") for i in range(3)]
    vs = client.vector_stores.create(name="otters")
    client.vector_stores.file_batches.create_and_poll(vs.id, file_ids=[f.id for f in files])
    one = client.beta.assistants.create(model="demo", tools=[{"type": "file_search", "file_search": {"max_num_results": 1}}],
                                        tool_resources={"file_search": {"vector_store_ids": [vs.id]}})
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Do otters hold hands?"}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=one.id, poll_interval_ms=20)
    step = client.beta.threads.runs.steps.list(run_id=run.id, thread_id=thread.id, order="asc").data[0]
    assert len(step.step_details.tool_calls[0].file_search.results) == 1
    assert len(client.beta.threads.messages.list(thread_id=thread.id, run_id=run.id).data[0].content[0].text.annotations) == 1

    # tool_choice none, or no file_search tool: the default reply, no search
    for kwargs in ({"tool_choice": "none"}, {"tools": []}):
        client.beta.threads.messages.create(thread.id, role="user", content="Do otters hold hands?")
        run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=one.id, poll_interval_ms=20, **kwargs)
        steps = client.beta.threads.runs.steps.list(run_id=run.id, thread_id=thread.id).data
        assert [s.type for s in steps] == ["message_creation"], kwargs
        assert "Demo engine" in message_text(client.beta.threads.messages.list(thread_id=thread.id, run_id=run.id).data[0])

    # a store with nothing matching: a search, and a reply saying so
    client.beta.threads.messages.create(thread.id, role="user", content="quasar nebula")
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=one.id, poll_interval_ms=20)
    reply = client.beta.threads.messages.list(thread_id=thread.id, run_id=run.id).data[0]
    assert "nothing in them matches" in message_text(reply) and reply.content[0].text.annotations == []


def test_an_expired_vector_store_fails_the_run(make_server: Callable[..., EmbeddedServer], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with sync_client(make_server().base_url) as client:
        memo = client.files.create(file=write(tmp_path, "memo.txt", "An old memo about the pelican.").open("rb"), purpose="assistants")
        vs = client.vector_stores.create(name="short-lived", expires_after={"anchor": "last_active_at", "days": 1})
        client.vector_stores.files.create_and_poll(memo.id, vector_store_id=vs.id, poll_interval_ms=20)
        assistant = client.beta.assistants.create(model="demo", tools=[{"type": "file_search"}], tool_resources={"file_search": {"vector_store_ids": [vs.id]}})
        later = int(time.time()) + 2 * 86_400
        monkeypatch.setattr(vector_stores, "now", lambda: later)
        thread = client.beta.threads.create(messages=[{"role": "user", "content": "What about the pelican?"}])
        run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=20)
        assert run.status == "failed" and run.last_error.code == "server_error"
        assert vs.id in run.last_error.message and "expired" in run.last_error.message


def test_tool_resources_can_create_the_vector_store_inline(client: openai.OpenAI, tmp_path: Path) -> None:
    guide = client.files.create(file=write(tmp_path, "guide.txt", "The ferry to Bergen leaves at nine.").open("rb"), purpose="assistants")
    assistant = client.beta.assistants.create(model="demo", tools=[{"type": "file_search"}], tool_resources={"file_search": {"vector_stores": [
        {"file_ids": [guide.id], "metadata": {"made": "inline"}, "chunking_strategy": {"type": "static", "static": {"max_chunk_size_tokens": 200, "chunk_overlap_tokens": 0}}},
    ]}})
    [store_id] = assistant.tool_resources.file_search.vector_store_ids
    store = client.vector_stores.retrieve(store_id)
    assert store.metadata == {"made": "inline"} and store.file_counts.total == 1
    assert client.beta.assistants.retrieve(assistant.id).tool_resources.file_search.vector_store_ids == [store_id]
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "When does the ferry leave?"}],
                                        tool_resources={"file_search": {"vector_stores": [{"file_ids": [guide.id]}]}})
    [thread_store] = thread.tool_resources.file_search.vector_store_ids
    assert thread_store != store_id
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=20)
    reply = client.beta.threads.messages.list(thread_id=thread.id, run_id=run.id).data[0].content[0].text
    assert {a.file_citation.file_id for a in reply.annotations} == {guide.id}
    with pytest.raises(openai.BadRequestError, match="at most 1 vector store"):
        client.beta.threads.create(tool_resources={"file_search": {"vector_store_ids": [store_id], "vector_stores": [{"file_ids": [guide.id]}]}})
