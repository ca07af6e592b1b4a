"""A modal list to choose one item from: the assistant to chat with, an earlier run to browse."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
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


Load = Callable[[], Awaitable[list[Option]]]
"""Fetches the options; raises BackendError to be shown in the picker."""


class PickerScreen(ModalScreen[str | None]):
    """Returns the id of the chosen option, or None.

    Given `load` instead of options, it shows a loading line on its first frame and fetches them after.
    """

    BINDINGS = [Binding("escape", "dismiss_none", "Close")]

    def __init__(self, title: str, options: list[Option] | None = None, current: str | None = None, *,
                 load: Load | None = None, empty: str = "Nothing to choose from.") -> None:
        super().__init__(classes="picker")
        self.picker_title = title
        self.options = options or []
        self.current = current
        self.loader = load
        self.empty = empty

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.picker_title), classes="picker-title")
            if self.loader is None:
                yield OptionList(*self.options)
            else:
                yield OptionList(Option(Text("Loading…", style="dim italic"), disabled=True))
            yield Static(Text("enter: choose   escape: close", style="dim"))

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        if self.loader is None:
            self._show(self.options)
        else:
            self.call_after_refresh(lambda: self.run_worker(self._load(), exclusive=True))

    async def _load(self) -> None:
        from ...client.errors import BackendError

        assert self.loader is not None
        try:
            options = await self.loader()
        except BackendError as error:
            options, self.empty = [], f"{error.message} — {error.hint}"
        self.query_one(OptionList).set_options(options or [Option(literal(self.empty, "italic"), disabled=True)])
        self.options = options
        self._show(options)

    def _show(self, options: list[Option]) -> None:
        ids = [option.id for option in options]
        if self.current in ids:
            self.query_one(OptionList).highlighted = ids.index(self.current)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
