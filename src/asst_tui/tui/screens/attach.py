"""Attach files to the next message: pick them in a directory tree or type a path, choose a tool each, upload."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, DirectoryTree, Input, ProgressBar, Static

from ..attachments import Attachment, default_tool, human_size, other_tool
from ..file_names import remember_name
from ..text import literal

if TYPE_CHECKING:
    from ...client.backend import Backend


class AttachScreen(ModalScreen[list[Attachment] | None]):
    """Choose files and their tool; uploading them dismisses with the attachments (None when cancelled)."""

    DEFAULT_CSS = """
    AttachScreen { align: center middle; }
    AttachScreen > Vertical { width: 96%; height: 90%; padding: 0 1; border: thick $primary 60%; background: $surface; }
    AttachScreen #attach-lists { height: 1fr; }
    AttachScreen #attach-tree { width: 1fr; }
    AttachScreen #attach-chosen { width: 1fr; }
    AttachScreen #attach-progress { margin: 1 0 0 0; }
    AttachScreen #attach-status { color: $text-muted; height: auto; }
    AttachScreen #attach-buttons { height: auto; align-horizontal: right; }
    AttachScreen #attach-buttons Button { margin-left: 2; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "upload", "Upload and attach"),
        Binding("t", "toggle_tool", "Switch tool", show=False),
        Binding("delete", "remove", "Remove from the list", show=False),
    ]

    def __init__(self, backend: Backend, start: Path) -> None:
        super().__init__()
        self.backend = backend
        self.start = start
        self.chosen: dict[Path, str] = {}  # path -> tool, in the order chosen
        self.uploaded: dict[Path, Attachment] = {}  # kept across a failed upload, so a retry skips them

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Attach files to the next message", style="bold"))
            yield Static(
                "Enter on a file adds it; in the list, Enter or t switches its tool (file_search / code_interpreter), "
                "Delete removes it; Ctrl+S uploads and attaches.",
                id="attach-hint",
            )
            with Horizontal(id="attach-lists"):
                yield DirectoryTree(self.start, id="attach-tree")
                yield DataTable(id="attach-chosen", cursor_type="row")
            yield Input(placeholder="Path of a file to attach (Enter adds it)", id="attach-path")
            yield ProgressBar(id="attach-progress", show_eta=False)
            yield Static("", id="attach-status")
            with Horizontal(id="attach-buttons"):
                yield Button("Upload and attach", variant="primary", id="attach-upload")
                yield Button("Cancel", id="attach-cancel")

    def on_mount(self) -> None:
        self.table.add_columns("File", "Size", "Tool")
        self.query_one("#attach-path", Input).focus()

    @property
    def table(self) -> DataTable:
        return self.query_one("#attach-chosen", DataTable)

    def say(self, text: str) -> None:
        self.query_one("#attach-status", Static).update(literal(text))

    def add(self, path: Path) -> None:
        """Add a file to the list (a directory, a missing path or a duplicate is refused with a reason)."""
        path = path.expanduser()
        if not path.is_file():
            self.say(f"Not a file: {path}")
            return
        path = path.resolve()
        if path in self.chosen:
            self.say(f"Already in the list: {path.name}")
            return
        self.chosen[path] = default_tool(path)
        self._show()
        self.say(f"Added {path.name} for {self.chosen[path]}.")

    def _show(self) -> None:
        self.table.clear()
        for path, tool in self.chosen.items():
            done = " ✓" if path in self.uploaded else ""
            self.table.add_row(literal(path.name + done), human_size(path.stat().st_size), tool, key=str(path))

    def _highlighted(self) -> Path | None:
        if not self.chosen or self.table.cursor_row < 0:
            return None
        return list(self.chosen)[min(self.table.cursor_row, len(self.chosen) - 1)]

    @on(DirectoryTree.FileSelected)
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        self.add(Path(event.path))

    @on(Input.Submitted, "#attach-path")
    def _typed(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.add(Path(event.value.strip()))
            event.input.value = ""

    @on(DataTable.RowSelected, "#attach-chosen")
    def _row_selected(self) -> None:
        self.action_toggle_tool()

    def action_toggle_tool(self) -> None:
        path = self._highlighted()
        if path is not None and path not in self.uploaded:
            row = self.table.cursor_row
            self.chosen[path] = other_tool(self.chosen[path])
            self._show()
            self.table.move_cursor(row=row)

    def action_remove(self) -> None:
        path = self._highlighted()
        if path is not None:
            del self.chosen[path]
            self.uploaded.pop(path, None)
            self._show()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#attach-cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#attach-upload")
    def _upload_pressed(self) -> None:
        self.action_upload()

    def action_upload(self) -> None:
        if not self.chosen:
            self.say("Nothing to attach yet: pick a file in the tree or type its path.")
            return
        self.upload()

    @work(exclusive=True, group="attach-upload")
    async def upload(self) -> None:
        """Upload what is not uploaded yet, with progress over all bytes; dismiss when all are."""
        from ...client.errors import BackendError

        todo = [path for path in self.chosen if path not in self.uploaded]
        sizes = {path: path.stat().st_size for path in todo}
        bar = self.query_one("#attach-progress", ProgressBar)
        bar.update(total=max(sum(sizes.values()), 1), progress=0)
        self.query_one("#attach-upload", Button).disabled = True
        done = 0
        try:
            for number, path in enumerate(todo, 1):
                self.say(f"Uploading {path.name} ({number} of {len(todo)}, {human_size(sizes[path])})…")
                uploaded = await self.backend.upload_file(path, progress=lambda sent, _total: bar.update(progress=done + sent))
                done += sizes[path]
                remember_name(uploaded["id"], uploaded.get("filename") or path.name)
                self.uploaded[path] = Attachment(uploaded["id"], path.name, self.chosen[path])
        except (BackendError, OSError) as error:
            message = error.message if isinstance(error, BackendError) else str(error)
            self.say(f"Upload failed: {message}. Fix it and press Ctrl+S again (uploaded files are kept).")
            self._show()
            return
        finally:
            self.query_one("#attach-upload", Button).disabled = False
        self.dismiss([Attachment(a.file_id, a.name, self.chosen[p]) for p, a in self.uploaded.items()])
