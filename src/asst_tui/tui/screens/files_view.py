"""The files of a thread and of its assistant: code-interpreter files, vector stores and their files, with status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from ..attachments import human_size
from ..file_names import fetch_names
from ..message_files import message_files
from ..text import literal
from .dialogs import ConfirmScreen

if TYPE_CHECKING:
    from ...client.backend import Backend

STATUS_STYLES = {"completed": "green", "in_progress": "yellow", "failed": "bold red", "cancelled": "dim", "expired": "red"}
REFRESH_SECONDS = 1.0


@dataclass(frozen=True)
class Row:
    """One file row: where it is listed (an owner's code interpreter, or a vector store) and which file."""

    owner: str  # "thread" or "assistant"
    file_id: str
    vector_store_id: str | None = None


class FilesScreen(ModalScreen[None]):
    """Files and vector stores of the thread and the assistant; Delete removes the highlighted file from where it is."""

    DEFAULT_CSS = """
    FilesScreen { align: center middle; }
    FilesScreen > Vertical { width: 96%; height: 90%; padding: 0 1; border: thick $primary 60%; background: $surface; }
    FilesScreen #files-table { height: 1fr; }
    FilesScreen #files-status { color: $text-muted; height: auto; }
    """

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("delete", "remove", "Remove file"),
        Binding("r", "refresh", "Refresh"),
    ]

    def __init__(self, backend: Backend, thread_id: str | None, assistant_id: str | None) -> None:
        super().__init__()
        self.backend = backend
        self.owners = {"thread": thread_id, "assistant": assistant_id}
        self.resources: dict[str, dict[str, Any]] = {}  # owner -> its tool_resources
        self.rows: dict[str, Row] = {}  # table row key -> the file it shows

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Files of this thread and its assistant", style="bold"))
            yield DataTable(id="files-table", cursor_type="row")
            yield Static("Delete removes the highlighted file from its vector store or code interpreter; r refreshes; Esc closes.",
                         id="files-status")

    def on_mount(self) -> None:
        self.table.add_columns("Of", "Tool / vector store", "File", "Size", "Status", "Error")
        self.table.add_row("", "", Text("Loading…", style="dim italic"), "", "", "")  # until load() fills the table
        self.table.focus()
        self.call_after_refresh(self.action_refresh)  # after the first frame: it shows the dialog at once

    @property
    def table(self) -> DataTable:
        return self.query_one("#files-table", DataTable)

    def say(self, text: str) -> None:
        self.query_one("#files-status", Static).update(literal(text))

    def action_close(self) -> None:
        self.dismiss(None)

    def action_refresh(self) -> None:
        self.load()

    @work(exclusive=True, group="files-load")
    async def load(self) -> None:
        """Fetch both owners' tool resources, vector stores and files, and show them; again while ingest runs."""
        from ...client.errors import BackendError

        try:
            lines = await self._lines()
        except BackendError as error:
            self.say(f"Could not list the files: {error.message}")
            return
        row = self.table.cursor_row
        self.table.clear()
        self.rows.clear()
        for key, cells, target in lines:
            self.table.add_row(*cells, key=key)
            if target is not None:
                self.rows[key] = target
        if lines:
            self.table.move_cursor(row=min(max(row, 0), len(lines) - 1))
        else:
            self.table.add_row("", "", literal("No files yet: attach some to a message."), "", "", "")
        if any(cells[4].plain == "in_progress" for _, cells, _ in lines):
            self.set_timer(REFRESH_SECONDS, self.action_refresh)

    async def _lines(self) -> list[tuple[str, tuple[Text, ...], Row | None]]:
        lines: list[tuple[str, tuple[Text, ...], Row | None]] = []
        for owner, object_id in self.owners.items():
            if not object_id:
                continue
            found = await (self.backend.retrieve_thread(object_id) if owner == "thread" else self.backend.retrieve_assistant(object_id))
            self.resources[owner] = found.get("tool_resources") or {}
            code_ids = (self.resources[owner].get("code_interpreter") or {}).get("file_ids") or []
            names = await fetch_names(self.backend, code_ids)
            for file_id in code_ids:
                cells = _cells(owner, "code_interpreter", names.get(file_id, file_id), None, "ready", "")
                lines.append((f"{owner}:ci:{file_id}", cells, Row(owner, file_id)))
            for store_id in (self.resources[owner].get("file_search") or {}).get("vector_store_ids") or []:
                lines += await self._store_lines(owner, store_id)
            if owner == "thread":  # what messages attached or the code interpreter wrote (not removable here)
                lines += [(f"thread:msg:{file_id}", _cells(owner, where, name, None, "ready", ""), None)
                          for file_id, where, name in await message_files(self.backend, object_id)]
        return lines

    async def _store_lines(self, owner: str, store_id: str) -> list[tuple[str, tuple[Text, ...], Row | None]]:
        store = await self.backend.vector_store(store_id)
        files = await self.backend.vector_store_files(store_id)
        counts = store.get("file_counts") or {}
        label = f"vector store {store.get('name') or store_id}"
        summary = f"{counts.get('completed', 0)} of {counts.get('total', len(files))} files ready"
        lines = [(f"{owner}:vs:{store_id}", _cells(owner, label, summary, store.get("usage_bytes"), store.get("status", ""), ""), None)]
        names = await fetch_names(self.backend, [f["id"] for f in files])
        for file in files:
            error = (file.get("last_error") or {}).get("message", "")
            cells = _cells(owner, "  in " + label, names.get(file["id"], file["id"]), file.get("usage_bytes"), file.get("status", ""), error)
            lines.append((f"{owner}:vs:{store_id}:{file['id']}", cells, Row(owner, file["id"], store_id)))
        return lines

    def _highlighted(self) -> Row | None:
        if not self.rows or self.table.cursor_row < 0:
            return None
        key = self.table.coordinate_to_cell_key((self.table.cursor_row, 0)).row_key.value
        return self.rows.get(key or "")

    def action_remove(self) -> None:
        row = self._highlighted()
        if row is None:
            self.say("Highlight a file first (a vector store row itself is not removed here).")
            return
        where = "its vector store" if row.vector_store_id else f"the {row.owner}'s code interpreter"
        name = str(self.table.get_row_at(self.table.cursor_row)[2])
        self.app.push_screen(ConfirmScreen(f"Remove {name} from {where}?", "Remove"), lambda yes: yes and self.remove_file(row))

    @work(group="files-remove")
    async def remove_file(self, row: Row) -> None:
        from ...client.errors import BackendError

        try:
            if row.vector_store_id:
                await self.backend.remove_vector_store_file(row.vector_store_id, row.file_id)
            else:
                kept = [f for f in self.resources[row.owner]["code_interpreter"]["file_ids"] if f != row.file_id]
                update = self.backend.update_thread if row.owner == "thread" else self.backend.update_assistant
                await update(self.owners[row.owner], tool_resources={"code_interpreter": {"file_ids": kept}})
        except BackendError as error:
            self.say(f"Not removed: {error.message}")
            return
        self.say("Removed.")
        self.load()


def _cells(owner: str, where: str, name: str, size: int | None, status: str, error: str) -> tuple[Text, ...]:
    return (
        Text(owner), literal(where), literal(name), Text(human_size(size) if size is not None else ""),
        Text(status, style=STATUS_STYLES.get(status, "")), literal(error, "red"),
    )
