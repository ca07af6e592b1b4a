"""File bytes in a local directory (`files/` in the data dir): one file per file id; streamed writes are atomic."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path


class FileDir:
    """The FileBytes of one directory on this machine."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, file_id: str) -> Path:
        return self.root / file_id

    async def write(self, file_id: str, chunks: AsyncIterator[bytes]) -> int:
        final = self.path(file_id)
        partial = final.with_name(final.name + ".part")
        size = 0
        try:
            with open(partial, "wb") as out:
                async for chunk in chunks:
                    out.write(chunk)
                    size += len(chunk)
            os.replace(partial, final)
        finally:
            partial.unlink(missing_ok=True)
        return size

    async def copy_in(self, file_id: str, source: Path) -> None:
        shutil.copyfile(source, self.path(file_id))

    async def delete(self, file_id: str) -> None:
        self.path(file_id).unlink(missing_ok=True)
