"""Benchmark 5, the server: SSE events/s for one long demo run, run-creation latency, 20 threads streaming at once
(and 5b, several processes: benchmarks/server_processes.py).

    python benchmarks/server.py [--quick]      (or python -m benchmarks --only server)

Runs offline against the embedded server (demo engine, zero delay) in a temp dir, in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import warnings
from pathlib import Path

import openai

if not __package__:  # run as a script: make the harness importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asst_tui.server import ServerConfig, start_server  # noqa: E402
from benchmarks.report import Table  # noqa: E402

warnings.filterwarnings("ignore", category=DeprecationWarning)
CONCURRENT = 20


async def stream_events(client: openai.AsyncOpenAI, assistant_id: str, words: int) -> tuple[int, float]:
    thread = await client.beta.threads.create(messages=[{"role": "user", "content": f"/lorem {words}"}])
    start = time.perf_counter()
    count = 0
    stream = await client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant_id, stream=True)
    async for _ in stream:
        count += 1
    return count, time.perf_counter() - start


async def run_creation_ms(client: openai.AsyncOpenAI, assistant_id: str) -> float:
    thread = await client.beta.threads.create(messages=[{"role": "user", "content": "hi"}])
    start = time.perf_counter()
    run = await client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant_id)
    elapsed = (time.perf_counter() - start) * 1000
    await client.beta.threads.runs.poll(run.id, thread_id=thread.id, poll_interval_ms=20)
    return elapsed


async def streamed_run(client: openai.AsyncOpenAI, assistant_id: str, words: int) -> tuple[float, bool]:
    """Stream one run; (seconds, whether it completed with every streamed delta in its stored message)."""
    thread = await client.beta.threads.create(messages=[{"role": "user", "content": f"/lorem {words}"}])
    start = time.perf_counter()
    parts: list[str] = []
    status = None
    stream = await client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant_id, stream=True)
    async for event in stream:
        if event.event == "thread.message.delta":
            parts.extend(p.text.value for p in event.data.delta.content or () if p.type == "text" and p.text)
        elif event.event.startswith("thread.run.") and not event.event.startswith("thread.run.step"):
            status = event.data.status
    elapsed = time.perf_counter() - start
    stored = await client.beta.threads.messages.list(thread_id=thread.id, limit=1)
    text = stored.data[0].content[0].text.value
    return elapsed, status == "completed" and text == "".join(parts) and len(text.split()) >= words


async def measure(quick: bool) -> Table:
    words = 20_000 if quick else 100_000
    repeats = 2 if quick else 5
    each = 1_000 if quick else 5_000
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(ServerConfig(data_dir=Path(tmp), port=0, demo_delay_ms=0))
        try:
            async with openai.AsyncOpenAI(base_url=server.base_url, api_key="bench", timeout=600, max_retries=0) as client:
                assistant = await client.beta.assistants.create(model="demo")
                rates = []
                for _ in range(repeats):
                    count, seconds = await stream_events(client, assistant.id, words)
                    rates.append(count / seconds)
                creation = [await run_creation_ms(client, assistant.id) for _ in range(20 if quick else 100)]
                start = time.perf_counter()
                results = await asyncio.gather(*(streamed_run(client, assistant.id, each) for _ in range(CONCURRENT)))
                wall = time.perf_counter() - start
        finally:
            server.stop()
    table = Table("server", f"5. Server (embedded, demo engine at zero delay; SDK client in the same process)")
    table.add(f"SSE events/s, one /lorem {words:,} run", rates, "events/s")
    table.add("run creation latency (POST /runs)", creation, "ms")
    table.add(f"{CONCURRENT} threads streaming /lorem {each:,} at once: time per run", [r[0] for r in results], "s")
    table.add(f"{CONCURRENT} threads at once: wall time", [wall], "s")
    complete = sum(ok for _, ok in results)
    table.check(f"{CONCURRENT} concurrent runs complete with nothing lost", complete, f"{CONCURRENT}/{CONCURRENT}", complete == CONCURRENT)
    return table


def tables(quick: bool) -> list[Table]:
    """5, then 5b (benchmarks/server_processes.py: two processes on PostgreSQL beside one on SQLite)."""
    from benchmarks import server_processes

    return [asyncio.run(measure(quick)), *server_processes.tables(quick)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller loads, for CI")
    print(tables(parser.parse_args().quick)[0].render())
