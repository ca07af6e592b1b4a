"""Two `asst-tui serve --database ...` processes on one PostgreSQL behave as one server to an SDK client
whose calls alternate between them; a third one killed with SIGKILL mid-run leaves no run stuck.

The processes are real subprocesses (tests/serve_process.py) on one database of the session's cluster
and one shared --files-dir; A and B serve the whole module (starting one takes a second or two).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from asst_tui.server import EmbeddedServer

from ..serve_process import ServeProcess
from .conftest import MODEL, async_client, function_tool, message_text, sync_client, wait_for_status

DELAY_MS = 20  # per word: a /lorem run stays in progress long enough to meet the other process's calls
LONG = "/lorem 2000"
CANCEL_WITHIN_S = 1.0
ORPHAN_FAILED_WITHIN_S = 5.0


@pytest.fixture(scope="module")
def shared(pg_cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The database, the files dir and the two processes A and B on them."""
    root = tmp_path_factory.mktemp("two-processes")
    setup: dict[str, Any] = {"database": pg_cluster.create_database("two_processes"), "files_dir": root / "files", "root": root}
    started: list[ServeProcess] = []
    try:
        for name in ("a", "b"):
            started.append(ServeProcess.start(root / name, database=setup["database"], files_dir=setup["files_dir"], demo_delay_ms=DELAY_MS))
        setup["a"], setup["b"] = started
        yield setup
    finally:
        for served in started:
            served.stop()


@pytest.fixture
def a(shared: dict[str, Any]) -> Iterator[openai.OpenAI]:
    with sync_client(shared["a"].base_url) as client:
        yield client


@pytest.fixture
def b(shared: dict[str, Any]) -> Iterator[openai.OpenAI]:
    with sync_client(shared["b"].base_url) as client:
        yield client


def test_create_on_a_stream_on_b_cancel_from_a_list_on_b(a: openai.OpenAI, b: openai.OpenAI) -> None:
    assistant = a.beta.assistants.create(model=MODEL, name="Shared")
    thread = a.beta.threads.create()
    a.beta.threads.messages.create(thread.id, role="user", content=LONG)
    run_id = None
    cancel_asked = None
    events = []
    for event in b.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id, stream=True):
        events.append(event.event)
        if event.event == "thread.run.created":
            run_id = event.data.id
        elif event.event == "thread.message.delta" and cancel_asked is None:
            cancel_asked = time.monotonic()
            assert a.beta.threads.runs.cancel(run_id, thread_id=thread.id).status == "cancelling"
        elif event.event == "thread.run.cancelled":
            assert cancel_asked is not None and time.monotonic() - cancel_asked < CANCEL_WITHIN_S
    assert events[-1] == "thread.run.cancelled", events[-5:]
    runs = b.beta.threads.runs.list(thread.id).data
    assert [r.status for r in runs] == ["cancelled"]
    assert b.beta.assistants.retrieve(assistant.id).name == "Shared"
    messages = b.beta.threads.messages.list(thread.id, order="asc").data
    assert [m.role for m in messages] == ["user", "assistant"] and messages[1].status == "incomplete"


async def test_cancels_from_one_process_racing_the_runs_ends_on_the_other_leave_none_stuck(shared: dict[str, Any]) -> None:
    async with async_client(shared["a"].base_url) as a, async_client(shared["b"].base_url) as b:
        assistant = await b.beta.assistants.create(model=MODEL)

        async def race(delay: float) -> tuple[Any, str]:
            thread = await b.beta.threads.create(messages=[{"role": "user", "content": "/lorem 20"}])
            run = await b.beta.threads.runs.create(thread.id, assistant_id=assistant.id)
            await asyncio.sleep(delay)
            try:
                await a.beta.threads.runs.cancel(run.id, thread_id=thread.id)
            except openai.BadRequestError as exc:
                assert "Cannot cancel run with status 'completed'" in exc.message
            for _ in range(200):  # up to 10 s on a busy machine; a run stuck cancelling or in_progress stays so
                run = await a.beta.threads.runs.retrieve(run.id, thread_id=thread.id)
                if run.status in ("cancelled", "completed"):
                    break
                await asyncio.sleep(0.05)
            return run, thread.id

        # at once (the cancel may be stored before B's task starts the run), then mid-stream, to after the end (20 words at 20 ms)
        ended = await asyncio.gather(*(race(0) for _ in range(8)), *(race(i * 0.04) for i in range(16)))
        statuses = [run.status for run, _ in ended]
        assert set(statuses) <= {"cancelled", "completed"} and "cancelled" in statuses, statuses
        for run, thread_id in ended:  # and each thread is free
            await b.beta.threads.messages.create(thread_id, role="user", content="next")


def test_a_function_call_run_started_on_a_resumes_streaming_on_b(a: openai.OpenAI, b: openai.OpenAI) -> None:
    assistant = a.beta.assistants.create(model=MODEL, tools=[function_tool("lookup")])
    thread = a.beta.threads.create(messages=[{"role": "user", "content": 'lookup {"q": "otters"}'}])
    run = a.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    waiting = wait_for_status(b, thread.id, run.id, "requires_action")
    call = waiting.required_action.submit_tool_outputs.tool_calls[0]
    events = list(b.beta.threads.runs.submit_tool_outputs(run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": "they hold hands"}], stream=True))
    assert events[-1].event == "thread.run.completed"
    done = [e.data for e in events if e.event == "thread.message.completed"]
    assert len(done) == 1 and "they hold hands" in message_text(done[0])
    assert a.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status == "completed"


def test_the_thread_lock_holds_across_processes(a: openai.OpenAI, b: openai.OpenAI) -> None:
    assistant = a.beta.assistants.create(model=MODEL)
    thread = a.beta.threads.create(messages=[{"role": "user", "content": LONG}])
    run = a.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    with pytest.raises(openai.BadRequestError, match="already has an active run"):
        b.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    with pytest.raises(openai.BadRequestError, match="while a run"):
        b.beta.threads.messages.create(thread.id, role="user", content="not now")
    b.beta.threads.runs.cancel(run.id, thread_id=thread.id)
    assert wait_for_status(a, thread.id, run.id, "cancelled", timeout=CANCEL_WITHIN_S + 1).status == "cancelled"
    b.beta.threads.messages.create(thread.id, role="user", content="now it is free")


async def test_of_runs_started_at_once_through_both_processes_exactly_one_starts(shared: dict[str, Any]) -> None:
    async with async_client(shared["a"].base_url) as a, async_client(shared["b"].base_url) as b:
        assistant = await a.beta.assistants.create(model=MODEL)
        for _ in range(3):
            thread = await b.beta.threads.create(messages=[{"role": "user", "content": LONG}])
            tries = [client.beta.threads.runs.create(thread.id, assistant_id=assistant.id) for client in (a, b) * 4]
            outcomes = await asyncio.gather(*tries, return_exceptions=True)
            started = [o for o in outcomes if not isinstance(o, BaseException)]
            assert len(started) == 1, outcomes
            assert all(isinstance(o, openai.BadRequestError) for o in outcomes if o not in started), outcomes
            await a.beta.threads.runs.cancel(started[0].id, thread_id=thread.id)


def test_a_file_uploaded_on_a_is_downloaded_and_searched_on_b(a: openai.OpenAI, b: openai.OpenAI, tmp_path: Path) -> None:
    source = tmp_path / "otters.txt"
    source.write_text("Otter fact: sea otters hold hands while they sleep so they do not drift apart.\n", encoding="utf-8")
    uploaded = a.files.create(file=source.open("rb"), purpose="assistants")
    assert b.files.content(uploaded.id).read() == source.read_bytes()
    store = b.vector_stores.create(name="otters")
    b.vector_stores.files.create_and_poll(vector_store_id=store.id, file_id=uploaded.id, poll_interval_ms=20)
    assistant = a.beta.assistants.create(model="demo", tools=[{"type": "file_search"}], tool_resources={"file_search": {"vector_store_ids": [store.id]}})
    thread = a.beta.threads.create(messages=[{"role": "user", "content": "Why do otters hold hands?"}])
    run = b.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=20)
    assert run.status == "completed"
    step = a.beta.threads.runs.steps.list(run_id=run.id, thread_id=thread.id, order="asc").data[0]
    results = step.step_details.tool_calls[0].file_search.results
    assert [r.file_id for r in results] == [uploaded.id]


def test_a_run_waiting_for_outputs_expires_on_time_though_its_process_stopped(
    shared: dict[str, Any], b: openai.OpenAI, make_server: Callable[..., EmbeddedServer], tmp_path: Path
) -> None:
    short = make_server(data_dir=tmp_path / "short", database=shared["database"], files_dir=shared["files_dir"], run_expiry_seconds=2)
    with sync_client(short.base_url) as c:
        assistant = c.beta.assistants.create(model=MODEL, tools=[function_tool("lookup")])
        thread = c.beta.threads.create(messages=[{"role": "user", "content": 'lookup {"q": 1}'}])
        run = c.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=20)
        assert run.status == "requires_action"
    short.stop()  # B started before this run existed: it knows of it only through the database
    expired = wait_for_status(b, thread.id, run.id, "expired", timeout=6)
    assert time.time() >= run.expires_at and expired.required_action is None


def test_a_process_killed_mid_run_leaves_no_run_stuck(shared: dict[str, Any], b: openai.OpenAI) -> None:
    doomed = ServeProcess.start(shared["root"] / "doomed", database=shared["database"], files_dir=shared["files_dir"], demo_delay_ms=DELAY_MS)
    try:
        with sync_client(doomed.base_url) as c:
            assistant = c.beta.assistants.create(model=MODEL)
            threads = [c.beta.threads.create(messages=[{"role": "user", "content": LONG}]) for _ in range(3)]
            runs = [c.beta.threads.runs.create(thread_id=t.id, assistant_id=assistant.id) for t in threads]
            for thread, run in zip(threads, runs):
                wait_for_status(b, thread.id, run.id, "in_progress")
        doomed.kill()
        killed = time.monotonic()
        for thread, run in zip(threads, runs):
            failed = wait_for_status(b, thread.id, run.id, {"failed", "completed", "cancelled"}, timeout=ORPHAN_FAILED_WITHIN_S)
            assert failed.status == "failed" and failed.last_error.code == "server_error"
            assert "process driving this run stopped" in failed.last_error.message
            assert [s.status for s in b.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data] == ["failed"]
            b.beta.threads.messages.create(thread.id, role="user", content="still here?")
        assert time.monotonic() - killed < ORPHAN_FAILED_WITHIN_S
    finally:
        doomed.stop()
