"""One message in the chat pane: a role line, a Markdown body, and the files it offers to save."""

from __future__ import annotations

import asyncio
import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Markdown, Static

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
    """A chat message. Streaming text is appended to the Markdown tail; finished blocks are not re-rendered."""

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
        self._body_lock = asyncio.Lock()  # Markdown.append must not overlap itself or update()

    def compose(self) -> ComposeResult:
        label = Text(ROLE_LABELS.get(self.role, self.role), style="bold")
        stamp = clock(self.created_at)
        if stamp:
            label.append(f"  {stamp}", style="dim")
        yield Static(label, classes="message-role")
        yield Markdown(self.source, open_links=False, classes="message-body")
        for ref in self._files:
            yield FileLink(ref)

    @property
    def body(self) -> Markdown:
        return self.query_one(".message-body", Markdown)

    async def append(self, fragment: str) -> None:
        """Add streamed text; only the last Markdown block is re-parsed."""
        async with self._body_lock:
            self.source += fragment
            await self.body.append(fragment)

    async def replace(self, markdown: str, files: list[FileRef]) -> None:
        """Show the final form of the message (one full render, e.g. once footnotes are known)."""
        async with self._body_lock:
            if markdown != self.source:
                self.source = markdown
                await self.body.update(markdown)
        known = {ref.file_id for ref in self._files}
        new = [ref for ref in files if ref.file_id not in known]
        self._files.extend(new)
        if new:
            await self.mount_all([FileLink(ref) for ref in new])
