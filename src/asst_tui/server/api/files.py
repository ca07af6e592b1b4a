"""HTTP routes of files: uploads (bytes to the storage's FileBytes, metadata as `file` objects), downloads, deletes."""

from __future__ import annotations

import os

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from ..core import objects
from ..core.errors import APIError, bad_request
from ..storage.interface import FileBytes, ObjectStore
from .common import get_or_404, page, services
from .uploads import receive_upload

# What an upload may declare (the spec's CreateFileRequest); `assistants_output` is the server's own.
FILE_PURPOSES = ("assistants", "vision", "batch", "fine-tune", "user_data", "evals")


async def delete_file(store: ObjectStore, files: FileBytes, file_id: str) -> None:
    await store.delete(file_id)
    await files.delete(file_id)


async def upload_file(request: Request) -> Response:
    """Stream the file's bytes to storage as they arrive, then check the form and record the file (or forget the bytes)."""
    state = services(request)
    info = objects.file("upload", 0, "assistants")
    upload = await receive_upload(request, state.files, info["id"], state.config.max_upload_bytes)
    try:
        purpose = upload.fields.get("purpose")
        if purpose not in FILE_PURPOSES:
            raise bad_request(f"Invalid 'purpose': expected one of {', '.join(FILE_PURPOSES)}.", param="purpose", code="invalid_value")
        if upload.filename is None:
            raise bad_request("Missing required parameter: 'file'.", param="file", code="missing_required_parameter")
        info.update(filename=os.path.basename(upload.filename) or "upload", bytes=upload.size, purpose=purpose)
        await state.store.insert("file", info)
    except BaseException:
        await state.files.delete(info["id"])
        raise
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
