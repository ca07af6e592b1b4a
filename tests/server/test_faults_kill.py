"""The server under kill -9, SIGTERM and load, as the TUI runs it (a child process): nothing lost, nothing stuck.

These held before the reliability work and are kept as guards; their figures are the README's
(`python -m pytest -p no:cacheprovider tests/server/test_faults_kill.py -s` prints them).
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import openai

from asst_tui.server import ChildServer

from .conftest import MODEL, TEST_KEY, async_client, sync_client, wait_for_status
from .faults import child_server, figure  # noqa: F401 - child_server is a fixture

RUNS = 20
STREAMS = 100


def _start_runs(client: openai.OpenAI, count: int, text: str) -> list[tuple[str, str]]:
    assistant = client.beta.assistants.create(model=MODEL)
    started = []
    for _ in range(count):
        thread = client.beta.threads.create(messages=[{"role": "user", "content": text}])
        started.append((thread.id, client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id).id))
    for thread_id, run_id in started:
        wait_for_status(client, thread_id, run_id, "in_progress")
    return started


def _assert_all_failed_and_usable(client: openai.OpenAI, runs: list[tuple[str, str]]) -> None:
    assistant = client.beta.assistants.create(model=MODEL)
    for thread_id, run_id in runs:
        run = client.beta.threads.runs.retrieve(run_id, thread_id=thread_id)
        assert run.status == "failed" and run.last_error.code == "server_error", (run.status, run.last_error)
        assert all(s.status != "in_progress" for s in client.beta.threads.runs.steps.list(run_id, thread_id=thread_id).data)
        assert all(m.status != "in_progress" for m in client.beta.threads.messages.list(thread_id).data)
        client.beta.threads.messages.create(thread_id, role="user", content="still here?")
        again = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant.id)
        assert again.status == "completed"


def test_kill_9_with_20_active_runs_loses_nothing_and_leaves_nothing_active(child_server: Callable[..., ChildServer], tmp_path: Path) -> None:
    data_dir = tmp_path / "d"
    server = child_server(data_dir, demo_delay_ms=5)
    with sync_client(server.base_url) as client:
        runs = _start_runs(client, RUNS, "/lorem 100000")
        time.sleep(1.2)  # past each run's first write of its message
        before = {thread_id: len(client.beta.threads.messages.list(thread_id).data) for thread_id, _ in runs}
    os.kill(server.pid, signal.SIGKILL)

    started = time.monotonic()
    again = child_server(data_dir)
    restart_s = time.monotonic() - started
    with sync_client(again.base_url) as client:
        for thread_id, count in before.items():
            assert len(client.beta.threads.messages.list(thread_id).data) == count  # every message kept
        _assert_all_failed_and_usable(client, runs)
    figure(f"kill -9 with {RUNS} active runs: restart to serving {restart_s:.2f} s; {RUNS}/{RUNS} runs failed (server_error), 0 left active, every thread ran again")


def test_sigterm_with_20_active_runs_ends_them_and_exits(child_server: Callable[..., ChildServer], tmp_path: Path) -> None:
    data_dir = tmp_path / "d"
    server = child_server(data_dir, demo_delay_ms=5)
    with sync_client(server.base_url) as client:
        runs = _start_runs(client, RUNS, "/lorem 100000")
    started = time.monotonic()
    os.kill(server.pid, signal.SIGTERM)
    while not _gone(server.pid):
        assert time.monotonic() - started < 15, "the server did not exit after SIGTERM"
        time.sleep(0.05)
    exit_s = time.monotonic() - started
    again = child_server(data_dir)
    with sync_client(again.base_url) as client:
        _assert_all_failed_and_usable(client, runs)
    figure(f"SIGTERM with {RUNS} active runs: exited in {exit_s:.2f} s; {RUNS}/{RUNS} runs ended failed, 0 left active")


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z"


async def test_100_concurrent_streams_all_complete(child_server: Callable[..., ChildServer], tmp_path: Path) -> None:
    server = child_server(tmp_path / "d", demo_delay_ms=2)
    async with openai.AsyncOpenAI(base_url=server.base_url, api_key=TEST_KEY, max_retries=0, timeout=120) as client:
        assistant = await client.beta.assistants.create(model=MODEL)

        async def one() -> tuple[float, str, int]:
            started = time.monotonic()
            first = 0.0
            words = 0
            thread = await client.beta.threads.create(messages=[{"role": "user", "content": "/lorem 100"}])
            async with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id) as stream:
                async for text in stream.text_deltas:
                    first = first or time.monotonic() - started
                    words += len(text.split())
                run = await stream.get_final_run()
            return first, run.status, words

        started = time.monotonic()
        results = await asyncio.gather(*(one() for _ in range(STREAMS)))
        wall = time.monotonic() - started
    assert [status for _, status, _ in results] == ["completed"] * STREAMS
    assert all(words >= 100 for _, _, words in results)
    firsts = sorted(first for first, _, _ in results)
    figure(
        f"{STREAMS} concurrent streams of 100 words: {STREAMS}/{STREAMS} completed in {wall:.1f} s; first text after "
        f"{statistics.median(firsts):.2f} s median, {firsts[int(0.95 * STREAMS) - 1]:.2f} s p95"
    )


async def test_the_thread_lock_holds_under_20_concurrent_run_starts(child_server: Callable[..., ChildServer], tmp_path: Path) -> None:
    server = child_server(tmp_path / "d", demo_delay_ms=5)
    async with async_client(server.base_url) as client:
        assistant = await client.beta.assistants.create(model=MODEL)
        thread = await client.beta.threads.create(messages=[{"role": "user", "content": "/lorem 2000"}])

        async def start() -> str:
            try:
                await client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
                return "started"
            except openai.BadRequestError as exc:
                assert "already has an active run" in exc.message
                return "refused"

        outcomes = await asyncio.gather(*(start() for _ in range(RUNS)))
        runs = (await client.beta.threads.runs.list(thread.id)).data
    assert sorted(outcomes) == ["refused"] * (RUNS - 1) + ["started"]
    assert len(runs) == 1
    figure(f"{RUNS} concurrent run starts on one thread: 1 started, {RUNS - 1} refused (400), 1 run stored")
