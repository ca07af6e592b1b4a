"""The sidebar: the profile's threads (most recent first, filter as you type) and the current assistant."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ...registry import ThreadEntry
from ..text import literal

UNTITLED = "New thread"
LABEL_WIDTH = 26  # characters of a title that fit the sidebar on one line


def thread_label(entry: ThreadEntry, current: bool) -> Text:
    """One sidebar row: the title (dimmed when stale or archived) and a marker for the open thread."""
    style = "dim strike" if entry.stale else ("dim italic" if entry.archived else "")
    tag = "  gone" if entry.stale else ("  archived" if entry.archived else "")
    title = entry.title or UNTITLED
    room = LABEL_WIDTH - len(tag)
    if len(title) > room:
        title = title[: room - 1] + "…"
    label = Text("▸ " if current else "  ", style="bold")
    label.append_text(literal(title, style))
    label.append(tag, style="dim italic")
    return label


def matches(entry: ThreadEntry, needle: str) -> bool:
    needle = needle.casefold()
    return not needle or needle in (entry.title or UNTITLED).casefold() or needle in entry.id.casefold()


class ThreadList(OptionList):
    """The threads shown (`/` filters them: a priority key of the app, keymap.py)."""


class ThreadFilter(Input):
    """Filter as you type; Esc clears the filter, and on an empty one goes back to the prompt."""

    BINDINGS = [Binding("escape", "clear_or_leave", "Clear the filter", show=False)]

    def action_clear_or_leave(self) -> None:
        if self.value:
            self.clear()
        else:
            self.app.query_one("#prompt").focus()


class Sidebar(Vertical):
    """Lists threads; selecting one posts ThreadChosen."""

    class ThreadChosen(Message):
        def __init__(self, thread_id: str) -> None:
            super().__init__()
            self.thread_id = thread_id

    class Left(Message):
        """The focus has left the sidebar (the app hides it again if it was shown only to pick a thread)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._entries: list[ThreadEntry] = []
        self._current: str | None = None

    def compose(self) -> ComposeResult:
        yield Static("Threads", classes="sidebar-title")
        yield ThreadFilter(placeholder="filter threads…  (/)", id="thread-filter")
        yield Static("", id="thread-none")
        yield ThreadList(id="thread-list")
        yield Static("", id="assistant-label")

    def show_threads(self, entries: Sequence[ThreadEntry], current: str | None) -> None:
        self._entries = list(entries)
        self._current = current
        self._refill()

    def show_assistant(self, name: str, model: str) -> None:
        label = Text("Assistant\n", style="bold")
        label.append_text(literal(name or "(none)"))
        if model:
            label.append_text(literal(f" · {model}", "dim"))
        label.append("\nF4 switch", style="dim")
        self.query_one("#assistant-label", Static).update(label)

    @property
    def visible_ids(self) -> list[str]:
        options = self.query_one(ThreadList)
        return [options.get_option_at_index(i).id or "" for i in range(options.option_count)]

    def _refill(self) -> None:
        needle = self.query_one("#thread-filter", Input).value.strip()
        options = self.query_one(ThreadList)
        shown = [entry for entry in self._entries if matches(entry, needle)]
        none = self.query_one("#thread-none", Static)
        none.display = bool(needle) and not shown
        none.update(literal(f"No thread matches '{needle}'. Esc clears the filter.", "italic"))
        options.set_options(Option(thread_label(entry, entry.id == self._current), id=entry.id) for entry in shown)
        for index, entry in enumerate(shown):
            if entry.id == self._current:
                options.highlighted = index
                break

    @on(Input.Changed, "#thread-filter")
    def _filter_changed(self) -> None:
        self._refill()

    @on(Input.Submitted, "#thread-filter")
    def _filter_submitted(self) -> None:
        options = self.query_one(ThreadList)
        if options.option_count:
            self.post_message(self.ThreadChosen(options.get_option_at_index(options.highlighted or 0).id or ""))

    def on_descendant_blur(self) -> None:
        self.call_after_refresh(self._maybe_left)  # once the focus has landed where it goes

    def _maybe_left(self) -> None:
        if not self.has_focus_within:
            self.post_message(self.Left())

    @on(OptionList.OptionSelected, "#thread-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.post_message(self.ThreadChosen(event.option.id))
