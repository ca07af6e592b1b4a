"""The app's actions for attaching files to the next message and viewing a thread's files (a mixin of AsstApp)."""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding

from .attachments import Attachment
from .text import visible

# Shift+F2 and Shift+F3 arrive as F14 and F15 (ESC [1;2Q, ESC [1;2R); the plain F-keys are all taken.
FILE_BINDINGS = [
    Binding("f14", "attach_files", "Attach files to the next message", show=False, key_display="shift+f2"),
    Binding("f15", "files_view", "Files and vector stores of the thread and assistant", show=False, key_display="shift+f3"),
]


class FileActions:
    """Needs the AsstApp attributes: connection, thread_id, assistant, status_line, _dialog, _connected."""

    pending_attachments: tuple[Attachment, ...] = ()

    def set_attachments(self, attachments: tuple[Attachment, ...]) -> None:
        self.pending_attachments = attachments
        self.status_line.attached = ", ".join(f"{a.name} ({a.tool})" for a in attachments)

    def take_attachments(self) -> tuple[Attachment, ...]:
        """The attachments for the message being sent: they go with this one message only."""
        taken = self.pending_attachments
        self.set_attachments(())
        return taken

    def action_attach_files(self) -> None:
        self._dialog(self._attach_files)

    def action_files_view(self) -> None:
        self._dialog(self._files_view)

    async def _attach_files(self) -> None:
        from .screens.attach import AttachScreen

        if not self._connected():
            return
        chosen = await self.push_screen_wait(AttachScreen(self.connection.backend, Path.cwd()))
        if chosen:
            self.set_attachments(self.pending_attachments + tuple(chosen))
            names = ", ".join(a.name for a in chosen)
            self.notify(visible(f"Attached to your next message: {names}."), title="Files", markup=False)

    async def _files_view(self) -> None:
        from .screens.files_view import FilesScreen

        if not self._connected():
            return
        await self.push_screen_wait(FilesScreen(self.connection.backend, self.thread_id, self.assistant and self.assistant["id"]))
