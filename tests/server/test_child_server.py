"""The embedded server in a child process (`spawn_server`, as the TUI starts it): served over loopback to the
real SDK, stopped cleanly, gone with its parent, clear when it can't start, and no secret in argv or its log."""

from __future__ import annotations

import fcntl
import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from asst_tui.server import ChildServer, ServerConfig, ServerStartError, spawn_server

from .conftest import MODEL, async_client, message_text, sync_client
from .scripted_upstream import ScriptedUpstream, error_reply, text_reply

UPSTREAM_KEY = "sk-upstream-child-7c1e-do-not-leak"
SERVER_KEY = "sk-server-child-42ab-do-not-leak"

PARENT = """
import json, sys
from pathlib import Path
from asst_tui.server import ServerConfig, spawn_server
server = spawn_server(ServerConfig(data_dir=Path(sys.argv[1]), port=0, demo_delay_ms=0))
print(json.dumps({"pid": server.pid, "base_url": server.base_url}), flush=True)
sys.stdin.read()
"""


@pytest.fixture
def spawn() -> Iterator[Callable[..., ChildServer]]:
    """spawn_server(ServerConfig(data_dir=..., port=0, demo_delay_ms=0, **overrides)); all stopped at teardown."""
    started: list[ChildServer] = []

    def start(data_dir: Path, **overrides: Any) -> ChildServer:
        server = spawn_server(ServerConfig(data_dir=data_dir, **{"port": 0, "demo_delay_ms": 0, **overrides}))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def lock_is_free(data_dir: Path) -> bool:
    with open(data_dir / "server.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def process_gone(pid: int) -> bool:
    """True once `pid` has exited (a zombie waiting for a reaper counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z"


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds until `condition()` held; fail after `timeout`."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)
    return time.monotonic() - start


async def test_the_sdk_streams_a_run_from_a_child_server(spawn: Callable[..., ChildServer], tmp_path: Path) -> None:
    server = spawn(tmp_path / "data")
    assert server.base_url.startswith("http://127.0.0.1:") and server.base_url.endswith("/v1")
    async with async_client(server.base_url) as client:
        assistant = await client.beta.assistants.create(model=MODEL, name="child")
        thread = await client.beta.threads.create(messages=[{"role": "user", "content": "/lorem 300"}])
        stream = await client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id, stream=True)
        names, text = [], ""
        async for event in stream:
            names.append(event.event)
            if event.event == "thread.message.delta":
                text += "".join(p.text.value for p in event.data.delta.content or () if p.type == "text" and p.text)
        stored = (await client.beta.threads.messages.list(thread.id, limit=1)).data[0]
    assert names[0] == "thread.run.created" and names[-1] == "thread.run.completed"
    assert names.count("thread.message.delta") >= 300 and text == message_text(stored)
    assert (tmp_path / "data" / "server.log").exists()


def test_stop_ends_active_runs_then_frees_the_data_dir(spawn: Callable[..., ChildServer], tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = spawn(data_dir, demo_delay_ms=5)
    with sync_client(server.base_url) as client:
        assistant = client.beta.assistants.create(model=MODEL)
        thread = client.beta.threads.create(messages=[{"role": "user", "content": "/lorem 100000"}])
        names: list[str] = []
        stopping = threading.Thread(target=server.stop)
        for event in client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id, stream=True):
            names.append(event.event)
            if names.count("thread.message.delta") == 5:
                started = time.monotonic()
                stopping.start()
        stopping.join()
    # The run was ended by the server (its stream finished with the run failed), not cut by a killed process.
    assert names[-1] == "thread.run.failed" and time.monotonic() - started < 10
    assert lock_is_free(data_dir)

    again = spawn(data_dir)
    with sync_client(again.base_url) as client:
        assert [a.id for a in client.beta.assistants.list().data] == [assistant.id]
    log = (data_dir / "server.log").read_text()  # this start's only
    assert log.count("listening on") == 1 and f"listening on {again.base_url}" in log


def test_a_killed_parent_takes_its_child_server_with_it(spawn: Callable[..., ChildServer], tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(data_dir)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = json.loads(parent.stdout.readline())
        with sync_client(child["base_url"]) as client:
            assert client.beta.assistants.list().data == []
        assert not lock_is_free(data_dir)
        parent.send_signal(signal.SIGKILL)
        parent.wait(5)
        wait_until(lambda: lock_is_free(data_dir), 5, "the orphaned server to free the data dir")
        wait_until(lambda: process_gone(child["pid"]), 5, "the orphaned server to exit")
    finally:
        if parent.poll() is None:
            parent.kill()
        parent.wait(5)
        for pipe in (parent.stdin, parent.stdout):
            assert pipe is not None
            pipe.close()
    assert spawn(data_dir).base_url


def test_start_failures_say_why(spawn: Callable[..., ChildServer], tmp_path: Path) -> None:
    first = spawn(tmp_path / "busy")
    with pytest.raises(ServerStartError, match=r"in use by another asst-tui server \(pid \d+\)"):
        spawn(tmp_path / "busy")
    assert f"listening on {first.base_url}" in (tmp_path / "busy" / "server.log").read_text()  # its log left alone
    with pytest.raises(ServerStartError, match="Address already in use"):
        spawn(tmp_path / "other", port=int(first.base_url.rsplit(":", 1)[1].split("/")[0]))
    with pytest.raises(ServerStartError, match="unknown engine 'nope'"):
        spawn(tmp_path / "other", engine="nope")
    (tmp_path / "a-file").write_text("not a directory")
    with pytest.raises(ServerStartError, match="Can't write the server log"):
        spawn(tmp_path / "a-file")
    log = tmp_path / "late" / "server.log"
    with pytest.raises(ServerStartError, match=re.escape(f"did not start within 0.01 s (its log: {log})")):
        spawn_server(ServerConfig(data_dir=tmp_path / "late", port=0), ready_timeout=0.01)
    # None of the refused starts left its data dir locked.
    assert spawn(tmp_path / "other").base_url != first.base_url
    assert spawn(tmp_path / "late").base_url


def test_no_key_in_the_child_argv_or_its_log(spawn: Callable[..., ChildServer], tmp_path: Path) -> None:
    upstream = ScriptedUpstream().start()
    try:
        upstream.script("m", text_reply("fine"), error_reply(500, f"key {UPSTREAM_KEY} broke"))
        server = spawn(
            tmp_path / "data", engine="chat", upstream_base_url=upstream.base_url, upstream_api_key=UPSTREAM_KEY,
            api_key=SERVER_KEY, upstream_timeout_s=5.0,
        )
        with sync_client(server.base_url, api_key=SERVER_KEY) as client:
            assistant = client.beta.assistants.create(model="m")
            runs = [
                client.beta.threads.create_and_run_poll(
                    assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": "hi"}]}, poll_interval_ms=20
                )
                for _ in range(2)
            ]
        assert [run.status for run in runs] == ["completed", "failed"]
        assert all(r.headers["authorization"] == f"Bearer {UPSTREAM_KEY}" for r in upstream.requests_for("m"))
        argv = Path(f"/proc/{server.pid}/cmdline").read_bytes().decode()
        assert "asst_tui.server.child" in argv
        server.stop()
    finally:
        upstream.stop()
    log = (tmp_path / "data" / "server.log").read_text()
    assert f"chat engine, upstream {upstream.base_url}) listening on {server.base_url}" in log
    assert log.endswith("asst-tui server stopped.\n")
    for secret in (UPSTREAM_KEY, SERVER_KEY):
        assert secret not in argv and secret not in log
