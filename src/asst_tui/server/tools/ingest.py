"""Background ingest of vector-store files: extract, chunk, index; every file ends completed or failed.

One asyncio task per file in the server's loop; the CPU-heavy part (reading, text extraction,
chunking) runs in a small thread pool of the ingester's own, so a stuck PDF never blocks the loop nor
the server's shutdown. A file whose row is cancelled or deleted meanwhile leaves no chunks behind.
Files a stopped server left `in_progress` are ingested again on the next start. The ingester serves every
project: each file is read and updated through the ObjectStore of the project it was submitted with.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .chunking import chunk_text
from .extract import ExtractError, extract_text

if TYPE_CHECKING:
    from ..storage.interface import ChunkIndex, FileBytes, ObjectStore, ProjectStores

log = logging.getLogger("asst_tui.server")

FILE_KIND = "vector_store.file"
WORKERS = 2  # files extracted at once: bounds CPU and memory (a 10 MB text file adds about 45 MB at its peak)
TIMEOUT_S = 300.0  # longest extraction before a file fails


def file_key(vector_store_id: str, file_id: str) -> str:
    """The storage key of a vector-store file (its id is the file's, shared by every store that has it)."""
    return f"{vector_store_id}/{file_id}"


def prepare_chunks(path: Path, filename: str, max_tokens: int, overlap: int) -> tuple[list[str], int]:
    """Read, extract and chunk one file (runs in a worker thread): (chunks, bytes of extracted text)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ExtractError("invalid_file", f"The content of {filename} is missing on the server.") from None
    text = extract_text(data, filename)
    del data
    return list(chunk_text(text, max_tokens, overlap)), len(text.encode())


class Ingester:
    """Runs the ingest of each vector-store file it is given, at most WORKERS at a time."""

    def __init__(self, index: ChunkIndex, files: FileBytes) -> None:
        self.index = index
        self.files = files
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="asst-tui-ingest")
        self._slots = asyncio.Semaphore(WORKERS)  # so a file's time limit starts when its extraction does
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._row_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def row_lock(self, key: str) -> asyncio.Lock:
        """Held while a vector-store file's row is read and written back, so an ingest's end is never overwritten
        by a stale copy (a batch re-adding a file while it is indexed: on PostgreSQL the two writes interleave)."""
        lock = self._row_locks.get(key)
        if lock is None:
            lock = self._row_locks[key] = asyncio.Lock()
        return lock

    def submit(self, store: ObjectStore, vector_store_id: str, file_id: str) -> None:
        """Ingest a file of a vector store of the project `store` belongs to."""
        key = file_key(vector_store_id, file_id)
        self.cancel(key)
        self._tasks[key] = asyncio.get_running_loop().create_task(self._ingest(store, vector_store_id, file_id), name=f"ingest {key}")

    def cancel(self, key: str) -> None:
        task = self._tasks.pop(key, None)
        if task is not None:
            task.cancel()

    async def _in_thread(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._pool, function, *args)

    async def recover(self, projects: ProjectStores) -> None:
        """On start: drop chunks nothing owns, and ingest again what a stopped server left in progress."""
        stores = [projects.project(name) for name in await projects.names()]
        live = {
            (row["vector_store_id"], row["id"])
            for store in stores for row in await store.select(FILE_KIND) if row["status"] in ("in_progress", "completed")
        }
        for vector_store_id, file_id in await self.index.indexed() - live:
            await self.index.remove(vector_store_id, file_id)
        for store in stores:
            for row in await store.select(FILE_KIND, {"status": "in_progress"}):
                self.submit(store, row["vector_store_id"], row["id"])

    async def shutdown(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._pool.shutdown(wait=False, cancel_futures=True)

    @staticmethod
    async def _row(store: ObjectStore, vector_store_id: str, file_id: str) -> dict[str, Any] | None:
        row = await store.get(FILE_KIND, file_key(vector_store_id, file_id))
        return row if row is not None and row["status"] == "in_progress" else None

    async def _ingest(self, store: ObjectStore, vector_store_id: str, file_id: str) -> None:
        key = file_key(vector_store_id, file_id)
        try:
            async with self._slots:
                row = await self._row(store, vector_store_id, file_id)
                if row is None:
                    return
                info = await store.get("file", file_id)
                if info is None:
                    raise ExtractError("invalid_file", f"The file {file_id} was deleted before it could be indexed.")
                static = row["chunking_strategy"]["static"]
                chunks, size = await asyncio.wait_for(
                    self._in_thread(prepare_chunks, self.files.path(file_id), info["filename"], static["max_chunk_size_tokens"], static["chunk_overlap_tokens"]),
                    TIMEOUT_S,
                )
                if await self._row(store, vector_store_id, file_id) is None:
                    return
                await self.index.replace(vector_store_id, file_id, chunks)
            async with self.row_lock(key):
                if (row := await self._row(store, vector_store_id, file_id)) is None:  # cancelled or deleted meanwhile
                    await self.index.remove(vector_store_id, file_id)
                    return
                await self._finish(store, row, "completed", None, usage_bytes=size)
        except ExtractError as exc:
            await self._fail(store, vector_store_id, file_id, exc.code, exc.message)
        except asyncio.TimeoutError:
            await self._fail(store, vector_store_id, file_id, "server_error", f"Extracting the text took longer than {TIMEOUT_S:.0f} s.")
        except Exception as exc:
            log.exception("ingest of %s failed", key)
            await self._fail(store, vector_store_id, file_id, "server_error", f"The server could not index the file: {type(exc).__name__}.")
        finally:
            if self._tasks.get(key) is asyncio.current_task():
                del self._tasks[key]

    async def _fail(self, store: ObjectStore, vector_store_id: str, file_id: str, code: str, message: str) -> None:
        async with self.row_lock(file_key(vector_store_id, file_id)):
            row = await self._row(store, vector_store_id, file_id)
            if row is not None:
                await self._finish(store, row, "failed", {"code": code, "message": message})

    @staticmethod
    async def _finish(store: ObjectStore, row: dict[str, Any], status: str, error: dict[str, str] | None, usage_bytes: int = 0) -> None:
        row.update(status=status, last_error=error, usage_bytes=usage_bytes)
        await store.put(row, key=file_key(row["vector_store_id"], row["id"]))
