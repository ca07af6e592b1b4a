"""The key reference: one row per binding the app passes in."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from asst_tui.tui.text import literal


class HelpScreen(ModalScreen[None]):
    """A table of (key, description) rows; F1, escape or q closes it."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > Vertical {
            width: auto;
            min-width: 40;
            max-width: 90%;
            height: auto;
            max-height: 90%;
            padding: 1 2;
            border: thick $primary 60%;
            background: $surface;
        }
        #help-title { text-style: bold; margin-bottom: 1; }
        #help-table { height: auto; max-height: 60vh; width: auto; }  /* the hint below stays in view */
        #help-hint { color: $text-muted; margin-top: 1; }
    }
    """

    BINDINGS = [Binding("f1,escape,q", "close", "Close")]

    def __init__(self, rows: list[tuple[str, str]], title: str = "Keys") -> None:
        super().__init__()
        self.rows = rows
        self.help_title = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(literal(self.help_title), id="help-title")
            yield DataTable(id="help-table", cursor_type="row", zebra_stripes=True)
            yield Static(Text("f1 / escape / q: close"), id="help-hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column(Text("Key"), key="key")
        table.add_column(Text("Action"), key="action")
        for key, description in self.rows:
            table.add_row(literal(key, style="bold"), literal(description))
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
