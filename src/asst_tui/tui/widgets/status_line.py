"""The header line: the state of the current run, then profile, engine, assistant and model."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ..text import literal

STATUS_STYLES = {
    "connecting": "yellow",
    "idle": "green",
    "queued": "yellow",
    "in_progress": "bold yellow",
    "requires_action": "bold magenta",
    "cancelling": "yellow",
    "completed": "green",
    "failed": "bold red",
    "cancelled": "dim",
    "expired": "red",
    "incomplete": "yellow",
    "offline": "bold red",
}


STATUS_LABELS = {"requires_action": "waits for function outputs"}


class StatusLine(Widget):
    """One line at the top of the main screen."""

    profile: reactive[str] = reactive("")
    engine: reactive[str] = reactive("")  # the embedded server's engine and upstream, e.g. "demo engine"
    sandbox: reactive[str] = reactive("")  # the embedded server's code sandbox: "isolated" or "process"
    assistant: reactive[str] = reactive("")
    model: reactive[str] = reactive("")
    status: reactive[str] = reactive("connecting")
    hint: reactive[str] = reactive("")  # what the user can do about the status, e.g. which key answers
    overrides: reactive[str] = reactive("")  # the run overrides in force, summarised
    attached: reactive[str] = reactive("")  # the files attached to the next message

    def render(self) -> Text:
        """The run's state and what changes the next run come first: on a narrow terminal the end is cut off."""
        style = STATUS_STYLES.get(self.status, "")
        line = Text.assemble(("asst-tui", "bold"), ("  ● ", style))
        line.append(STATUS_LABELS.get(self.status, self.status.replace("_", " ")), style=style)
        if self.hint:
            line.append(f" — {self.hint}", style="bold")
        if self.overrides:
            line.append("  overrides ", style="bold yellow")
            line.append_text(literal(self.overrides, "yellow"))
        if self.attached:
            line.append("  attached ", style="bold cyan")
            line.append_text(literal(self.attached, "cyan"))
        line.append("  profile ")
        line.append_text(literal(self.profile, "bold"))
        if self.engine:
            line.append_text(literal(f" ({self.engine}", "dim"))
            if self.sandbox:
                line.append_text(literal(f", {self.sandbox} sandbox", "dim" if self.sandbox == "isolated" else "yellow"))
            line.append(")", "dim")
        if self.assistant:
            line.append("  assistant ")
            line.append_text(literal(self.assistant, "bold"))
        if self.model:
            line.append("  model ")
            line.append_text(literal(self.model, "bold"))
        return line
