"""Images drawn in the chat where the terminal can, with the optional `images` extra.

`pip install 'asst-tui[images]'` adds Pillow and textual-image. `prepare()` runs before the app starts,
as only then can the terminal be asked what it draws: one with Kitty graphics or Sixel gets
textual-image's pixel images, every other one coloured half blocks drawn here with Pillow (textual-image
is then not loaded: its own questions to the terminal would hold the start for 100 ms). Without the
extra, images stay saved-file links.
"""

from __future__ import annotations

import asyncio
import importlib.util
import io
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from . import terminal_graphics

PADDING_COLUMNS = 4  # ImagePreview's padding, left and right
MAX_ROWS = 16  # an image is drawn at most this many lines high
MIN_ROWS = 4  # and a smaller one is enlarged to this many (64x32 pixels: 16x4 cells)
MAX_COLUMNS = 240  # and this many cells wide, before the pane's own width limits it
MAX_PIXELS = 40_000_000  # larger images are not decoded at all
CACHE_BYTES = 32 * 1024 * 1024  # image files kept in memory, so a thread opened again draws at once

_image_widget: Callable[[Any], Widget] | None = None  # makes the widget that draws a decoded image
_cell_pixels = terminal_graphics.DEFAULT_CELL_PIXELS


def prepare() -> bool:
    """Choose how images are drawn; False when Pillow (the images extra) is not installed."""
    global _image_widget, _cell_pixels
    if importlib.util.find_spec("PIL") is None:
        return False
    _cell_pixels = terminal_graphics.cell_pixels()
    if terminal_graphics.pixel_graphics() is not None:
        try:
            from textual_image.widget import Image
        except Exception:  # not installed, or it could not start: half blocks still work
            pass
        else:
            _image_widget = Image
            return True
    _image_widget = _half_blocks
    return True


def _half_blocks(image: Any) -> Widget:
    """Imported at the first image: prepare() runs while the app's modules load, and importing there held them up."""
    from .widgets.half_block_image import HalfBlockImage

    return HalfBlockImage(image)


def available() -> bool:
    return _image_widget is not None


class UnreadableImage(Exception):
    """The bytes are not an image Pillow can draw."""


def decode(data: bytes) -> tuple[Any, tuple[int, int]]:
    """The image scaled down to at most what can be drawn (opaque RGB), and its size in pixels."""
    from PIL import Image

    cell_width, cell_height = _cell_pixels
    try:
        with Image.open(io.BytesIO(data)) as image:
            size = image.size
            if size[0] * size[1] > MAX_PIXELS:
                raise UnreadableImage(f"{size[0]}x{size[1]} pixels is too large to draw")
            image.thumbnail((MAX_COLUMNS * cell_width, MAX_ROWS * cell_height))
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                rgba = image.convert("RGBA")
                opaque = Image.new("RGB", rgba.size, "white")
                opaque.paste(rgba, mask=rgba.getchannel("A"))
                return opaque, size
            return image.convert("RGB"), size
    except UnreadableImage:
        raise
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise UnreadableImage(str(error) or type(error).__name__) from None


def fit(size: tuple[int, int], columns: int) -> tuple[int, int]:
    """Cells (columns, rows) for an image of `size` pixels: its size in the terminal's cells, the aspect kept,
    enlarged to at least MIN_ROWS rows (a small image stays legible) and scaled down to fit the pane."""
    cell_width, cell_height = _cell_pixels
    natural_columns = max(1, size[0]) / cell_width
    natural_rows = max(1, size[1]) / cell_height
    scale = max(1.0, MIN_ROWS / natural_rows)
    scale = min(scale, max(1, columns) / natural_columns, MAX_ROWS / natural_rows)
    return max(1, round(natural_columns * scale)), max(1, round(natural_rows * scale))


class ImageBytes:
    """Image files already fetched, newest kept, at most CACHE_BYTES in all."""

    def __init__(self, limit: int = CACHE_BYTES) -> None:
        self.limit = limit
        self._files: OrderedDict[str, bytes] = OrderedDict()
        self._total = 0

    def get(self, file_id: str) -> bytes | None:
        data = self._files.get(file_id)
        if data is not None:
            self._files.move_to_end(file_id)
        return data

    def put(self, file_id: str, data: bytes) -> None:
        if file_id in self._files or len(data) > self.limit:
            return
        self._files[file_id] = data
        self._total += len(data)
        while self._total > self.limit:
            _, dropped = self._files.popitem(last=False)
            self._total -= len(dropped)


class ImagePreview(Widget):
    """Where one image of a message is drawn, once the app has fetched the file."""

    DEFAULT_CSS = """
    ImagePreview { height: auto; padding: 0 2; }
    ImagePreview .image-note { color: $text-muted; }
    """

    class Wanted(Message):
        """The preview is on screen and needs its file's bytes (the app answers with `show`)."""

        def __init__(self, preview: ImagePreview) -> None:
            super().__init__()
            self.preview = preview

    class Drawn(Message):
        """The image (or the reason there is none) took the note's place: the preview may need other rows."""

        def __init__(self, preview: ImagePreview) -> None:
            super().__init__()
            self.preview = preview

    def __init__(self, file_id: str) -> None:
        super().__init__(classes="image-preview")
        self.file_id = file_id
        self._pixels: tuple[int, int] | None = None
        self._note = "drawing the image…"
        self.drawn: Widget | None = None  # the image widget, once drawn

    def compose(self) -> ComposeResult:
        yield Static(Text(self._note), classes="image-note")

    def rows(self, width: int) -> int:
        """The rows the preview takes at `width` (its padding included): the image's, or its note's."""
        inner = max(1, width - PADDING_COLUMNS)
        if self.drawn is not None and self._pixels is not None:
            return fit(self._pixels, inner)[1]
        return max(1, -(-len(self._note) // inner))

    def on_mount(self) -> None:
        self.post_message(self.Wanted(self))

    async def show(self, data: bytes) -> None:
        """Decode the image (in a thread) and draw it in place of the note."""
        try:
            image, self._pixels = await asyncio.to_thread(decode, data)
        except UnreadableImage as error:
            self.show_problem(f"can't draw this image: {error}")
            return
        if not self.is_attached or _image_widget is None:
            return
        self.drawn = _image_widget(image)
        self._fit()
        await self.query(".image-note").remove()
        await self.mount(self.drawn)
        self.post_message(self.Drawn(self))

    def show_problem(self, reason: str) -> None:
        """Say why there is no image (the saved-file link above it still works)."""
        self._note = f"({reason})"
        for note in self.query(".image-note").results(Static):
            note.update(Text(self._note))
        self.post_message(self.Drawn(self))

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        if self.drawn is None or self._pixels is None:
            return
        columns, rows = fit(self._pixels, self.content_size.width or MAX_COLUMNS)
        self.drawn.styles.width = columns
        self.drawn.styles.height = rows
