"""The run inspector: a thread's runs (status, model, times, usage, why they ended); enter opens the steps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from ...client.run_info import clock, end_reason, took, usage_line
from ..text import literal

if TYPE_CHECKING:
    from ...client.backend import Backend

STATUS_STYLES = {"completed": "green", "failed": "bold red", "expired": "red", "incomplete": "yellow", "cancelled": "dim"}
RUNS = 100  # newest runs listed


class RunInspectorScreen(ModalScreen[None]):
    """Lists the thread's runs, newest first."""

    DEFAULT_CSS = """
    RunInspectorScreen {
        align: center middle;
        & > Vertical { width: 96%; max-width: 160; height: 90%; padding: 0 1; border: thick $primary 60%; background: $surface; }
        #runs-title { text-style: bold; }
        #runs-table { height: 1fr; margin: 1 0; }
        #runs-status { height: auto; }
        #runs-hint { color: $text-muted; }
    }
    """
    BINDINGS = [
        Binding("enter", "open", "Steps"),
        Binding("r", "reload", "Reload"),
        Binding("escape,q", "close", "Close"),
    ]

    def __init__(self, backend: Backend, thread_id: str, title: str = "") -> None:
        super().__init__()
        self.backend = backend
        self.thread_id = thread_id
        self.thread_title = title or thread_id
        self.runs: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text.assemble("Runs of ", literal(self.thread_title, "bold")), id="runs-title")
            yield DataTable(id="runs-table", cursor_type="row", zebra_stripes=True)
            yield Static(Text("Loading…"), id="runs-status")
            yield Static(Text("enter: the run's steps   r: reload   escape: close"), id="runs-hint")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("Started", "Status", "Model", "Took", "Usage", "Why it ended so", "Run"):
            table.add_column(Text(label))
        table.focus()
        self.load()

    @work(exclusive=True)
    async def load(self) -> None:
        from ...client.errors import BackendError

        status = self.query_one("#runs-status", Static)
        try:
            self.runs = await self.backend.list_runs(self.thread_id, limit=RUNS)
        except BackendError as error:
            status.update(literal(f"{error.message} — {error.hint}"))
            return
        table = self.query_one(DataTable)
        table.clear()
        for run in self.runs:
            state = run.get("status") or "?"
            why = end_reason(run) or ""
            table.add_row(
                Text(clock(run.get("created_at"), True)),
                literal(state, STATUS_STYLES.get(state, "")),
                literal(run.get("model") or ""),
                Text(took(run)),
                Text(usage_line(run.get("usage"))),
                literal(why.partition(" — ")[2] or why),
                literal(run.get("id") or "", "dim"),
                key=run["id"],
            )
        count = len(self.runs)
        status.update(Text(f"{count} run{'s' * (count != 1)}, newest first" if count else "This thread has no runs yet."))

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        from .run_steps import RunStepsScreen

        row = self.query_one(DataTable).cursor_row
        if 0 <= row < len(self.runs):
            self.app.push_screen(RunStepsScreen(self.backend, self.thread_id, self.runs[row]))

    def action_reload(self) -> None:
        self.load()

    def action_close(self) -> None:
        self.dismiss(None)
