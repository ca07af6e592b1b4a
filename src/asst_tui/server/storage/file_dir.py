"""File bytes in a local directory (`files/` in the data dir): one file per file id; streamed writes are atomic.

A write goes to `ID.part` and is renamed when complete. A server killed mid-write leaves its `.part`
behind: opening the directory removes them. A directory `shared` by several servers (`--files-dir` on
PostgreSQL) may hold another live server's upload: there only a `.part` untouched for an hour goes.
A full disk or an I/O error comes out as a storage error (`errors.py`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from .errors import from_os_error

PARTIAL_SUFFIX = ".part"
SHARED_STALE_S = 3600  # a streamed upload writes more often than this


class FileDir:
    """The FileBytes of one directory on this machine."""

    def __init__(self, root: Path, *, shared: bool = False) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        stale_before = time.time() - SHARED_STALE_S
        for leftover in root.glob("*" + PARTIAL_SUFFIX):
            with contextlib.suppress(FileNotFoundError):
                if not shared or leftover.stat().st_mtime < stale_before:
                    leftover.unlink(missing_ok=True)

    def path(self, file_id: str) -> Path:
        return self.root / file_id

    async def write(self, file_id: str, chunks: AsyncIterator[bytes]) -> int:
        final = self.path(file_id)
        partial = final.with_name(final.name + PARTIAL_SUFFIX)
        size = 0
        try:
            with _storage_errors():
                with open(partial, "wb") as out:
                    async for chunk in chunks:
                        out.write(chunk)
                        size += len(chunk)
                os.replace(partial, final)
        finally:
            partial.unlink(missing_ok=True)
        return size

    async def copy_in(self, file_id: str, source: Path) -> None:
        target = self.path(file_id)
        try:
            with _storage_errors():
                shutil.copyfile(source, target)
        except BaseException:
            target.unlink(missing_ok=True)
            raise

    async def delete(self, file_id: str) -> None:
        self.path(file_id).unlink(missing_ok=True)


@contextlib.contextmanager
def _storage_errors() -> Iterator[None]:
    """A full disk or an I/O error as a StorageError; other OSErrors (a missing source file) as they are."""
    try:
        yield
    except OSError as exc:
        error = from_os_error(exc)
        if error is None:
            raise
        raise error from exc
