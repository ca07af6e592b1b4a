"""What each streamed message delta costs the client to read: the SDK's AsyncStream (its SSE decoder and
pydantic models) against asst-tui's own reader (client/sse.py, then json.loads straight to TextDelta).

    python -m benchmarks.stream_parse [--quick]

One `/lorem N` run of the embedded server (demo engine, zero delay) is recorded as the chunks its body
arrived in; both paths then read that same recording through the same SDK client, served by an httpx2
MockTransport, so neither the server nor the network is in the figures. Per delta event is the CPU time
of this thread from one TextDelta to the next (so the other processes of a loaded machine are not in it;
the server sent one event per chunk, so each delta also pays for reading its chunk).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx2
import openai

from asst_tui.client.backend import Backend
from asst_tui.client.events import TextDelta
from asst_tui.client.stream import StreamAdapter

from .report import Table
from .stream_scenarios import embedded_server, lorem_thread


async def record(words: int) -> list[bytes]:
    """The chunks of one `/lorem words` run's body, as the embedded server sent them."""
    async with embedded_server() as (client, assistant_id):
        thread_id = await lorem_thread(client, words)
        async with client.beta.threads.runs.with_streaming_response.create(
            thread_id, assistant_id=assistant_id, stream=True
        ) as response:
            return [chunk async for chunk in response.iter_bytes()]


def replaying(chunks: list[bytes]) -> openai.AsyncOpenAI:
    """An SDK client whose every request is answered with the recorded body."""
    async def body() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    def answer(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body())

    transport = httpx2.MockTransport(answer)
    return openai.AsyncOpenAI(base_url="http://replay.invalid/v1", api_key="replay", max_retries=0,
                              http_client=httpx2.AsyncClient(transport=transport))


async def sdk_path(client: openai.AsyncOpenAI) -> AsyncIterator[Any]:
    """How the client read a run before: the SDK's AsyncStream, text read from the delta's model."""
    adapter = StreamAdapter()
    async for event in await client.beta.threads.runs.create("thread_1", assistant_id="asst_1", stream=True):
        if event.event == "thread.message.delta":
            data = event.data
            for part in data.delta.content or ():
                if part.type == "text" and part.text is not None and part.text.value:
                    yield TextDelta(data.id, part.text.value)
        else:
            for out in adapter.feed(event):
                yield out
            if adapter.finished:
                return


def own_path(client: openai.AsyncOpenAI) -> AsyncIterator[Any]:
    """How it reads one now: Backend.stream_run, the body read by client/stream.py."""
    return Backend(client, base_url=str(client.base_url), label="replay").stream_run("thread_1", "asst_1")


async def per_delta_us(read: Callable[[openai.AsyncOpenAI], AsyncIterator[Any]], chunks: list[bytes]) -> tuple[list[float], float]:
    """Each delta's cost in µs (time since the previous one), and the mean over the whole stream."""
    client = replaying(chunks)
    try:
        clock = time.thread_time_ns  # CPU time: other processes taking the core away are not counted
        stamps: list[int] = []
        start = clock()
        async for event in read(client):
            if type(event) is TextDelta:
                stamps.append(clock())
        took = clock() - start
    finally:
        await client.close()
    return [(b - a) / 1000 for a, b in zip(stamps, stamps[1:])], took / 1000 / len(stamps)


async def measure(words: int, rounds: int) -> tuple[int, dict[str, list[float]], dict[str, list[float]]]:
    chunks = await record(words)
    paths = {"SDK AsyncStream": sdk_path, "asst-tui reader": own_path}
    gaps: dict[str, list[float]] = {name: [] for name in paths}
    means: dict[str, list[float]] = {name: [] for name in paths}
    deltas = 0
    for _ in range(rounds):  # the paths take turns, so a busy moment of the machine hits both
        for name, read in paths.items():
            each, mean = await per_delta_us(read, chunks)
            gaps[name] += each
            means[name].append(mean)
            deltas = len(each) + 1
    return deltas, gaps, means


def run(quick: bool) -> list[Table]:
    words, rounds = (5_000, 2) if quick else (20_000, 5)
    deltas, gaps, means = asyncio.run(measure(words, rounds))
    table = Table("stream_parse", f"1b. Reading one message delta: /lorem {words:,} recorded ({deltas:,} deltas), "
                                  f"replayed {rounds} time(s) through each path")
    for name in gaps:
        table.add(f"{name}: per delta event", gaps[name], "µs")
    for name in means:
        table.add(f"{name}: whole stream ÷ deltas", means[name], "µs")
    sdk, own = (statistics.median(means[name]) for name in means)
    table.notes.append(f"the asst-tui reader takes {own / sdk:.0%} of the SDK path's time per delta ({sdk / own:.1f}x faster). "
                       + " ".join(__doc__.split("\n\n")[2].split()))
    return [table]


if __name__ == "__main__":
    from .__main__ import standalone

    standalone(run)
