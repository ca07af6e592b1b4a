"""What the chat engine adds: time to first delta and per-delta cost, through the server vs straight upstream.

    python benchmarks/chat_engine.py [--runs N] [--deltas N] [--quick]

Offline: the upstream is the tests' scripted Chat Completions server on loopback, replying at once
(zero delay). "Straight upstream" streams a chat completion from it with the openai SDK; "through the
server" streams an Assistants run (chat engine) with the same SDK, so both sides pay the same
client-side parsing. Prints a table of medians (and p95) over many runs.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for the tests' scripted upstream

from asst_tui.server import ServerConfig, start_server  # noqa: E402
from tests.server.scripted_upstream import ScriptedUpstream, text_reply  # noqa: E402

warnings.filterwarnings("ignore", category=DeprecationWarning)
MODEL = "bench-model"


async def direct(client: openai.AsyncOpenAI) -> tuple[float, float, int]:
    """(seconds to the first content delta, seconds from first to last delta, deltas) for one completion."""
    start = time.perf_counter()
    first = last = 0.0
    count = 0
    stream = await client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Hello?"}], stream=True, stream_options={"include_usage": True}
    )
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            last = time.perf_counter()
            first = first or last
            count += 1
    return first - start, last - first, count


async def through_server(client: openai.AsyncOpenAI, assistant_id: str) -> tuple[float, float, int]:
    thread = await client.beta.threads.create(messages=[{"role": "user", "content": "Hello?"}])
    start = time.perf_counter()
    first = last = 0.0
    count = 0
    stream = await client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant_id, stream=True)
    async for event in stream:
        if event.event == "thread.message.delta":
            last = time.perf_counter()
            first = first or last
            count += 1
    return first - start, last - first, count


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def measure(runs: int, deltas: int) -> None:
    upstream = ScriptedUpstream().start()
    words = [f"word{i} " for i in range(deltas)]
    upstream.script(MODEL, *[text_reply(*words) for _ in range(2 * (runs + 3))])
    with tempfile.TemporaryDirectory() as data:
        config = ServerConfig(data_dir=Path(data), port=0, engine="chat", upstream_base_url=upstream.base_url, upstream_api_key="bench")
        server = start_server(config)
        try:
            async with openai.AsyncOpenAI(base_url=upstream.base_url, api_key="bench", max_retries=0) as up, openai.AsyncOpenAI(
                base_url=server.base_url, api_key="bench", max_retries=0
            ) as srv:
                assistant = await srv.beta.assistants.create(model=MODEL)
                results: dict[str, list[tuple[float, float, int]]] = {"direct": [], "server": []}
                for i in range(runs + 3):  # interleaved, so drift hits both sides alike; 3 warm-up rounds
                    d, s = await direct(up), await through_server(srv, assistant.id)
                    if i >= 3:
                        results["direct"].append(d)
                        results["server"].append(s)
        finally:
            server.stop()
            upstream.stop()
    assert all(n == deltas for side in results.values() for _, _, n in side), "a stream lost deltas"
    first = {k: [r[0] * 1000 for r in v] for k, v in results.items()}
    per = {k: [r[1] / (deltas - 1) * 1e6 for r in v] for k, v in results.items()}
    print(f"chat engine overhead: {runs} runs of {deltas} deltas each, scripted upstream at zero delay (medians; p95 in brackets)\n")
    print("| measure | straight to the upstream | through the server | the server adds |")
    print("|---|---|---|---|")
    for name, values, unit in (("time to first delta", first, "ms"), ("per delta", per, "µs")):
        d, s = statistics.median(values["direct"]), statistics.median(values["server"])
        print(f"| {name} | {d:,.2f} {unit} ({_p95(values['direct']):,.2f}) | {s:,.2f} {unit} ({_p95(values['server']):,.2f}) | {s - d:+,.2f} {unit} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100, help="measured runs per side (default 100)")
    parser.add_argument("--deltas", type=int, default=200, help="content deltas per answer (default 200)")
    parser.add_argument("--quick", action="store_true", help="10 runs of 50 deltas, to check it works")
    args = parser.parse_args()
    runs, deltas = (10, 50) if args.quick else (args.runs, args.deltas)
    asyncio.run(measure(runs, deltas))


if __name__ == "__main__":
    main()
