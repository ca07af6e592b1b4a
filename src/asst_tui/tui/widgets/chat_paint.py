"""How the chat pane paints its lines and gives its text to a mouse selection (`PaintedLines`, a mixin of ChatView).

A message body is drawn as the Static it used to be: a bar in the role's colour (`border-left: outer`),
one cell of padding each side and the Markdown in between. Every strip carries the text offsets
Textual's mouse selection reads (`offset` in the style's meta: column and line of the pane's text).
Colours come from the pane's component classes, so every theme applies; code blocks are coloured for a
dark or a light theme and rendered again (lazily, their heights unchanged) when that changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.selection import Selection
from textual.strip import Strip

from ..markdown_lines import Line, decode
from .chat_entry import BODY, GAP, ROLE, Entry
from .chat_message import ROLE_LABELS, stamp

BAR = "▌"  # Textual's "outer" left border
BODY_INSET = 3  # the bar and a cell of padding on the left, one on the right
KEPT_STRIPS = 256  # painted lines kept for the next frame (a few screens); more and the cache starts again


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


class PaintedLines:
    """Needs ChatView's _list, _budget, _render, _viewport, _top_pad, _painting, _row_styles, _strips and _code_theme.

    A painted line is kept (`_strips`, by the pane's line number) with what it was made from: the next
    frame reuses it while that line still shows the same rendered text in the same styles and width, so a
    frame that scrolls (the view following a streamed reply) builds only the lines that are new.
    """

    def _styles(self, entry: Entry) -> RowStyles:
        key = (entry.role, entry.severity)
        styles = self._row_styles.get(key)
        if styles is None:
            role = entry.role if entry.role in ROLE_LABELS else "assistant"
            kind = entry.severity or role
            component = self.get_component_rich_style
            styles = self._row_styles[key] = RowStyles(
                self.rich_style, component(f"chat--label-{role}"),
                component(f"chat--bar-{kind}"), component(f"chat--body-{kind}"),
            )
        return styles

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._row_styles = {}

    def _restyle(self) -> None:
        """Code blocks are coloured for a dark or a light theme: render them again (their heights stay)."""
        code_theme = "monokai" if self.app.current_theme.dark else "friendly"
        if code_theme != self._code_theme:
            self._code_theme = code_theme
            for entry in self._list.entries:
                for block in entry.blocks:
                    block.lines = None
            self._budget.clear()
        self._row_styles = {}
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width, first = self._painting or (self._viewport.width, round(self.scroll_y) - self._top_pad())
        line = first + y
        if not 0 <= line < self._list.total:
            return blank_strip(self.rich_style, width, line)
        position = self._list.at(line)
        entry = self._list.entries[position]
        kind, value = entry.line(line - self._list.top(position), self._render)
        selection = self.text_selection
        span = selection.get_span(line) if selection is not None else None
        styles = self._styles(entry)
        label = (ROLE_LABELS.get(entry.role, entry.role), stamp(entry)) if kind == ROLE else None
        made_of = (width, kind, label)
        kept = self._strips.get(line) if span is None else None
        if kept is not None and kept[0] is value and kept[1] is styles and kept[2] == made_of:
            return kept[3]
        strip = self._paint(kind, value, styles, label, width, line, span)
        if span is None:
            if len(self._strips) >= KEPT_STRIPS:
                self._strips.clear()
            self._strips[line] = (value, styles, made_of, strip)
        return strip

    def _paint(self, kind: str, value: object, styles: RowStyles, label: tuple[str, str] | None, width: int,
               line: int, span: tuple[int, int] | None) -> Strip:
        selected = self.screen.get_component_rich_style("screen--selection") if span is not None else None
        if kind == ROLE:
            return role_strip(styles, *label, width, line, span, selected)
        if kind == BODY:
            return body_strip(styles, value, width, line, span, selected)
        if kind == GAP:
            return body_strip(styles, None, width, line, None, None)
        return blank_strip(styles.base, width, line)

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text: what the selected lines show (messages' text as rendered, role lines included)."""
        total = self._list.total
        first = 0 if selection.start is None else selection.start.y
        last = total - 1 if selection.end is None else min(total - 1, selection.end.y)
        texts = []
        for line in range(max(0, first), last + 1):
            position = self._list.at(line)
            entry = self._list.entries[position]
            kind, value = entry.line(line - self._list.top(position), self._render)
            if kind == ROLE:
                shown = stamp(entry)
                text = ROLE_LABELS.get(entry.role, entry.role) + (f"  {shown}" if shown else "")
            else:
                text = line_text(value) if kind == BODY else ""
            start, end = selection.get_span(line) or (0, 0)
            texts.append(text[start:] if end < 0 else text[start:end])
        return "\n".join(texts), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

