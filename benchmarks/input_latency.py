"""Benchmark 6: keypress to prompt repaint while a reply streams at full speed over 200 messages of history.

    python -m benchmarks.input_latency [--quick]

Headless. A thread of 200 messages is opened, `/lorem N` is sent at zero delay, and while the reply
streams a printable key is posted every 50 ms the way the terminal driver posts one; its latency runs
to the first painted frame after the prompt holds the new character. The same keys typed with the app
idle give the reference.
"""

from __future__ import annotations

import asyncio
import time

from .fixtures import SIZE, adopt, idle, make_app, press, ready, sdk_client, submit, wait_until
from .history import make_thread
from .isolated import run_isolated
from .report import Table, p95
from .probes import FrameClock

HISTORY = 200
KEY_INTERVAL = 0.05


async def typing(app, keys: int, until=lambda: False) -> list[float]:
    """Post `keys` key presses, one at a time, and return each one's latency to the repaint, in ms."""
    prompt = app.prompt
    waiting: list[tuple[float, int]] = []  # (pressed at, prompt length that shows it)
    latencies: list[float] = []

    def on_frame(now: float) -> None:
        if waiting and len(prompt.text) >= waiting[0][1]:
            latencies.append((now - waiting.pop(0)[0]) * 1000)

    clock = FrameClock(app, on_frame)
    for i in range(keys):
        if until():
            break
        waiting.append((time.perf_counter(), len(prompt.text) + 1))
        press(app, "x", "x")
        await wait_until(lambda: not waiting, timeout=30, what="the prompt to repaint")
        await asyncio.sleep(KEY_INTERVAL)
    clock.on_frame = None
    prompt.text = ""
    return latencies


async def scenario(app, words: int, keys: int) -> dict[str, list[float]]:
    await ready(app)
    async with sdk_client(app) as client:
        thread_id = await make_thread(client, app.assistant["id"], HISTORY)
    adopt(app, thread_id)
    await app.switch_to(thread_id)
    app.prompt.focus()
    await asyncio.sleep(0.3)
    resting = await typing(app, keys)
    submit(app, f"/lorem {words}")
    await wait_until(lambda: app.flow is not None and app.status_line.status == "in_progress", what="the reply to stream")
    app.prompt.focus()
    streaming = await typing(app, keys, until=lambda: app.flow is None)
    await idle(app)
    return {"resting": resting, "streaming": streaming}


async def one(words: int, keys: int) -> dict[str, list[float]]:
    app = make_app()
    async with app.run_test(size=SIZE):
        return await scenario(app, words, keys)


def run(quick: bool) -> list[Table]:
    words, keys, rounds = (5_000, 30, 1) if quick else (20_000, 60, 3)
    results = []
    for _ in range(rounds):
        results.append(run_isolated("input_latency:one", words, keys))
    streaming = [ms for r in results for ms in r["streaming"]]
    table = Table("input_latency", f"6. Keypress to prompt repaint, {HISTORY} messages of history, headless, {rounds} round(s)")
    table.add("app idle", [ms for r in results for ms in r["resting"]], "ms")
    table.add(f"while /lorem {words:,} streams at full speed", streaming, "ms")
    value = p95(streaming) if streaming else None
    table.check("p95 while streaming, ms", value, "<= 50 ms", value is not None and value <= 50)
    return [table]


if __name__ == "__main__":
    from .__main__ import standalone

    standalone(run)
