"""Storage failures (a full disk, a locked database, an I/O error): nothing stuck, every answer says what happened.

A run that meets one ends `failed` with the storage's message and frees its thread at once, even while
the storage still can't record that (clients polling or streaming see it end); once the storage works
again the end is stored and the thread runs again. A request that meets one gets a 507 (full) or 503
(locked, broken) in OpenAI's error shape, never a bare 500.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import openai
import pytest

from asst_tui.server import EmbeddedServer

from .conftest import MODEL, sync_client, wait_for_status
from .faults import FULL, IOERR, StoreFaults, fill, small_disk, stored_status, wait_until_stored  # noqa: F401 - small_disk is a fixture

LONG_RUN = "/lorem 20000"  # at 2 ms a word: long enough to meet the fault mid-run


def _start_long_run(client: openai.OpenAI) -> tuple[str, str]:
    assistant = client.beta.assistants.create(model=MODEL)
    thread = client.beta.threads.create(messages=[{"role": "user", "content": LONG_RUN}])
    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    wait_for_status(client, thread.id, run.id, "in_progress")
    time.sleep(0.3)  # a few words into the message
    return thread.id, run.id


def _status_error(call: Callable[[], object]) -> openai.APIStatusError:
    with pytest.raises(openai.APIStatusError) as raised:
        call()
    return raised.value


def _assert_thread_runs_again(client: openai.OpenAI, thread_id: str) -> None:
    client.beta.threads.messages.create(thread_id, role="user", content="hello again")
    assistant = client.beta.assistants.create(model=MODEL)
    run = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant.id)
    assert run.status == "completed", run.last_error


# ---- a full disk ---------------------------------------------------------------------------------


def test_a_full_disk_mid_run_fails_the_run_frees_the_thread_and_answers_507(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> None:
    srv = make_server(demo_delay_ms=2)
    faults = StoreFaults(srv)
    with sync_client(srv.base_url) as client:
        thread_id, run_id = _start_long_run(client)
        faults.fail(FULL)

        run = wait_for_status(client, thread_id, run_id, {"failed", "completed"})
        assert run.status == "failed" and run.last_error.code == "server_error"
        assert "disk is full" in run.last_error.message and "Free space" in run.last_error.message
        assert run.failed_at is not None and run.expires_at is None
        assert [r.status for r in client.beta.threads.runs.list(thread_id).data] == ["failed"]

        error = _status_error(lambda: client.beta.threads.messages.create(thread_id, role="user", content="x"))
        assert error.status_code == 507 and error.code == "storage_full" and error.type == "server_error"
        assert "disk is full" in error.message
        assert client.beta.threads.messages.list(thread_id).data  # reading still works

        faults.heal()
        wait_until_stored(tmp_path / "server", run_id, "failed")
        _assert_thread_runs_again(client, thread_id)


def test_a_streaming_client_sees_the_run_fail_on_a_full_disk(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> None:
    srv = make_server(demo_delay_ms=2)
    faults = StoreFaults(srv)
    with sync_client(srv.base_url) as client:
        assistant = client.beta.assistants.create(model=MODEL)
        thread = client.beta.threads.create(messages=[{"role": "user", "content": LONG_RUN}])
        events, deltas = [], 0
        with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id) as stream:
            for event in stream:
                events.append(event)
                deltas += event.event == "thread.message.delta"
                if deltas == 10:
                    faults.fail(FULL)
        assert events[-1].event == "thread.run.failed" and "disk is full" in events[-1].data.last_error.message
        faults.heal()
        wait_until_stored(tmp_path / "server", events[-1].data.id, "failed")
        reply = client.beta.threads.messages.list(thread.id, run_id=events[-1].data.id).data[0]
        assert reply.status == "incomplete"  # the open message and step were closed with the run, once stored


def test_requests_on_a_full_disk_get_507_and_write_nothing(make_server: Callable[..., EmbeddedServer]) -> None:
    srv = make_server()
    faults = StoreFaults(srv)
    with sync_client(srv.base_url) as client:
        before = client.beta.assistants.list().data
        faults.fail(FULL)
        for call in (
            lambda: client.beta.assistants.create(model=MODEL),
            lambda: client.beta.threads.create(messages=[{"role": "user", "content": "hi"}]),
            lambda: client.vector_stores.create(name="full"),
        ):
            error = _status_error(call)
            assert (error.status_code, error.code) == (507, "storage_full"), error
        faults.heal()
        assert client.beta.assistants.list().data == before
        assert client.beta.assistants.create(model=MODEL).id


def test_a_really_full_disk_fails_the_run_then_recovers_when_space_is_freed(
    small_disk: Path, make_server: Callable[..., EmbeddedServer]
) -> None:
    """The same on a real 24 MB file system that the test fills: SQLite and the files dir meet ENOSPC themselves."""
    data_dir = small_disk / "data"
    srv = make_server(data_dir=data_dir, demo_delay_ms=2)
    with sync_client(srv.base_url) as client:
        thread_id, run_id = _start_long_run(client)
        filler = fill(small_disk)

        run = wait_for_status(client, thread_id, run_id, {"failed", "completed"}, timeout=30)
        assert run.status == "failed" and "disk is full" in run.last_error.message, run.last_error
        error = _status_error(lambda: client.files.create(file=("big.bin", b"x" * 2_000_000), purpose="assistants"))
        assert (error.status_code, error.code) == (507, "storage_full")
        assert list((data_dir / "files").iterdir()) == []  # no .part, no half file
        assert client.files.list().data == []

        filler.unlink()
        wait_until_stored(data_dir, run_id, "failed")
        _assert_thread_runs_again(client, thread_id)
        assert client.files.create(file=("big.bin", b"x" * 2_000_000), purpose="assistants").bytes == 2_000_000


def test_a_waiting_run_expires_once_the_storage_lets_it(make_server: Callable[..., EmbeddedServer]) -> None:
    srv = make_server(run_expiry_seconds=1)
    faults = StoreFaults(srv)
    with sync_client(srv.base_url) as client:
        assistant = client.beta.assistants.create(model=MODEL, tools=[{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}])
        thread = client.beta.threads.create(messages=[{"role": "user", "content": "f {}"}])
        run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
        assert run.status == "requires_action"
        faults.fail(FULL)
        time.sleep(2)  # past its expiry: every attempt to expire it fails
        assert client.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status == "requires_action"
        faults.heal()
        assert wait_for_status(client, thread.id, run.id, {"expired"}, timeout=10).status == "expired"


# ---- a locked database ---------------------------------------------------------------------------


def test_a_locked_database_answers_503_with_retry_after_and_fails_the_run_it_stops(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> None:
    data_dir = tmp_path / "server"
    srv = make_server(demo_delay_ms=2)
    with sync_client(srv.base_url) as client:
        thread_id, run_id = _start_long_run(client)
        locker = sqlite3.connect(data_dir / "assistants.sqlite3", isolation_level=None)
        try:
            locker.execute("BEGIN IMMEDIATE")  # another program holds the write lock, as a long import would

            run = wait_for_status(client, thread_id, run_id, {"failed", "completed"})
            assert run.status == "failed" and "locked" in run.last_error.message, run.last_error
            started = time.monotonic()
            response = client.beta.assistants.with_raw_response.list()  # reads go on (WAL)
            assert response.http_response.status_code == 200
            error = _status_error(lambda: client.beta.assistants.create(model=MODEL))
            assert (error.status_code, error.code) == (503, "storage_busy")
            assert error.response.headers["retry-after"] == "1"
            assert "Try again" in error.message
            assert time.monotonic() - started < 5  # a busy database stalls a request briefly, not for good
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        wait_until_stored(data_dir, run_id, "failed")
        _assert_thread_runs_again(client, thread_id)


# ---- an I/O error --------------------------------------------------------------------------------


def test_an_io_error_answers_503_and_fails_the_run(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> None:
    srv = make_server(demo_delay_ms=2)
    faults = StoreFaults(srv)
    with sync_client(srv.base_url) as client:
        thread_id, run_id = _start_long_run(client)
        faults.fail(IOERR, writes_only=False)

        error = _status_error(lambda: client.beta.threads.runs.retrieve(run_id, thread_id=thread_id))
        assert (error.status_code, error.code, error.type) == (503, "storage_error", "server_error")
        assert "could not read or write its storage" in error.message and "disk I/O error" in error.message
        time.sleep(1.5)  # past the run's next write of its message (once a second)

        faults.heal()
        run = wait_for_status(client, thread_id, run_id, {"failed", "completed"})
        assert run.status == "failed" and "storage" in run.last_error.message
        wait_until_stored(tmp_path / "server", run_id, "failed")
        _assert_thread_runs_again(client, thread_id)


def test_a_server_stopped_while_the_storage_still_fails_leaves_no_active_run(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> None:
    """The run's end never reached the disk before the server stopped: the next start fails it as interrupted."""
    data_dir = tmp_path / "server"
    srv = make_server(demo_delay_ms=2)
    faults = StoreFaults(srv)
    with sync_client(srv.base_url) as client:
        thread_id, run_id = _start_long_run(client)
        faults.fail(FULL)
        wait_for_status(client, thread_id, run_id, "failed")
    srv.stop()
    assert faults and stored_status(data_dir, run_id) == "in_progress"
    again = make_server(data_dir=data_dir)
    with sync_client(again.base_url) as client:
        run = client.beta.threads.runs.retrieve(run_id, thread_id=thread_id)
        assert run.status == "failed" and run.last_error.code == "server_error"
        _assert_thread_runs_again(client, thread_id)
