"""One message in the chat pane: a role line, a Markdown body, and the files it offers to save."""

from __future__ import annotations

import asyncio
import time

from rich.markdown import Markdown as RichMarkdown
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from ..markdown_split import split_markdown
from ..message_format import FileRef
from ..text import literal

ROLE_LABELS = {"user": "You", "assistant": "Assistant", "note": "asst-tui"}


def clock(created_at: float | None) -> str:
    return time.strftime("%H:%M", time.localtime(created_at)) if created_at else ""


class FileLink(Static, can_focus=True):
    """A file a message points at; Enter (or a click) saves it to the downloads dir."""

    BINDINGS = [Binding("enter,s", "save", "Save file")]

    class SaveRequested(Message):
        def __init__(self, file_id: str) -> None:
            super().__init__()
            self.file_id = file_id

    def __init__(self, ref: FileRef) -> None:
        super().__init__(Text.assemble("⤓ ", literal(ref.label), (" — Enter saves it", "dim")), classes="file-link")
        self.ref = ref

    def action_save(self) -> None:
        self.post_message(self.SaveRequested(self.ref.file_id))

    def on_click(self) -> None:
        self.action_save()


class MessageView(Vertical):
    """A chat message, as a column of Markdown segments of bounded size.

    Each segment is one Static showing Rich Markdown, so a long reply costs a handful of widgets.
    Streamed text re-renders only the last segment; when it is full, a new one starts at the next
    blank line outside a code fence.
    """

    def __init__(
        self,
        role: str,
        markdown: str = "",
        *,
        message_id: str | None = None,
        created_at: float | None = None,
        files: list[FileRef] | None = None,
        severity: str = "",
    ) -> None:
        classes = f"message role-{role}" + (f" severity-{severity}" if severity else "")
        super().__init__(classes=classes)
        self.role = role
        self.message_id = message_id
        self.created_at = created_at
        self.source = markdown
        self._files = list(files or [])
        self._tail_source = ""
        self._mount_lock = asyncio.Lock()  # segments are mounted in order

    def compose(self) -> ComposeResult:
        label = Text(ROLE_LABELS.get(self.role, self.role), style="bold")
        stamp = clock(self.created_at)
        if stamp:
            label.append(f"  {stamp}", style="dim")
        yield Static(label, classes="message-role")
        segments = split_markdown(self.source)
        self._tail_source = segments[-1]
        yield from (self._segment(segment) for segment in segments)
        for ref in self._files:
            yield FileLink(ref)

    def _segment(self, source: str) -> Static:
        return Static(self._render_markdown(source), classes="message-body")

    def _render_markdown(self, source: str) -> RichMarkdown:
        dark = self.app.current_theme.dark if self.is_attached or self._parent else True
        return RichMarkdown(source, code_theme="monokai" if dark else "friendly", hyperlinks=False)

    @property
    def segments(self) -> list[Static]:
        return list(self.query_children(".message-body").results(Static))

    async def append(self, fragment: str) -> None:
        """Add streamed text: re-render the last segment, and mount new ones when it gets too long."""
        async with self._mount_lock:
            self.source += fragment
            parts = split_markdown(self._tail_source + fragment)
            while len(parts) > 1 and len(parts[0]) < len(self._tail_source):
                parts[0:2] = [parts[0] + parts[1]]
            tail = self.segments[-1]
            tail.update(self._render_markdown(parts[0]))
            self._tail_source = parts[-1]
            if len(parts) > 1:
                await self.mount_all([self._segment(part) for part in parts[1:]], after=tail)

    async def replace(self, markdown: str, files: list[FileRef]) -> None:
        """Show the final form of the message (one full render, e.g. once footnotes are known)."""
        async with self._mount_lock:
            if markdown != self.source:
                self.source = markdown
                segments = split_markdown(markdown)
                self._tail_source = segments[-1]
                await self.query_children(".message-body").remove()
                await self.mount_all([self._segment(segment) for segment in segments], after=0)
        known = {ref.file_id for ref in self._files}
        new = [ref for ref in files if ref.file_id not in known]
        self._files.extend(new)
        if new:
            await self.mount_all([FileLink(ref) for ref in new])
