"""An image drawn with coloured half blocks: each cell shows two pixels, the upper as ▀, the lower behind it."""

from __future__ import annotations

from typing import Any

from rich.color import Color
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual.widget import Widget


class HalfBlocks:
    """The image scaled to `columns` x `rows` cells (Pillow scales it, once per size)."""

    def __init__(self, image: Any, columns: int, rows: int) -> None:
        self.lines = _lines(image.resize((columns, rows * 2)), columns, rows)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        newline = Segment.line()
        for line in self.lines:
            yield from line
            yield newline


def _lines(image: Any, columns: int, rows: int) -> list[list[Segment]]:
    pixels = image.load()
    styles: dict[tuple[Any, Any], Style] = {}
    lines = []
    for row in range(rows):
        line = []
        for column in range(columns):
            key = (pixels[column, 2 * row], pixels[column, 2 * row + 1])
            style = styles.get(key)
            if style is None:
                style = styles[key] = Style(color=Color.from_rgb(*key[0][:3]), bgcolor=Color.from_rgb(*key[1][:3]))
            line.append(Segment("▀", style))
        lines.append(line)
    return lines


class HalfBlockImage(Widget):
    """An RGB Pillow image, drawn to fill the widget's size (which the caller sets to keep the aspect)."""

    def __init__(self, image: Any) -> None:
        super().__init__()
        self.image = image
        self._drawn: tuple[tuple[int, int], HalfBlocks] | None = None

    def render(self) -> HalfBlocks:
        size = (max(1, self.size.width), max(1, self.size.height))
        if self._drawn is None or self._drawn[0] != size:
            self._drawn = (size, HalfBlocks(self.image, *size))
        return self._drawn[1]
