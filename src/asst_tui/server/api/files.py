"""HTTP routes of files: uploads (bytes to the storage's FileBytes, metadata as `file` objects), downloads, deletes.

An upload's `expires_after` sets its `expires_at`; tools/file_expiry.py deletes it then.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from ..core import objects
from ..core.errors import APIError, bad_request
from ..storage.interface import FileBytes, ObjectStore
from .common import get_or_404, page, project, services, store, vector_stores
from .uploads import receive_upload

# What an upload may declare (the spec's CreateFileRequest); `assistants_output` is the server's own.
FILE_PURPOSES = ("assistants", "vision", "batch", "fine-tune", "user_data", "evals")
MIN_EXPIRY_SECONDS = 3600  # the spec's bounds of expires_after.seconds
MAX_EXPIRY_SECONDS = 2_592_000


def expires_after(form: Mapping[str, str]) -> int | None:
    """The seconds after upload at which the file expires, from the SDKs' `expires_after[anchor]` and
    `expires_after[seconds]` form fields; None when neither is given."""
    if "expires_after" in form:
        raise bad_request("Send 'expires_after' as the form fields 'expires_after[anchor]' and 'expires_after[seconds]'.", param="expires_after", code="invalid_value")
    anchor, seconds = form.get("expires_after[anchor]"), form.get("expires_after[seconds]")
    if anchor is None and seconds is None:
        return None
    if anchor != "created_at":
        raise bad_request("Invalid 'expires_after.anchor': expected 'created_at'.", param="expires_after.anchor", code="invalid_value")
    if not isinstance(seconds, str) or not seconds.strip().isdigit() or not MIN_EXPIRY_SECONDS <= int(seconds) <= MAX_EXPIRY_SECONDS:
        raise bad_request(
            f"Invalid 'expires_after.seconds': expected an integer between {MIN_EXPIRY_SECONDS} and {MAX_EXPIRY_SECONDS}.",
            param="expires_after.seconds", code="invalid_value",
        )
    return int(seconds)


async def delete_file(owner: ObjectStore, files: FileBytes, file_id: str) -> None:
    await owner.delete(file_id)
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
        expires_in = expires_after(upload.fields)
        info.update(filename=os.path.basename(upload.filename) or "upload", bytes=upload.size, purpose=purpose)
        if expires_in is not None:
            info["expires_at"] = info["created_at"] + expires_in
        await store(request).insert("file", info)
    except BaseException:
        await state.files.delete(info["id"])
        raise
    state.file_expiry.track(project(request), info)
    return JSONResponse(info)


async def list_files(request: Request) -> Response:
    await services(request).file_expiry.sweep()
    purpose = request.query_params.get("purpose")
    return await page(request, "file", None, where={"purpose": purpose} if purpose else None)


async def get_file(request: Request) -> Response:
    await services(request).file_expiry.sweep()
    return JSONResponse(await get_or_404(request, "file", request.path_params["file_id"]))


async def file_content(request: Request) -> Response:
    await services(request).file_expiry.sweep()
    info = await get_or_404(request, "file", request.path_params["file_id"])
    path = services(request).files.path(info["id"])
    if not path.exists():
        raise APIError(404, f"The content of file '{info['id']}' is missing on the server.")
    return FileResponse(path, media_type="application/octet-stream", filename=info["filename"])


async def remove_file(request: Request) -> Response:
    info = await get_or_404(request, "file", request.path_params["file_id"])
    await vector_stores(request).forget_file(info["id"])
    await delete_file(store(request), services(request).files, info["id"])
    return JSONResponse({"id": info["id"], "object": "file", "deleted": True})


FILE_ROUTES = [
    Route("/files", upload_file, methods=["POST"]),
    Route("/files", list_files, methods=["GET"]),
    Route("/files/{file_id}", get_file, methods=["GET"]),
    Route("/files/{file_id}", remove_file, methods=["DELETE"]),
    Route("/files/{file_id}/content", file_content, methods=["GET"]),
]
