"""Benchmark 5b, several server processes: N concurrent streaming runs on two `asst-tui serve` processes sharing
one PostgreSQL (and one --files-dir), beside the same N runs on one process over SQLite.

    python -m benchmarks --only server [--quick]      (5 and 5b; or python -m benchmarks.server_processes)

Each server is a real subprocess (demo engine, zero delay) on loopback; the SDK client runs here. Run i
streams on process i mod 2, its thread made on the other one; every streamed word must be in the message
stored, as read back through the other process. PostgreSQL is a throwaway cluster in a temp dir (initdb,
as for the tests); without PostgreSQL's server binaries 5b is skipped with a line saying so.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import tempfile
import time
import warnings
from pathlib import Path

import openai

if not __package__:  # run as a script: make the harness importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.report import Table  # noqa: E402
from tests.postgres_cluster import find_bin_dir, running_cluster, wait_until_ready  # noqa: E402
from tests.serve_process import ServeProcess  # noqa: E402

warnings.filterwarnings("ignore", category=DeprecationWarning)
WARM_UP = 10


async def one_run(make_on: openai.AsyncOpenAI, stream_on: openai.AsyncOpenAI, assistant_id: str, words: int) -> tuple[float, int, bool]:
    """(seconds to the first text delta, events streamed, whether it completed with every streamed word stored)."""
    thread = await make_on.beta.threads.create(messages=[{"role": "user", "content": f"/lorem {words}"}])
    start = time.perf_counter()
    first = None
    count = 0
    parts: list[str] = []
    status = None
    stream = await stream_on.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant_id, stream=True)
    async for event in stream:
        count += 1
        if event.event == "thread.message.delta":
            first = first or time.perf_counter() - start
            parts.extend(p.text.value for p in event.data.delta.content or () if p.type == "text" and p.text)
        elif event.event.startswith("thread.run.") and not event.event.startswith("thread.run.step"):
            status = event.data.status
    stored = await make_on.beta.threads.messages.list(thread_id=thread.id, limit=1)
    text = stored.data[0].content[0].text.value
    ok = status == "completed" and text == "".join(parts) and len(text.split()) >= words
    return first if first is not None else float("nan"), count, ok


async def concurrent_runs(urls: list[str], runs: int, words: int) -> tuple[list[float], float, int]:
    """Stream `runs` runs at once over the servers, after WARM_UP runs (not counted) that open their pools'
    connections; (times to first delta, events/s overall, runs complete)."""
    clients = [openai.AsyncOpenAI(base_url=url, api_key="bench", timeout=600, max_retries=0) for url in urls]
    try:
        assistant = await clients[0].beta.assistants.create(model="demo")
        await asyncio.gather(*(one_run(clients[(i + 1) % len(clients)], clients[i % len(clients)], assistant.id, 10) for i in range(WARM_UP)))
        start = time.perf_counter()
        results = await asyncio.gather(
            *(one_run(clients[(i + 1) % len(clients)], clients[i % len(clients)], assistant.id, words) for i in range(runs))
        )
        wall = time.perf_counter() - start
    finally:
        for client in clients:
            await client.close()
    return [r[0] for r in results], sum(r[1] for r in results) / wall, sum(r[2] for r in results)


def measure(quick: bool) -> Table:
    runs, words = (20, 50) if quick else (100, 300)
    table = Table("server_processes", f"5b. {runs} concurrent streaming runs (/lorem {words}): two processes on PostgreSQL beside one on SQLite")
    bin_dir = find_bin_dir()
    needs = {"PostgreSQL's server binaries (initdb, pg_ctl)": bin_dir is not None, "psycopg": importlib.util.find_spec("psycopg") is not None}
    missing = " and ".join(name for name, found in needs.items() if not found)
    if bin_dir is None or missing:
        print(f"5b skipped: {missing} not installed", flush=True)
        table.notes.append(f"skipped: {missing} not installed")
        return table
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        served = [ServeProcess.start(root / "sqlite")]
        try:
            sqlite = asyncio.run(concurrent_runs([served[0].base_url], runs, words))
        finally:
            served[0].stop()
        with running_cluster(bin_dir) as cluster:
            wait_until_ready(cluster)
            database = cluster.create_database("bench")
            served = []
            try:
                for name in ("a", "b"):
                    served.append(ServeProcess.start(root / name, database=database, files_dir=root / "files"))
                postgres = asyncio.run(concurrent_runs([s.base_url for s in served], runs, words))
            finally:
                for server in served:
                    server.stop()
    for label, (first, rate, complete) in (("SQLite, one process", sqlite), ("PostgreSQL, two processes", postgres)):
        table.add(f"{label}: time to first delta", [t * 1000 for t in first], "ms")
        table.add(f"{label}: events/s, all runs together", [rate], "events/s")
        table.check(f"{label}: runs complete with every word", complete, f"{runs}/{runs}", complete == runs)
    return table


def tables(quick: bool) -> list[Table]:
    return [measure(quick)]


if __name__ == "__main__":
    from benchmarks.__main__ import standalone

    standalone(tables)
