"""The prompt for function tool outputs when a run stops in `requires_action`."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static, TextArea

from asst_tui.tui.text import format_arguments, literal

DECLINED_OUTPUT = json.dumps({"error": "declined by user"})


@dataclass(frozen=True)
class ToolOutputsResult:
    """What the user chose: submit `outputs` ([{tool_call_id, output}]) or cancel the run."""

    action: Literal["submit", "cancel_run"]
    outputs: list[dict[str, str]] = field(default_factory=list)


def time_left(expires_at: int | None, now: float) -> str:
    """'expires in 9:41' (or h:mm:ss), 'expired', or '' when there is no deadline."""
    if expires_at is None:
        return ""
    seconds = int(expires_at - now)
    if seconds <= 0:
        return "expired"
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
    return f"expires in {clock}"


class ToolOutputsScreen(ModalScreen[ToolOutputsResult | None]):
    """One editable output per function call; dismisses None on escape, keeping the drafts.

    `drafts` (tool call id -> text) fills the outputs; a dict passed in is kept up to date as the
    user types, so the caller still has the drafts after escape and can reopen the prompt.
    """

    DEFAULT_CSS = """
    ToolOutputsScreen {
        align: center middle;
        & > Vertical {
            width: 90%;
            max-width: 120;
            height: auto;
            max-height: 90%;
            padding: 0 1;
            border: thick $primary 60%;
            background: $surface;
        }
        #tool-outputs-title { text-style: bold; }
        #tool-outputs-expiry { color: $warning; }
        #tool-outputs-expiry.-expired { color: $error; text-style: bold; }
        #tool-outputs-calls { height: auto; max-height: 60vh; margin: 1 0; }  /* the hint below stays in view */
        .tool-call { height: auto; margin-bottom: 1; }
        .tool-call--name { text-style: bold; color: $accent; }
        .tool-call--arguments { background: $panel; padding: 0 1; }
        .tool-call--warning { color: $warning; }
        .tool-call TextArea { height: auto; min-height: 3; max-height: 12; }
        #tool-outputs-hint { color: $text-muted; }
    }
    """

    BINDINGS = [
        Binding("ctrl+s", "submit", "Submit all"),
        Binding("ctrl+d", "decline", "Decline empty", priority=True),
        Binding("ctrl+x", "cancel_run", "Cancel run", priority=True),
        Binding("escape", "close", "Close (keep drafts)"),
    ]

    def __init__(
        self,
        tool_calls: list[dict[str, Any]],
        expires_at: int | None = None,
        drafts: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.tool_calls = tool_calls
        self.expires_at = expires_at
        self._drafts = drafts if drafts is not None else {}
        self._areas: list[tuple[str, TextArea]] = []
        self._confirm_empty = False

    def compose(self) -> ComposeResult:
        count = len(self.tool_calls)
        with Vertical():
            yield Static(
                Text(f"The run is waiting for the output of {count} function call{'s' * (count != 1)}"),
                id="tool-outputs-title",
            )
            yield Static(Text(""), id="tool-outputs-expiry")
            with VerticalScroll(id="tool-outputs-calls"):
                for number, call in enumerate(self.tool_calls, 1):
                    yield from self._compose_call(number, call)
            yield Static(
                Text("ctrl+s: submit all   ctrl+d: decline empty ones   ctrl+x: cancel the run   "
                     "escape: close, keeping drafts"),
                id="tool-outputs-hint",
            )
        yield Footer()

    def _compose_call(self, number: int, call: dict[str, Any]) -> ComposeResult:
        call_id = str(call.get("id", ""))
        function = call.get("function") or {}
        arguments, valid = format_arguments(str(function.get("arguments") or ""))
        area = TextArea(self._drafts.get(call_id, ""), soft_wrap=True, tab_behavior="focus")
        area.border_title = "output"
        self._areas.append((call_id, area))
        with Vertical(classes="tool-call"):
            yield Static(
                Text.assemble(f"{number}. ", literal(function.get("name") or "(unnamed)"), "  ",
                              literal(call_id, style="dim")),
                classes="tool-call--name",
            )
            if not valid:
                yield Static(Text("⚠ the arguments are not valid JSON; shown as received"),
                             classes="tool-call--warning")
            yield Static(literal(arguments or "(no arguments)"), classes="tool-call--arguments")
            yield area

    def on_mount(self) -> None:
        self._tick()
        if self.expires_at is not None:
            self.set_interval(1.0, self._tick)
        if self._areas:
            self._areas[0][1].focus()

    def _tick(self) -> None:
        label = time_left(self.expires_at, time.time())
        expired = label == "expired"
        if expired:
            label += ": the server will refuse outputs now; press escape to close, or ctrl+x to cancel the run"
        expiry = self.query_one("#tool-outputs-expiry", Static)
        expiry.update(Text(label))
        expiry.set_class(expired, "-expired")

    @property
    def drafts(self) -> dict[str, str]:
        """The current text of every output, by tool call id."""
        return self._drafts

    @on(TextArea.Changed)
    def _edited(self, event: TextArea.Changed) -> None:
        self._confirm_empty = False
        for call_id, area in self._areas:
            if area is event.text_area:
                self._drafts[call_id] = area.text

    def action_submit(self) -> None:
        empty = [area for _, area in self._areas if not area.text.strip()]
        if empty and not self._confirm_empty:
            self._confirm_empty = True
            empty[0].focus()
            self.notify(
                f"{len(empty)} output{'s are' if len(empty) != 1 else ' is'} empty. Press ctrl+s again "
                "to submit empty output, ctrl+d to decline, or type an output.",
                title="Empty output",
                severity="warning",
                markup=False,
            )
            return
        outputs = [{"tool_call_id": call_id, "output": area.text} for call_id, area in self._areas]
        self.dismiss(ToolOutputsResult("submit", outputs))

    def action_decline(self) -> None:
        empty = [area for _, area in self._areas if not area.text.strip()]
        for area in empty:
            area.load_text(DECLINED_OUTPUT)
        if empty:
            self.notify(
                f"Filled {len(empty)} empty output{'s' * (len(empty) != 1)} with an error. "
                "Edit them if you like, then press ctrl+s to submit.",
                markup=False,
            )
        else:
            self.notify("No output is empty: nothing to decline.", markup=False)

    def action_cancel_run(self) -> None:
        self.dismiss(ToolOutputsResult("cancel_run", []))

    def action_close(self) -> None:
        self.dismiss(None)
