"""One message in the chat pane: a role line, a Markdown body, and the files it offers to save."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment as RichSegment
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from .. import inline_images
from ..inline_images import ImagePreview
from ..markdown_split import split_markdown
from ..message_format import FileRef
from ..text import literal

if TYPE_CHECKING:
    from rich.markdown import Markdown as RichMarkdown

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


def file_widgets(ref: FileRef) -> list[Widget]:
    """The link that saves a file, and for an image the image itself where the terminal can draw it."""
    if ref.image and inline_images.available():
        return [FileLink(ref), ImagePreview(ref.file_id)]
    return [FileLink(ref)]


class RenderedOnce:
    """Renders `renderable` once per width and replays those lines after.

    Textual renders a widget's content twice, once to measure its height and again to paint it, and
    measures again after every refresh; for Markdown with highlighted code that is the main cost of a
    long reply.
    """

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable
        self._width: int | None = None
        self._lines: list[list[RichSegment]] = []

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if options.max_width != self._width:
            self._lines = console.render_lines(self.renderable, options, pad=False)
            self._width = options.max_width
        new_line = RichSegment.line()
        for line in self._lines:
            yield from line
            yield new_line


class Segment(Static):
    """A piece of a message's Markdown (its `source`), rendered with Rich."""

    def __init__(self, source: str, renderable: RenderableType) -> None:
        super().__init__(RenderedOnce(renderable), classes="message-body")
        self.source = source

    def show(self, source: str, renderable: RenderableType) -> None:
        self.source = source
        self.update(RenderedOnce(renderable))


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

    def compose(self) -> ComposeResult:
        label = Text(ROLE_LABELS.get(self.role, self.role), style="bold")
        stamp = clock(self.created_at)
        if stamp:
            label.append(f"  {stamp}", style="dim")
        yield Static(label, classes="message-role")
        yield from (self._segment(segment) for segment in split_markdown(self.source))
        for ref in self._files:
            yield from file_widgets(ref)

    def _segment(self, source: str) -> Segment:
        return Segment(source, self._render_markdown(source))

    def _render_markdown(self, source: str) -> RichMarkdown:
        from rich.markdown import Markdown as RichMarkdown  # markdown-it, pygments: not before the first frame

        dark = self.app.current_theme.dark if self.is_attached or self._parent else True
        return RichMarkdown(source, code_theme="monokai" if dark else "friendly", hyperlinks=False)

    @property
    def segments(self) -> list[Segment]:
        return list(self.query_children(Segment))

    def append(self, fragment: str) -> None:
        """Add streamed text: re-render the last segment, and mount new ones when it gets too long.

        Not awaited: the new segments are in the DOM at once, and waiting for their mount would hand
        the event loop to the stream reader for several turns per frame.
        """
        self.source += fragment
        tail = self.segments[-1]
        parts = split_markdown(tail.source + fragment)
        while len(parts) > 1 and len(parts[0]) < len(tail.source):  # a segment never loses text
            parts[0:2] = [parts[0] + parts[1]]
        tail.show(parts[0], self._render_markdown(parts[0]))
        if len(parts) > 1:
            self.mount_all([self._segment(part) for part in parts[1:]], after=tail)

    def restyle(self) -> None:
        """Render again for the current theme (code blocks are coloured for a dark or a light one)."""
        for segment in self.segments:
            segment.show(segment.source, self._render_markdown(segment.source))

    async def replace(self, markdown: str, files: list[FileRef]) -> None:
        """Show the final form of the message (one full render, e.g. once footnotes are known)."""
        if markdown != self.source:
            self.source = markdown
            await self.query_children(Segment).remove()
            await self.mount_all([self._segment(segment) for segment in split_markdown(markdown)], after=0)
        known = {ref.file_id for ref in self._files}
        new = [ref for ref in files if ref.file_id not in known]
        self._files.extend(new)
        if new:
            await self.mount_all([widget for ref in new for widget in file_widgets(ref)])
