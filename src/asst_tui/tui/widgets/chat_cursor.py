"""A cursor over the chat pane's messages (a mixin of ChatView): j/k and g/G select a message, drawn highlighted
while the pane has the focus; c copies it, y its code blocks (one per press), e puts one of the user's messages
back in the prompt to send again as a new turn, r asks for a new reply to the last message (the app's action)."""

from __future__ import annotations

import re

from textual.binding import Binding
from textual.message import Message

from .chat_entry import Entry
from .chat_paint import RowStyles

CURSOR_BINDINGS = [
    Binding("j", "select_next", "Next message", show=False),
    Binding("k", "select_previous", "Previous message", show=False),
    Binding("g", "select_first", "First message", show=False),
    Binding("G", "select_last", "Last message", show=False),
    Binding("c", "copy_message", "Copy the message", show=False),
    Binding("y", "copy_code", "Copy a code block of the message", show=False),
    Binding("e", "edit_message", "Edit and resend the message", show=False),
    Binding("r", "app.regenerate", "Regenerate the last reply", show=False),
]
CURSOR_CLASSES = {"chat--selected-label", "chat--selected-bar", "chat--selected-body"}
CURSOR_CSS = """
ChatView > .chat--selected-label { background: $accent 40%; }
ChatView > .chat--selected-bar { color: $warning; }
ChatView > .chat--selected-body { background: $accent 12%; }
"""
_FENCED = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n(.*?)^ {0,3}\1[`~]*[ \t]*$", re.MULTILINE | re.DOTALL)


def code_blocks(markdown: str) -> list[str]:
    """The contents of the fenced code blocks of `markdown`, in order."""
    return [match.group(2).rstrip("\n") for match in _FENCED.finditer(markdown)]


class MessageCursor:
    """Needs ChatView's _list, _viewport, _scroll_now, _settle, _anchor, following and the component styles."""

    selected: Entry | None = None
    _code_turn = 0  # the code block the next `y` copies (counted on, per message)

    class CopyRequested(Message):
        """Copy `text` through the app's clipboard path; `what` says what it is."""

        def __init__(self, text: str, what: str) -> None:
            super().__init__()
            self.text = text
            self.what = what

    class EditRequested(Message):
        """Put a message's text in the prompt, to be sent (again) as a new turn."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    # --- moving ---------------------------------------------------------------------------------

    def select(self, entry: Entry | None) -> None:
        """Select a message (None: none) and bring it into view."""
        if entry is not self.selected:
            self._code_turn = 0
        self.selected = entry
        if entry is not None:
            self._reveal(entry)
        self.refresh()

    def _step(self, step: int) -> None:
        entries = self._list.entries
        if not entries:
            return
        index = self._list.index(self.selected) if self.selected is not None else None
        if index is None:
            index = len(entries) - 1
        else:
            index = max(0, min(len(entries) - 1, index + step))
        self.select(entries[index])

    def action_select_next(self) -> None:
        self._step(1)

    def action_select_previous(self) -> None:
        self._step(-1)

    def action_select_first(self) -> None:
        if self._list.entries:
            self.select(self._list.entries[0])

    def action_select_last(self) -> None:
        if self._list.entries:
            self.select(self._list.entries[-1])

    def _reveal(self, entry: Entry) -> None:
        """Scroll just enough to show the message (its top, when it is taller than the view)."""
        index = self._list.index(entry)
        if index is None:
            return
        top, height, view = self._list.top(index), entry.height, self._viewport.height
        shown = round(self.scroll_y)
        if shown <= top and top + height <= shown + view:
            return
        target = top if height > view or top < shown else top + height - view
        bottom = max(0, self._list.total - view)
        target = max(0, min(target, bottom))
        self.following = target >= bottom
        self._scroll_now(target)
        self._settle(None if self.following else self._anchor())

    def reveal_line(self, entry: Entry, line: int) -> None:
        """Scroll so line `line` of the message is in view (a third from the top when it has to move)."""
        index = self._list.index(entry)
        if index is None:
            return
        y, view = self._list.top(index) + line, self._viewport.height
        shown = round(self.scroll_y)
        if shown <= y < shown + view:
            self.refresh()
            return
        bottom = max(0, self._list.total - view)
        target = max(0, min(y - view // 3, bottom))
        self.following = target >= bottom
        self._scroll_now(target)
        self._settle(None if self.following else self._anchor())

    def replies_to_last_message(self) -> list[Entry] | None:
        """The assistant's messages after the user's last one (None: the user has sent nothing here)."""
        entries = self._list.entries
        last = next((i for i in range(len(entries) - 1, -1, -1) if entries[i].role == "user"), None)
        return None if last is None else [entry for entry in entries[last + 1 :] if entry.role == "assistant"]

    def forget_selection(self, entry: Entry | None = None) -> None:
        """The message (or every message) left the pane."""
        if entry is None or entry is self.selected:
            self.selected = None

    # --- what the selected message offers -------------------------------------------------------

    def action_copy_message(self) -> None:
        entry = self.selected
        if entry is None:
            self.app.notify("Select a message first: j/k move between messages.")
            return
        self.post_message(self.CopyRequested(entry.source, "Message"))

    def action_copy_code(self) -> None:
        entry = self.selected
        blocks = code_blocks(entry.source) if entry is not None else []
        if not blocks:
            self.app.notify("The selected message has no code block." if entry else "Select a message first: j/k.")
            return
        turn = self._code_turn % len(blocks)
        self._code_turn = turn + 1
        what = "Code block" if len(blocks) == 1 else f"Code block {turn + 1} of {len(blocks)}"
        self.post_message(self.CopyRequested(blocks[turn], what))

    def action_edit_message(self) -> None:
        entry = self.selected
        if entry is None or entry.role != "user":
            self.app.notify("Select one of your messages (j/k) to edit and send it again.")
            return
        self.post_message(self.EditRequested(entry.source))

    # --- drawing ----------------------------------------------------------------------------------

    def _styles(self, entry: Entry) -> RowStyles:
        styles = super()._styles(entry)
        if entry is not self.selected or not self.has_focus:
            return styles
        component = self.get_component_rich_style
        label = component("chat--selected-label")  # the whole role line, not only its words
        return RowStyles(styles.base + label, styles.label + label, component("chat--selected-bar"),
                         styles.body + component("chat--selected-body"))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
