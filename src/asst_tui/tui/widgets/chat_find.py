"""Find within the open thread: the find bar (a one-line field over the prompt) and the chat pane's side of it
(`FindHighlights`, a mixin of ChatView): every match highlighted, the current one more, next and previous.

Matches are looked for in the lines as drawn (a match broken by a wrap is not found), case-insensitively.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from textual.binding import Binding
from textual.containers import Horizontal
from textual.strip import Strip
from textual.widgets import Input, Static

from .chat_entry import BODY, Entry
from .chat_paint import line_text

TEXT_COLUMN = 2  # where a body line's text starts in its strip (after the bar and a cell of padding)
FIND_BINDINGS = [
    Binding("slash,f", "find", "Find in the thread", show=False),
    Binding("n", "find_step(1)", "Next match", show=False),
    Binding("N", "find_step(-1)", "Previous match", show=False),
]
FIND_CLASSES = {"chat--match", "chat--match-current"}
FIND_CSS = """
ChatView > .chat--match { background: $warning 35%; }
ChatView > .chat--match-current { background: $warning; color: $background; text-style: bold; }
"""

Match = tuple[Entry, int, int]  # the message, its line, the match's start in the line's text


def spans(text: str, query: str) -> list[int]:
    """Where `query` starts in `text`, case-insensitively (matches do not overlap)."""
    found, folded, needle = [], text.casefold(), query.casefold()
    if len(folded) != len(text):  # casefolding changed lengths (ß → ss): positions by lower() instead
        folded, needle = text.lower(), query.lower()
    start = folded.find(needle)
    while needle and start >= 0:
        found.append(start)
        start = folded.find(needle, start + len(needle))
    return found


class FindHighlights:
    """Needs ChatView's _list, _render, _anchor, _settle, _painting, _viewport, _top_pad and reveal_line (MessageCursor)."""

    find_query = ""
    find_bar: FindBar | None = None
    _matches: list[Match] = []
    _current = -1
    _found_at = 0  # the width the matches were found at

    def action_find(self) -> None:
        if self.find_bar is not None:
            self.find_bar.open()

    def action_find_step(self, step: int) -> None:
        if not self.find_query:
            self.app.notify("Nothing to find yet: press / and type.")
            return
        self.find_step(step)

    def find(self, query: str) -> int:
        """Highlight every match of `query` (empty: none) and go to the first one from the view down; the count."""
        self.find_query = query
        self._search_in_place()
        if self._matches:
            top = round(self.scroll_y)
            after = [i for i, (entry, line, _) in enumerate(self._matches) if self._line_of(entry, line) >= top]
            self._current = after[0] if after else len(self._matches) - 1
            self._go()
        self.refresh()
        return len(self._matches)

    def find_step(self, step: int) -> tuple[int, int]:
        """Go to the next (1) or previous (-1) match, wrapping around; (its number from 1, how many)."""
        if self._found_at != self._list.width:  # re-wrapped (or other messages): the lines moved
            self._search_in_place()
        if not self._matches:
            return 0, 0
        self._current = (self._current + step) % len(self._matches)
        self._go()
        return self._current + 1, len(self._matches)

    @property
    def find_position(self) -> tuple[int, int]:
        return (self._current + 1 if self._matches else 0), len(self._matches)

    def forget_matches(self) -> None:
        """The messages changed (another thread): look for the matches again at the next step."""
        self._matches, self._current, self._found_at = [], -1, -1

    def _search_in_place(self) -> None:
        """Search; the messages searched are rendered, so their heights turn exact: the view keeps its line."""
        anchor = self._anchor()
        self._search()
        self._settle(anchor)

    def _search(self) -> None:
        self._matches, self._current, self._found_at = [], -1, self._list.width
        query = self.find_query
        if not query:
            return
        for entry in self._list.entries:
            if query.casefold() not in entry.source.casefold() and query.lower() not in entry.source.lower():
                continue  # not rendered to be searched (so a match split by Markdown marks, **nee**dle, is missed)
            for block in entry.blocks:  # rendered first, so the height (and the lines counted) are exact
                if not block.exact(self._list.width) or block.lines is None:
                    self._render(block)
                    entry.block_rendered(block)
            self._list.changed(entry)
            for line in range(entry.height):
                kind, value = entry.line(line, self._render)
                if kind == BODY:
                    self._matches += [(entry, line, start) for start in spans(line_text(value), query)]

    def _line_of(self, entry: Entry, line: int) -> int:
        index = self._list.index(entry)
        return -1 if index is None else self._list.top(index) + line

    def _go(self) -> None:
        entry, line, _ = self._matches[self._current]
        self.reveal_line(entry, line)

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        query = self.find_query
        if not query:
            return strip
        width, first = self._painting or (self._viewport.width, round(self.scroll_y) - self._top_pad())
        line = first + y
        if not 0 <= line < self._list.total:
            return strip
        position = self._list.at(line)
        entry = self._list.entries[position]
        within = line - self._list.top(position)
        kind, value = entry.line(within, self._render)
        if kind != BODY:
            return strip
        text = line_text(value)
        current = self._matches[self._current] if 0 <= self._current < len(self._matches) else None
        for start in spans(text, query):
            left = TEXT_COLUMN + cell_len(text[:start])
            right = left + cell_len(text[start : start + len(query)])
            name = "chat--match-current" if current == (entry, within, start) else "chat--match"
            style = self.get_component_rich_style(name)
            found = Strip(Segment.apply_style(list(strip.crop(left, right)), post_style=style), right - left)
            strip = Strip.join([strip.crop(0, left), found, strip.crop(right, width)])
        return strip


class FindBar(Horizontal):
    """The find field: typing highlights the matches, Enter / Shift+Enter go to the next / previous, Esc closes."""

    DEFAULT_CSS = """
    FindBar { height: 1; display: none; background: $boost; }
    FindBar.-open { display: block; }
    FindBar > #find-input { border: none; height: 1; width: 1fr; padding: 0 1; background: $boost; }  /* over Input:focus */
    FindBar > #find-count { width: auto; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close find"),
        Binding("shift+enter", "step(-1)", "Previous match", show=False),
        Binding("down", "step(1)", "Next match", show=False),
        Binding("up", "step(-1)", "Previous match", show=False),
    ]

    def __init__(self, chat: FindHighlights, **kwargs) -> None:
        """`chat`: the pane whose text is searched (a ChatView)."""
        super().__init__(**kwargs)
        self.chat = chat
        chat.find_bar = self

    @property
    def field(self) -> Input:
        return self.query_one("#find-input", Input)

    def open(self) -> None:
        if not self.children:  # made at the first open: the bar is hidden at the start
            self.mount(
                Input(placeholder="find in this thread — Enter next, Shift+Enter previous, Esc closes", id="find-input"),
                Static("", id="find-count"),
            )
        self.add_class("-open")
        self.field.focus()
        if self.field.value:
            self._show(self.chat.find_position if self.chat.find(self.field.value) else None)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        count = self.chat.find(event.value)
        self._show(self.chat.find_position if count else None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_step(1)

    def action_step(self, step: int) -> None:
        if self.field.value:
            position = self.chat.find_step(step)
            self._show(position if position[1] else None)

    def action_close(self) -> None:
        self.chat.find("")
        self.remove_class("-open")
        self.chat.focus()

    def _show(self, position: tuple[int, int] | None) -> None:
        count = self.query_one("#find-count", Static)
        if not self.field.value:
            count.update("")
        elif position is None or not position[1]:
            count.update("no match")
        else:
            count.update(f"{position[0]} of {position[1]}")
