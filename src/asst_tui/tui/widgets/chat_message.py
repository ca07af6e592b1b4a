"""What a message in the chat pane shows besides its text: its role's label and time, and its files.

A file is a real widget the pane places under the message's text: a link that saves it on Enter or a
click, and for an image the image itself where the terminal can draw it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from .. import inline_images
from ..inline_images import ImagePreview
from ..message_format import FileRef
from ..text import literal

if TYPE_CHECKING:
    from .chat_entry import Entry

ROLE_LABELS = {"user": "You", "assistant": "Assistant", "note": "asst-tui"}


def clock(created_at: float | None) -> str:
    return time.strftime("%H:%M", time.localtime(created_at)) if created_at else ""


def stamp(entry: Entry) -> str:
    """What the role line shows after the label: the time, and how the message's run ended if it didn't complete."""
    when = clock(entry.created_at)
    return f"{when}  ⊘ {entry.marker}" if entry.marker and when else (f"⊘ {entry.marker}" if entry.marker else when)


class FileLink(Static, can_focus=True):
    """A file a message points at; Enter (or a click) saves it to the downloads dir."""

    BINDINGS = [Binding("enter,s", "save", "Save file")]

    class SaveRequested(Message):
        def __init__(self, file_id: str) -> None:
            super().__init__()
            self.file_id = file_id

    PADDING_COLUMNS = 4  # .file-link's padding, left and right

    def __init__(self, ref: FileRef) -> None:
        self.label = Text.assemble("⤓ ", literal(ref.label), (" — Enter saves it", "dim"))
        super().__init__(self.label, classes="file-link")
        self.ref = ref

    def rows(self, width: int) -> int:
        """The rows the link takes at `width` (a long name wraps)."""
        return max(1, len(self.label.wrap(self.app.console, max(1, width - self.PADDING_COLUMNS))))

    def action_save(self) -> None:
        self.post_message(self.SaveRequested(self.ref.file_id))

    def on_click(self) -> None:
        self.action_save()


def file_slots(ref: FileRef) -> int:
    """How many widgets `file_widgets(ref)` makes."""
    return 2 if ref.image and inline_images.available() else 1


def file_widgets(ref: FileRef) -> list[Widget]:
    """The link that saves a file, and for an image the image itself where the terminal can draw it."""
    if ref.image and inline_images.available():
        return [FileLink(ref), ImagePreview(ref.file_id)]
    return [FileLink(ref)]
