"""The message editor: Enter sends, Ctrl+J (or Alt/Shift+Enter where the terminal reports them) adds a line,
↑ in an empty prompt recalls the prompts sent before (↓ goes forward again)."""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import TextArea

from ..prompt_history import PromptHistory
from ..textual_compat import paint_now

NEWLINE_KEYS = frozenset({"ctrl+j", "alt+enter", "shift+enter"})


class PromptArea(TextArea):
    """A multi-line prompt whose draft survives failed sends (the app puts it back)."""

    class Submitted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, **kwargs) -> None:
        super().__init__(soft_wrap=True, show_line_numbers=False, tab_behavior="focus", **kwargs)
        self.placeholder = "Message — Enter sends, Ctrl+J new line"
        self.sent_prompts = PromptHistory()  # (not `history`: TextArea keeps its undo history there)

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            text = self.text
            if text.strip():
                self.sent_prompts.add(text)
                self.post_message(self.Submitted(text))
            return
        if event.key in ("up", "down") and self._recall(event.key):
            event.stop()
            event.prevent_default()
            return
        if event.key in NEWLINE_KEYS:
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        before = self.text
        await super()._on_key(event)
        if self.text != before:  # a typed character is shown now, not at the screen's next update tick
            paint_now(self)

    def _recall(self, key: str) -> bool:
        """↑ in an empty prompt (or on the first line of a recalled one) shows the prompt sent before; ↓ on the
        last line of a recalled one the next. False when the key should move the cursor instead."""
        history = self.sent_prompts
        browsing = history.browsing(self.text)
        if not browsing:
            history.stop()
        row = self.cursor_location[0]
        if key == "up" and (browsing and row == 0 or not self.text):
            text = history.older()
        elif key == "down" and browsing and row == self.document.line_count - 1:
            text = history.newer()
        else:
            return False
        if text is not None:
            self.text = text
            self.move_cursor(self.document.end)
        return True

    def restore_draft(self, text: str) -> None:
        """Put an unsent message back, in front of anything typed since."""
        current = self.text
        if current.strip() and current != text:
            self.text = f"{text}\n{current}"
        else:
            self.text = text
        self.move_cursor(self.document.end)
