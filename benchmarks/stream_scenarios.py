"""The three readers of one `/lorem N` run at zero delay: the raw SDK (the floor), asst-tui, and the baseline view.

Each runs in a process of its own and starts the embedded server as asst-tui's `local` profile does,
in a child process (`spawn_server`), so all three share the CPU with the server the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import openai

from asst_tui.client.events import MessageStarted, TextDelta
from asst_tui.server import ServerConfig, spawn_server
from asst_tui.tui.app import AsstApp
from asst_tui.tui.widgets.chat_entry import Entry

from .baseline_app import BaselineChat
from .fixtures import idle, ready, submit, wait_until
from .probes import rss_mb
from .stream_measure import StreamWatch

SETTLE_WAIT = 0.5  # seconds the view is left alone after the run ends, to see it settle


@contextlib.asynccontextmanager
async def embedded_server() -> AsyncIterator[tuple[openai.AsyncOpenAI, str]]:
    """A server process (demo engine, zero delay, its data in a temp dir), an SDK client of it and an assistant id."""
    with tempfile.TemporaryDirectory(prefix="asst-bench-srv-") as tmp:
        server = await asyncio.to_thread(spawn_server, ServerConfig(data_dir=Path(tmp), port=0, demo_delay_ms=0))
        try:
            async with openai.AsyncOpenAI(base_url=server.base_url, api_key="bench", max_retries=0, timeout=600) as client:
                assistant = await client.beta.assistants.create(model="demo")
                yield client, assistant.id
        finally:
            await asyncio.to_thread(server.stop)


async def lorem_thread(client: openai.AsyncOpenAI, words: int) -> str:
    thread = await client.beta.threads.create(messages=[{"role": "user", "content": f"/lorem {words}"}])
    return thread.id


async def floor(words: int) -> dict[str, float]:
    """The raw SDK reading the stream, no UI: the fastest any client of this server can read it."""
    async with embedded_server() as (client, assistant_id):
        thread_id = await lorem_thread(client, words)
        reads: list[float] = []
        chars = 0
        stream = await client.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant_id, stream=True)
        async for event in stream:
            if event.event == "thread.message.delta":
                reads.append(time.perf_counter())
                chars += sum(len(p.text.value) for p in event.data.delta.content or () if p.type == "text" and p.text)
    return {
        "deltas": len(reads),
        "chars": chars,
        "read_rate": (len(reads) - 1) / (reads[-1] - reads[0]),
        "absorbed_rate": len(reads) / (reads[-1] - reads[0]),
    }


async def asst(app: AsstApp, words: int, idle_wait: float = 0.0) -> dict[str, float]:
    """asst-tui's real path: its embedded server, SDK stream, client events, run flow and chat pane.

    With `idle_wait`, also the app process's resident memory before the reply, once it settled, and after
    `idle_wait` seconds of idle (when the GC policy's idle collection has run).
    """
    await ready(app)
    await asyncio.sleep(idle_wait)  # the startup's garbage collected at idle, as it would be before a reply
    rss_before = rss_mb()
    backend = app.connection.backend
    started: list[str] = []
    chars = 0
    view: list[Entry] = []

    def reply() -> Entry | None:
        if not view and started:
            view.extend(entry for entry in app.chat.entries if entry.message_id == started[0])
        return view[0] if view else None

    chat = app.chat
    watch = StreamWatch(app, lambda: len(reply().source) if reply() else 0, lambda: chat.scroll_y >= chat.max_scroll_y)
    original = backend.stream_run

    async def tapped(events: AsyncIterator[Any]) -> AsyncIterator[Any]:
        nonlocal chars
        async for event in events:
            if isinstance(event, TextDelta):
                watch.delta_read()
                chars += len(event.text)
            elif isinstance(event, MessageStarted) and event.role == "assistant":
                started.append(event.message_id)
            yield event

    backend.stream_run = lambda *args, **kwargs: tapped(original(*args, **kwargs))
    try:
        submit(app, f"/lorem {words}")
        await wait_until(lambda: watch.deltas, what="the first delta")
        await idle(app)
        await asyncio.sleep(SETTLE_WAIT)
    finally:
        backend.stream_run = original
    result = watch.result(chars)
    if idle_wait:
        result["rss_before_mb"], result["rss_after_mb"] = rss_before, rss_mb()
        await asyncio.sleep(idle_wait)
        result["rss_idle_mb"] = rss_mb()
    return result


async def baseline(app: BaselineChat, words: int) -> dict[str, float]:
    """The baseline view (Markdown.get_stream per message) reading the raw SDK stream of the same server."""
    async with embedded_server() as (client, assistant_id):
        thread_id = await lorem_thread(client, words)
        chat = app.chat
        watch = StreamWatch(app, lambda: (app.last().shown if app.last() else 0), lambda: chat.scroll_y >= chat.max_scroll_y)
        chars = await app.stream(client, thread_id, assistant_id, watch.deltas)
        await asyncio.sleep(SETTLE_WAIT)
        await wait_until(lambda: watch.snaps and watch.snaps[-1][1] >= chars, what="the baseline to settle")
        await asyncio.sleep(SETTLE_WAIT)
    return watch.result(chars)
