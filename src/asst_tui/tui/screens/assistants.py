"""The profile's assistants (the server's list merged with the registry): use, create, edit, duplicate, delete."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from ...registry import AssistantEntry, Registry
from ..text import literal, visible

if TYPE_CHECKING:
    from ...client.backend import Backend


@dataclass
class AssistantsOutcome:
    """What changed while the screen was open: the assistant chosen for the next runs, edits and deletions."""

    use: dict[str, Any] | None = None
    updated: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)


@dataclass
class Row:
    """One assistant in the list; `assistant` is None when the server no longer has it (registry only)."""

    id: str
    assistant: dict[str, Any] | None
    name: str


def tool_summary(assistant: dict[str, Any]) -> str:
    names = []
    for tool in assistant.get("tools") or []:
        kind = tool.get("type")
        names.append((tool.get("function") or {}).get("name", "?") + "()" if kind == "function" else str(kind))
    return ", ".join(names)


class AssistantsScreen(ModalScreen[AssistantsOutcome]):
    """Lists the assistants; always dismisses with an AssistantsOutcome."""

    DEFAULT_CSS = """
    AssistantsScreen {
        align: center middle;
        & > Vertical {
            width: 96%; max-width: 140; height: 90%;
            padding: 0 1; border: thick $primary 60%; background: $surface;
        }
        #assistants-title { text-style: bold; }
        #assistants-table { height: 1fr; margin: 1 0; }
        #assistants-status { height: auto; }
        #assistants-hint { color: $text-muted; }
    }
    """

    BINDINGS = [
        Binding("enter", "use", "Use for next runs"),
        Binding("n", "new", "New"),
        Binding("e", "edit", "Edit"),
        Binding("c", "duplicate", "Duplicate"),
        Binding("d,delete", "delete", "Delete"),
        Binding("r", "reload", "Reload", show=False),
        Binding("escape", "close", "Close"),
    ]

    def __init__(self, backend: Backend, registry: Registry, identity: str, current_id: str | None = None) -> None:
        super().__init__()
        self.backend = backend
        self.registry = registry
        self.identity = identity
        self.current_id = current_id
        self.rows: list[Row] = []
        self.outcome = AssistantsOutcome()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Assistants"), id="assistants-title")
            yield DataTable(id="assistants-table", cursor_type="row", zebra_stripes=True)
            yield Static(Text("Loading…"), id="assistants-status")
            yield Static(
                Text("enter: use for the next runs   n: new   e: edit   c: duplicate   d: delete   r: reload   escape: close"),
                id="assistants-hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("", "Name", "Model", "Tools", "ID"):
            table.add_column(Text(label))
        table.focus()
        self.load()

    @property
    def table(self) -> DataTable:
        return self.query_one(DataTable)

    def say(self, message: str) -> None:
        self.query_one("#assistants-status", Static).update(literal(message))

    @work(group="load", exclusive=True)
    async def load(self, select: str | None = None) -> None:
        """Fetch the server's list, add registry entries it lacks (retrieving each), and show them."""
        from ...client.errors import BackendError

        try:
            listed = await self.backend.list_assistants()
            rows = [Row(a["id"], a, a.get("name") or "") for a in listed]
            known = {row.id for row in rows}
            for entry in self.registry.assistants(self.identity):
                if entry.id not in known:
                    rows.append(await self._registry_row(entry))
        except BackendError as error:
            self.say(f"{error.message} — {error.hint}")
            return
        self.rows = rows
        self._show(select or self.current_id)

    async def _registry_row(self, entry: AssistantEntry) -> Row:
        from ...client.errors import BackendError

        try:
            assistant = await self.backend.retrieve_assistant(entry.id)
        except BackendError as error:
            if error.kind != "not_found":
                raise
            return Row(entry.id, None, entry.name)
        return Row(entry.id, assistant, assistant.get("name") or "")

    def _show(self, select: str | None) -> None:
        table = self.table
        table.clear()
        for row in self.rows:
            a = row.assistant
            mark = "●" if row.id == self.current_id else ""
            style = "dim" if a is None else ""
            table.add_row(
                Text(mark),
                literal(row.name or "(unnamed)", style),
                literal(a.get("model") or "" if a else "not on the server", style),
                literal(tool_summary(a) if a else "", style),
                literal(row.id, "dim"),
                key=row.id,
            )
        ids = [row.id for row in self.rows]
        if select in ids:
            table.move_cursor(row=ids.index(select))
        missing = sum(row.assistant is None for row in self.rows)
        count = f"{len(self.rows)} assistant{'s' * (len(self.rows) != 1)}"
        self.say(count + (f"; {missing} known here only (dimmed): the server no longer has them" if missing else ""))

    def selected(self) -> Row | None:
        if not self.rows or self.table.cursor_row < 0 or self.table.cursor_row >= len(self.rows):
            return None
        return self.rows[self.table.cursor_row]

    def _remember(self, assistant: dict[str, Any]) -> None:
        entry = AssistantEntry(assistant["id"], name=assistant.get("name") or "", created_at=int(assistant.get("created_at") or 0))
        self.registry.record_assistant(self.identity, entry)

    @on(DataTable.RowSelected)
    def action_use(self) -> None:
        row = self.selected()
        if row is None or row.assistant is None:
            self.notify("Choose an assistant the server has.", severity="warning")
            return
        self._remember(row.assistant)
        self.outcome.use = row.assistant
        self.dismiss(self.outcome)

    @work(group="dialog")
    async def action_new(self) -> None:
        from .assistant_editor import AssistantEditorScreen

        saved = await self.app.push_screen_wait(AssistantEditorScreen("New assistant", self._create))
        if saved:
            self.load(saved["id"])

    @work(group="dialog")
    async def action_duplicate(self) -> None:
        from .assistant_editor import AssistantEditorScreen

        row = self.selected()
        if row is None or row.assistant is None:
            return
        copy = {**row.assistant, "name": f"{row.assistant.get('name') or 'Assistant'} (copy)"}
        saved = await self.app.push_screen_wait(AssistantEditorScreen(f"Duplicate of {row.id}", self._create, copy))
        if saved:
            self.load(saved["id"])

    @work(group="dialog")
    async def action_edit(self) -> None:
        from .assistant_editor import AssistantEditorScreen

        row = self.selected()
        if row is None or row.assistant is None:
            return

        async def update(params: dict[str, Any]) -> dict[str, Any]:
            saved = await self.backend.update_assistant(row.id, **params)
            self._remember(saved)
            self.outcome.updated[saved["id"]] = saved
            return saved

        editor = AssistantEditorScreen(f"Edit {row.id}", update, row.assistant, creating=False)
        if await self.app.push_screen_wait(editor):
            self.load(row.id)

    async def _create(self, params: dict[str, Any]) -> dict[str, Any]:
        saved = await self.backend.create_assistant(**params)
        self._remember(saved)
        return saved

    @work(group="dialog")
    async def action_delete(self) -> None:
        from ...client.errors import BackendError
        from .dialogs import ConfirmScreen

        row = self.selected()
        if row is None:
            return
        where = "on the server" if row.assistant is not None else "from this list (the server no longer has it)"
        question = f"Delete the assistant “{row.name or row.id}” {where}? Threads keep their messages."
        if not await self.app.push_screen_wait(ConfirmScreen(question, "Delete")):
            return
        try:
            await self.backend.delete_assistant(row.id)
        except BackendError as error:
            if error.kind != "not_found":
                self.say(f"Not deleted: {error.message} — {error.hint}")
                return
        self.registry.remove_assistant(self.identity, row.id)
        self.outcome.deleted.add(row.id)
        self.notify(f"{visible(row.name or row.id)} deleted.", markup=False)
        self.load()

    def action_reload(self) -> None:
        self.load()

    def action_close(self) -> None:
        self.dismiss(self.outcome)
