"""Files uploaded with `expires_after`: once a file's `expires_at` passes it is deleted as DELETE /files does it
(the object, its bytes, its place in every vector store).

A timer sleeps until the next file is due (never longer than MAX_SLEEP_S, so a changed wall clock is
noticed), and the file routes sweep what is due before they answer, so an expired file is never served.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import time
from typing import Any

from ..core.objects import now
from ..storage.interface import FileBytes, ProjectStores
from .ingest import Ingester
from .vector_stores import VectorStores

log = logging.getLogger("asst_tui.server")

MAX_SLEEP_S = 60.0
RETRY_S = 5.0


class FileExpiry:
    """The expiring files of one server (every project's), soonest first, and the task that deletes them when they are due."""

    def __init__(self, projects: ProjectStores, files: FileBytes, ingester: Ingester) -> None:
        self.projects = projects
        self.files = files
        self.ingester = ingester
        self._due: list[tuple[int, str, str]] = []  # (expires_at, project, file id), a heap
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Pick up every expiring file (deleting those that expired while the server was down) and start the timer."""
        for name in await self.projects.names():
            for info in await self.projects.project(name).select("file"):
                self.track(name, info)
        await self.sweep()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def track(self, project: str, info: dict[str, Any]) -> None:
        """Watch a project's file object; one without `expires_at` never expires."""
        if info.get("expires_at") is not None:
            heapq.heappush(self._due, (info["expires_at"], project, info["id"]))
            self._changed.set()

    async def sweep(self) -> None:
        """Delete every file whose `expires_at` has passed."""
        while self._due and self._due[0][0] <= now():
            due = heapq.heappop(self._due)
            try:
                await self._delete(due[1], due[2])
            except BaseException:
                heapq.heappush(self._due, due)  # tried again on the next sweep
                raise

    async def _delete(self, project: str, file_id: str) -> None:
        store = self.projects.project(project)
        if await store.get("file", file_id) is None:  # deleted already
            return
        await VectorStores(store, self.ingester).forget_file(file_id)
        await store.delete(file_id)
        await self.files.delete(file_id)

    async def _run(self) -> None:
        while True:
            try:
                await self.sweep()
                wait = min(MAX_SLEEP_S, max(0.0, self._due[0][0] - time.time())) if self._due else MAX_SLEEP_S
            except Exception:  # a storage failure must not stop expiry for good
                log.exception("deleting expired files failed; trying again in %g s", RETRY_S)
                wait = RETRY_S
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), wait)
