"""The app's actions for attaching files to the next message and viewing a thread's files (a mixin of AsstApp)."""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding

from .attachments import Attachment
from .inline_images import ImageBytes, ImagePreview
from .text import visible

# Shift+F2 and Shift+F3 arrive as F14 and F15 (ESC [1;2Q, ESC [1;2R); the plain F-keys are all taken.
FILE_BINDINGS = [
    Binding("f14", "attach_files", "Attach files to the next message", show=False, key_display="shift+f2"),
    Binding("f15", "files_view", "Files and vector stores of the thread and assistant", show=False, key_display="shift+f3"),
]


class FileActions:
    """Needs the AsstApp attributes: connection, thread_id, assistant, status_line, _dialog, _connected."""

    pending_attachments: tuple[Attachment, ...] = ()
    image_bytes: ImageBytes | None = None  # made at the first image

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

    def on_image_preview_wanted(self, event: ImagePreview.Wanted) -> None:
        self.run_worker(self._draw_image(event.preview), group="images")

    async def _draw_image(self, preview: ImagePreview) -> None:
        """Fetch an image file (once: kept in memory) and hand it to its preview."""
        from ..client.errors import BackendError

        if self.image_bytes is None:
            self.image_bytes = ImageBytes()
        data = self.image_bytes.get(preview.file_id)
        if data is None:
            if self.connection is None:
                preview.show_problem("not connected")
                return
            try:
                data = await self.connection.backend.file_content(preview.file_id)
            except BackendError as error:
                preview.show_problem(error.message)
                return
            self.image_bytes.put(preview.file_id, data)
        await preview.show(data)
