"""HTTP routes of threads and their messages."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..core import objects
from ..core.errors import bad_request
from . import validation as v
from .common import check_tool_resources, get_or_404, json_body, page, project, services, store, vector_stores
from .message_bodies import new_message

THREAD_FIELDS = {"messages", "tool_resources", "metadata"}


async def new_thread(request: Request, body: dict[str, Any], param: str = "") -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Validate a thread-create body (also a create-thread-and-run's `thread`): the thread and its messages."""
    v.reject_unknown(body, THREAD_FIELDS)
    thread = objects.thread(v.metadata(body), v.tool_resources(body))
    await check_tool_resources(request, thread["tool_resources"])
    raw = v.typed(body, "messages", list, param=f"{param}messages") or []
    messages = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise bad_request(f"Invalid '{param}messages[{i}]': expected an object.", param=f"{param}messages[{i}]", code="invalid_type")
        messages.append(await new_message(request, thread["id"], item, f"{param}messages[{i}]"))
    return thread, messages


async def save_thread(request: Request, thread: dict[str, Any], messages: list[dict[str, Any]]) -> None:
    owner, service = store(request), vector_stores(request)
    await service.create_inline(thread["tool_resources"])
    await owner.insert("thread", thread)
    for message in messages:
        await owner.insert("message", message, parent=thread["id"])
    await service.attach_to_thread(thread, messages)


async def create_thread(request: Request) -> Response:
    thread, messages = await new_thread(request, await json_body(request, THREAD_FIELDS))
    await save_thread(request, thread, messages)
    return JSONResponse(thread)


async def get_thread(request: Request) -> Response:
    return JSONResponse(await get_or_404(request, "thread", request.path_params["thread_id"]))


async def update_thread(request: Request) -> Response:
    thread = await get_or_404(request, "thread", request.path_params["thread_id"])
    body = await json_body(request, {"tool_resources", "metadata"})
    if "metadata" in body:
        thread["metadata"] = v.metadata(body) or {}
    if "tool_resources" in body:
        thread["tool_resources"] = v.tool_resources(body) or {}
        await check_tool_resources(request, thread["tool_resources"])
        await vector_stores(request).create_inline(thread["tool_resources"])
    return JSONResponse(await store(request).put(thread))


async def delete_thread(request: Request) -> Response:
    thread = await get_or_404(request, "thread", request.path_params["thread_id"])
    state = services(request)
    active = await state.runs.active_run(thread["id"], project(request))
    if active is not None:
        await state.runs.cancel(active, project(request))
    await store(request).delete_tree(thread["id"])
    await state.sandbox.release(thread["id"])
    return JSONResponse(objects.deleted(thread["id"], "thread"))


async def create_message(request: Request) -> Response:
    thread = await get_or_404(request, "thread", request.path_params["thread_id"])
    body = v.parse_json_object(await request.body())
    message = await new_message(request, thread["id"], body)
    runs = services(request).runs
    async with runs.thread_guard(thread["id"]):  # no run may start between the check and the insert, in any process
        await runs.check_can_add_message(thread["id"], project(request))
        await store(request).insert("message", message, parent=thread["id"])
        await vector_stores(request).attach_to_thread(thread, [message])
    return JSONResponse(message)


async def list_messages(request: Request) -> Response:
    thread = await get_or_404(request, "thread", request.path_params["thread_id"])
    run_id = request.query_params.get("run_id")
    return await page(request, "message", thread["id"], where={"run_id": run_id} if run_id else None)


async def get_message(request: Request) -> Response:
    thread_id = request.path_params["thread_id"]
    await get_or_404(request, "thread", thread_id)
    return JSONResponse(await get_or_404(request, "message", request.path_params["message_id"], thread_id))


async def update_message(request: Request) -> Response:
    thread_id = request.path_params["thread_id"]
    await get_or_404(request, "thread", thread_id)
    message = await get_or_404(request, "message", request.path_params["message_id"], thread_id)
    body = await json_body(request, {"metadata"})
    if "metadata" in body:
        message["metadata"] = v.metadata(body) or {}
    return JSONResponse(await store(request).put(message))


async def delete_message(request: Request) -> Response:
    thread_id = request.path_params["thread_id"]
    await get_or_404(request, "thread", thread_id)
    message = await get_or_404(request, "message", request.path_params["message_id"], thread_id)
    await store(request).delete(message["id"])
    return JSONResponse(objects.deleted(message["id"], "thread.message"))


THREAD_ROUTES = [
    Route("/threads", create_thread, methods=["POST"]),
    Route("/threads/{thread_id}", get_thread, methods=["GET"]),
    Route("/threads/{thread_id}", update_thread, methods=["POST"]),
    Route("/threads/{thread_id}", delete_thread, methods=["DELETE"]),
    Route("/threads/{thread_id}/messages", create_message, methods=["POST"]),
    Route("/threads/{thread_id}/messages", list_messages, methods=["GET"]),
    Route("/threads/{thread_id}/messages/{message_id}", get_message, methods=["GET"]),
    Route("/threads/{thread_id}/messages/{message_id}", update_message, methods=["POST"]),
    Route("/threads/{thread_id}/messages/{message_id}", delete_message, methods=["DELETE"]),
]
