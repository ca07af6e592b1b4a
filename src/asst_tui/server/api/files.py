"""Uploaded files: bytes on disk under the store's files dir, metadata as `file` objects."""

from __future__ import annotations

import os
from typing import Any

from starlette.datastructures import UploadFile

from ..core import objects
from ..storage.sqlite_objects import Store

# What an upload may declare (the spec's CreateFileRequest); `assistants_output` is the server's own.
FILE_PURPOSES = ("assistants", "vision", "batch", "fine-tune", "user_data", "evals")
CHUNK = 1024 * 1024


async def save_upload(store: Store, upload: UploadFile, purpose: str) -> dict[str, Any]:
    """Write the upload to disk (temp file + rename), then record it; nothing half-written is visible."""
    filename = os.path.basename(upload.filename or "upload") or "upload"
    info = objects.file(filename, 0, purpose)
    final = store.file_path(info["id"])
    partial = final.with_name(final.name + ".part")
    size = 0
    try:
        with open(partial, "wb") as out:
            while chunk := await upload.read(CHUNK):
                out.write(chunk)
                size += len(chunk)
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    info["bytes"] = size
    return store.insert("file", info)


def delete_file(store: Store, file_id: str) -> None:
    store.delete(file_id)
    store.file_path(file_id).unlink(missing_ok=True)
