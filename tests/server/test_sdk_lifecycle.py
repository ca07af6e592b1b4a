"""Run lifecycle through the real SDK: cancel, dropped streams, the thread lock, expiry, restarts."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import openai
import pytest

from asst_tui.server import EmbeddedServer

from .conftest import MODEL, function_tool, message_text, server_config, sync_client, wait_for_status


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    """5 ms per word: `/lorem 5000` streams for ~25 s, long enough to act on a run mid-flight."""
    from asst_tui.server import start_server

    srv = start_server(server_config(tmp_path_factory.mktemp("slow-server"), demo_delay_ms=5))
    yield srv
    srv.stop()


@pytest.fixture
def slow(slow_server: EmbeddedServer) -> Iterator[openai.OpenAI]:
    with sync_client(slow_server.base_url) as c:
        yield c


def _assistant_and_thread(client: openai.OpenAI, content: str, **assistant: object) -> tuple[str, str]:
    a = client.beta.assistants.create(model=MODEL, **assistant)  # type: ignore[arg-type]
    t = client.beta.threads.create(messages=[{"role": "user", "content": content}])
    return a.id, t.id


# ---- cancel --------------------------------------------------------------------------------------


def test_cancel_mid_stream(slow: openai.OpenAI) -> None:
    assistant_id, thread_id = _assistant_and_thread(slow, "/lorem 5000")
    names: list[str] = []
    deltas = 0
    cancelled_at: float | None = None
    with slow.beta.threads.runs.stream(thread_id=thread_id, assistant_id=assistant_id) as stream:
        for event in stream:
            names.append(event.event)
            if event.event == "thread.message.delta":
                deltas += 1
                if deltas == 5:
                    run_id = stream.current_run.id  # type: ignore[union-attr]
                    cancelling = slow.beta.threads.runs.cancel(run_id, thread_id=thread_id)
                    assert cancelling.status == "cancelling"
                    cancelled_at = time.monotonic()
        final = stream.get_final_run()
    assert cancelled_at is not None
    assert time.monotonic() - cancelled_at < 1.0, "the cancel took a second or more to end the stream"
    assert names[-1] == "thread.run.cancelled"
    assert "thread.run.cancelling" in names and "thread.message.incomplete" in names
    assert deltas < 1000  # the engine stopped long before its 5000 words

    run = slow.beta.threads.runs.retrieve(final.id, thread_id=thread_id)
    assert run.status == "cancelled" and run.cancelled_at is not None and run.completed_at is None
    assert run.expires_at is None
    reply = slow.beta.threads.messages.list(thread_id, run_id=run.id).data[0]
    assert reply.status == "incomplete"
    assert reply.incomplete_details.reason == "run_cancelled"
    assert 0 < len(message_text(reply).split()) < 1000
    step = slow.beta.threads.runs.steps.list(run.id, thread_id=thread_id).data[0]
    assert step.status == "cancelled" and step.cancelled_at is not None

    # The engine really stopped: the message does not grow after the cancel.
    size = len(message_text(reply))
    time.sleep(0.2)
    assert len(message_text(slow.beta.threads.messages.retrieve(reply.id, thread_id=thread_id))) == size

    slow.beta.threads.messages.create(thread_id, role="user", content="/lorem 5")
    later = slow.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id, poll_interval_ms=20)
    assert later.status == "completed"

    with pytest.raises(openai.BadRequestError) as err:
        slow.beta.threads.runs.cancel(later.id, thread_id=thread_id)
    assert "completed" in err.value.body["message"]


def test_cancel_a_run_waiting_for_tool_outputs(client: openai.OpenAI) -> None:
    assistant_id, thread_id = _assistant_and_thread(client, 'calc {"x": 1}', tools=[function_tool("calc")])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id, poll_interval_ms=20)
    assert run.status == "requires_action"
    cancelled = client.beta.threads.runs.cancel(run.id, thread_id=thread_id)
    assert cancelled.status == "cancelled" and cancelled.required_action is None
    step = client.beta.threads.runs.steps.list(run.id, thread_id=thread_id).data[0]
    assert step.status == "cancelled"
    with pytest.raises(openai.BadRequestError):
        client.beta.threads.runs.submit_tool_outputs(
            run.id, thread_id=thread_id, tool_outputs=[{"tool_call_id": run.required_action.submit_tool_outputs.tool_calls[0].id, "output": "x"}]
        )
    client.beta.threads.messages.create(thread_id, role="user", content="the thread is free again")


def test_dropped_stream_leaves_a_run_that_completes(slow: openai.OpenAI) -> None:
    assistant_id, thread_id = _assistant_and_thread(slow, "/lorem 150")
    with slow.beta.threads.runs.stream(thread_id=thread_id, assistant_id=assistant_id) as stream:
        for event in stream:
            if event.event == "thread.message.delta":
                run_id = stream.current_run.id  # type: ignore[union-attr]
                break
    # The client hung up after the first delta; the run goes on in the server.
    assert slow.beta.threads.runs.retrieve(run_id, thread_id=thread_id).status == "in_progress"
    run = wait_for_status(slow, thread_id, run_id, {"completed", "failed", "cancelled"}, timeout=20)
    assert run.status == "completed"
    reply = slow.beta.threads.messages.list(thread_id, run_id=run_id).data[0]
    assert reply.status == "completed" and len(message_text(reply).split()) >= 150


async def test_async_stream_closed_early_run_completes(slow_server: EmbeddedServer) -> None:
    async with openai.AsyncOpenAI(base_url=slow_server.base_url, api_key="x", max_retries=0) as client:
        assistant = await client.beta.assistants.create(model=MODEL)
        thread = await client.beta.threads.create(messages=[{"role": "user", "content": "/lorem 60"}])
        stream = await client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id, stream=True)
        async for event in stream:
            if event.event == "thread.run.created":
                run_id = event.data.id
                break
        await stream.close()
        run = await client.beta.threads.runs.poll(run_id, thread_id=thread.id, poll_interval_ms=20)
        assert run.status == "completed"


# ---- the thread lock -----------------------------------------------------------------------------


def test_thread_lock_errors_use_the_hosted_wording(slow: openai.OpenAI) -> None:
    assistant_id, thread_id = _assistant_and_thread(slow, "/lorem 5000", tools=[function_tool("f")])
    run = slow.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant_id)
    wait_for_status(slow, thread_id, run.id, "in_progress")

    with pytest.raises(openai.BadRequestError) as err:
        slow.beta.threads.messages.create(thread_id, role="user", content="interrupting")
    assert err.value.status_code == 400
    assert err.value.body["message"] == f"Can't add messages to {thread_id} while a run {run.id} is active."
    assert err.value.body["type"] == "invalid_request_error"

    with pytest.raises(openai.BadRequestError) as err:
        slow.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant_id)
    assert err.value.body["message"] == f"Thread {thread_id} already has an active run {run.id}."
    with pytest.raises(openai.BadRequestError) as err:
        slow.beta.threads.runs.create(
            thread_id=thread_id, assistant_id=assistant_id, additional_messages=[{"role": "user", "content": "sneaky"}]
        )
    assert err.value.body["message"] == f"Thread {thread_id} already has an active run {run.id}."
    with pytest.raises(openai.BadRequestError) as err:  # streaming: refused before any event
        with slow.beta.threads.runs.stream(thread_id=thread_id, assistant_id=assistant_id) as stream:
            stream.until_done()
    assert err.value.body["message"] == f"Thread {thread_id} already has an active run {run.id}."
    # Nothing was added by the refused requests.
    assert [message_text(m) for m in slow.beta.threads.messages.list(thread_id, order="asc").data][0] == "/lorem 5000"
    assert not any("sneaky" in message_text(m) or "interrupting" in message_text(m) for m in slow.beta.threads.messages.list(thread_id).data)
    assert len(slow.beta.threads.runs.list(thread_id).data) == 1

    # Other threads are not locked.
    other = slow.beta.threads.create()
    slow.beta.threads.messages.create(other.id, role="user", content="fine")

    slow.beta.threads.runs.cancel(run.id, thread_id=thread_id)
    wait_for_status(slow, thread_id, run.id, "cancelled", timeout=2)

    # A run waiting for tool outputs holds the lock too.
    slow.beta.threads.messages.create(thread_id, role="user", content='f {"a": 1}')
    waiting = slow.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id, poll_interval_ms=20)
    assert waiting.status == "requires_action"
    with pytest.raises(openai.BadRequestError) as err:
        slow.beta.threads.messages.create(thread_id, role="user", content="still locked")
    assert err.value.body["message"] == f"Can't add messages to {thread_id} while a run {waiting.id} is active."
    slow.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=waiting.id,
        thread_id=thread_id,
        tool_outputs=[{"tool_call_id": waiting.required_action.submit_tool_outputs.tool_calls[0].id, "output": "ok"}],
        poll_interval_ms=20,
    )
    slow.beta.threads.messages.create(thread_id, role="user", content="unlocked")


# ---- expiry --------------------------------------------------------------------------------------


@pytest.mark.sqlite_only  # the sandbox's or the expiry timer's work: the stores play no part
def test_requires_action_run_expires(make_server: Callable[..., EmbeddedServer]) -> None:
    srv = make_server(run_expiry_seconds=2)
    with sync_client(srv.base_url) as client:
        assistant_id, thread_id = _assistant_and_thread(client, 'f {"x": 1}', tools=[function_tool("f")])
        run = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id, poll_interval_ms=20)
        assert run.status == "requires_action"
        assert run.expires_at == run.created_at + 2
        expired = wait_for_status(client, thread_id, run.id, "expired", timeout=5)
        assert expired.required_action is None
        assert time.time() >= run.expires_at
        step = client.beta.threads.runs.steps.list(run.id, thread_id=thread_id).data[0]
        assert step.status == "expired" and step.expired_at is not None
        with pytest.raises(openai.BadRequestError):
            client.beta.threads.runs.submit_tool_outputs(
                run.id, thread_id=thread_id, tool_outputs=[{"tool_call_id": run.required_action.submit_tool_outputs.tool_calls[0].id, "output": "late"}]
            )
        client.beta.threads.messages.create(thread_id, role="user", content="free again")
        # A run that keeps working is not expired by the clock.
        done = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id, poll_interval_ms=20)
        assert done.status == "completed"


# ---- restart -------------------------------------------------------------------------------------


def test_objects_survive_a_restart(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> None:
    data_dir = tmp_path / "persist"
    srv = make_server(data_dir=data_dir)
    with sync_client(srv.base_url) as client:
        upload = client.files.create(file=("keep.bin", bytes(range(256)) * 40), purpose="assistants")
        assistant = client.beta.assistants.create(model=MODEL, name="Persistent", tools=[{"type": "code_interpreter"}], metadata={"k": "v"})
        thread = client.beta.threads.create(messages=[{"role": "user", "content": "```python\nprint('persisted')\n```"}], metadata={"t": "1"})
        run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=20)
        assert run.status == "completed"
        before = {
            "assistant": client.beta.assistants.retrieve(assistant.id).model_dump(),
            "thread": client.beta.threads.retrieve(thread.id).model_dump(),
            "messages": [m.model_dump() for m in client.beta.threads.messages.list(thread.id)],
            "run": client.beta.threads.runs.retrieve(run.id, thread_id=thread.id).model_dump(),
            "steps": [s.model_dump() for s in client.beta.threads.runs.steps.list(run.id, thread_id=thread.id)],
            "file": client.files.retrieve(upload.id).model_dump(),
        }
    srv.stop()

    again = make_server(data_dir=data_dir)
    assert again.port != 0
    with sync_client(again.base_url) as client:
        after = {
            "assistant": client.beta.assistants.retrieve(assistant.id).model_dump(),
            "thread": client.beta.threads.retrieve(thread.id).model_dump(),
            "messages": [m.model_dump() for m in client.beta.threads.messages.list(thread.id)],
            "run": client.beta.threads.runs.retrieve(run.id, thread_id=thread.id).model_dump(),
            "steps": [s.model_dump() for s in client.beta.threads.runs.steps.list(run.id, thread_id=thread.id)],
            "file": client.files.retrieve(upload.id).model_dump(),
        }
        assert after == before
        assert client.files.content(upload.id).read() == bytes(range(256)) * 40
        assert assistant.id in [a.id for a in client.beta.assistants.list()]
        client.beta.threads.messages.create(thread.id, role="user", content="after the restart")
        assert client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=20).status == "completed"


def test_run_in_progress_at_shutdown_is_failed_after_restart(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> None:
    data_dir = tmp_path / "interrupted"
    srv = make_server(data_dir=data_dir, demo_delay_ms=5)
    with sync_client(srv.base_url) as client:
        assistant_id, thread_id = _assistant_and_thread(client, "/lorem 100000")
        run = client.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant_id)
        wait_for_status(client, thread_id, run.id, "in_progress")
        time.sleep(0.1)  # some words are written
    started = time.monotonic()
    srv.stop()
    assert time.monotonic() - started < 5

    again = make_server(data_dir=data_dir)
    with sync_client(again.base_url) as client:
        failed = client.beta.threads.runs.retrieve(run.id, thread_id=thread_id)
        assert failed.status == "failed"
        assert failed.last_error is not None and failed.last_error.code == "server_error"
        assert failed.failed_at is not None
        reply = client.beta.threads.messages.list(thread_id, run_id=run.id).data[0]
        assert reply.status == "incomplete"
        step = client.beta.threads.runs.steps.list(run.id, thread_id=thread_id).data[0]
        assert step.status == "failed" and step.last_error.code == "server_error"
        client.beta.threads.messages.create(thread_id, role="user", content="/lorem 3")
        assert client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id, poll_interval_ms=20).status == "completed"


def test_requires_action_run_survives_a_restart(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> None:
    data_dir = tmp_path / "waiting"
    srv = make_server(data_dir=data_dir)
    with sync_client(srv.base_url) as client:
        assistant_id, thread_id = _assistant_and_thread(client, 'weather {"city": "Rome"}', tools=[function_tool("weather")])
        run = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id, poll_interval_ms=20)
        assert run.status == "requires_action"
    srv.stop()

    again = make_server(data_dir=data_dir)
    with sync_client(again.base_url) as client:
        waiting = client.beta.threads.runs.retrieve(run.id, thread_id=thread_id)
        assert waiting.status == "requires_action"
        call = waiting.required_action.submit_tool_outputs.tool_calls[0]
        assert call.id == run.required_action.submit_tool_outputs.tool_calls[0].id
        with client.beta.threads.runs.submit_tool_outputs_stream(
            run_id=run.id, thread_id=thread_id, tool_outputs=[{"tool_call_id": call.id, "output": "hot and sunny"}]
        ) as stream:
            stream.until_done()
            final = stream.get_final_run()
            messages = stream.get_final_messages()
        assert final.status == "completed"
        assert "hot and sunny" in message_text(messages[0])


def test_requires_action_run_past_its_expiry_at_restart_expires(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> None:
    data_dir = tmp_path / "expired-while-down"
    srv = make_server(data_dir=data_dir, run_expiry_seconds=1)
    with sync_client(srv.base_url) as client:
        assistant_id, thread_id = _assistant_and_thread(client, 'f {"x": 1}', tools=[function_tool("f")])
        run = client.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant_id)
        run = wait_for_status(client, thread_id, run.id, {"requires_action", "expired"})
    srv.stop()
    while time.time() < run.expires_at + 0.1:
        time.sleep(0.05)
    again = make_server(data_dir=data_dir, run_expiry_seconds=1)
    with sync_client(again.base_url) as client:
        expired = wait_for_status(client, thread_id, run.id, "expired", timeout=3)
        assert expired.required_action is None
        assert client.beta.threads.runs.steps.list(run.id, thread_id=thread_id).data[0].status == "expired"


# ---- cancel and delete reach into engine work ---------------------------------------------------


@pytest.mark.sqlite_only  # the sandbox's or the expiry timer's work: the stores play no part
def test_cancel_stops_running_code(client: openai.OpenAI, tmp_path: Path) -> None:
    marker = tmp_path / "finished"
    assistant_id, thread_id = _assistant_and_thread(
        client, f"```python\nimport time\ntime.sleep(8)\nopen({str(marker)!r}, 'w').write('x')\n```", tools=[{"type": "code_interpreter"}]
    )
    run = client.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant_id)
    wait_for_status(client, thread_id, run.id, "in_progress")
    time.sleep(0.3)  # inside time.sleep in the sandbox
    started = time.monotonic()
    client.beta.threads.runs.cancel(run.id, thread_id=thread_id)
    cancelled = wait_for_status(client, thread_id, run.id, "cancelled", timeout=1)
    assert time.monotonic() - started < 1
    assert cancelled.cancelled_at is not None
    step = client.beta.threads.runs.steps.list(run.id, thread_id=thread_id).data[0]
    assert step.type == "tool_calls" and step.status == "cancelled"
    # The interpreter was killed (the file is never written) and the thread gets a fresh one.
    client.beta.threads.messages.create(thread_id, role="user", content="```python\nprint('next')\n```")
    run = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id, poll_interval_ms=20)
    logs = client.beta.threads.runs.steps.list(run.id, thread_id=thread_id).data[-1].step_details.tool_calls[0].code_interpreter.outputs[0].logs
    assert logs == "next\n"
    time.sleep(0.2)
    assert not marker.exists()


def test_deleting_a_thread_mid_run(slow: openai.OpenAI) -> None:
    assistant_id, thread_id = _assistant_and_thread(slow, "/lorem 5000")
    run = slow.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant_id)
    wait_for_status(slow, thread_id, run.id, "in_progress")
    assert slow.beta.threads.delete(thread_id).deleted is True
    with pytest.raises(openai.NotFoundError):
        slow.beta.threads.runs.retrieve(run.id, thread_id=thread_id)
    time.sleep(0.2)
    with pytest.raises(openai.NotFoundError):
        slow.beta.threads.messages.list(thread_id)
    # The server carries on.
    other_assistant, other_thread = _assistant_and_thread(slow, "/lorem 3")
    done = slow.beta.threads.runs.create_and_poll(thread_id=other_thread, assistant_id=other_assistant, poll_interval_ms=20)
    assert done.status == "completed"
