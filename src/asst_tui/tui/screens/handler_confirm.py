"""Ask before running a local function handler: the command, the arguments it gets on stdin, then its result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...client.handlers import HandlerResult, command_line, run_handler
from ..text import format_arguments, literal

if TYPE_CHECKING:
    from ...config import FunctionHandler


class HandlerConfirmScreen(ModalScreen[HandlerResult | None]):
    """Runs the handler once confirmed and dismisses with its result; None when not run (or stopped)."""

    DEFAULT_CSS = """
    HandlerConfirmScreen {
        align: center middle;
        & > Vertical { width: 90%; max-width: 110; height: auto; max-height: 90%; padding: 0 1; border: thick $warning 70%; background: $surface; }
        #handler-title { text-style: bold; }
        #handler-arguments { height: auto; max-height: 20; background: $panel; padding: 0 1; }
        #handler-state { color: $text-muted; height: auto; margin-top: 1; }
    }
    """
    BINDINGS = [Binding("y,enter", "run", "Run it"), Binding("n,escape", "skip", "Don't run (answer by hand)")]

    def __init__(self, call: dict[str, Any], handler: FunctionHandler, env: Mapping[str, str]) -> None:
        super().__init__()
        function = call.get("function") or {}
        self.function_name = str(function.get("name") or "")
        self.arguments = str(function.get("arguments") or "")
        self.handler = handler
        self.env = env
        self.running = False

    def compose(self) -> ComposeResult:
        pretty, valid = format_arguments(self.arguments)
        with Vertical():
            yield Static(Text.assemble("Run the local handler for ", literal(self.function_name, "bold"), "?"), id="handler-title")
            yield Static(Text.assemble("command: ", literal(command_line(self.handler), "bold")))
            yield Static(Text("stdin (the call's arguments)" + ("" if valid else ", not valid JSON: passed as received") + ":"))
            with VerticalScroll(id="handler-arguments"):
                yield Static(literal(pretty or "(empty)"))
            yield Static(
                Text(f"timeout {self.handler.timeout:g} s · its environment has no API keys, *_KEY, *_TOKEN or *_SECRET variables\n"
                     "y / enter: run it   n / escape: don't run, answer by hand"),
                id="handler-state",
            )

    def action_run(self) -> None:
        if self.running:
            return
        self.running = True
        self.query_one("#handler-state", Static).update(Text(f"Running… (up to {self.handler.timeout:g} s; escape stops it)"))
        self.run_worker(self._run(), exclusive=True)

    async def _run(self) -> None:
        self.dismiss(await run_handler(self.handler, self.arguments, self.env))

    def action_skip(self) -> None:
        self.workers.cancel_node(self)  # a running handler is killed
        self.dismiss(None)
