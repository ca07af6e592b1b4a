"""The baseline chat view: the technique other Textual chat clients use, one Markdown widget per message
fed through `Markdown.get_stream()`, reading the raw SDK stream. Used by the streaming benchmark.
"""

from __future__ import annotations

import time

import openai
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown


class CountingMarkdown(Markdown):
    """A Markdown widget that counts the characters whose append has completed."""

    def __init__(self) -> None:
        super().__init__()
        self.shown = 0

    async def _counted(self, fragment: str) -> None:
        await super().append(fragment)
        self.shown += len(fragment)

    def append(self, markdown: str):  # type: ignore[override]
        return self._counted(markdown)


class BaselineChat(App[None]):
    """A scrolling column of Markdown messages, anchored to the bottom."""

    CSS = "#chat { height: 1fr; } Markdown { margin: 0 0 1 0; }"

    def compose(self) -> ComposeResult:
        yield VerticalScroll(id="chat")

    @property
    def chat(self) -> VerticalScroll:
        return self.query_one("#chat", VerticalScroll)

    def last(self) -> CountingMarkdown | None:
        found = self.chat.query(CountingMarkdown)
        return found.last() if found else None

    async def stream(self, client: openai.AsyncOpenAI, thread_id: str, assistant_id: str, tap: list[float]) -> int:
        """Stream a run into new Markdown widgets; append each delta's read time to `tap`. Returns the characters."""
        chat = self.chat
        chat.anchor()
        writer = None
        chars = 0
        events = await client.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant_id, stream=True)
        async for event in events:
            if event.event == "thread.message.created" and event.data.role == "assistant":
                widget = CountingMarkdown()
                await chat.mount(widget)
                writer = Markdown.get_stream(widget)
            elif event.event == "thread.message.delta" and writer is not None:
                tap.append(time.perf_counter())
                for part in event.data.delta.content or ():
                    if part.type == "text" and part.text and part.text.value:
                        chars += len(part.text.value)
                        await writer.write(part.text.value)
            elif event.event == "thread.message.completed" and writer is not None:
                await writer.stop()
                writer = None
        return chars
