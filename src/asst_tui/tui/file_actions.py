"""The app's actions for files: attach them to the next message, view a thread's files, save a file or
the transcript, draw inline images (a mixin of AsstApp)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import work

from .. import paths
from .attachments import Attachment
from .inline_images import ImageBytes, ImagePreview
from .text import visible

if TYPE_CHECKING:
    from .widgets.chat_message import FileLink
    from .widgets.tool_calls import FileItem


class FileActions:
    """Needs the AsstApp attributes: config, connection, registry, identity, thread_id, assistant, status_line,
    show_problem, _dialog and _connected."""

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

    def on_file_link_save_requested(self, event: FileLink.SaveRequested) -> None:
        self.save_file(event.file_id)

    def on_file_item_save_requested(self, event: FileItem.SaveRequested) -> None:
        self.save_file(event.file_id)

    @work(group="files")
    async def save_file(self, file_id: str) -> None:
        from ..client.errors import BackendError
        from .downloads import save_download

        if not self._connected():
            return
        backend = self.connection.backend
        try:
            info = await backend.file_info(file_id)
            data = await backend.file_content(file_id)
        except BackendError as error:
            await self.show_problem(error.message, error.hint)
            return
        path = save_download(paths.downloads_dir(), info.get("filename") or file_id, data)
        self.notify(visible(f"Saved {path}"), title="File saved", markup=False)

    @work(group="files")
    async def action_save_transcript(self) -> None:
        from ..client.errors import BackendError
        from ..client.transcripts import fetch_dump, save_transcript

        if not self._connected() or not self.thread_id:
            return
        entry = self.registry.get_thread(self.identity, self.thread_id)
        title = (entry and entry.title) or self.thread_id
        directory = self.config.transcripts_dir or paths.transcripts_dir()
        try:
            dump = await fetch_dump(self.connection.backend, self.thread_id)
            saved = [save_transcript(dump, directory, fmt, title) for fmt in ("md", "json")]
        except BackendError as error:
            await self.show_problem(error.message, error.hint)
            return
        except OSError as error:
            await self.show_problem(f"Could not write the transcript: {error}", "Check the transcripts_dir setting.")
            return
        self.notify(visible("\n".join(str(path) for path in saved)), title="Transcript saved", markup=False)
