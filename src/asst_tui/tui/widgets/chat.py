"""The chat pane: the open thread's messages drawn as lines (Textual's Line API), with streamed text coalesced per frame.

A frame costs what is on screen, not the length of the thread or of the reply: every message is an
`Entry` whose Markdown blocks are rendered once per width, when first shown or in idle moments near
what is shown, and kept as compact lines (`markdown_lines`); `render_line` only looks lines up. While
text streams in, only the last (open) block of the reply is rendered again. Until a block is rendered
its height is an estimate, and when it turns exact the line under the user's eyes keeps its row (or the
end stays in view while the pane follows it). Files a message offers (a link that saves, an image) are
real widgets, placed by `arrange` on rows kept for them, so focus, Enter, clicks and pixel images work
as anywhere else.

The pane follows the bottom while the user is at the bottom, stops when they scroll up, and follows
again when they reach (nearly) the bottom. Older pages are asked for (`OlderWanted`) before the user
reaches the top, and rendered in idle moments, so reaching the top shows ready lines.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from ..file_names import fetch_names
from ..markdown_lines import render_block, warm_up
from ..message_format import named_file_ids, render_message
from .chat_cursor import CURSOR_BINDINGS, CURSOR_CLASSES, CURSOR_CSS, MessageCursor
from .chat_entry import Block, Entry
from .chat_file_rows import FileRows
from .chat_find import FIND_BINDINGS, FIND_CLASSES, FIND_CSS, FindHighlights
from .chat_lines import Anchor, EntryList, LineBudget
from .chat_marks import RunMarks
from .chat_message import file_slots
from .chat_paint import BODY_INSET, PaintedLines, RowStyles
from .chat_streaming import StreamedText

FOLLOW_SLACK = 2  # lines: scrolling down to within this of the end follows again (text may land meanwhile)
SLICE_SECONDS = 0.004  # rendering done at a time in idle moments (a key waits at most this long for it)
IDLE_GAP = 0.02  # between idle slices
AHEAD_SCREENS = 3  # render this many screens above the view (and one below) ahead of the user
OLDER_SCREENS = 3  # ask for the older page when the top of what is loaded is this close


def entry_for(message: dict[str, Any]) -> Entry:
    rendered = render_message(message)
    return Entry(message.get("role", "assistant"), rendered.markdown, message.get("id"), message.get("created_at"),
                 list(rendered.files), run_id=message.get("run_id"))


_warming: list[threading.Thread] = []


def _warm_up_once() -> None:
    """Compile Markdown's lexers in a thread, once per process, after the first frame (not on its critical path)."""
    if not _warming:
        _warming.append(threading.Thread(target=warm_up, name="asst-tui-warm-up", daemon=True))
        _warming[0].start()


class ChatView(StreamedText, FindHighlights, MessageCursor, PaintedLines, FileRows, RunMarks, ScrollView, can_focus=True):
    """The open thread's messages (see the module's docstring)."""

    BINDINGS = [*CURSOR_BINDINGS, *FIND_BINDINGS]

    COMPONENT_CLASSES = {
        "chat--label-user", "chat--label-assistant", "chat--label-note",
        "chat--bar-user", "chat--bar-assistant", "chat--bar-note", "chat--bar-error", "chat--bar-warning",
        "chat--body-user", "chat--body-assistant", "chat--body-note", "chat--body-error", "chat--body-warning",
        *CURSOR_CLASSES, *FIND_CLASSES,
    }
    DEFAULT_CSS = """
    ChatView { overflow-y: scroll; }  /* a scrollbar appearing mid-reply would re-wrap everything */
    ChatView > .chat--label-user { color: $text-accent; text-style: bold; }
    ChatView > .chat--label-assistant { color: $text-success; text-style: bold; }
    ChatView > .chat--label-note { color: $text-muted; text-style: bold; }
    ChatView > .chat--bar-user { color: $accent; }
    ChatView > .chat--bar-assistant { color: $success; }
    ChatView > .chat--bar-note { color: $foreground-muted; }
    ChatView > .chat--bar-error { color: $error; }
    ChatView > .chat--bar-warning { color: $warning; }
    ChatView > .chat--body-user { background: $boost; }
    ChatView > .chat--body-note { color: $text-muted; }
    ChatView > .chat--body-error { color: $text-error; }
    ChatView > .chat--body-warning { color: $text-warning; }
    """ + CURSOR_CSS + FIND_CSS

    class OlderWanted(Message):
        """Older messages exist and the user is getting near them; `before` is the oldest loaded message id."""

        def __init__(self, before: str) -> None:
            super().__init__()
            self.before = before

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.has_older = False
        self.following = True
        self._list = EntryList()
        self._budget = LineBudget()
        self._by_id: dict[str, Entry] = {}
        self._run_marks: dict[str, str] = {}
        self._older_before: str | None = None  # the id an OlderWanted asked for
        self._pending: dict[str, list[str]] = {}
        self._flush_scheduled = False
        self._shown_at = 0.0  # when the last streamed frame was painted (monotonic)
        self._idle_scheduled = False
        self._code_theme = "monokai"
        self._row_styles: dict[tuple[str, str], RowStyles] = {}
        self._strips: dict[int, tuple] = {}  # line -> (what it was painted from..., the strip): see PaintedLines
        self._placed: list[Entry] = []  # entries whose file widgets are mounted
        self._painting: tuple[int, int] | None = None  # while a frame is painted: the width and the first line shown

    @property
    def is_container(self) -> bool:
        return True  # the file widgets are children, placed by `arrange`

    @property
    def entries(self) -> list[Entry]:
        """Every message loaded, oldest first."""
        return list(self._list.entries)

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._restyle, init=True)
        self.call_after_refresh(_warm_up_once)

    # --- geometry -----------------------------------------------------------------------------

    @property
    def _viewport(self) -> Size:
        return self.scrollable_content_region.size

    def _top_pad(self) -> int:
        """Blank rows above the first message: a short thread sits at the bottom, next to the prompt."""
        return max(0, self._viewport.height - self._list.total)

    def _render(self, block: Block) -> None:
        width = self._list.width
        block.take(render_block(self.app.console, block.source, width, self._code_theme), width)
        self._budget.rendered(block)

    def _anchor(self) -> Anchor | None:
        """What the view's top line shows, to keep it there (None: the pane follows the end)."""
        return None if self.following else self._list.anchor(round(self.scroll_y))

    def _place(self, anchor: Anchor | None) -> None:
        """Set the scroll offset so the anchor keeps its row (or the end stays in view), without an extra frame."""
        total = self._list.total
        size = Size(self._viewport.width, total)
        if size != self.virtual_size:  # set without a layout of the screen (the scrollbar is told itself)
            self.set_reactive(Widget.virtual_size, size)
            scrollbar = self.vertical_scrollbar
            scrollbar.window_virtual_size, scrollbar.window_size = total, self._viewport.height
        bottom = max(0, total - self._viewport.height)
        if anchor is None:
            target = bottom
        else:
            found = self._list.find(anchor)
            target = round(self.scroll_y) if found is None else found
        self._scroll_now(min(max(0, target), bottom))

    def _scroll_now(self, y: int) -> None:
        if y == round(self.scroll_y):
            return  # (a scroll animation may be between rows: left alone)
        animator = self.app.animator
        if animator.is_being_animated(self, "scroll_y"):
            animator.force_stop_animation(self, "scroll_y")
        self.set_reactive(Widget.scroll_y, y)
        self.set_reactive(Widget.scroll_target_y, y)
        self.vertical_scrollbar.position = y
        if self._placed:
            self.refresh(layout=True)  # the file widgets move with the text

    def _settle(self, anchor: Anchor | None, repaint: bool = True) -> None:
        """After a change: render what the view shows that is still estimated, keep the anchor, repaint.

        Without `repaint` (the change is below the view) only the scrollbar is repainted, unless what is
        shown had to be rendered.
        """
        self._sync_width()
        self._place(anchor)
        for _ in range(16):  # rendering changes heights, which can bring more into view
            top = round(self.scroll_y)
            rendered = self._list.fill(top, top + self._viewport.height, self._render)
            if not (self._place_widgets() or rendered):
                break
            repaint = True
            self._place(anchor)
        self._budget.trim()
        if repaint:
            self.refresh(layout=bool(self._placed))
        else:
            self.vertical_scrollbar.refresh()
        self._want_idle()

    def _sync_width(self) -> None:
        width = self._viewport.width - BODY_INSET
        if width > 0 and width != self._list.width:
            self._list.set_width(width)
            for entry in self._placed:
                self._measure_widgets(entry)

    def _measure_widgets(self, entry: Entry) -> None:
        width = self._viewport.width
        entry.slot_heights = [widget.rows(width) for widget in entry.widgets]
        self._list.changed(entry)

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._viewport.width - BODY_INSET != self._list.width:  # resized: re-wrap what is shown first
            self._settle(self._anchor())
        self._painting = (self._viewport.width, round(self.scroll_y) - self._top_pad())
        try:
            return super().render_lines(crop)
        finally:
            self._painting = None

    def on_resize(self) -> None:
        self._settle(self._anchor())

    # --- idle rendering and older pages -------------------------------------------------------

    def _want_idle(self) -> None:
        """Render near the view in idle slices, once no reply streams in (what the view shows is rendered at once)."""
        if not self._idle_scheduled and not self._flush_scheduled:
            self._idle_scheduled = True
            self.set_timer(IDLE_GAP, self._idle_slice)

    def _idle_slice(self) -> None:
        """Render blocks near the view, nearest first, for at most SLICE_SECONDS; ask for older messages early."""
        self._idle_scheduled = False
        if not self._list.entries or self._list.width <= 0 or self._flush_scheduled:
            return
        height = self._viewport.height
        top = round(self.scroll_y)
        deadline = time.perf_counter() + SLICE_SECONDS
        anchor = self._anchor()
        done = False
        more = False
        for entry, block in self._list.nearby(top, top + height, AHEAD_SCREENS * height, height):
            if time.perf_counter() > deadline:
                more = True
                break
            self._render(block)
            entry.block_rendered(block)
            self._list.changed(entry)
            done = True
        if done:
            self._settle(anchor)
        self._want_older()
        if more:
            self._want_idle()

    def _want_older(self) -> None:
        """Ask for the page before the oldest loaded message once the user is within OLDER_SCREENS of it."""
        if not self.has_older or self._older_before is not None or not self._list.entries:
            return
        if self.scroll_y > OLDER_SCREENS * self._viewport.height:
            return
        oldest = next((entry for entry in self._list.entries if entry.message_id), None)
        if oldest is not None:
            self._older_before = oldest.message_id
            self.post_message(self.OlderWanted(oldest.message_id))

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if self._placed:
            self.refresh(layout=True)  # the file widgets move with the text
        if new >= self.max_scroll_y or (new > old and new >= self.max_scroll_y - FOLLOW_SLACK):
            self.following = True
        elif new < old:
            self.following = False
        self._settle(self._anchor())
        if new < old:
            self._want_older()

    # --- the thread ---------------------------------------------------------------------------

    async def show_messages(self, messages: list[dict[str, Any]], has_older: bool) -> None:
        """Replace the pane with these (chronological) messages and follow the bottom."""
        self._pending.clear()
        await self._learn_file_names(messages)
        await self._unplace(list(self._placed))
        self.has_older = has_older
        self._older_before = None
        self._list.clear()
        self._budget.clear()
        self._by_id = {}
        self.forget_runs()
        self.forget_selection()
        self.forget_matches()
        entries = [entry_for(message) for message in messages]
        self._adopt(entries)
        self._list.insert(0, entries)
        self.following = True
        self._settle(None)

    async def show_loading(self) -> None:
        """Another thread is being opened: clear the pane now (in the key's frame) and say so."""
        await self.show_messages([], False)
        await self.add_note("Loading the thread…")

    def _adopt(self, entries: list[Entry]) -> None:
        self._mark(entries)
        for entry in entries:
            entry.slot_heights = [1] * sum(file_slots(ref) for ref in entry.files)
            if entry.message_id:
                self._by_id[entry.message_id] = entry

    async def show_end(self) -> None:
        """Bring the newest messages into view and follow them."""
        self.following = True
        self._settle(None)

    async def action_scroll_end(self) -> None:
        await self.show_end()

    async def show_older(self, messages: list[dict[str, Any]], has_older: bool) -> None:
        """Put a page from the server (the answer to OlderWanted) above the oldest loaded message."""
        oldest = next((entry for entry in self._list.entries if entry.message_id), None)
        if self._older_before is None or oldest is None or oldest.message_id != self._older_before:
            return  # another thread was opened meanwhile
        self.has_older = has_older
        await self._learn_file_names(messages)
        older = [entry_for(message) for message in messages]
        anchor = self._anchor()
        self._adopt(older)
        self._list.insert(0, older)
        self._older_before = None
        self._settle(anchor)

    async def _add(self, entry: Entry, after: Entry | None = None) -> None:
        """Add an entry after another (by default at the end)."""
        anchor = self._anchor()
        index = self._list.index(after) if after is not None else None
        self._adopt([entry])
        self._list.insert(len(self._list.entries) if index is None else index + 1, [entry])
        self._settle(anchor)

    async def add_message(self, role: str, markdown: str, *, message_id: str | None = None,
                          created_at: float | None = None, severity: str = "") -> Entry:
        """Add a message at the end; one the user sends brings the newest messages into view."""
        if role == "user":
            self.following = True
        entry = Entry(role, markdown, message_id, created_at, severity=severity)
        await self._add(entry)
        return entry

    async def add_note(self, markdown: str, severity: str = "") -> Entry:
        """A message from asst-tui itself (welcome, errors), not part of the thread."""
        return await self.add_message("note", markdown, severity=severity)

    def set_message_id(self, entry: Entry, message_id: str) -> None:
        entry.message_id = message_id
        self._by_id[message_id] = entry

    async def remove_message(self, entry: Entry) -> None:
        """Take a message back out (one that was never sent)."""
        anchor = self._anchor()
        if anchor is not None and anchor.entry is entry:
            anchor = None if self.following else self._list.anchor(max(0, round(self.scroll_y) - 1))
        await self._unplace([entry])
        self.forget_selection(entry)
        self._list.remove(entry)
        if entry.message_id:
            self._by_id.pop(entry.message_id, None)
        self._settle(anchor)

    async def finish_message(self, message: dict[str, Any]) -> None:
        """A message is complete: flush its tail and show footnotes and files if it has any."""
        self.flush()
        await self._learn_file_names([message])
        entry = self._by_id.get(message.get("id", ""))
        if entry is None:
            await self._add(entry_for(message))
        else:
            await self._update(entry, message)

    async def sync(self, messages: list[dict[str, Any]]) -> None:
        """Bring the loaded messages up to date with the server's newest page (after a dropped stream).

        Messages loaded already are updated in place and new ones added after their predecessor, so
        notes (what went wrong) and the scroll position stay.
        """
        self.flush()
        await self._learn_file_names(messages)
        previous: Entry | None = None
        for message in messages:
            entry = self._by_id.get(message.get("id", ""))
            if entry is None:
                entry = entry_for(message)
                await self._add(entry, previous)
            else:
                await self._update(entry, message)
            previous = entry

    async def _learn_file_names(self, messages: list[dict[str, Any]]) -> None:
        """Look up the names of files the messages cite or attach, so footnotes and links can name them."""
        connection = getattr(self.app, "connection", None)
        cited = [file_id for message in messages for file_id in named_file_ids(message)]
        if connection is not None and cited:
            await fetch_names(connection.backend, cited)

    async def _update(self, entry: Entry, message: dict[str, Any]) -> None:
        """The message's final form: its text (with footnotes) and any new files."""
        rendered = render_message(message)
        anchor = self._anchor()
        entry.run_id = message.get("run_id") or entry.run_id
        entry.replace(rendered.markdown)
        entry.complete()
        known = {ref.file_id for ref in entry.files}
        new = [ref for ref in rendered.files if ref.file_id not in known]
        if new:
            await self._unplace([entry])
            entry.files.extend(new)
            entry.slot_heights = [1] * sum(file_slots(ref) for ref in entry.files)
        self._list.changed(entry)
        self._settle(anchor)

    def last_reply(self) -> str | None:
        return next((entry.source for entry in reversed(self._list.entries) if entry.role == "assistant"), None)
