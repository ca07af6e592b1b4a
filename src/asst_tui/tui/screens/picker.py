"""A modal list to choose one item from: the assistant to chat with, an earlier run to browse."""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..text import literal


def assistant_option(assistant: dict[str, Any]) -> Option:
    label = literal(assistant.get("name") or "(unnamed)", "bold")
    label.append_text(literal(f"  {assistant.get('model', '')}  {assistant['id']}", "dim"))
    return Option(label, id=assistant["id"])


def run_option(run: dict[str, Any]) -> Option:
    started = run.get("created_at")
    label = Text(time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)) if started else "?", style="bold")
    label.append_text(literal(f"  {run.get('status', '?')}  {run['id']}", "dim"))
    return Option(label, id=run["id"])


class PickerScreen(ModalScreen[str | None]):
    """Returns the id of the chosen option, or None."""

    BINDINGS = [Binding("escape", "dismiss_none", "Close")]

    def __init__(self, title: str, options: list[Option], current: str | None = None) -> None:
        super().__init__(classes="picker")
        self.picker_title = title
        self.options = options
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.picker_title), classes="picker-title")
            yield OptionList(*self.options)
            yield Static(Text("enter: choose   escape: close", style="dim"))

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        ids = [option.id for option in self.options]
        if self.current in ids:
            options.highlighted = ids.index(self.current)
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
