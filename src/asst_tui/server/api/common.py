"""What every route module uses: the server's services, the request's project, JSON bodies, objects by id (or a 404), list pages.

Routes reach objects only through `store(request)` and `vector_stores(request)`: the request's project's
objects, so another project's object is, to a route, one that doesn't exist (a 404, and absent from lists).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse

from ..core import objects
from ..core.errors import not_found
from ..tools.vector_stores import VectorStores
from . import validation as v
from .vector_store_params import inline_vector_stores

if TYPE_CHECKING:
    from ..config import ServerConfig
    from ..runs.manager import RunManager
    from ..storage.interface import Fields, FileBytes, ObjectStore, ProjectStores
    from ..tools.ingest import Ingester
    from ..tools.file_expiry import FileExpiry
    from ..tools.sandbox import Sandbox


class Services(Protocol):
    """The parts of the server the routes work with (the composition root's ServerState has them)."""

    config: ServerConfig
    objects: ProjectStores
    files: FileBytes
    sandbox: Sandbox
    runs: RunManager
    ingester: Ingester
    file_expiry: FileExpiry


def services(request: Request) -> Services:
    return request.app.state.server


def project(request: Request) -> str:
    """The project the request's key opens (set by ApiPrefix)."""
    return request.state.project


def store(request: Request) -> ObjectStore:
    """The objects of the request's project."""
    return services(request).objects.project(project(request))


def vector_stores(request: Request) -> VectorStores:
    """The vector stores of the request's project."""
    return VectorStores(store(request), services(request).ingester)


async def json_body(request: Request, allowed: set[str]) -> dict[str, Any]:
    body = v.parse_json_object(await request.body())
    v.reject_unknown(body, allowed)
    return body


async def get_or_404(request: Request, kind: str, object_id: str, parent: str | None = None) -> dict[str, Any]:
    obj = await store(request).get(kind, object_id, parent)
    if obj is None:
        raise not_found(kind, object_id)
    return obj


async def page(request: Request, kind: str, parent: str | None, where: Fields | None = None, view: Any = None) -> JSONResponse:
    limit, order, after, before = v.list_params(request.query_params)
    items, more = await store(request).page(kind, parent, limit=limit, order=order, after=after, before=before, where=where)
    return JSONResponse(objects.page([view(item) for item in items] if view else items, more))


async def check_tool_resources(request: Request, resources: dict[str, Any] | None) -> None:
    """The files and vector stores tool_resources name exist; an inline `vector_stores` helper is normalised."""
    for file_id in ((resources or {}).get("code_interpreter") or {}).get("file_ids", []):
        await get_or_404(request, "file", file_id)
    search = (resources or {}).get("file_search") or {}
    if search.get("vector_stores") is not None:
        search["vector_stores"] = inline_vector_stores(search["vector_stores"], "tool_resources.file_search.vector_stores")
    await vector_stores(request).check_resources(resources)
