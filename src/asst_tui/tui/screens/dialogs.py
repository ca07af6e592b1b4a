"""Small modal dialogs: yes/no confirmation and one-line text input."""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from asst_tui.tui.text import literal

_DIALOG_CSS = """
    align: center middle;
    & > Vertical {
        width: 64;
        max-width: 90%;
        height: auto;
        padding: 1 2;
        border: thick $primary 60%;
        background: $surface;
    }
    .dialog--hint { color: $text-muted; margin-top: 1; }
"""


class ConfirmScreen(ModalScreen[bool]):
    """Ask a yes/no question; dismisses with True when confirmed."""

    DEFAULT_CSS = (
        "ConfirmScreen {"
        + _DIALOG_CSS
        + """
        #confirm-question { margin-bottom: 1; }
        #confirm-buttons { height: auto; align-horizontal: right; }
        #confirm-buttons Button { margin-left: 2; }
    }
    """
    )

    BINDINGS = [
        Binding("y", "confirm", "Yes"),
        Binding("n,escape", "cancel", "No"),
        Binding("enter", "confirm", "Yes", show=False),
    ]

    def __init__(self, question: str, confirm_label: str = "Delete") -> None:
        super().__init__()
        self.question = question
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(literal(self.question), id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button(Text(self.confirm_label), variant="error", id="confirm-yes")
                yield Button(Text("Cancel"), id="confirm-no")
            yield Static(
                Text(f"y / enter: {self.confirm_label}   n / escape: cancel"), classes="dialog--hint"
            )

    def on_mount(self) -> None:
        self.query_one("#confirm-yes", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def action_cancel(self) -> None:
        self.dismiss(False)


class TextInputScreen(ModalScreen[str | None]):
    """Ask for one line of text; dismisses with the text as typed, or None when cancelled.

    `validate` returns an error message to show (keeping the dialog open), or None to accept.
    """

    DEFAULT_CSS = (
        "TextInputScreen {"
        + _DIALOG_CSS
        + """
        #text-input-title { text-style: bold; margin-bottom: 1; }
        #text-input-error { color: $error; height: auto; }
    }
    """
    )

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        initial: str = "",
        placeholder: str = "",
        validate: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.prompt_title = title
        self.initial = initial
        self.placeholder = placeholder
        self.validate = validate

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(literal(self.prompt_title), id="text-input-title")
            yield Input(value=self.initial, placeholder=self.placeholder, id="text-input")
            yield Static(Text(""), id="text-input-error")
            yield Static(Text("enter: OK   escape: cancel"), classes="dialog--hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value
        error = self.validate(value) if self.validate else None
        if error:
            self.query_one("#text-input-error", Static).update(literal(error))
            return
        self.dismiss(value)

    @on(Input.Changed)
    def _clear_error(self) -> None:
        self.query_one("#text-input-error", Static).update(Text(""))

    def action_cancel(self) -> None:
        self.dismiss(None)
