"""The chat pane: the messages of one thread, a window of them mounted, with streamed text coalesced per frame.

It follows the bottom itself rather than with Textual's `anchor()`: in Textual 8.2.8 an anchored pane
whose content is shorter than the view gets a negative scroll offset (textual#6652), and once the user
has scrolled, scrolling back to the bottom while text streams in does not follow again (textual#6677).
Here the pane follows while the user is at the bottom, stops when they scroll up, and follows again when
they reach (nearly) the bottom; `AnchoredScroll` keeps the end, or the message being read, in place.

Every message the pane has loaded is kept as an `Entry`, but at most about WINDOW of them are mounted:
Textual lays out every mounted widget on every frame, so with 1,000-2,000 messages mounted each frame
took 100+ ms. Scrolling to the top mounts older entries above (a page from the server once the loaded
ones run out) and unmounts views far below; scrolling to the bottom of the window mounts the newer
entries again and unmounts views far above. Sending a message brings the newest back (End does too).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from ..textual_compat import StylesCache
from textual.geometry import Region
from textual.message import Message
from textual.widget import Widget

from ..file_names import fetch_names
from ..message_format import FileRef, cited_file_ids, render_message
from .anchored_scroll import AnchoredScroll
from .chat_message import MessageView

FRAME_SECONDS = 1 / 30  # streamed text reaches the screen at most this often
WAIT_PER_COST = 1  # after a streamed frame, wait as long as its CPU time: the stream reader and keys get half
BATCH = 10  # messages mounted per frame, nearest to the view first: a whole page at once stalled the screen
PAGE = 40  # messages mounted (or fetched) each time the user reaches the top or bottom of the window
WINDOW = 60  # messages mounted at most: views beyond it, away from where the user is going, are unmounted
FOLLOW_SLACK = 2  # lines: scrolling down to within this of the end follows again (text may land meanwhile)


@dataclass(eq=False)
class Entry:
    """One message in the pane, mounted or not: what it takes to build its view again."""

    role: str
    markdown: str = ""  # the text while unmounted; the view's `source` is the text while mounted
    message_id: str | None = None
    created_at: float | None = None
    files: list[FileRef] = field(default_factory=list)
    severity: str = ""
    view: MessageView | None = None

    @property
    def source(self) -> str:
        return self.markdown if self.view is None else self.view.source

    def build(self) -> MessageView:
        return MessageView(self.role, self.markdown, message_id=self.message_id, created_at=self.created_at,
                           files=self.files, severity=self.severity)

    def append(self, text: str) -> None:
        if self.view is None:
            self.markdown += text
        else:
            self.view.append(text)


def forget_styles() -> None:
    """Let go of the rendered lines of widgets that were removed.

    Textual 8.2.8 caches `StylesCache.get_inner_outer`, a method, with `lru_cache(1024)`, which keeps the
    last 1,024 widgets' styles caches alive with every line they painted (textual#6665): after scrolling
    through 400 messages, 100,000-130,000 objects more were alive, which every full collection walks.
    """
    StylesCache.get_inner_outer.cache_clear()


def entry_for(message: dict[str, Any]) -> Entry:
    rendered = render_message(message)
    return Entry(message.get("role", "assistant"), rendered.markdown, message.get("id"), message.get("created_at"),
                 list(rendered.files))


class ChatView(AnchoredScroll, can_focus=True):
    """The open thread's messages, a window of them mounted (see the module's docstring)."""

    class OlderWanted(Message):
        """The user reached the top and older messages exist; `before` is the oldest loaded message id."""

        def __init__(self, before: str) -> None:
            super().__init__()
            self.before = before

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.has_older = False
        self._entries: list[Entry] = []  # chronological; the mounted ones are contiguous
        self._by_id: dict[str, Entry] = {}
        self._entry_of: dict[MessageView, Entry] = {}
        self._paging = False  # a page is being mounted (or fetched): one at a time
        self._older_before: str | None = None  # the id an OlderWanted asked for
        self._pending: dict[str, list[str]] = {}
        self._flush_scheduled = False
        self._stick_scheduled = False
        self._shown = 0  # times the newest were mounted afresh, so a page being mounted never lands after that

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._restyle, init=False)

    def _restyle(self) -> None:
        for view in self.query_children(MessageView):
            view.restyle()

    # --- the window ---------------------------------------------------------------------------

    async def show_messages(self, messages: list[dict[str, Any]], has_older: bool) -> None:
        """Replace the pane with these (chronological) messages and follow the bottom."""
        self._pending.clear()
        await self._learn_file_names(messages)
        self.has_older = has_older
        self._entries = [entry_for(message) for message in messages]
        self._by_id = {entry.message_id: entry for entry in self._entries if entry.message_id}
        await self._show_end()

    async def _show_end(self) -> None:
        """Mount the newest entries in place of what is mounted, newest first, and follow them."""
        self._shown += 1
        self._paging = False
        self._older_before = None
        for entry in list(self._entry_of.values()):
            self._unlink(entry)
        tail = self._entries[-PAGE:]
        newest, rest = tail[-BATCH:], tail[:-BATCH]
        self.following = True
        with self.app.batch_update():
            await self.remove_children()
            forget_styles()
            await self._mount(newest)
        if rest:  # mounted above once the newest are painted at the bottom
            self._paging = True
            self.call_after_refresh(self._grow_up, self._shown, rest)

    async def show_end(self) -> None:
        """Bring the newest messages into view and follow them."""
        if self._entries and self._entries[-1].view is None:
            await self._show_end()
        else:
            self.following = True
            self.follow()

    async def action_scroll_end(self) -> None:
        await self.show_end()

    async def show_older(self, messages: list[dict[str, Any]], has_older: bool) -> None:
        """Mount a page from the server (the answer to OlderWanted) above the oldest loaded message."""
        oldest = next((entry for entry in self._entries if entry.message_id), None)
        if self._older_before is None or oldest is None or oldest.message_id != self._older_before:
            return  # another thread was opened meanwhile
        self._older_before = None
        self.has_older = has_older
        await self._learn_file_names(messages)
        older = [entry_for(message) for message in messages]
        self._entries[0:0] = older
        self._by_id.update((entry.message_id, entry) for entry in older if entry.message_id)
        if older:
            await self._grow_up(self._shown, older)
        else:
            self._paging = False

    def _mounted(self) -> tuple[int, int]:
        """The range of entries mounted, as indexes [first, last]; (-1, -1) when none is."""
        first = next((index for index, entry in enumerate(self._entries) if entry.view is not None), -1)
        if first < 0:
            return -1, -1
        last = next(index for index in range(len(self._entries) - 1, -1, -1) if self._entries[index].view is not None)
        return first, last

    def _load_older(self) -> None:
        """The user reached the top of the window: mount the entries above it, or ask the server for a page."""
        first, _ = self._mounted()
        if self._paging or first < 0:
            return
        if first > 0:
            self._paging = True
            self.call_later(self._grow_up, self._shown, self._entries[max(0, first - PAGE):first])
            return
        oldest = next((entry for entry in self._entries if entry.message_id), None)
        if self.has_older and oldest is not None and oldest.message_id:
            self._paging = True
            self._older_before = oldest.message_id
            self.post_message(self.OlderWanted(oldest.message_id))

    def _load_newer(self) -> None:
        """The user reached the bottom of the window and newer entries are not mounted: mount them below."""
        _, last = self._mounted()
        if not self._paging and 0 <= last < len(self._entries) - 1:
            self._paging = True
            self.call_later(self._grow_down, self._shown, self._entries[last + 1:last + 1 + PAGE])

    async def _grow_up(self, shown: int, entries: list[Entry]) -> None:
        """Mount `entries` (those right above the window) BATCH a frame, nearest first; unmount far below."""
        if shown != self._shown:
            return
        batch, rest = entries[-BATCH:], entries[:-BATCH]
        await self._mount(batch, before=self.children[0] if self.children else None)
        await self._trim(reversed(self.children), lambda region: region.y >= self.scroll_y + self.viewport_height)
        self._next(self._grow_up, shown, rest)

    async def _grow_down(self, shown: int, entries: list[Entry]) -> None:
        """Mount `entries` (those right below the window) BATCH a frame, nearest first; unmount far above."""
        if shown != self._shown:
            return
        batch, rest = entries[:BATCH], entries[BATCH:]
        await self._mount(batch)
        await self._trim(iter(self.children), lambda region: region.bottom <= self.scroll_y)
        self._next(self._grow_down, shown, rest)

    def _next(self, step: Callable[..., Any], shown: int, rest: list[Entry]) -> None:
        if rest:
            self.call_after_refresh(step, shown, rest)
        else:
            self._paging = False

    async def _mount(self, entries: list[Entry], *, before: MessageView | None = None,
                     after: MessageView | None = None) -> None:
        """Mount views of `entries` (consecutive) before or after a view, or at the end."""
        built = [(entry, entry.build(), entry.markdown) for entry in entries]
        views = [view for _, view, _ in built]
        if before is not None:
            await self.mount_all(views, before=before)
        elif after is not None:
            await self.mount_all(views, after=after)
        else:
            await self.mount_all(views)
        for entry, view, markdown in built:
            entry.view = view
            self._entry_of[view] = entry
            if entry.markdown != markdown:  # streamed into (or replaced) while the view was being mounted
                if entry.markdown.startswith(markdown):
                    view.append(entry.markdown[len(markdown):])
                else:
                    await view.replace(entry.markdown, entry.files)

    async def _trim(self, far_first: Iterable[Widget], out_of_view: Callable[[Region], bool]) -> None:
        """Unmount the views beyond WINDOW, farthest first, while they are out of view in the last layout."""
        excess = len(self.children) - WINDOW
        if excess <= 0 or self.arranged is None:
            return
        regions = {placement.widget: placement.region for placement in self.arranged.placements}
        gone = []
        for view in islice(far_first, excess):
            region = regions.get(view)
            if region is None or not out_of_view(region):
                break
            gone.append(view)
        if gone:
            for view in gone:
                self._unlink(self._entry_of[view])
            await self.remove_children(gone)
            forget_styles()

    def _unlink(self, entry: Entry) -> None:
        """The entry's view is about to go: the entry keeps its text."""
        if entry.view is not None:
            entry.markdown = entry.view.source
            del self._entry_of[entry.view]
            entry.view = None

    async def _add(self, entry: Entry, after: Entry | None = None) -> None:
        """Add an entry after another (by default at the end), mounted if that one is (or the pane is empty)."""
        index = len(self._entries) if after is None else self._entries.index(after) + 1
        previous = self._entries[index - 1] if index else None
        self._entries.insert(index, entry)
        if entry.message_id:
            self._by_id[entry.message_id] = entry
        if previous is None:
            await self._mount([entry])
        elif previous.view is not None:
            await self._mount([entry], after=previous.view)
            await self._trim(iter(self.children), lambda region: region.bottom <= self.scroll_y)

    # --- following the bottom -----------------------------------------------------------------

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new >= self.max_scroll_y or (new > old and new >= self.max_scroll_y - FOLLOW_SLACK):
            if self._entries and self._entries[-1].view is None:
                self._load_newer()
            else:
                self.following = True
        elif new < old:
            self.following = False
        if new <= 0 and new < old:
            self._load_older()

    def follow(self) -> None:
        """Scroll to the end once the latest change is laid out, if the user is following the bottom."""
        if self.following and not self._stick_scheduled:
            self._stick_scheduled = True
            self.call_after_refresh(self._stick)

    def _stick(self) -> None:
        self._stick_scheduled = False
        if self.following:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    # --- single messages ----------------------------------------------------------------------

    async def add_message(self, role: str, markdown: str, *, message_id: str | None = None,
                          created_at: float | None = None, severity: str = "") -> Entry:
        """Add a message at the end; one the user sends brings the newest messages back into view."""
        if role == "user":
            await self.show_end()
        entry = Entry(role, markdown, message_id, created_at, severity=severity)
        await self._add(entry)
        return entry

    async def add_note(self, markdown: str, severity: str = "") -> Entry:
        """A message from asst-tui itself (welcome, errors), not part of the thread."""
        return await self.add_message("note", markdown, severity=severity)

    def set_message_id(self, entry: Entry, message_id: str) -> None:
        entry.message_id = message_id
        if entry.view is not None:
            entry.view.message_id = message_id
        self._by_id[message_id] = entry

    async def remove_message(self, entry: Entry) -> None:
        """Take a message back out (one that was never sent)."""
        view = entry.view
        self._unlink(entry)
        if entry in self._entries:  # not if another thread was opened meanwhile
            self._entries.remove(entry)
        if entry.message_id:
            self._by_id.pop(entry.message_id, None)
        if view is not None:
            await view.remove()

    async def begin_stream(self, message_id: str, created_at: float | None = None) -> None:
        if message_id not in self._by_id:
            await self.add_message("assistant", "", message_id=message_id, created_at=created_at)

    def add_delta(self, message_id: str, text: str) -> None:
        """Queue streamed text; it reaches the screen on the next frame flush."""
        self._pending.setdefault(message_id, []).append(text)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.set_timer(FRAME_SECONDS, self._flush_frame)

    def _flush_frame(self) -> None:
        self._flush_once()
        self.call_after_refresh(self._frame_shown, time.thread_time())

    def _frame_shown(self, started: float) -> None:
        """Wait WAIT_PER_COST times that frame's CPU time (layout, paint, the reader's turns) before the next.

        A frame of a long reply can cost more than a frame's time, and a fast stream keeps the loop busy in
        between: pacing frames by their cost leaves the stream reader and the keyboard their share of the
        loop. Once the cost, not more: a frame costs more the more text arrived since the last one, so a
        longer wait made a dearer frame and a longer wait again (with twice the cost, as many runs settled
        at ~45 frames 140-170 ms apart as at ~160 frames 60-80 ms apart). CPU time of this thread rather
        than wall time, so waiting for the GIL while the embedded server's thread streams is not counted.
        """
        if self._pending:
            self.set_timer(max(FRAME_SECONDS, WAIT_PER_COST * (time.thread_time() - started)), self._flush_frame)
        else:
            self._flush_scheduled = False

    def _flush_once(self) -> None:
        """Append everything queued since the last frame, one Markdown append per message."""
        pending, self._pending = self._pending, {}
        for message_id, parts in pending.items():
            entry = self._by_id.get(message_id)
            if entry is not None:
                entry.append("".join(parts))

    def flush(self) -> None:
        """Put everything queued on the screen now."""
        self._flush_once()

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
        """Look up the names of files the messages cite, so footnotes can name them."""
        connection = getattr(self.app, "connection", None)
        cited = [file_id for message in messages for file_id in cited_file_ids(message)]
        if connection is not None and cited:
            await fetch_names(connection.backend, cited)

    async def _update(self, entry: Entry, message: dict[str, Any]) -> None:
        rendered = render_message(message)
        if rendered.files or rendered.markdown != entry.source:
            known = {ref.file_id for ref in entry.files}
            entry.files.extend(ref for ref in rendered.files if ref.file_id not in known)
            entry.markdown = rendered.markdown
            if entry.view is not None:
                await entry.view.replace(rendered.markdown, rendered.files)

    def last_reply(self) -> str | None:
        return next((entry.source for entry in reversed(self._entries) if entry.role == "assistant"), None)
