"""HTTP routes of runs (streamed or not), their tool outputs and their steps."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..core import objects
from ..core.errors import APIError, bad_request
from ..runs.events import sse
from ..tools.file_search import without_content
from . import validation as v
from .common import check_tool_resources, get_or_404, json_body, page, project, services, store, vector_stores
from .message_bodies import new_message
from .sse import sse_response
from .threads import new_thread, save_thread
from .vector_store_params import include_search_content

RUN_FIELDS = {
    "assistant_id", "model", "instructions", "additional_instructions", "additional_messages", "tools", "metadata",
    "temperature", "top_p", "stream", "max_prompt_tokens", "max_completion_tokens", "truncation_strategy",
    "tool_choice", "parallel_tool_calls", "response_format", "reasoning_effort",
}


def _run_params(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {"assistant_id": v.required_str(body, "assistant_id")}
    params["model"] = v.typed(body, "model", str)
    params["instructions"] = v.bounded_str(body, "instructions", v.MAX_INSTRUCTIONS)
    params["additional_instructions"] = v.bounded_str(body, "additional_instructions", v.MAX_INSTRUCTIONS)
    params["tools"] = v.tools(body)
    params["metadata"] = v.metadata(body)
    params["temperature"] = v.number_in(body, "temperature", 0, 2)
    params["top_p"] = v.number_in(body, "top_p", 0, 1)
    params["max_prompt_tokens"] = v.positive_int(body, "max_prompt_tokens", v.MIN_RUN_TOKENS)
    params["max_completion_tokens"] = v.positive_int(body, "max_completion_tokens", v.MIN_RUN_TOKENS)
    params["truncation_strategy"] = v.truncation_strategy(body)
    params["tool_choice"] = v.tool_choice(body)
    params["parallel_tool_calls"] = v.typed(body, "parallel_tool_calls", bool)
    params["response_format"] = v.response_format(body)
    v.typed(body, "stream", bool)
    return params


async def _build_run(request: Request, thread_id: str, params: dict[str, Any]) -> dict[str, Any]:
    assistant = await get_or_404(request, "assistant", params["assistant_id"])
    choice = params.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "function":
        tools = params.get("tools") if params.get("tools") is not None else assistant.get("tools", [])
        if choice["function"]["name"] not in {t["function"]["name"] for t in tools if t["type"] == "function"}:
            raise bad_request(f"Invalid 'tool_choice': no function named {choice['function']['name']!r} among the run's tools.", param="tool_choice", code="invalid_value")
    return objects.run(thread_id, assistant, params, services(request).config.run_expiry_seconds)


async def create_run(request: Request) -> Response:
    thread = await get_or_404(request, "thread", request.path_params["thread_id"])
    body = await json_body(request, RUN_FIELDS)
    params = _run_params(request, body)
    extra = v.typed(body, "additional_messages", list) or []
    messages = []
    for i, item in enumerate(extra):
        if not isinstance(item, dict):
            raise bad_request(f"Invalid 'additional_messages[{i}]': expected an object.", param=f"additional_messages[{i}]", code="invalid_type")
        messages.append(await new_message(request, thread["id"], item, f"additional_messages[{i}]"))
    run = await _build_run(request, thread["id"], params)
    runs = services(request).runs
    async with runs.thread_guard(thread["id"]):  # no other run may start, nor message be added, in any process
        await runs.check_can_start_run(thread["id"], project(request))
        for message in messages:
            await store(request).insert("message", message, parent=thread["id"])
        await vector_stores(request).attach_to_thread(thread, messages)
        return await _start(request, run, stream=bool(body.get("stream")))


async def create_thread_and_run(request: Request) -> Response:
    body = await json_body(request, RUN_FIELDS - {"additional_instructions", "additional_messages"} | {"thread", "tool_resources"})
    params = _run_params(request, body)
    thread_body = v.typed(body, "thread", dict) or {}
    thread, messages = await new_thread(request, thread_body, "thread.")
    if "tool_resources" in body and "tool_resources" not in thread_body:
        thread["tool_resources"] = v.tool_resources(body) or {}
        await check_tool_resources(request, thread["tool_resources"])
    run = await _build_run(request, thread["id"], params)
    await save_thread(request, thread, messages)
    return await _start(request, run, stream=bool(body.get("stream")), created_thread=thread)


async def _start(request: Request, run: dict[str, Any], *, stream: bool, created_thread: dict[str, Any] | None = None) -> Response:
    runs = services(request).runs
    if not stream:
        await runs.start(run, project(request))
        return JSONResponse(run)
    queue = runs.bus.subscribe(run["id"])
    if created_thread is not None:
        queue.put_nowait(sse("thread.created", created_thread))
    await runs.start(run, project(request))
    return sse_response(runs.bus, run["id"], queue)


async def _run_of(request: Request) -> dict[str, Any]:
    thread_id = request.path_params["thread_id"]
    await get_or_404(request, "thread", thread_id)
    return services(request).runs.current(await get_or_404(request, "run", request.path_params["run_id"], thread_id))


async def list_runs(request: Request) -> Response:
    thread = await get_or_404(request, "thread", request.path_params["thread_id"])
    return await page(request, "run", thread["id"], view=services(request).runs.current)


async def get_run(request: Request) -> Response:
    return JSONResponse(await _run_of(request))


async def update_run(request: Request) -> Response:
    run = await _run_of(request)
    body = await json_body(request, {"metadata"})
    if "metadata" in body:
        run["metadata"] = v.metadata(body) or {}
    return JSONResponse(await store(request).put(run))


async def cancel_run(request: Request) -> Response:
    run = await _run_of(request)
    return JSONResponse(await services(request).runs.cancel(run, project(request)))


async def submit_tool_outputs(request: Request) -> Response:
    run = await _run_of(request)
    body = await json_body(request, {"tool_outputs", "stream"})
    outputs = v.typed(body, "tool_outputs", list)
    if outputs is None:
        raise bad_request("Missing required parameter: 'tool_outputs'.", param="tool_outputs", code="missing_required_parameter")
    runs = services(request).runs
    if not v.typed(body, "stream", bool):
        return JSONResponse(await runs.submit_tool_outputs(run, outputs, project(request)))
    queue = runs.bus.subscribe(run["id"])
    try:
        await runs.submit_tool_outputs(run, outputs, project(request))
    except APIError:
        runs.bus.unsubscribe(run["id"], queue)
        raise
    return sse_response(runs.bus, run["id"], queue)


async def list_steps(request: Request) -> Response:
    run = await _run_of(request)
    full = include_search_content(request.query_params)
    return await page(request, "step", run["id"], view=None if full else without_content)


async def get_step(request: Request) -> Response:
    run = await _run_of(request)
    step = await get_or_404(request, "step", request.path_params["step_id"], run["id"])
    return JSONResponse(step if include_search_content(request.query_params) else without_content(step))


RUN_ROUTES = [
    Route("/threads/runs", create_thread_and_run, methods=["POST"]),
    Route("/threads/{thread_id}/runs", create_run, methods=["POST"]),
    Route("/threads/{thread_id}/runs", list_runs, methods=["GET"]),
    Route("/threads/{thread_id}/runs/{run_id}", get_run, methods=["GET"]),
    Route("/threads/{thread_id}/runs/{run_id}", update_run, methods=["POST"]),
    Route("/threads/{thread_id}/runs/{run_id}/cancel", cancel_run, methods=["POST"]),
    Route("/threads/{thread_id}/runs/{run_id}/submit_tool_outputs", submit_tool_outputs, methods=["POST"]),
    Route("/threads/{thread_id}/runs/{run_id}/steps", list_steps, methods=["GET"]),
    Route("/threads/{thread_id}/runs/{run_id}/steps/{step_id}", get_step, methods=["GET"]),
]
