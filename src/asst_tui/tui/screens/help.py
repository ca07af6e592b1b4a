"""F1: every key, grouped: the main screen's effective keys (keymap.py and [keys]) and each dialog's own."""

from __future__ import annotations

import importlib

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from asst_tui.tui.keymap import FIXED, Keymap, label
from asst_tui.tui.text import literal

KEY_WIDTH = 14  # wider than any key label (a dialog's "Delete / D", 10 cells, is the widest)

# (heading, module, class) of each pane and dialog whose own keys F1 lists; imported once F1 has painted
DIALOGS = (
    ("Chat (Ctrl+G; the selected message)", "widgets.chat", "ChatView"),
    ("Find in the chat (/ or f in the chat)", "widgets.chat_find", "FindBar"),
    ("Function-call prompt (F6)", "screens.tool_outputs", "ToolOutputsScreen"),
    ("Overrides for the next run", "screens.run_overrides", "RunOverridesScreen"),
    ("Assistants", "screens.assistants", "AssistantsScreen"),
    ("Assistant editor", "screens.assistant_editor", "AssistantEditorScreen"),
    ("Attach files", "screens.attach", "AttachScreen"),
    ("Files and vector stores", "screens.files_view", "FilesScreen"),
    ("Run inspector", "screens.run_inspector", "RunInspectorScreen"),
    ("Run steps", "screens.run_steps", "RunStepsScreen"),
    ("Thread switcher", "screens.thread_switcher", "ThreadSwitcher"),
    ("Local handler confirmation", "screens.handler_confirm", "HandlerConfirmScreen"),
    ("Confirmations", "screens.dialogs", "ConfirmScreen"),
)


def dialog_rows() -> list[tuple[str, list[tuple[str, str]]]]:
    """(heading, [(keys, description)]) for each dialog, from its BINDINGS."""
    found = []
    for heading, module, name in DIALOGS:
        screen = getattr(importlib.import_module(f"asst_tui.tui.{module}"), name)
        rows = []
        for binding in screen.BINDINGS:
            if isinstance(binding, Binding) and binding.description:
                rows.append((" / ".join(label(key.strip()) for key in binding.key.split(",")), binding.description))
        found.append((heading, rows))
    return found


def _action(description: str, where: str) -> Text:
    """What a key does, and where when that is not everywhere on the main screen."""
    text = literal(description)
    if where not in ("main screen", "anywhere"):
        text.append_text(literal(f" ({where})", "dim"))
    return text


class HelpScreen(ModalScreen[None]):
    """The key table; F1, escape or q closes it. The dialogs' keys are added once the screen has painted."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > Vertical {
            width: auto;
            min-width: 40;
            max-width: 96%;
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

    def __init__(self, keys: Keymap, problems: list[str] | None = None, title: str = "Keys") -> None:
        super().__init__()
        self.keys = keys
        self.problems = problems or []  # the configuration's, shown first
        self.complete = False  # the dialogs' keys are added after the first frame
        self.help_title = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(literal(self.help_title), id="help-title")
            yield DataTable(id="help-table", cursor_type="row", zebra_stripes=True)
            yield Static(Text("f1 / escape / q: close · [keys] in config.toml changes the main screen's keys"),
                         id="help-hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column(Text("Key"), key="key", width=KEY_WIDTH)  # fixed: the dialogs' keys come after a frame
        table.add_column(Text("Action"), key="action")
        table.add_column(Text("[keys] name"), key="name")
        if self.problems:
            self._heading("Configuration problems (what could not be used was left out)")
            for problem in self.problems:
                table.add_row(Text(""), literal(problem, "red"), Text(""))
        group = None
        for name, action, keys, description, where in self.keys.rows():
            if name != group:
                self._heading(name)
                group = name
            table.add_row(literal(keys, style="bold"), _action(description, where), literal(action, "dim"))
        self._heading("Prompt and everywhere")
        for key, description, where in FIXED:
            table.add_row(literal(label(key), style="bold"), _action(description, where), Text(""))
        table.add_row(Text(""), Text("loading the dialogs' keys…", style="dim italic"), Text(""), key="loading")
        table.focus()
        self.call_after_refresh(self._add_dialogs)

    def _heading(self, text: str) -> None:
        self.query_one(DataTable).add_row(Text(""), Text(text, style="bold underline"), Text(""))

    def _add_dialogs(self) -> None:
        table = self.query_one(DataTable)
        table.remove_row("loading")
        for heading, rows in dialog_rows():
            self._heading(heading)
            for keys, description in rows:
                table.add_row(literal(keys, style="bold"), literal(description), Text(""))
        self.complete = True

    def action_close(self) -> None:
        self.dismiss(None)
