"""The message editor: Enter sends, Ctrl+J (or Alt/Shift+Enter where the terminal reports them) adds a line."""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import TextArea

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

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            text = self.text
            if text.strip():
                self.post_message(self.Submitted(text))
            return
        if event.key in NEWLINE_KEYS:
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        await super()._on_key(event)

    def restore_draft(self, text: str) -> None:
        """Put an unsent message back, in front of anything typed since."""
        current = self.text
        if current.strip() and current != text:
            self.text = f"{text}\n{current}"
        else:
            self.text = text
        self.move_cursor(self.document.end)
