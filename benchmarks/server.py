"""Server throughput: SSE events/s for one long demo run, run-creation latency, concurrent threads.

    python benchmarks/server.py [--quick]

Runs offline against the embedded server (demo engine, zero delay) in a temp dir; prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import openai

from asst_tui.server import ServerConfig, start_server

warnings.filterwarnings("ignore", category=DeprecationWarning)


def _row(name: str, values: list[float], unit: str) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"| {name} | {statistics.median(ordered):,.1f} | {p95:,.1f} | {ordered[-1]:,.1f} | {unit} | {len(values)} |"


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


async def concurrent_runs(client: openai.AsyncOpenAI, assistant_id: str, threads: int, words: int) -> tuple[list[float], int]:
    async def one() -> tuple[float, str, str]:
        thread = await client.beta.threads.create(messages=[{"role": "user", "content": f"/lorem {words}"}])
        start = time.perf_counter()
        run = await client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant_id, poll_interval_ms=20)
        elapsed = time.perf_counter() - start
        messages = await client.beta.threads.messages.list(thread_id=thread.id, limit=1)
        return elapsed, run.status, messages.data[0].content[0].text.value

    results = await asyncio.gather(*(one() for _ in range(threads)))
    complete = sum(1 for _, status, text in results if status == "completed" and len(text.split()) >= words)
    return [r[0] for r in results], complete


async def main(quick: bool) -> None:
    words = 20_000 if quick else 100_000
    repeats = 2 if quick else 5
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(ServerConfig(data_dir=Path(tmp), port=0, demo_delay_ms=0))
        try:
            client = openai.AsyncOpenAI(base_url=server.base_url, api_key="bench", timeout=600)
            assistant = await client.beta.assistants.create(model="demo")
            rates = []
            for _ in range(repeats):
                count, seconds = await stream_events(client, assistant.id, words)
                rates.append(count / seconds)
            creation = [await run_creation_ms(client, assistant.id) for _ in range(20 if quick else 100)]
            per_run, complete = await concurrent_runs(client, assistant.id, 20, 2_000 if quick else 5_000)
        finally:
            server.stop()
    print(f"Server benchmark ({'quick' if quick else 'full'}; /lorem {words:,} for SSE; Python {sys.version.split()[0]})")
    print("| measure | median | p95 | max | unit | n |")
    print("|---|---|---|---|---|---|")
    print(_row(f"SSE events/s, one /lorem {words:,} run", rates, "events/s"))
    print(_row("run creation latency", creation, "ms"))
    print(_row("20 concurrent runs, time per run", per_run, "s"))
    print(f"20 concurrent runs: {complete}/20 completed with every word")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller loads, for CI")
    asyncio.run(main(parser.parse_args().quick))
