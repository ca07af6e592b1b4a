"""Per-key projects with the real SDK: two keys of two projects on one server, and everything one project makes
is, to the other, not there: 404 by id, absent from lists, unusable through another object (a run with its
assistant, a message attaching its file, tool_resources naming its vector store, file_search over its store)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai
import pytest

from asst_tui.server import EmbeddedServer

from .conftest import MODEL, function_tool, message_text, sync_client, wait_for_status
from .project_keys import TwoProjects, create_key, two_projects

SECRET = "The otter's password is marmalade."


@pytest.fixture
def projects(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> Iterator[TwoProjects]:
    pair = two_projects(make_server, tmp_path)
    with pair.a, pair.b:
        yield pair


@dataclass
class World:
    """One of every kind of object, made by project A."""

    file: Any
    batch_file: Any
    store: Any
    batch: Any
    assistant: Any
    thread: Any
    message: Any
    run: Any
    step: Any
    waiting_thread: Any
    waiting_run: Any


def build_world(client: openai.OpenAI) -> World:
    file = client.files.create(file=("otter.txt", SECRET.encode()), purpose="assistants")
    batch_file = client.files.create(file=("badger.txt", b"The badger keeps the spare key."), purpose="assistants")
    store = client.vector_stores.create(name="A's store", file_ids=[file.id])
    assert client.vector_stores.files.poll(file.id, vector_store_id=store.id).status == "completed"
    batch = client.vector_stores.file_batches.create_and_poll(store.id, file_ids=[batch_file.id])
    assert batch.status == "completed"
    assistant = client.beta.assistants.create(
        model=MODEL, tools=[{"type": "file_search"}, function_tool("lookup")],
        tool_resources={"file_search": {"vector_store_ids": [store.id]}},
    )
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "What is the otter's password?"}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    assert run.status == "completed"
    reply = client.beta.threads.messages.list(thread_id=thread.id).data[0]
    assert "marmalade" in message_text(reply)
    step = client.beta.threads.runs.steps.list(thread_id=thread.id, run_id=run.id).data[0]
    waiting_thread = client.beta.threads.create(messages=[{"role": "user", "content": "lookup {}"}])
    waiting_run = client.beta.threads.runs.create_and_poll(thread_id=waiting_thread.id, assistant_id=assistant.id)
    assert waiting_run.status == "requires_action"
    return World(file, batch_file, store, batch, assistant, thread, reply, run, step, waiting_thread, waiting_run)


def reads(client: openai.OpenAI, w: World) -> dict[str, Callable[[], Any]]:
    """Every read of one of A's objects by id, by what it reads."""
    return {
        "assistant": lambda: client.beta.assistants.retrieve(w.assistant.id),
        "thread": lambda: client.beta.threads.retrieve(w.thread.id),
        "message": lambda: client.beta.threads.messages.retrieve(w.message.id, thread_id=w.thread.id),
        "messages": lambda: client.beta.threads.messages.list(thread_id=w.thread.id),
        "run": lambda: client.beta.threads.runs.retrieve(w.run.id, thread_id=w.thread.id),
        "runs": lambda: client.beta.threads.runs.list(thread_id=w.thread.id),
        "step": lambda: client.beta.threads.runs.steps.retrieve(w.step.id, thread_id=w.thread.id, run_id=w.run.id),
        "steps": lambda: client.beta.threads.runs.steps.list(thread_id=w.thread.id, run_id=w.run.id),
        "file": lambda: client.files.retrieve(w.file.id),
        "file content": lambda: client.files.content(w.file.id).read(),
        "vector store": lambda: client.vector_stores.retrieve(w.store.id),
        "vector store file": lambda: client.vector_stores.files.retrieve(w.file.id, vector_store_id=w.store.id),
        "vector store files": lambda: client.vector_stores.files.list(vector_store_id=w.store.id),
        "vector store file content": lambda: list(client.vector_stores.files.content(w.file.id, vector_store_id=w.store.id)),
        "file batch": lambda: client.vector_stores.file_batches.retrieve(w.batch.id, vector_store_id=w.store.id),
        "file batch files": lambda: client.vector_stores.file_batches.list_files(w.batch.id, vector_store_id=w.store.id),
        "search": lambda: client.vector_stores.search(w.store.id, query="otter password"),
    }


def test_every_object_of_one_project_is_404_by_id_to_another(projects: TwoProjects) -> None:
    world = build_world(projects.a)
    for what, read in reads(projects.a, world).items():
        read()  # the owner reads each one
    for what, read in reads(projects.b, world).items():
        with pytest.raises(openai.NotFoundError):
            read()
            pytest.fail(f"project B read A's {what}")


def test_lists_hold_only_the_projects_own_objects(projects: TwoProjects) -> None:
    world = build_world(projects.a)
    b = projects.b
    own_file = b.files.create(file=("mine.txt", b"B's own file."), purpose="assistants")
    own_store = b.vector_stores.create(name="B's store")
    own_assistant = b.beta.assistants.create(model=MODEL)
    assert [x.id for x in b.beta.assistants.list()] == [own_assistant.id]
    assert [x.id for x in b.files.list()] == [own_file.id]
    assert [x.id for x in b.files.list(purpose="assistants")] == [own_file.id]
    assert [x.id for x in b.vector_stores.list()] == [own_store.id]
    # another project's id as a cursor is no bound, as an unknown id: it says nothing of A's objects
    assert [x.id for x in b.beta.assistants.list(after=world.assistant.id)] == [own_assistant.id]
    assert [x.id for x in b.vector_stores.list(before=world.store.id)] == [own_store.id]
    # and A's lists don't hold B's objects
    assert own_assistant.id not in {x.id for x in projects.a.beta.assistants.list()}
    assert {x.id for x in projects.a.files.list()} == {world.file.id, world.batch_file.id}
    assert [x.id for x in projects.a.vector_stores.list()] == [world.store.id]


def test_another_project_can_neither_change_nor_delete_an_object(projects: TwoProjects) -> None:
    world = build_world(projects.a)
    a, b = projects.a, projects.b
    writes: dict[str, Callable[[], Any]] = {
        "update assistant": lambda: b.beta.assistants.update(world.assistant.id, name="taken"),
        "delete assistant": lambda: b.beta.assistants.delete(world.assistant.id),
        "update thread": lambda: b.beta.threads.update(world.thread.id, metadata={"x": "y"}),
        "add a message": lambda: b.beta.threads.messages.create(thread_id=world.thread.id, role="user", content="hi"),
        "update message": lambda: b.beta.threads.messages.update(world.message.id, thread_id=world.thread.id, metadata={"x": "y"}),
        "delete message": lambda: b.beta.threads.messages.delete(world.message.id, thread_id=world.thread.id),
        "start a run": lambda: b.beta.threads.runs.create(thread_id=world.thread.id, assistant_id=world.assistant.id),
        "update run": lambda: b.beta.threads.runs.update(world.run.id, thread_id=world.thread.id, metadata={"x": "y"}),
        "cancel run": lambda: b.beta.threads.runs.cancel(world.waiting_run.id, thread_id=world.waiting_thread.id),
        "submit tool outputs": lambda: b.beta.threads.runs.submit_tool_outputs(
            world.waiting_run.id, thread_id=world.waiting_thread.id,
            tool_outputs=[{"tool_call_id": world.waiting_run.required_action.submit_tool_outputs.tool_calls[0].id, "output": "forged"}],
        ),
        "delete thread": lambda: b.beta.threads.delete(world.waiting_thread.id),
        "delete file": lambda: b.files.delete(world.file.id),
        "update vector store": lambda: b.vector_stores.update(world.store.id, name="taken"),
        "add a vector store file": lambda: b.vector_stores.files.create(vector_store_id=world.store.id, file_id=world.file.id),
        "update vector store file": lambda: b.vector_stores.files.update(world.file.id, vector_store_id=world.store.id, attributes={"x": "y"}),
        "delete vector store file": lambda: b.vector_stores.files.delete(world.file.id, vector_store_id=world.store.id),
        "add a file batch": lambda: b.vector_stores.file_batches.create(vector_store_id=world.store.id, file_ids=[world.file.id]),
        "cancel file batch": lambda: b.vector_stores.file_batches.cancel(world.batch.id, vector_store_id=world.store.id),
        "delete vector store": lambda: b.vector_stores.delete(world.store.id),
    }
    for what, write in writes.items():
        with pytest.raises(openai.NotFoundError):
            write()
            pytest.fail(f"project B could {what} of A's")
    # nothing of A's changed
    assert a.beta.assistants.retrieve(world.assistant.id).name is None
    assert a.beta.threads.retrieve(world.thread.id).metadata == {}
    assert a.beta.threads.messages.retrieve(world.message.id, thread_id=world.thread.id).metadata == {}
    assert len(a.beta.threads.messages.list(thread_id=world.thread.id).data) == 2
    assert [r.id for r in a.beta.threads.runs.list(thread_id=world.thread.id)] == [world.run.id]
    assert a.beta.threads.runs.retrieve(world.waiting_run.id, thread_id=world.waiting_thread.id).status == "requires_action"
    assert a.files.retrieve(world.file.id).id == world.file.id
    assert a.vector_stores.retrieve(world.store.id).name == "A's store"
    row = a.vector_stores.files.retrieve(world.file.id, vector_store_id=world.store.id)
    assert row.status == "completed" and row.attributes == {}
    assert a.vector_stores.retrieve(world.store.id).file_counts.completed == 2
    assert a.vector_stores.search(world.store.id, query="otter password").data[0].file_id == world.file.id


def test_another_projects_objects_cant_be_used_through_ones_own(projects: TwoProjects) -> None:
    world = build_world(projects.a)
    b = projects.b
    own_thread = b.beta.threads.create()
    own_assistant = b.beta.assistants.create(model=MODEL, tools=[{"type": "file_search"}, {"type": "code_interpreter"}])
    own_store = b.vector_stores.create(name="B's store")
    attach = [{"file_id": world.file.id, "tools": [{"type": "file_search"}]}]
    uses: dict[str, Callable[[], Any]] = {
        "a run with A's assistant": lambda: b.beta.threads.runs.create(thread_id=own_thread.id, assistant_id=world.assistant.id),
        "a new thread run with A's assistant": lambda: b.beta.threads.create_and_run(assistant_id=world.assistant.id),
        "a message attaching A's file": lambda: b.beta.threads.messages.create(thread_id=own_thread.id, role="user", content="see", attachments=attach),
        "a message showing A's file as an image": lambda: b.beta.threads.messages.create(
            thread_id=own_thread.id, role="user", content=[{"type": "image_file", "image_file": {"file_id": world.file.id}}]
        ),
        "a new thread whose message attaches A's file": lambda: b.beta.threads.create(messages=[{"role": "user", "content": "see", "attachments": attach}]),
        "a run's additional message attaching A's file": lambda: b.beta.threads.runs.create(
            thread_id=own_thread.id, assistant_id=own_assistant.id, additional_messages=[{"role": "user", "content": "see", "attachments": attach}]
        ),
        "a thread searching A's vector store": lambda: b.beta.threads.create(tool_resources={"file_search": {"vector_store_ids": [world.store.id]}}),
        "a thread updated to search A's vector store": lambda: b.beta.threads.update(
            own_thread.id, tool_resources={"file_search": {"vector_store_ids": [world.store.id]}}
        ),
        "an assistant searching A's vector store": lambda: b.beta.assistants.update(
            own_assistant.id, tool_resources={"file_search": {"vector_store_ids": [world.store.id]}}
        ),
        "a new thread run searching A's vector store": lambda: b.beta.threads.create_and_run(
            assistant_id=own_assistant.id, tool_resources={"file_search": {"vector_store_ids": [world.store.id]}}
        ),
        "an assistant's code interpreter with A's file": lambda: b.beta.assistants.create(
            model=MODEL, tools=[{"type": "code_interpreter"}], tool_resources={"code_interpreter": {"file_ids": [world.file.id]}}
        ),
        "a thread's code interpreter with A's file": lambda: b.beta.threads.create(tool_resources={"code_interpreter": {"file_ids": [world.file.id]}}),
        "an inline vector store of A's file": lambda: b.beta.assistants.create(
            model=MODEL, tools=[{"type": "file_search"}], tool_resources={"file_search": {"vector_stores": [{"file_ids": [world.file.id]}]}}
        ),
        "a vector store made of A's file": lambda: b.vector_stores.create(name="copy", file_ids=[world.file.id]),
        "A's file added to B's vector store": lambda: b.vector_stores.files.create(vector_store_id=own_store.id, file_id=world.file.id),
        "A's file in a batch of B's vector store": lambda: b.vector_stores.file_batches.create(vector_store_id=own_store.id, file_ids=[world.file.id]),
    }
    for what, use in uses.items():
        with pytest.raises(openai.NotFoundError):
            use()
            pytest.fail(f"project B made {what}")
    # B's own objects were left as they were: nothing of A's crept in
    assert b.beta.threads.messages.list(thread_id=own_thread.id).data == []
    assert b.beta.threads.runs.list(thread_id=own_thread.id).data == []
    assert b.beta.assistants.retrieve(own_assistant.id).tool_resources.model_dump(exclude_none=True) == {}
    assert b.beta.threads.retrieve(own_thread.id).tool_resources.model_dump(exclude_none=True) == {}
    assert b.vector_stores.files.list(vector_store_id=own_store.id).data == []
    assert [x.id for x in b.vector_stores.list()] == [own_store.id]
    assert [x.id for x in b.beta.assistants.list()] == [own_assistant.id]


def test_file_search_finds_only_the_projects_own_files(projects: TwoProjects) -> None:
    world = build_world(projects.a)
    b = projects.b
    decoy = b.files.create(file=("otter-b.txt", b"B's otter sleeps by the river."), purpose="assistants")
    store = b.vector_stores.create(name="B's store", file_ids=[decoy.id])
    assert b.vector_stores.files.poll(decoy.id, vector_store_id=store.id).status == "completed"
    found = b.vector_stores.search(store.id, query="otter password marmalade")
    assert [r.file_id for r in found.data] == [decoy.id]
    assistant = b.beta.assistants.create(model=MODEL, tools=[{"type": "file_search"}], tool_resources={"file_search": {"vector_store_ids": [store.id]}})
    thread = b.beta.threads.create(messages=[{"role": "user", "content": "What is the otter's password?"}])
    run = b.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    assert run.status == "completed"
    steps = b.beta.threads.runs.steps.list(thread_id=thread.id, run_id=run.id, include=["step_details.tool_calls[*].file_search.results[*].content"])
    results = [r for s in steps if s.type == "tool_calls" for c in s.step_details.tool_calls for r in c.file_search.results]
    assert results and {r.file_id for r in results} == {decoy.id}
    reply = message_text(b.beta.threads.messages.list(thread_id=thread.id).data[0])
    assert "marmalade" not in reply and world.file.id not in reply


def test_a_run_sees_only_its_projects_objects(projects: TwoProjects) -> None:
    """A run's engine reads the thread through its project: B's run on B's thread sees B's message only."""
    build_world(projects.a)
    b = projects.b
    assistant = b.beta.assistants.create(model=MODEL, name="B's helper")
    thread = b.beta.threads.create(messages=[{"role": "user", "content": "hello from B"}])
    run = b.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    assert run.status == "completed"
    reply = message_text(b.beta.threads.messages.list(thread_id=thread.id).data[0])
    assert "answering as *B's helper*" in reply and "This thread has 1 message." in reply


def test_the_single_server_key_is_the_default_project_beside_the_keys_file(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.toml"
    default_key, other_key = create_key(keys_file, "default"), create_key(keys_file, "other")
    server = make_server(keys_file=keys_file, api_key="sk-single-server-key")
    with sync_client(server.base_url, "sk-single-server-key") as single, sync_client(server.base_url, default_key) as default, sync_client(server.base_url, other_key) as other:
        assistant = single.beta.assistants.create(model=MODEL, name="made with the single key")
        assert default.beta.assistants.retrieve(assistant.id).name == "made with the single key"
        with pytest.raises(openai.NotFoundError):
            other.beta.assistants.retrieve(assistant.id)
    with sync_client(server.base_url, "sk-wrong") as wrong, pytest.raises(openai.AuthenticationError):
        wrong.beta.assistants.list()


def test_objects_made_before_keys_belong_to_the_default_project(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    open_server = make_server(data_dir=data_dir)
    with sync_client(open_server.base_url, "anything") as anyone:
        assistant = anyone.beta.assistants.create(model=MODEL, name="from before keys")
        thread = anyone.beta.threads.create(messages=[{"role": "user", "content": "old"}])
        run = anyone.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
        assert run.status == "completed"
    open_server.stop()
    keys_file = tmp_path / "keys.toml"
    default_key, other_key = create_key(keys_file, "default"), create_key(keys_file, "other")
    server = make_server(data_dir=data_dir, keys_file=keys_file)
    with sync_client(server.base_url, default_key) as default, sync_client(server.base_url, other_key) as other:
        assert default.beta.assistants.retrieve(assistant.id).name == "from before keys"
        assert len(default.beta.threads.messages.list(thread_id=thread.id).data) == 2
        assert other.beta.assistants.list().data == []
        with pytest.raises(openai.NotFoundError):
            other.beta.threads.runs.retrieve(run.id, thread_id=thread.id)
        # a run of the default project still works after the restart
        again = default.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
        assert again.status == "completed"


def test_a_run_waiting_for_outputs_survives_a_restart_in_its_project(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> None:
    """Recovery at start works per project: B's waiting run is still B's, and finishes, after a restart."""
    keys_file, data_dir = tmp_path / "keys.toml", tmp_path / "data"
    key_b = create_key(keys_file, "team-b")
    first = make_server(data_dir=data_dir, keys_file=keys_file)
    with sync_client(first.base_url, key_b) as b:
        assistant = b.beta.assistants.create(model=MODEL, tools=[function_tool("lookup")])
        thread = b.beta.threads.create(messages=[{"role": "user", "content": "lookup {}"}])
        run = b.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
        assert run.status == "requires_action"
    first.stop()
    second = make_server(data_dir=data_dir, keys_file=keys_file)
    with sync_client(second.base_url, key_b) as b:
        call = run.required_action.submit_tool_outputs.tool_calls[0]
        b.beta.threads.runs.submit_tool_outputs(run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": "42"}])
        assert wait_for_status(b, thread.id, run.id, "completed").status == "completed"
        assert "42" in message_text(b.beta.threads.messages.list(thread_id=thread.id).data[0])


def test_azures_api_key_header_opens_the_keys_project(projects: TwoProjects) -> None:
    key_c = create_key(projects.keys_file, "team-c")
    origin = projects.server.base_url.removesuffix("/v1")
    with openai.AzureOpenAI(azure_endpoint=origin, api_version="2024-05-01-preview", api_key=key_c, max_retries=0, timeout=30) as azure:
        made = azure.beta.assistants.create(model=MODEL, name="C's, through Azure")
        mine = projects.a.beta.assistants.create(model=MODEL)
        assert [x.id for x in azure.beta.assistants.list()] == [made.id]
        with pytest.raises(openai.NotFoundError):
            azure.beta.assistants.retrieve(mine.id)
    with pytest.raises(openai.NotFoundError):
        projects.a.beta.assistants.retrieve(made.id)
