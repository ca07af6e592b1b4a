"""Fuzzy thread switcher: type to filter the registry's threads, enter to switch."""

from __future__ import annotations

import time
from typing import Protocol, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from asst_tui.tui.text import literal, visible

_MATCH = 1
_WORD_START = 8
_CONSECUTIVE = 5

Cell = tuple[int, int] | None  # (score, position of the previous matched character)


class ThreadLike(Protocol):
    """The fields of the registry's ThreadEntry that the switcher reads."""

    id: str
    title: str
    last_active: int
    archived: bool
    stale: bool


def _word_starts(text: str) -> list[bool]:
    return [
        i == 0
        or not text[i - 1].isalnum()
        or (text[i - 1].islower() and text[i].isupper())
        or (text[i - 1].isalpha() and text[i].isdigit())
        for i in range(len(text))
    ]


def fuzzy_match(query: str, text: str) -> tuple[int, list[int]] | None:
    """Best subsequence match of `query` in `text`, ignoring case: (score, matched positions).

    Every matched character scores; a character at a word start and a run of consecutive
    characters score more. None when `query` is not a subsequence of `text`.
    """
    needle, hay = query.lower(), text.lower()
    if not needle:
        return 0, []
    if len(hay) != len(text):  # case folding changed the length; match the text as it is
        hay = text
    starts = _word_starts(text)
    rows: list[list[Cell]] = [
        [(_MATCH + _WORD_START * starts[i], -1) if c == needle[0] else None for i, c in enumerate(hay)]
    ]
    for char in needle[1:]:
        prev = rows[-1]
        row: list[Cell] = [None] * len(hay)
        prefix: Cell = None  # the best cell of prev strictly before i - 1
        for i in range(1, len(hay)):
            earlier = prev[i - 2] if i >= 2 else None
            if earlier is not None and (prefix is None or earlier[0] > prefix[0]):
                prefix = (earlier[0], i - 2)
            if hay[i] != char:
                continue
            gain = _MATCH + _WORD_START * starts[i]
            if prev[i - 1] is not None:
                row[i] = (prev[i - 1][0] + _CONSECUTIVE + gain, i - 1)
            if prefix is not None and (row[i] is None or prefix[0] + gain > row[i][0]):
                row[i] = (prefix[0] + gain, prefix[1])
        rows.append(row)
    ends = [(cell[0], i) for i, cell in enumerate(rows[-1]) if cell is not None]
    if not ends:
        return None
    score, position = max(ends, key=lambda end: (end[0], -end[1]))
    positions = []
    for row in reversed(rows):
        positions.append(position)
        position = row[position][1]
    return score, positions[::-1]


def _age(epoch: int, now: float) -> str:
    seconds = max(0, int(now - epoch))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return "just now"


class ThreadSwitcher(ModalScreen[str | None]):
    """Pick a thread by fuzzy title or id; dismisses with its id, or None on escape."""

    DEFAULT_CSS = """
    ThreadSwitcher {
        align: center top;
        & > Vertical {
            width: 80%;
            max-width: 110;
            height: auto;
            max-height: 80%;
            margin-top: 3;
            padding: 0 1 1 1;
            border: thick $primary 60%;
            background: $surface;
        }
        #switcher-list { height: auto; max-height: 1fr; border: none; }
        #switcher-hint { color: $text-muted; }
    }
    """

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("up", "move('cursor_up')", "Up", show=False),
        Binding("down", "move('cursor_down')", "Down", show=False),
        Binding("pageup", "move('page_up')", show=False),
        Binding("pagedown", "move('page_down')", show=False),
    ]

    def __init__(self, entries: Sequence[ThreadLike]) -> None:
        super().__init__()
        self.entries = list(entries)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Input(placeholder="Type to filter threads by title or id", id="switcher-input")
            option_list = OptionList(id="switcher-list")
            option_list.can_focus = False
            yield option_list
            yield Static(Text("↑/↓: move   enter: switch   escape: close"), id="switcher-hint")

    def on_mount(self) -> None:
        self._refilter("")
        self.query_one(Input).focus()

    def ranked(self, query: str) -> list[tuple[ThreadLike, str, list[int]]]:
        """Entries matching `query`, best first: (entry, matched field, matched positions)."""
        query = query.strip()
        if not query:
            recent = sorted(self.entries, key=lambda e: e.last_active, reverse=True)
            return [(entry, "title", []) for entry in recent]
        scored = []
        for entry in self.entries:
            candidates = [
                (match[0], field, match[1])
                for field in ("title", "id")
                if (match := fuzzy_match(query, visible(getattr(entry, field) or ""))) is not None
            ]
            if candidates:
                score, field, positions = max(candidates, key=lambda c: c[0])
                scored.append((score, entry, field, positions))
        scored.sort(key=lambda s: (s[0], s[1].last_active), reverse=True)
        return [(entry, field, positions) for _, entry, field, positions in scored]

    def _prompt(self, entry: ThreadLike, field: str, positions: list[int], now: float) -> Text:
        title = literal(entry.title) if entry.title else Text("(untitled)", style="italic")
        thread_id = literal(entry.id, style="dim")
        target = title if field == "title" else thread_id
        for position in positions:
            target.stylize("bold underline", position, position + 1)
        line = Text.assemble(title, "  ", thread_id, ("  " + _age(entry.last_active, now), "dim"))
        if entry.archived:
            line.append("  archived", style="italic")
        if entry.stale:
            line.append("  stale", style="italic")
            line.stylize("dim")
        return line

    def _refilter(self, query: str) -> None:
        now = time.time()
        option_list = self.query_one(OptionList)
        ranked = self.ranked(query)
        if ranked:
            option_list.set_options(
                Option(self._prompt(entry, field, positions, now), id=entry.id)
                for entry, field, positions in ranked
            )
            option_list.highlighted = 0
        else:
            empty = "No thread matches." if self.entries else "No threads yet."
            option_list.set_options([Option(Text(empty, style="italic"), disabled=True)])

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._refilter(event.value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        option = self.query_one(OptionList).highlighted_option
        if option is not None and not option.disabled:
            self.dismiss(option.id)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_move(self, action: str) -> None:
        getattr(self.query_one(OptionList), f"action_{action}")()

    def action_close(self) -> None:
        self.dismiss(None)
