"""HTTP routes of the vector-store API: stores, their files, file batches and search."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..core import objects
from ..core.errors import bad_request, not_found
from ..storage.interface import ObjectStore
from ..storage.search_terms import query_terms
from ..tools.extract import ExtractError, extract_text
from ..tools.ingest import FILE_KIND, file_key
from ..tools.vector_stores import STORE_KIND, VectorStores
from . import validation as v
from . import vector_store_params as p
from . import common
from .common import json_body, services

POLL_AFTER_MS = "100"  # the SDK's *_and_poll helpers wait this long between polls while a file is indexed


def _services(request: Request) -> tuple[VectorStores, ObjectStore]:
    return common.vector_stores(request), common.store(request)


def _answer(obj: dict[str, Any], in_progress: bool = False) -> JSONResponse:
    return JSONResponse(obj, headers={"openai-poll-after-ms": POLL_AFTER_MS} if in_progress else None)


async def _existing_files(store: ObjectStore, ids: list[str]) -> None:
    for file_id in ids:
        if await store.get("file", file_id) is None:
            raise not_found("file", file_id)


# ---- vector stores ---------------------------------------------------------------------------------


async def create_vector_store(request: Request) -> Response:
    service, store = _services(request)
    body = await json_body(request, {"file_ids", "name", "description", "expires_after", "chunking_strategy", "metadata"})
    name = v.bounded_str(body, "name", v.MAX_NAME)
    description = v.bounded_str(body, "description", v.MAX_DESCRIPTION)
    metadata = v.metadata(body)
    expires_after = p.expires_after(body)
    strategy = p.chunking_strategy(body)
    file_ids = p.file_ids(body, p.MAX_CREATE_FILES) or []
    await _existing_files(store, file_ids)
    vs = await service.create(name=name, description=description, metadata=metadata, expires_after=expires_after)
    for file_id in file_ids:
        await service.add_file(vs, file_id, strategy)
    view = await service.view(vs)
    return _answer(view, view["status"] == "in_progress")


async def list_vector_stores(request: Request) -> Response:
    service, store = _services(request)
    limit, order, after, before = v.list_params(request.query_params)
    items, more = await store.page(STORE_KIND, None, limit=limit, order=order, after=after, before=before)
    return JSONResponse(objects.page([await service.view(vs) for vs in items], more))


async def get_vector_store(request: Request) -> Response:
    service, _ = _services(request)
    view = await service.view(await service.get(request.path_params["vector_store_id"]))
    return _answer(view, view["status"] == "in_progress")


async def update_vector_store(request: Request) -> Response:
    service, store = _services(request)
    vs = await service.get(request.path_params["vector_store_id"])
    body = await json_body(request, {"name", "description", "expires_after", "metadata"})
    name = v.bounded_str(body, "name", v.MAX_NAME)
    description = v.bounded_str(body, "description", v.MAX_DESCRIPTION)
    metadata = v.metadata(body)
    expires_after = p.expires_after(body)
    if "name" in body:
        vs["name"] = name or ""
    if "description" in body:
        vs["description"] = description
    if "metadata" in body:
        vs["metadata"] = metadata or {}
    if "expires_after" in body:
        if expires_after is None:
            vs.pop("expires_after", None)
        else:
            vs["expires_after"] = expires_after
    return JSONResponse(await service.view(await store.put(vs)))


async def delete_vector_store(request: Request) -> Response:
    service, _ = _services(request)
    vs = await service.get(request.path_params["vector_store_id"])
    await service.delete(vs)
    return JSONResponse(objects.deleted(vs["id"], "vector_store"))


# ---- vector-store files -------------------------------------------------------------------------


async def _file_page(request: Request, vector_store_id: str, where: dict[str, Any]) -> JSONResponse:
    service, store = _services(request)
    limit, order, after, before = v.list_params(request.query_params)
    status = p.list_filter(request.query_params)
    if status is not None:
        where = {**where, "status": status}
    items, more = await store.page(
        FILE_KIND, vector_store_id, limit=limit, order=order, where=where or None,
        after=file_key(vector_store_id, after) if after else None, before=file_key(vector_store_id, before) if before else None,
    )
    return JSONResponse(objects.page([service.file_view(row) for row in items], more))


async def create_vector_store_file(request: Request) -> Response:
    service, store = _services(request)
    vs = await service.get(request.path_params["vector_store_id"])
    body = await json_body(request, {"file_id", "chunking_strategy", "attributes"})
    file_id = v.required_str(body, "file_id")
    strategy = p.chunking_strategy(body)
    attributes = p.attributes(body)
    await _existing_files(store, [file_id])
    service.check_usable(vs)
    row = await service.add_file(vs, file_id, strategy, attributes)
    await service.touch(vs)
    return _answer(service.file_view(row), row["status"] == "in_progress")


async def list_vector_store_files(request: Request) -> Response:
    service, _ = _services(request)
    vs = await service.get(request.path_params["vector_store_id"])
    return await _file_page(request, vs["id"], {})


async def _file_of(request: Request) -> dict[str, Any]:
    service, _ = _services(request)
    vs = await service.get(request.path_params["vector_store_id"])
    return await service.get_file(vs["id"], request.path_params["file_id"])


async def get_vector_store_file(request: Request) -> Response:
    service, _ = _services(request)
    row = await _file_of(request)
    return _answer(service.file_view(row), row["status"] == "in_progress")


async def update_vector_store_file(request: Request) -> Response:
    service, _ = _services(request)
    row = await _file_of(request)
    body = await json_body(request, {"attributes"})
    if "attributes" not in body:
        raise bad_request("Missing required parameter: 'attributes'.", param="attributes", code="missing_required_parameter")
    return JSONResponse(service.file_view(await service.set_attributes(row, p.attributes(body) or {})))


async def delete_vector_store_file(request: Request) -> Response:
    service, _ = _services(request)
    row = await _file_of(request)
    await service.remove_file(row)
    return JSONResponse(objects.deleted(row["id"], "vector_store.file"))


async def vector_store_file_content(request: Request) -> Response:
    """The file's text as the index reads it (extracted again: cheap next to keeping a copy)."""
    _, store = _services(request)
    row = await _file_of(request)
    info = await store.get("file", row["id"])
    if info is None:
        raise not_found("file", row["id"])
    path = services(request).files.path(row["id"])
    try:
        text = await asyncio.to_thread(lambda: extract_text(path.read_bytes(), info["filename"]))
    except (ExtractError, OSError) as exc:
        raise bad_request(f"The content of {info['filename']} can't be read: {getattr(exc, 'message', exc)}", param="file_id") from None
    return JSONResponse({"object": "vector_store.file_content.page", "data": [{"type": "text", "text": text}], "has_more": False, "next_page": None})


# ---- file batches -----------------------------------------------------------------------------------


async def create_file_batch(request: Request) -> Response:
    service, store = _services(request)
    vs = await service.get(request.path_params["vector_store_id"])
    body = await json_body(request, {"file_ids", "files", "chunking_strategy", "attributes"})
    entries = p.batch_files(body)
    await _existing_files(store, [file_id for file_id, _, _ in entries])
    service.check_usable(vs)
    batch = await service.create_batch(vs, entries)
    await service.touch(vs)
    view = await service.batch_view(batch)
    return _answer(view, view["status"] == "in_progress")


async def _batch_of(request: Request) -> dict[str, Any]:
    service, _ = _services(request)
    vs = await service.get(request.path_params["vector_store_id"])
    return await service.get_batch(vs["id"], request.path_params["batch_id"])


async def get_file_batch(request: Request) -> Response:
    service, _ = _services(request)
    view = await service.batch_view(await _batch_of(request))
    return _answer(view, view["status"] == "in_progress")


async def cancel_file_batch(request: Request) -> Response:
    service, _ = _services(request)
    return JSONResponse(await service.batch_view(await service.cancel_batch(await _batch_of(request))))


async def list_file_batch_files(request: Request) -> Response:
    batch = await _batch_of(request)
    return await _file_page(request, batch["vector_store_id"], {"_batch_id": batch["id"]})


# ---- search -----------------------------------------------------------------------------------------


async def search_vector_store(request: Request) -> Response:
    service, _ = _services(request)
    vs = await service.get(request.path_params["vector_store_id"])
    params = p.search_request(await json_body(request, {"query", "rewrite_query", "max_num_results", "filters", "ranking_options"}))
    service.check_usable(vs)
    queries = params["queries"]
    if params["rewrite_query"]:
        queries = [" ".join(query_terms(queries))]
    results = await service.search([vs], queries, params["limit"], score_threshold=params["score_threshold"], filters=params["filters"])
    data = [
        {"file_id": r["file_id"], "filename": r["filename"], "score": r["score"], "attributes": r["attributes"], "content": [{"type": "text", "text": r["text"]}]}
        for r in results
    ]
    return JSONResponse({"object": "vector_store.search_results.page", "search_query": queries, "data": data, "has_more": False, "next_page": None})


VECTOR_STORE_ROUTES = [
    Route("/vector_stores", create_vector_store, methods=["POST"]),
    Route("/vector_stores", list_vector_stores, methods=["GET"]),
    Route("/vector_stores/{vector_store_id}", get_vector_store, methods=["GET"]),
    Route("/vector_stores/{vector_store_id}", update_vector_store, methods=["POST"]),
    Route("/vector_stores/{vector_store_id}", delete_vector_store, methods=["DELETE"]),
    Route("/vector_stores/{vector_store_id}/search", search_vector_store, methods=["POST"]),
    Route("/vector_stores/{vector_store_id}/files", create_vector_store_file, methods=["POST"]),
    Route("/vector_stores/{vector_store_id}/files", list_vector_store_files, methods=["GET"]),
    Route("/vector_stores/{vector_store_id}/files/{file_id}", get_vector_store_file, methods=["GET"]),
    Route("/vector_stores/{vector_store_id}/files/{file_id}", update_vector_store_file, methods=["POST"]),
    Route("/vector_stores/{vector_store_id}/files/{file_id}", delete_vector_store_file, methods=["DELETE"]),
    Route("/vector_stores/{vector_store_id}/files/{file_id}/content", vector_store_file_content, methods=["GET"]),
    Route("/vector_stores/{vector_store_id}/file_batches", create_file_batch, methods=["POST"]),
    Route("/vector_stores/{vector_store_id}/file_batches/{batch_id}", get_file_batch, methods=["GET"]),
    Route("/vector_stores/{vector_store_id}/file_batches/{batch_id}/cancel", cancel_file_batch, methods=["POST"]),
    Route("/vector_stores/{vector_store_id}/file_batches/{batch_id}/files", list_file_batch_files, methods=["GET"]),
]
