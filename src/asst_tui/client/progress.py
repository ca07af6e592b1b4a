"""A file whose reads report upload progress: the SDK hands it to the HTTP client, which reads it in chunks."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path


class ProgressFile(io.FileIO):
    """An open file that calls `progress(sent, total)` after each read."""

    def __init__(self, path: Path, progress: Callable[[int, int], None] | None) -> None:
        super().__init__(os.fspath(path), "rb")
        self._progress = progress
        self.total = os.fstat(self.fileno()).st_size

    def read(self, size: int = -1) -> bytes:
        chunk = super().read(size)
        if self._progress is not None:
            self._progress(self.tell(), self.total)
        return chunk
