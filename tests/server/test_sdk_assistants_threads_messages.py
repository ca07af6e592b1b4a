"""Assistants, threads and messages through the real openai SDK (sync and async) on loopback."""

from __future__ import annotations

import openai
import pytest

from .conftest import MODEL, function_tool, message_text

# ---- assistants ----------------------------------------------------------------------------------


def test_assistant_create_retrieve_update_delete(client: openai.OpenAI) -> None:
    created = client.beta.assistants.create(
        model=MODEL,
        name="Helper",
        description="Helps with tests.",
        instructions="Answer briefly.",
        tools=[{"type": "code_interpreter"}, function_tool("get_weather")],
        metadata={"team": "qa", "n": "1"},
        temperature=0.5,
        top_p=0.9,
        response_format={"type": "json_object"},
    )
    assert created.id.startswith("asst_")
    assert created.object == "assistant"
    assert created.created_at > 0
    assert (created.name, created.description, created.instructions, created.model) == (
        "Helper", "Helps with tests.", "Answer briefly.", MODEL,
    )
    assert [t.type for t in created.tools] == ["code_interpreter", "function"]
    assert created.tools[1].function.name == "get_weather"
    assert created.metadata == {"team": "qa", "n": "1"}
    assert (created.temperature, created.top_p) == (0.5, 0.9)
    assert created.response_format.type == "json_object"

    fetched = client.beta.assistants.retrieve(created.id)
    assert fetched.model_dump() == created.model_dump()

    updated = client.beta.assistants.update(
        created.id, name="Renamed", instructions="Answer at length.", tools=[], metadata={"team": "dev"}, model="other-model"
    )
    assert (updated.name, updated.instructions, updated.tools, updated.metadata, updated.model) == (
        "Renamed", "Answer at length.", [], {"team": "dev"}, "other-model",
    )
    assert updated.description == "Helps with tests."  # untouched fields are kept
    assert client.beta.assistants.retrieve(created.id).name == "Renamed"

    deleted = client.beta.assistants.delete(created.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (created.id, "assistant.deleted", True)
    with pytest.raises(openai.NotFoundError) as err:
        client.beta.assistants.retrieve(created.id)
    assert err.value.status_code == 404
    assert created.id in err.value.body["message"]


def test_assistant_list_limit_order_after_before(client: openai.OpenAI) -> None:
    # The shared server holds other tests' assistants too: page relative to the ones made here.
    ids = [client.beta.assistants.create(model=MODEL, name=f"list-{i}").id for i in range(5)]

    newest_first = client.beta.assistants.list(limit=5)  # default order is desc
    assert [a.id for a in newest_first.data] == ids[::-1]
    assert newest_first.first_id == ids[-1] and newest_first.last_id == ids[0]
    assert newest_first.object == "list"

    asc = client.beta.assistants.list(order="asc", after=ids[0], limit=2)
    assert [a.id for a in asc.data] == ids[1:3]
    assert asc.has_more is True

    tail = client.beta.assistants.list(order="asc", after=ids[2], limit=10)
    assert [a.id for a in tail.data][:2] == ids[3:5]

    before = client.beta.assistants.list(order="asc", before=ids[4], limit=2)
    assert [a.id for a in before.data] == ids[2:4]  # the two just before, still in ascending order

    desc_before = client.beta.assistants.list(order="desc", before=ids[1], limit=3)
    assert [a.id for a in desc_before.data] == ids[2:5][::-1]

    desc_after = client.beta.assistants.list(order="desc", after=ids[3], limit=3)
    assert [a.id for a in desc_after.data] == ids[:3][::-1]
    assert desc_after.has_more is False or len(desc_after.data) == 3

    between = client.beta.assistants.list(order="asc", after=ids[0], before=ids[4])
    assert [a.id for a in between.data] == ids[1:4]

    one = client.beta.assistants.list(limit=1)
    assert len(one.data) == 1 and one.has_more is True


async def test_assistant_crud_async(aclient: openai.AsyncOpenAI) -> None:
    created = await aclient.beta.assistants.create(model=MODEL, name="Async helper", metadata={"k": "v"})
    assert created.id.startswith("asst_")
    assert (await aclient.beta.assistants.retrieve(created.id)).name == "Async helper"
    updated = await aclient.beta.assistants.update(created.id, description="now described")
    assert updated.description == "now described" and updated.name == "Async helper"
    page = await aclient.beta.assistants.list(limit=1)
    assert page.data[0].id == created.id
    deleted = await aclient.beta.assistants.delete(created.id)
    assert deleted.deleted is True
    with pytest.raises(openai.NotFoundError):
        await aclient.beta.assistants.retrieve(created.id)


# ---- threads -------------------------------------------------------------------------------------


def test_thread_create_with_messages_resources_metadata(client: openai.OpenAI) -> None:
    upload = client.files.create(file=("table.csv", b"a,b\n1,2\n"), purpose="assistants")
    thread = client.beta.threads.create(
        messages=[
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": [{"type": "text", "text": "second"}]},
            {"role": "user", "content": "third", "metadata": {"pos": "3"}},
        ],
        tool_resources={"code_interpreter": {"file_ids": [upload.id]}},
        metadata={"topic": "testing"},
    )
    assert thread.id.startswith("thread_") and thread.object == "thread"
    assert thread.metadata == {"topic": "testing"}
    assert thread.tool_resources.code_interpreter.file_ids == [upload.id]

    fetched = client.beta.threads.retrieve(thread.id)
    assert fetched.model_dump() == thread.model_dump()

    messages = client.beta.threads.messages.list(thread.id, order="asc")
    assert [message_text(m) for m in messages.data] == ["first", "second", "third"]
    assert [m.role for m in messages.data] == ["user", "assistant", "user"]
    assert all(m.thread_id == thread.id and m.status == "completed" for m in messages.data)
    assert messages.data[2].metadata == {"pos": "3"}

    updated = client.beta.threads.update(thread.id, metadata={"topic": "changed", "x": "y"}, tool_resources={"code_interpreter": {"file_ids": []}})
    assert updated.metadata == {"topic": "changed", "x": "y"}
    assert updated.tool_resources.code_interpreter.file_ids == []
    assert client.beta.threads.retrieve(thread.id).metadata == {"topic": "changed", "x": "y"}

    deleted = client.beta.threads.delete(thread.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (thread.id, "thread.deleted", True)
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.retrieve(thread.id)
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.messages.list(thread.id)


async def test_thread_crud_async(aclient: openai.AsyncOpenAI) -> None:
    thread = await aclient.beta.threads.create(metadata={"a": "1"})
    assert (await aclient.beta.threads.retrieve(thread.id)).metadata == {"a": "1"}
    assert (await aclient.beta.threads.update(thread.id, metadata={"a": "2"})).metadata == {"a": "2"}
    assert (await aclient.beta.threads.delete(thread.id)).deleted is True
    with pytest.raises(openai.NotFoundError):
        await aclient.beta.threads.retrieve(thread.id)


# ---- messages ------------------------------------------------------------------------------------


def test_message_create_retrieve_update_delete(client: openai.OpenAI) -> None:
    thread = client.beta.threads.create()
    upload = client.files.create(file=("notes.txt", b"some notes"), purpose="assistants")

    plain = client.beta.threads.messages.create(thread.id, role="user", content="hello there")
    assert plain.id.startswith("msg_") and plain.object == "thread.message"
    assert plain.content[0].type == "text"
    assert plain.content[0].text.value == "hello there"
    assert plain.content[0].text.annotations == []
    assert (plain.role, plain.thread_id, plain.status, plain.run_id, plain.assistant_id) == ("user", thread.id, "completed", None, None)

    parts = client.beta.threads.messages.create(
        thread.id,
        role="user",
        content=[
            {"type": "text", "text": "look at this"},
            {"type": "image_file", "image_file": {"file_id": upload.id}},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}},
        ],
        attachments=[{"file_id": upload.id, "tools": [{"type": "code_interpreter"}]}],
        metadata={"kind": "parts"},
    )
    assert [p.type for p in parts.content] == ["text", "image_file", "image_url"]
    assert parts.content[1].image_file.file_id == upload.id
    assert parts.content[2].image_url.url == "https://example.com/cat.png"
    assert parts.content[2].image_url.detail == "low"
    assert parts.attachments[0].file_id == upload.id
    assert parts.attachments[0].tools[0].type == "code_interpreter"
    assert parts.metadata == {"kind": "parts"}

    fetched = client.beta.threads.messages.retrieve(parts.id, thread_id=thread.id)
    assert fetched.model_dump() == parts.model_dump()

    updated = client.beta.threads.messages.update(parts.id, thread_id=thread.id, metadata={"kind": "edited"})
    assert updated.metadata == {"kind": "edited"}
    assert client.beta.threads.messages.retrieve(parts.id, thread_id=thread.id).metadata == {"kind": "edited"}

    deleted = client.beta.threads.messages.delete(plain.id, thread_id=thread.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (plain.id, "thread.message.deleted", True)
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.messages.retrieve(plain.id, thread_id=thread.id)
    assert [m.id for m in client.beta.threads.messages.list(thread.id).data] == [parts.id]

    # A message is only found through its own thread.
    other = client.beta.threads.create()
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.messages.retrieve(parts.id, thread_id=other.id)


def test_message_attachment_reaches_the_code_interpreter(client: openai.OpenAI) -> None:
    upload = client.files.create(file=("numbers.csv", b"x\n1\n2\n39\n"), purpose="assistants")
    assistant = client.beta.assistants.create(model=MODEL, tools=[{"type": "code_interpreter"}])
    thread = client.beta.threads.create()
    client.beta.threads.messages.create(
        thread.id,
        role="user",
        content="```python\nprint(sum(int(x) for x in open('numbers.csv').read().split()[1:]))\n```",
        attachments=[{"file_id": upload.id, "tools": [{"type": "code_interpreter"}]}],
    )
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=20)
    assert run.status == "completed"
    steps = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id, order="asc").data
    call = steps[0].step_details.tool_calls[0]
    assert call.code_interpreter.outputs[0].logs == "42\n"


def test_message_list_limit_order_after_before_run_id(client: openai.OpenAI) -> None:
    assistant = client.beta.assistants.create(model=MODEL)
    thread = client.beta.threads.create()
    ids = [client.beta.threads.messages.create(thread.id, role="user", content=f"m{i}").id for i in range(6)]

    page = client.beta.threads.messages.list(thread.id)  # desc by default
    assert [m.id for m in page.data] == ids[::-1]
    assert page.has_more is False

    first = client.beta.threads.messages.list(thread.id, order="asc", limit=4)
    assert [m.id for m in first.data] == ids[:4] and first.has_more is True
    rest = client.beta.threads.messages.list(thread.id, order="asc", limit=4, after=first.last_id)
    assert [m.id for m in rest.data] == ids[4:] and rest.has_more is False
    back = client.beta.threads.messages.list(thread.id, order="asc", limit=2, before=ids[4])
    assert [m.id for m in back.data] == ids[2:4] and back.has_more is True
    desc = client.beta.threads.messages.list(thread.id, order="desc", limit=2, after=ids[3])
    assert [m.id for m in desc.data] == [ids[2], ids[1]]
    desc_before = client.beta.threads.messages.list(thread.id, order="desc", before=ids[3])
    assert [m.id for m in desc_before.data] == [ids[5], ids[4]]

    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=20)
    assert run.status == "completed"
    of_run = client.beta.threads.messages.list(thread.id, run_id=run.id)
    assert len(of_run.data) == 1
    reply = of_run.data[0]
    assert (reply.role, reply.run_id, reply.assistant_id, reply.status) == ("assistant", run.id, assistant.id, "completed")
    assert "Demo engine" in message_text(reply)
    assert client.beta.threads.messages.list(thread.id, run_id="run_doesnotexist").data == []


def test_auto_paging_iter_over_250_messages(client: openai.OpenAI) -> None:
    thread = client.beta.threads.create()
    ids = [client.beta.threads.messages.create(thread.id, role="user", content=f"message {i}").id for i in range(250)]
    seen = list(client.beta.threads.messages.list(thread.id, order="asc", limit=100))  # iterating a page auto-pages (the SDK's auto_paging_iter)
    assert [m.id for m in seen] == ids
    assert [message_text(m) for m in seen[:3]] == ["message 0", "message 1", "message 2"]
    newest_first = [m.id for m in client.beta.threads.messages.list(thread.id, limit=40)]
    assert newest_first == ids[::-1]


async def test_async_paging_over_messages(aclient: openai.AsyncOpenAI) -> None:
    thread = await aclient.beta.threads.create(messages=[{"role": "user", "content": f"n{i}"} for i in range(45)])
    seen = [m.id async for m in aclient.beta.threads.messages.list(thread.id, order="asc", limit=10)]
    assert len(seen) == len(set(seen)) == 45
    texts = [message_text(m) async for m in aclient.beta.threads.messages.list(thread.id, order="asc", limit=7)]
    assert texts == [f"n{i}" for i in range(45)]


async def test_messages_async(aclient: openai.AsyncOpenAI) -> None:
    thread = await aclient.beta.threads.create()
    created = await aclient.beta.threads.messages.create(thread.id, role="user", content="async hello")
    assert message_text(await aclient.beta.threads.messages.retrieve(created.id, thread_id=thread.id)) == "async hello"
    updated = await aclient.beta.threads.messages.update(created.id, thread_id=thread.id, metadata={"m": "1"})
    assert updated.metadata == {"m": "1"}
    assert (await aclient.beta.threads.messages.delete(created.id, thread_id=thread.id)).deleted is True
    assert (await aclient.beta.threads.messages.list(thread.id)).data == []


def test_deleting_a_thread_removes_its_runs(client: openai.OpenAI) -> None:
    assistant = client.beta.assistants.create(model=MODEL)
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "hi"}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=20)
    client.beta.threads.delete(thread.id)
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.runs.retrieve(run.id, thread_id=thread.id)
    # The assistant is independent of the thread.
    assert client.beta.assistants.retrieve(assistant.id).id == assistant.id


def test_assistant_temperature_and_top_p_reset_to_default_with_null(client: openai.OpenAI) -> None:
    created = client.beta.assistants.create(model=MODEL, temperature=0.2, top_p=0.3)
    updated = client.beta.assistants.update(created.id, temperature=None, top_p=None)
    assert (updated.temperature, updated.top_p) == (1.0, 1.0)
    assert client.beta.assistants.retrieve(created.id).temperature == 1.0
