"""Workers die with their server (kill -9 included) and with their thread, leftovers are reaped at the next start,
and the limits hold for a worker's whole tree, in both sandbox modes."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from asst_tui.server import ChildServer, EmbeddedServer, ServerConfig, spawn_server
from asst_tui.server.tools import sandbox_tree

from .conftest import sync_client, wait_for_status
from .sandbox_support import Coder, alive, all_gone, make_sandbox

BACKGROUND = (  # a child in the worker's session and one in a session of its own, both left running
    "import subprocess\n"
    "subprocess.Popen(['sleep', '600'])\n"
    "subprocess.Popen(['sleep', '600'], start_new_session=True)\n"
    "print('started')"
)
GIL_HOG = "import re\nopen('hogging', 'w').close()\nre.match(r'(a*)*b', 'a' * 40)"  # C code that never lets the worker's other threads run


@pytest.fixture
def child_servers() -> Iterator[Callable[..., ChildServer]]:
    started: list[ChildServer] = []

    def start(data_dir: Path, **overrides: Any) -> ChildServer:
        server = spawn_server(ServerConfig(data_dir=data_dir, port=0, demo_delay_ms=0, **overrides))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def _start_run(client: Any, assistant_id: str, code: str) -> tuple[str, str]:
    thread = client.beta.threads.create(messages=[{"role": "user", "content": f"```python\n{code}\n```"}])
    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant_id)
    return thread.id, run.id


def _workers_of(pid: int) -> set[int]:
    """Every process under pid but pid itself."""
    return set(sandbox_tree.tree(pid)) - {pid}


def _wait_for(condition: Callable[[], bool], within_s: float, what: str) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_a_killed_server_takes_its_workers_and_their_children_with_it(child_servers: Callable[..., ChildServer], tmp_path: Path, sandbox_mode: str) -> None:
    server = child_servers(tmp_path / "killed", sandbox=sandbox_mode)
    assert server.sandbox_label.startswith(sandbox_mode)
    with sync_client(server.base_url) as client:
        coder = Coder(client)
        assert coder.run(BACKGROUND) == "started\n"
        thread, run = _start_run(client, coder.assistant.id, "while True:\n    pass")
        wait_for_status(client, thread, run, "in_progress")
        started = 8 if sandbox_mode == "isolated" else 4  # two workers (each bwrap, its pid 1, the worker) and the two sleeps
        _wait_for(lambda: len(_workers_of(server.pid)) >= started, 10, "two workers and their children")
        processes = _workers_of(server.pid)
    os.kill(server.pid, signal.SIGKILL)
    assert all_gone(processes), f"still running after the server was killed: {sorted(p for p in processes if alive(p))}"


def test_a_worker_left_by_a_killed_server_is_stopped_at_the_next_start(
    child_servers: Callable[..., ChildServer], make_server: Callable[..., EmbeddedServer], tmp_path: Path, sandbox_mode: str
) -> None:
    data_dir = tmp_path / "crashed"
    server = child_servers(data_dir, sandbox=sandbox_mode)
    with sync_client(server.base_url) as client:
        thread, run = _start_run(client, Coder(client).assistant.id, GIL_HOG)
        _wait_for((data_dir / "sandbox" / thread / "hogging").exists, 20, "the worker to start its regular expression")
        time.sleep(0.2)  # inside it by now
        processes = _workers_of(server.pid)
    os.kill(server.pid, signal.SIGKILL)
    if sandbox_mode == "isolated":  # bwrap's --die-with-parent needs no cooperation from the worker
        assert all_gone(processes)
        return
    time.sleep(1)
    survivors = {pid for pid in processes if alive(pid)}
    assert survivors, "the stuck worker should have outlived its server: nothing to reap"
    make_server(data_dir=data_dir, sandbox="process")
    assert all_gone(survivors, within_s=2), "the next start did not stop the leftover worker"


def test_a_child_in_a_session_of_its_own_dies_when_its_thread_is_deleted(make_server: Callable[..., EmbeddedServer], sandbox_mode: str) -> None:
    server = make_server(sandbox=sandbox_mode)  # in this process: its workers are our children
    before = _workers_of(os.getpid())
    with sync_client(server.base_url) as client:
        coder = Coder(client)
        doomed = coder.thread()
        assert coder.run(BACKGROUND, doomed) == "started\n"
        theirs = _workers_of(os.getpid()) - before
        kept = coder.thread()
        coder.run("print('another thread')", kept)
        others = _workers_of(os.getpid()) - before - theirs
        client.beta.threads.delete(doomed)
        assert all_gone(theirs), f"still running after the thread was deleted: {sorted(p for p in theirs if alive(p))}"
        assert others and all(alive(pid) for pid in others)
        assert coder.run("print('still here')", kept) == "still here\n"


async def test_memory_is_limited_for_the_whole_tree(tmp_path: Path, sandbox_mode: str) -> None:
    box = make_sandbox(tmp_path, sandbox_mode, memory_mb=256)
    try:
        code = (
            "import subprocess, sys\nhog = 'import time; block = b\"x\" * (150 << 20); time.sleep(30)'\n"
            "children = [subprocess.Popen([sys.executable, '-c', hog]) for _ in range(3)]\n"
            "print([child.wait() for child in children])"
        )
        result = await box.execute("thread_tree", code)
        assert result.crashed and "processes used more than 256 MB of memory together" in result.logs
    finally:
        await box.close()


async def test_a_limit_broken_between_calls_is_reported_by_the_next_call(tmp_path: Path, sandbox_mode: str) -> None:
    box = make_sandbox(tmp_path, sandbox_mode, memory_mb=256)
    try:
        hog = "import time; time.sleep(0.5); block = b'x' * (200 << 20); time.sleep(30)"  # each under the per-process cap
        late = f"import subprocess, sys\nchildren = [subprocess.Popen([sys.executable, '-c', {hog!r}]) for _ in range(2)]"
        assert (await box.execute("thread_late", "x = 1\n" + late)).logs == ""
        for _ in range(300):  # until the watchdog has stopped it
            if not box.processes("thread_late"):
                break
            await asyncio.sleep(0.05)
        result = await box.execute("thread_late", "print('x' in globals())")
        assert result.logs == (
            "[Before this call: The code's processes used more than 256 MB of memory together, "
            "so the interpreter was restarted and its variables were lost.]\nFalse\n"
        )
    finally:
        await box.close()


async def test_cpu_time_is_limited(tmp_path: Path, sandbox_mode: str) -> None:
    box = make_sandbox(tmp_path, sandbox_mode, cpu_s=1, timeout_s=20)
    try:
        result = await box.execute("thread_cpu", "while True:\n    pass")
        assert result.crashed and "it used up its CPU time limit of 1 s" in result.logs
    finally:
        await box.close()


async def test_process_count_is_limited(tmp_path: Path, sandbox_mode: str) -> None:
    box = make_sandbox(tmp_path, sandbox_mode, max_processes=20)
    try:
        code = (
            "import subprocess, time\nstarted = 0\n"
            "try:\n    for _ in range(60):\n        subprocess.Popen(['sleep', '30'])\n        started += 1\n        time.sleep(0.05)\n"
            "except OSError as exc:\n    print('refused after', started, exc)"
        )
        result = await box.execute("thread_procs", code)
        if sandbox_mode == "isolated":  # RLIMIT_NPROC in the sandbox's own user namespace: the fork fails
            assert "refused after" in result.logs and "Resource temporarily unavailable" in result.logs
        else:  # `process` has no per-worker RLIMIT_NPROC (it would count all of the user's processes): the watchdog stops it
            assert result.crashed and "The code started more than 20 processes" in result.logs
    finally:
        await box.close()
