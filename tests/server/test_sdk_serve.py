"""`asst-tui serve` as a real subprocess: prints its URL, serves the SDK, stops on SIGINT, guards non-loopback."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import openai
import pytest

from asst_tui.server import EmbeddedServer

from .conftest import MODEL, sync_client, wait_for_status

URL = re.compile(r"http://127\.0\.0\.1:(\d+)/v1")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "ASST_TUI_SERVER_KEY"}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "asst_tui.cli", "serve", *args]


def _read_until(proc: subprocess.Popen[str], pattern: re.Pattern[str], timeout: float = 20.0) -> tuple[re.Match[str], str]:
    """Read the process's stdout until a line matches; fail on timeout or exit."""
    assert proc.stdout is not None
    seen = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.1)
        if ready:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
            seen += line
            if match := pattern.search(line):
                return match, seen
        elif proc.poll() is not None:
            break
    raise AssertionError(f"no line matching {pattern.pattern!r}; output so far: {seen!r}; exit code {proc.poll()}")


@pytest.fixture
def spawn() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []

    def start(*args: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen(_command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(5)
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


def test_serve_prints_its_url_serves_and_stops_on_sigint(spawn: Callable[..., subprocess.Popen[str]], tmp_path: Path) -> None:
    data_dir = tmp_path / "served"
    proc = spawn("--port", "0", "--data-dir", str(data_dir), "--demo-delay-ms", "0")
    match, _ = _read_until(proc, URL)
    base_url = match.group(0)
    assert int(match.group(1)) > 0
    with sync_client(base_url) as client:
        assistant = client.beta.assistants.create(model=MODEL, name="Served")
        run = client.beta.threads.create_and_run_poll(
            assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": "hi"}]}, poll_interval_ms=20
        )
        assert run.status == "completed"
    assert (data_dir / "assistants.sqlite3").exists()

    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "stopped" in out
    assert "Traceback" not in err


def test_serve_refuses_a_non_loopback_host_without_a_key(tmp_path: Path) -> None:
    result = subprocess.run(
        _command("--host", "0.0.0.0", "--port", "0", "--data-dir", str(tmp_path / "d")),
        capture_output=True, text=True, timeout=30, env=_env(),
    )
    assert result.returncode == 2
    assert "--api-key" in result.stderr and "0.0.0.0" in result.stderr
    assert not (tmp_path / "d" / "assistants.sqlite3").exists()


def test_serve_with_a_key_on_any_interface(spawn: Callable[..., subprocess.Popen[str]], tmp_path: Path) -> None:
    proc = spawn("--host", "0.0.0.0", "--port", "0", "--data-dir", str(tmp_path / "d"), "--api-key", "serve-key")
    match, _ = _read_until(proc, re.compile(r"http://0\.0\.0\.0:(\d+)/v1"))
    base_url = f"http://127.0.0.1:{match.group(1)}/v1"
    with sync_client(base_url, api_key="serve-key") as client:
        assert client.beta.assistants.create(model=MODEL).id.startswith("asst_")
    with sync_client(base_url, api_key="wrong") as client, pytest.raises(openai.AuthenticationError):
        client.beta.assistants.list()
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=10)
    assert proc.returncode == 0


def test_a_killed_server_leaves_runs_that_are_failed_on_the_next_start(
    spawn: Callable[..., subprocess.Popen[str]], make_server: Callable[..., EmbeddedServer], tmp_path: Path
) -> None:
    data_dir = tmp_path / "killed"
    proc = spawn("--port", "0", "--data-dir", str(data_dir), "--demo-delay-ms", "5")
    match, _ = _read_until(proc, URL)
    with sync_client(match.group(0)) as client:
        assistant = client.beta.assistants.create(model=MODEL)
        thread = client.beta.threads.create(messages=[{"role": "user", "content": "/lorem 100000"}])
        run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
        wait_for_status(client, thread.id, run.id, "in_progress")
        time.sleep(1.3)  # past the engine's first flush of the message text
    proc.kill()  # no shutdown code runs: recovery happens on the next start
    proc.wait(5)

    srv = make_server(data_dir=data_dir)
    with sync_client(srv.base_url) as client:
        failed = client.beta.threads.runs.retrieve(run.id, thread_id=thread.id)
        assert failed.status == "failed" and failed.last_error.code == "server_error"
        reply = client.beta.threads.messages.list(thread.id, run_id=run.id).data[0]
        assert reply.status == "incomplete" and message_words(reply) > 0
        step = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data[0]
        assert step.status == "failed"
        client.beta.threads.messages.create(thread.id, role="user", content="the thread is usable again")


def message_words(message: object) -> int:
    return sum(len(p.text.value.split()) for p in message.content if p.type == "text")  # type: ignore[attr-defined]


def test_start_failures_are_clear_and_leave_nothing_locked(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> None:
    from asst_tui.server.embed import ServerStartError
    from asst_tui.server.lock import DataDirInUse

    first = make_server(data_dir=tmp_path / "one")
    with pytest.raises(DataDirInUse, match="in use by another asst-tui server"):
        make_server(data_dir=tmp_path / "one")
    with pytest.raises(ServerStartError, match="Address already in use") as taken:
        make_server(data_dir=tmp_path / "two", port=first.port)
    # The refused start (its exception still alive here) did not keep tmp_path/two locked.
    second = make_server(data_dir=tmp_path / "two")
    assert taken.value is not None and second.port != first.port
    with sync_client(second.base_url) as client:
        assert client.beta.assistants.list().data == []


def test_serve_on_a_data_dir_in_use_exits_1(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> None:
    make_server(data_dir=tmp_path / "busy")
    result = subprocess.run(
        _command("--port", "0", "--data-dir", str(tmp_path / "busy")), capture_output=True, text=True, timeout=30, env=_env()
    )
    assert result.returncode == 1
    assert "in use by another asst-tui server" in result.stderr and "Traceback" not in result.stderr
