"""Streamed text in the chat pane: deltas queued per message and put on the screen at most once a frame.

A mixin of `ChatView`: it uses the pane's entries (`_by_id`, `_list`), its anchor and `_settle`.
"""

from __future__ import annotations

import time

from ..textual_compat import paint_now

FRAME_SECONDS = 1 / 30  # streamed text reaches the screen at most this often
WAIT_PER_COST = 1  # between streamed frames, at least as long as the last flush took: the reader and keys get their share
# The next flush comes FRAME_SECONDS after this one began, and at least WAIT_PER_COST times its cost after it was shown.
# `cost` is the flush's own wall time (rendering what came into view), not the paint's or the stream reader's turns:
# counting those made every wait as long as a frame again. The floor leaves the reader and the keyboard their share of
# the loop when a frame is dear (a huge code block being streamed); it is wall-clock time, so on a loaded machine,
# where the flush takes longer too, the reader keeps its share.


class StreamedText:
    """Deltas coalesced per frame; a frame due right after a key waits until the key's repaint is shown."""

    _pending: dict[str, list[str]]  # message id -> text queued since the last frame
    _flush_scheduled: bool
    _shown_at: float  # when the last streamed frame was painted (monotonic)

    async def begin_stream(self, message_id: str, created_at: float | None = None, run_id: str | None = None) -> None:
        if message_id not in self._by_id:
            entry = await self.add_message("assistant", "", message_id=message_id, created_at=created_at)
            entry.run_id = run_id

    def add_delta(self, message_id: str, text: str) -> None:
        """Queue streamed text; it reaches the screen on the next frame flush."""
        self._pending.setdefault(message_id, []).append(text)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.set_timer(FRAME_SECONDS, self._flush_frame)

    def _flush_frame(self, deferred: bool = False) -> None:
        if not self._pending:  # the stream paused or ended: what streamed past the view is rendered now
            self._flush_scheduled = False
            self._want_idle()
            return
        if not deferred and self._input_since(self._shown_at):
            self.call_after_refresh(self._flush_frame, True)  # the key's repaint first, without this frame's work in it
            return
        started = time.perf_counter()
        self._flush_once()
        cost = time.perf_counter() - started
        paint_now(self, self.vertical_scrollbar)  # shown now, not at the screen's next update tick
        self._shown_at = time.monotonic()
        self.set_timer(max(FRAME_SECONDS - (time.perf_counter() - started), WAIT_PER_COST * cost), self._flush_frame)

    def _input_since(self, moment: float) -> bool:
        """Whether an input event (a key, say) came after `moment` (monotonic); the app's GC policy notes each one."""
        collector = getattr(self.app, "collector", None)
        return collector is not None and collector.input_at > moment

    def _flush_once(self) -> None:
        """Append everything queued since the last frame, one append per message."""
        pending, self._pending = self._pending, {}
        anchor = self._anchor()
        bottom = round(self.scroll_y) + self._viewport.height
        changed = shown = False
        for message_id, parts in pending.items():
            entry = self._by_id.get(message_id)
            position = None if entry is None else self._list.index(entry)
            if position is not None:
                shown = shown or self.following or self._list.top(position) < bottom
                entry.append("".join(parts))
                self._list.changed(entry)
                changed = True
        if changed:
            self._settle(anchor, repaint=shown)

    def flush(self) -> None:
        """Put everything queued on the screen now."""
        self._flush_once()

