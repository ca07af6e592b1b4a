"""Lines of the chat pane as Textual strips: a message's role line and body lines with their bar and padding.

A message body is drawn as the Static it used to be: a bar in the role's colour (`border-left: outer`),
one cell of padding each side and the Markdown in between. Every strip carries the text offsets
Textual's mouse selection reads (`offset` in the style's meta: column and line of the pane's text).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from ..markdown_lines import Line, decode

BAR = "▌"  # Textual's "outer" left border
BODY_INSET = 3  # the bar and a cell of padding on the left, one on the right


@dataclass(frozen=True)
class RowStyles:
    """The styles of one message's rows (from the pane's component classes, so themes apply)."""

    base: Style  # the pane's own colours: blank rows, the role line
    label: Style
    bar: Style
    body: Style


def _with_offsets(segments: list[Segment], y: int, span: tuple[int, int] | None, selected: Style | None) -> list[Segment]:
    """Tag each segment with its text offset (column, line) and highlight the selected columns."""
    out: list[Segment] = []
    x = 0
    for text, style, _ in segments:
        end = x + len(text)
        if span is not None and selected is not None and span[0] < end and (span[1] < 0 or span[1] > x):
            start, stop = max(span[0], x) - x, (len(text) if span[1] < 0 else min(span[1], end) - x)
            pieces = ((text[:start], style), (text[start:stop], (style or Style()) + selected), (text[stop:], style))
        else:
            pieces = ((text, style),)
        for piece, piece_style in pieces:
            if piece:
                meta = Style.from_meta({"offset": (x, y)})
                out.append(Segment(piece, piece_style + meta if piece_style else meta))
                x += len(piece)
    return out


def _fit(segments: list[Segment], width: int, style: Style) -> list[Segment]:
    """Crop or pad `segments` to exactly `width` cells."""
    return list(Segment.adjust_line_length(segments, width, style))


def role_strip(styles: RowStyles, label: str, stamp: str, width: int, y: int,
               span: tuple[int, int] | None, selected: Style | None) -> Strip:
    """The role line: " You  14:13"."""
    parts = [Segment(label, styles.label)]
    if stamp:
        parts.append(Segment(f"  {stamp}", styles.label + Style(bold=False, dim=True)))
    line = [Segment(" ", styles.base), *_with_offsets(parts, y, span, selected)]
    return Strip(_fit(line, width, styles.base), width)


def body_strip(styles: RowStyles, line: Line | None, width: int, y: int,
               span: tuple[int, int] | None, selected: Style | None) -> Strip:
    """A line of the message body: bar, padding, the Markdown line in the body's colours, padding."""
    inner = max(0, width - BODY_INSET)
    body = styles.body
    content = [] if line is None else [Segment(text, body + style if style else body) for text, style, _ in decode(line)]
    content = _with_offsets(content, y, span, selected) if content else [Segment(" ", body + Style.from_meta({"offset": (0, y)}))]
    row = [Segment(BAR, styles.bar), Segment(" ", body), *_fit(content, inner, body), Segment(" ", body)]
    return Strip(_fit(row, width, styles.base), width)


def blank_strip(style: Style, width: int, y: int) -> Strip:
    return Strip([Segment(" " * width, style + Style.from_meta({"offset": (0, y)}))], width)


def line_text(line: Line | None) -> str:
    """The text a selection copies from a body line (Rich pads lines with spaces)."""
    return "" if line is None else line[0].rstrip()
