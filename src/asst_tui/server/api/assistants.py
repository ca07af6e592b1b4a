"""HTTP routes of assistants."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..core import objects
from . import validation as v
from .common import check_tool_resources, get_or_404, json_body, page, store, vector_stores

ASSISTANT_FIELDS = {"model", "name", "description", "instructions", "tools", "tool_resources", "metadata", "temperature", "top_p", "response_format", "reasoning_effort"}


def _assistant_params(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if creating or "model" in body:
        params["model"] = v.required_str(body, "model")
    for key, limit in (("name", v.MAX_NAME), ("description", v.MAX_DESCRIPTION), ("instructions", v.MAX_INSTRUCTIONS)):
        if key in body:
            params[key] = v.bounded_str(body, key, limit)
    if "tools" in body:
        params["tools"] = v.tools(body) or []
    if "tool_resources" in body:
        params["tool_resources"] = v.tool_resources(body) or {}
    if "metadata" in body:
        params["metadata"] = v.metadata(body) or {}
    if "temperature" in body:
        params["temperature"] = v.number_in(body, "temperature", 0, 2)
    if "top_p" in body:
        params["top_p"] = v.number_in(body, "top_p", 0, 1)
    if "response_format" in body:
        params["response_format"] = v.response_format(body) or "auto"
    return params


async def create_assistant(request: Request) -> Response:
    params = _assistant_params(await json_body(request, ASSISTANT_FIELDS), creating=True)
    await check_tool_resources(request, params.get("tool_resources"))
    await vector_stores(request).create_inline(params.get("tool_resources"))
    return JSONResponse(await store(request).insert("assistant", objects.assistant(params)))


async def list_assistants(request: Request) -> Response:
    return await page(request, "assistant", None)


async def get_assistant(request: Request) -> Response:
    return JSONResponse(await get_or_404(request, "assistant", request.path_params["assistant_id"]))


async def update_assistant(request: Request) -> Response:
    assistant = await get_or_404(request, "assistant", request.path_params["assistant_id"])
    params = _assistant_params(await json_body(request, ASSISTANT_FIELDS), creating=False)
    await check_tool_resources(request, params.get("tool_resources"))
    await vector_stores(request).create_inline(params.get("tool_resources"))
    for key, value in params.items():
        assistant[key] = 1.0 if value is None and key in ("temperature", "top_p") else value
    return JSONResponse(await store(request).put(assistant))


async def delete_assistant(request: Request) -> Response:
    assistant = await get_or_404(request, "assistant", request.path_params["assistant_id"])
    await store(request).delete(assistant["id"])
    return JSONResponse(objects.deleted(assistant["id"], "assistant"))


ASSISTANT_ROUTES = [
    Route("/assistants", create_assistant, methods=["POST"]),
    Route("/assistants", list_assistants, methods=["GET"]),
    Route("/assistants/{assistant_id}", get_assistant, methods=["GET"]),
    Route("/assistants/{assistant_id}", update_assistant, methods=["POST"]),
    Route("/assistants/{assistant_id}", delete_assistant, methods=["DELETE"]),
]
