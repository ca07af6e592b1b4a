"""The chat pane: the messages of one thread, newest page first, with streamed text coalesced per frame.

It follows the bottom itself rather than with Textual's `anchor()`: in Textual 8.2.8 an anchored pane
whose content is shorter than the view gets a negative scroll offset (textual#6652), and once the user
has scrolled, scrolling back to the bottom while text streams in does not follow again (textual#6677).
Here the pane follows while the user is at the bottom, stops when they scroll up, follows again when
they reach (nearly) the bottom, and scrolls whenever the laid-out content grows.
"""

from __future__ import annotations

import time
from typing import Any

from textual.containers import VerticalScroll
from textual.message import Message

from ..file_names import fetch_names
from ..message_format import cited_file_ids, render_message
from .chat_message import MessageView

FRAME_SECONDS = 1 / 10  # streamed text reaches the screen at most this often (a frame costs 40-60 ms)
FIRST_SCREEN = 10  # messages mounted per frame: a page's newest first, then the rest above them
FOLLOW_SLACK = 2  # lines: scrolling down to within this of the end follows again (text may land meanwhile)


class ChatView(VerticalScroll, can_focus=True):
    """Messages of the open thread. Older pages are mounted on top when the user scrolls up."""

    class OlderWanted(Message):
        """The user reached the top and older messages exist; `before` is the oldest shown message id."""

        def __init__(self, before: str) -> None:
            super().__init__()
            self.before = before

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.has_older = False
        self._loading_older = False
        self._views: dict[str, MessageView] = {}
        self._pending: dict[str, list[str]] = {}
        self._flush_scheduled = False
        self.following = True  # keep the newest content in view
        self._stick_scheduled = False
        self._shown = 0  # show_messages calls, so the rest of a page never lands in another thread

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._restyle, init=False)

    def _restyle(self) -> None:
        for view in self.query_children(MessageView):
            view.restyle()

    # --- whole thread -------------------------------------------------------------------------

    async def show_messages(self, messages: list[dict[str, Any]], has_older: bool) -> None:
        """Replace the pane with these (chronological) messages and follow the bottom."""
        self._pending.clear()
        self._views.clear()
        await self._learn_file_names(messages)
        self.has_older = has_older
        self._loading_older = False
        self._shown += 1
        newest, rest = messages[-FIRST_SCREEN:], messages[:-FIRST_SCREEN]
        with self.app.batch_update():
            await self.remove_children()
            await self.mount_all([self._view_for(message) for message in newest])
        self.following = True
        self.follow()
        if rest:  # mounted above once the newest are painted at the bottom (two frames: layout, scroll)
            self._loading_older = True
            self.call_after_refresh(self.call_after_refresh, self._show_rest, self._shown, rest, has_older)

    async def _show_rest(self, shown: int, rest: list[dict[str, Any]], has_older: bool) -> None:
        if shown == self._shown:  # still the same page
            await self.show_older(rest, has_older)

    async def show_older(self, messages: list[dict[str, Any]], has_older: bool) -> None:
        """Mount an older page above the current first message, keeping what the user looks at in place.

        FIRST_SCREEN messages a frame, newest first: mounting a whole page at once stalled the screen.
        """
        self.has_older = has_older
        await self._learn_file_names(messages)
        if messages:
            batch, rest = messages[-FIRST_SCREEN:], messages[:-FIRST_SCREEN]
            first = self.children[0] if self.children else None
            before_height = self.virtual_size.height
            views = [self._view_for(message) for message in batch]
            await self.mount_all(views, before=first) if first else await self.mount_all(views)
            self.call_after_refresh(self._keep_position, before_height, rest)
        else:
            self._loading_older = False

    def _keep_position(self, before_height: int, rest: list[dict[str, Any]]) -> None:
        self.scroll_to(y=self.scroll_y + self.virtual_size.height - before_height, animate=False, immediate=True)
        if rest:
            self.call_after_refresh(self._show_rest, self._shown, rest, self.has_older)
        else:
            self._loading_older = False

    def _view_for(self, message: dict[str, Any]) -> MessageView:
        rendered = render_message(message)
        view = MessageView(
            message.get("role", "assistant"),
            rendered.markdown,
            message_id=message.get("id"),
            created_at=message.get("created_at"),
            files=rendered.files,
        )
        if view.message_id:
            self._views[view.message_id] = view
        return view

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new >= self.max_scroll_y or (new > old and new >= self.max_scroll_y - FOLLOW_SLACK):
            self.following = True
        elif new < old:
            self.following = False
        if new <= 0 and new < old and self.has_older and not self._loading_older:
            self.request_older()

    def follow(self) -> None:
        """Scroll to the end once the latest change is laid out, if the user is following the bottom."""
        if self.following and not self._stick_scheduled:
            self._stick_scheduled = True
            self.call_after_refresh(self._stick)

    def _stick(self) -> None:
        self._stick_scheduled = False
        if self.following:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def watch_virtual_size(self) -> None:
        """Content grew or re-wrapped (a new scrollbar narrows the pane, for one): stay at the end."""
        self.follow()

    def on_resize(self) -> None:
        self.follow()

    def request_older(self) -> None:
        first = next((child for child in self.children if isinstance(child, MessageView) and child.message_id), None)
        if first and first.message_id and self.has_older and not self._loading_older:
            self._loading_older = True
            self.post_message(self.OlderWanted(first.message_id))

    # --- single messages ----------------------------------------------------------------------

    async def add_message(self, role: str, markdown: str, *, message_id: str | None = None,
                          created_at: float | None = None, severity: str = "") -> MessageView:
        view = MessageView(role, markdown, message_id=message_id, created_at=created_at, severity=severity)
        if message_id:
            self._views[message_id] = view
        await self.mount(view)
        return view

    async def add_note(self, markdown: str, severity: str = "") -> MessageView:
        """A message from asst-tui itself (welcome, errors), not part of the thread."""
        return await self.add_message("note", markdown, severity=severity)

    def set_message_id(self, view: MessageView, message_id: str) -> None:
        view.message_id = message_id
        self._views[message_id] = view

    async def begin_stream(self, message_id: str, created_at: float | None = None) -> None:
        if message_id not in self._views:
            await self.add_message("assistant", "", message_id=message_id, created_at=created_at)

    def add_delta(self, message_id: str, text: str) -> None:
        """Queue streamed text; it reaches the screen on the next frame flush."""
        self._pending.setdefault(message_id, []).append(text)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.set_timer(FRAME_SECONDS, self._flush_frame)

    def _flush_frame(self) -> None:
        self._flush_once()
        self.call_after_refresh(self._frame_shown, time.perf_counter())

    def _frame_shown(self, started: float) -> None:
        """Wait twice as long as that frame took (layout, paint and whatever ran meanwhile) before the next.

        A frame of a long reply costs more than a frame's time, and a fast stream keeps the loop busy in
        between: pacing frames by their cost leaves the stream reader and the keyboard most of the loop.
        """
        if self._pending:
            self.set_timer(max(FRAME_SECONDS, 2 * (time.perf_counter() - started)), self._flush_frame)
        else:
            self._flush_scheduled = False

    def _flush_once(self) -> None:
        """Append everything queued since the last frame, one Markdown append per message."""
        pending, self._pending = self._pending, {}
        for message_id, parts in pending.items():
            view = self._views.get(message_id)
            if view is not None and view.is_attached:
                view.append("".join(parts))

    def flush(self) -> None:
        """Put everything queued on the screen now."""
        self._flush_once()

    async def finish_message(self, message: dict[str, Any]) -> None:
        """A message is complete: flush its tail and show footnotes and files if it has any."""
        self.flush()
        await self._learn_file_names([message])
        view = self._views.get(message.get("id", ""))
        if view is None:
            await self.mount(self._view_for(message))
        else:
            await self._update(view, message)

    async def sync(self, messages: list[dict[str, Any]]) -> None:
        """Bring the shown messages up to date with the server's newest page (after a dropped stream).

        Messages shown already are updated in place and new ones mounted after their predecessor, so
        notes (what went wrong) and the scroll position stay.
        """
        self.flush()
        await self._learn_file_names(messages)
        previous: MessageView | None = None
        for message in messages:
            view = self._views.get(message.get("id", ""))
            if view is None:
                view = self._view_for(message)
                if previous is None:
                    await self.mount(view)
                else:
                    await self.mount(view, after=previous)
            else:
                await self._update(view, message)
            previous = view

    async def _learn_file_names(self, messages: list[dict[str, Any]]) -> None:
        """Look up the names of files the messages cite, so footnotes can name them."""
        connection = getattr(self.app, "connection", None)
        cited = [file_id for message in messages for file_id in cited_file_ids(message)]
        if connection is not None and cited:
            await fetch_names(connection.backend, cited)

    async def _update(self, view: MessageView, message: dict[str, Any]) -> None:
        rendered = render_message(message)
        if rendered.files or rendered.markdown != view.source:
            await view.replace(rendered.markdown, rendered.files)

    def last_reply(self) -> str | None:
        replies = [child for child in self.children if isinstance(child, MessageView) and child.role == "assistant"]
        return replies[-1].source if replies else None

