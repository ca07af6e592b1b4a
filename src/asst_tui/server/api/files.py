"""HTTP routes of files: uploads (bytes to the storage's FileBytes, metadata as `file` objects), downloads, deletes."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from ..core import objects
from ..core.errors import APIError, bad_request
from ..storage.interface import FileBytes, ObjectStore
from .common import get_or_404, page, services

# What an upload may declare (the spec's CreateFileRequest); `assistants_output` is the server's own.
FILE_PURPOSES = ("assistants", "vision", "batch", "fine-tune", "user_data", "evals")
CHUNK = 1024 * 1024


async def save_upload(store: ObjectStore, files: FileBytes, upload: UploadFile, purpose: str) -> dict[str, Any]:
    """Store the upload's bytes (atomically), then record it; nothing half-written is visible."""
    filename = os.path.basename(upload.filename or "upload") or "upload"
    info = objects.file(filename, 0, purpose)
    info["bytes"] = await files.write(info["id"], _chunks(upload))
    return await store.insert("file", info)


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK):
        yield chunk


async def delete_file(store: ObjectStore, files: FileBytes, file_id: str) -> None:
    await store.delete(file_id)
    await files.delete(file_id)


async def upload_file(request: Request) -> Response:
    try:  # a body that isn't multipart/form-data, or is over the upload limit, never gets here (body_guard.py)
        form = await request.form(max_part_size=1024**3)
    except Exception as exc:  # the multipart parser rejects malformed bodies in several ways
        raise bad_request(f"Could not parse the multipart upload: {exc}") from None
    try:  # FormData is no async context manager: close it (its spooled temp files) explicitly
        purpose = form.get("purpose")
        upload = form.get("file")
        if not isinstance(purpose, str) or purpose not in FILE_PURPOSES:
            raise bad_request(f"Invalid 'purpose': expected one of {', '.join(FILE_PURPOSES)}.", param="purpose", code="invalid_value")
        if upload is None or isinstance(upload, str):
            raise bad_request("Missing required parameter: 'file'.", param="file", code="missing_required_parameter")
        info = await save_upload(services(request).store, services(request).files, upload, purpose)
    finally:
        await form.close()
    return JSONResponse(info)


async def list_files(request: Request) -> Response:
    purpose = request.query_params.get("purpose")
    return await page(request, "file", None, where={"purpose": purpose} if purpose else None)


async def get_file(request: Request) -> Response:
    return JSONResponse(await get_or_404(request, "file", request.path_params["file_id"]))


async def file_content(request: Request) -> Response:
    info = await get_or_404(request, "file", request.path_params["file_id"])
    path = services(request).files.path(info["id"])
    if not path.exists():
        raise APIError(404, f"The content of file '{info['id']}' is missing on the server.")
    return FileResponse(path, media_type="application/octet-stream", filename=info["filename"])


async def remove_file(request: Request) -> Response:
    info = await get_or_404(request, "file", request.path_params["file_id"])
    await services(request).vector_stores.forget_file(info["id"])
    await delete_file(services(request).store, services(request).files, info["id"])
    return JSONResponse({"id": info["id"], "object": "file", "deleted": True})


FILE_ROUTES = [
    Route("/files", upload_file, methods=["POST"]),
    Route("/files", list_files, methods=["GET"]),
    Route("/files/{file_id}", get_file, methods=["GET"]),
    Route("/files/{file_id}", remove_file, methods=["DELETE"]),
    Route("/files/{file_id}/content", file_content, methods=["GET"]),
]
