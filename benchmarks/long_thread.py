"""Benchmark 3: a thread of 2,000 messages (mixed Markdown, code, tool steps), made with the SDK in the app's server.

    python -m benchmarks.long_thread [--quick]

Measures, headless: from selecting the thread in the sidebar to the painted frame that shows its last
message at the bottom; resident memory (the app's plus its server process's) then and after scrolling
to the top; and, while PageUp is held (30 presses a second) until the first message is shown, the
largest gap between painted frames, which is where older pages load and are mounted.
"""

from __future__ import annotations

import asyncio
import time

from asst_tui.tui.widgets.sidebar import Sidebar

from .fixtures import SIZE, adopt, make_app, press, ready, sdk_client, wait_until
from .history import make_thread
from .isolated import run_isolated
from .probes import FrameClock, LoopLag, rss_mb
from .report import Table

KEY_RATE = 30  # PageUp presses per second while scrolling to the top


async def scenario(app, count: int, functions: int, code: int) -> dict[str, float]:
    await ready(app)
    async with sdk_client(app) as client:
        thread_id = await make_thread(client, app.assistant["id"], count, functions, code)
        page = await client.beta.threads.messages.list(thread_id, limit=1, order="asc")
        first_id = page.data[0].id
        page = await client.beta.threads.messages.list(thread_id, limit=1, order="desc")
        last_id = page.data[0].id
    adopt(app, thread_id)
    await asyncio.sleep(0.2)
    chat = app.chat
    shown: list[float] = []

    def bottom_shown(now: float) -> None:
        last = chat.entries[-1] if chat.entries else None
        if not shown and last is not None and last.message_id == last_id and chat.scroll_y >= chat.max_scroll_y:
            shown.append(now)

    clock = FrameClock(app, bottom_shown)
    selected = time.perf_counter()
    app.sidebar.post_message(Sidebar.ThreadChosen(thread_id))
    await wait_until(lambda: shown, what="the thread's last screenful")
    first_paint = (shown[0] - selected) * 1000
    await asyncio.sleep(0.5)
    rss_opened = app_and_server_rss(app)

    def at_top() -> bool:
        first = chat.entries[0] if chat.entries else None
        return first is not None and first.message_id == first_id and chat.scroll_y == 0

    chat.focus()
    lag = LoopLag().start()
    start = time.perf_counter()
    while not at_top():
        press(app, "pageup")
        await asyncio.sleep(1 / KEY_RATE)
        if time.perf_counter() - start > 600:
            raise TimeoutError("scrolling to the top took over 10 minutes")
    end = time.perf_counter()
    lag.stop()
    await asyncio.sleep(0.3)  # let the presses still queued be handled before the app exits
    gaps = clock.gaps_ms(start, end)
    return {
        "first_paint_ms": first_paint,
        "rss_opened_mb": rss_opened,
        "rss_top_mb": app_and_server_rss(app),
        "scroll_s": end - start,
        "gap_max_ms": max(gaps),
        "lag_max_ms": max(lag.between(start, end) or [0.0]),
        "loaded": len(chat.entries),
    }


def app_and_server_rss(app) -> float:
    """The app's resident memory plus its embedded server process's, in MB."""
    return rss_mb() + rss_mb(app.connection.server.pid)


async def one(count: int, functions: int, code: int) -> dict[str, float]:
    """One round in a new app (run in a fresh process, so its memory is its own)."""
    app = make_app()
    async with app.run_test(size=SIZE):
        return await scenario(app, count, functions, code)


def run(quick: bool) -> list[Table]:
    count, functions, code, rounds = (400, 2, 1, 1) if quick else (2_000, 6, 2, 3)
    results = []
    for _ in range(rounds):
        results.append(run_isolated("long_thread:one", count, functions, code))
    table = Table("long_thread", f"3. Long thread: {count:,} messages ({functions} function-call and {code} code-interpreter turns), "
                                 f"headless {SIZE[0]}x{SIZE[1]}, {rounds} round(s)")
    table.add("select → last screenful painted", [r["first_paint_ms"] for r in results], "ms")
    table.add("RSS after opening (app + its embedded server)", [r["rss_opened_mb"] for r in results], "MB")
    table.add(f"scroll to the top (PageUp held, {KEY_RATE}/s): time", [r["scroll_s"] for r in results], "s")
    table.add("scroll to the top: largest frame gap", [r["gap_max_ms"] for r in results], "ms")
    table.add("scroll to the top: largest event-loop lag", [r["lag_max_ms"] for r in results], "ms")
    table.add(f"RSS after scrolling to the top ({results[0]['loaded']:,} messages loaded)", [r["rss_top_mb"] for r in results], "MB")
    median = lambda key: sorted(r[key] for r in results)[len(results) // 2]  # noqa: E731
    table.check("first paint, ms", median("first_paint_ms"), "<= 150 ms", median("first_paint_ms") <= 150)
    table.check("RSS after opening, MB", median("rss_opened_mb"), "<= 150 MB", median("rss_opened_mb") <= 150)
    table.check("largest frame gap scrolling up, ms", median("gap_max_ms"), "<= 100 ms", median("gap_max_ms") <= 100)
    return [table]


if __name__ == "__main__":
    from .__main__ import standalone

    standalone(run)
