"""HTTP routes of the Assistants v2 API (Starlette), OpenAI-shaped errors, SSE streaming."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from typing import Any, AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from .api import validation as v
from .api.files import FILE_PURPOSES, delete_file, save_upload
from .api.vector_store_params import include_search_content, inline_vector_stores
from .api.vector_stores import VECTOR_STORE_ROUTES
from .config import ServerConfig
from .core import objects
from .core.errors import APIError, bad_request, not_found
from .lock import lock_data_dir
from .runs.engines import make_engine
from .runs.events import DONE, sse
from .runs.manager import RunManager
from .storage.sqlite_objects import Store
from .tools.file_search import without_content
from .tools.sandbox import Sandbox
from .tools.vector_stores import VectorStores

log = logging.getLogger("asst_tui.server")

ASSISTANT_FIELDS = {"model", "name", "description", "instructions", "tools", "tool_resources", "metadata", "temperature", "top_p", "response_format", "reasoning_effort"}
RUN_FIELDS = {
    "assistant_id", "model", "instructions", "additional_instructions", "additional_messages", "tools", "metadata",
    "temperature", "top_p", "stream", "max_prompt_tokens", "max_completion_tokens", "truncation_strategy",
    "tool_choice", "parallel_tool_calls", "response_format", "reasoning_effort",
}
MESSAGE_FIELDS = {"role", "content", "attachments", "metadata"}


class ServerState:
    """Everything a request handler needs: storage, the run manager, settings."""

    def __init__(self, config: ServerConfig) -> None:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.config = config
        self.data_lock = lock_data_dir(config.data_dir)
        self.store = Store(config.data_dir)
        self.sandbox = Sandbox(
            config.data_dir / "sandbox",
            timeout_s=config.sandbox_timeout_s,
            memory_mb=config.sandbox_memory_mb,
            max_log_chars=config.sandbox_max_log_chars,
        )
        self.vector_stores = VectorStores(self.store, config.data_dir)
        self.runs = RunManager(self.store, make_engine(config), self.sandbox, self.vector_stores, config)


def _state(request: Request) -> ServerState:
    return request.app.state.server


async def _body(request: Request, allowed: set[str]) -> dict[str, Any]:
    body = v.parse_json_object(await request.body())
    v.reject_unknown(body, allowed)
    return body


def _get(request: Request, kind: str, object_id: str, parent: str | None = None) -> dict[str, Any]:
    obj = _state(request).store.get(kind, object_id, parent)
    if obj is None:
        raise not_found(kind, object_id)
    return obj


def _page(request: Request, kind: str, parent: str | None, where: tuple[str, str] | None = None, view: Any = None) -> JSONResponse:
    limit, order, after, before = v.list_params(request.query_params)
    items, more = _state(request).store.page(kind, parent, limit=limit, order=order, after=after, before=before, where=where)
    return JSONResponse(objects.page([view(item) for item in items] if view else items, more))


# ---- assistants ----------------------------------------------------------------------------------


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
    params = _assistant_params(await _body(request, ASSISTANT_FIELDS), creating=True)
    _check_files_exist(request, params.get("tool_resources"))
    _state(request).vector_stores.create_inline(params.get("tool_resources"))
    return JSONResponse(_state(request).store.insert("assistant", objects.assistant(params)))


async def list_assistants(request: Request) -> Response:
    return _page(request, "assistant", None)


async def get_assistant(request: Request) -> Response:
    return JSONResponse(_get(request, "assistant", request.path_params["assistant_id"]))


async def update_assistant(request: Request) -> Response:
    assistant = _get(request, "assistant", request.path_params["assistant_id"])
    params = _assistant_params(await _body(request, ASSISTANT_FIELDS), creating=False)
    _check_files_exist(request, params.get("tool_resources"))
    _state(request).vector_stores.create_inline(params.get("tool_resources"))
    for key, value in params.items():
        assistant[key] = 1.0 if value is None and key in ("temperature", "top_p") else value
    return JSONResponse(_state(request).store.put(assistant))


async def delete_assistant(request: Request) -> Response:
    assistant = _get(request, "assistant", request.path_params["assistant_id"])
    _state(request).store.delete(assistant["id"])
    return JSONResponse(objects.deleted(assistant["id"], "assistant"))


def _check_files_exist(request: Request, resources: dict[str, Any] | None) -> None:
    for file_id in ((resources or {}).get("code_interpreter") or {}).get("file_ids", []):
        _get(request, "file", file_id)
    search = (resources or {}).get("file_search") or {}
    if search.get("vector_stores") is not None:
        search["vector_stores"] = inline_vector_stores(search["vector_stores"], "tool_resources.file_search.vector_stores")
    _state(request).vector_stores.check_resources(resources)


# ---- threads and messages ----------------------------------------------------------------------


def _message_content(content: Any, param: str) -> list[dict[str, Any]]:
    if isinstance(content, str):
        if len(content) > v.MAX_MESSAGE_CHARS:
            raise bad_request(f"Invalid '{param}': string too long (maximum {v.MAX_MESSAGE_CHARS} characters).", param=param, code="string_above_max_length")
        return [objects.text_part(content)]
    if not isinstance(content, list) or not content:
        raise bad_request(f"Invalid '{param}': expected a string or a non-empty array of content parts.", param=param, code="invalid_type")
    parts = []
    for i, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        where = f"{param}[{i}]"
        if kind == "text" and isinstance(part.get("text"), str):
            parts.append(objects.text_part(part["text"]))
        elif kind == "image_file" and isinstance(part.get("image_file"), dict) and isinstance(part["image_file"].get("file_id"), str):
            parts.append({"type": "image_file", "image_file": {"file_id": part["image_file"]["file_id"], "detail": part["image_file"].get("detail", "auto")}})
        elif kind == "image_url" and isinstance(part.get("image_url"), dict) and isinstance(part["image_url"].get("url"), str):
            parts.append({"type": "image_url", "image_url": {"url": part["image_url"]["url"], "detail": part["image_url"].get("detail", "auto")}})
        else:
            raise bad_request(f"Invalid '{where}': expected a text, image_file or image_url content part.", param=where, code="invalid_value")
    return parts


def _attachments(request: Request, body: dict[str, Any], param: str) -> list[dict[str, Any]]:
    value = v.typed(body, "attachments", list, param=param)
    result = []
    for i, item in enumerate(value or []):
        where = f"{param}[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("file_id"), str):
            raise bad_request(f"Invalid '{where}': expected an object with a file_id.", param=where, code="invalid_value")
        _get(request, "file", item["file_id"])
        tools = item.get("tools") or []
        if not isinstance(tools, list) or any(not isinstance(t, dict) or t.get("type") not in ("code_interpreter", "file_search") for t in tools):
            raise bad_request(f"Invalid '{where}.tools': each tool must be code_interpreter or file_search.", param=f"{where}.tools", code="invalid_value")
        result.append({"file_id": item["file_id"], "tools": [{"type": t["type"]} for t in tools]})
    return result


def _new_message(request: Request, thread_id: str, body: dict[str, Any], param: str = "") -> dict[str, Any]:
    """Validate a message-create body (also used for thread messages and additional_messages)."""
    prefix = f"{param}." if param else ""
    v.reject_unknown(body, MESSAGE_FIELDS)
    role = body.get("role")
    if role not in ("user", "assistant"):
        raise bad_request(f"Invalid '{prefix}role': expected 'user' or 'assistant', got {role!r}.", param=f"{prefix}role", code="invalid_value")
    if "content" not in body:
        raise bad_request(f"Missing required parameter: '{prefix}content'.", param=f"{prefix}content", code="missing_required_parameter")
    content = _message_content(body["content"], f"{prefix}content")
    attachments = _attachments(request, body, f"{prefix}attachments")
    metadata = v.metadata(body)
    return objects.message(thread_id, role, content, attachments=attachments, metadata=metadata)


def _new_thread(request: Request, body: dict[str, Any], param: str = "") -> tuple[dict[str, Any], list[dict[str, Any]]]:
    v.reject_unknown(body, {"messages", "tool_resources", "metadata"})
    thread = objects.thread(v.metadata(body), v.tool_resources(body))
    _check_files_exist(request, thread["tool_resources"])
    raw = v.typed(body, "messages", list, param=f"{param}messages") or []
    messages = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise bad_request(f"Invalid '{param}messages[{i}]': expected an object.", param=f"{param}messages[{i}]", code="invalid_type")
        messages.append(_new_message(request, thread["id"], item, f"{param}messages[{i}]"))
    return thread, messages


def _save_thread(request: Request, thread: dict[str, Any], messages: list[dict[str, Any]]) -> None:
    store = _state(request).store
    _state(request).vector_stores.create_inline(thread["tool_resources"])
    store.insert("thread", thread)
    for message in messages:
        store.insert("message", message, parent=thread["id"])
    _state(request).vector_stores.attach_to_thread(thread, messages)


async def create_thread(request: Request) -> Response:
    thread, messages = _new_thread(request, await _body(request, {"messages", "tool_resources", "metadata"}))
    _save_thread(request, thread, messages)
    return JSONResponse(thread)


async def get_thread(request: Request) -> Response:
    return JSONResponse(_get(request, "thread", request.path_params["thread_id"]))


async def update_thread(request: Request) -> Response:
    thread = _get(request, "thread", request.path_params["thread_id"])
    body = await _body(request, {"tool_resources", "metadata"})
    if "metadata" in body:
        thread["metadata"] = v.metadata(body) or {}
    if "tool_resources" in body:
        thread["tool_resources"] = v.tool_resources(body) or {}
        _check_files_exist(request, thread["tool_resources"])
        _state(request).vector_stores.create_inline(thread["tool_resources"])
    return JSONResponse(_state(request).store.put(thread))


async def delete_thread(request: Request) -> Response:
    thread = _get(request, "thread", request.path_params["thread_id"])
    state = _state(request)
    active = state.runs.active_run(thread["id"])
    if active is not None:
        state.runs.cancel(active)
    state.store.delete_tree(thread["id"])
    await state.sandbox.release(thread["id"])
    return JSONResponse(objects.deleted(thread["id"], "thread"))


async def create_message(request: Request) -> Response:
    thread = _get(request, "thread", request.path_params["thread_id"])
    body = v.parse_json_object(await request.body())
    message = _new_message(request, thread["id"], body)
    state = _state(request)
    state.runs.check_can_add_message(thread["id"])
    state.store.insert("message", message, parent=thread["id"])
    state.vector_stores.attach_to_thread(thread, [message])
    return JSONResponse(message)


async def list_messages(request: Request) -> Response:
    thread = _get(request, "thread", request.path_params["thread_id"])
    run_id = request.query_params.get("run_id")
    return _page(request, "message", thread["id"], where=("run_id", run_id) if run_id else None)


async def get_message(request: Request) -> Response:
    thread_id = request.path_params["thread_id"]
    _get(request, "thread", thread_id)
    return JSONResponse(_get(request, "message", request.path_params["message_id"], thread_id))


async def update_message(request: Request) -> Response:
    thread_id = request.path_params["thread_id"]
    _get(request, "thread", thread_id)
    message = _get(request, "message", request.path_params["message_id"], thread_id)
    body = await _body(request, {"metadata"})
    if "metadata" in body:
        message["metadata"] = v.metadata(body) or {}
    return JSONResponse(_state(request).store.put(message))


async def delete_message(request: Request) -> Response:
    thread_id = request.path_params["thread_id"]
    _get(request, "thread", thread_id)
    message = _get(request, "message", request.path_params["message_id"], thread_id)
    _state(request).store.delete(message["id"])
    return JSONResponse(objects.deleted(message["id"], "thread.message"))


# ---- runs ----------------------------------------------------------------------------------------


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


def _build_run(request: Request, thread_id: str, params: dict[str, Any]) -> dict[str, Any]:
    assistant = _get(request, "assistant", params["assistant_id"])
    choice = params.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "function":
        tools = params.get("tools") if params.get("tools") is not None else assistant.get("tools", [])
        if choice["function"]["name"] not in {t["function"]["name"] for t in tools if t["type"] == "function"}:
            raise bad_request(f"Invalid 'tool_choice': no function named {choice['function']['name']!r} among the run's tools.", param="tool_choice", code="invalid_value")
    return objects.run(thread_id, assistant, params, _state(request).config.run_expiry_seconds)


async def create_run(request: Request) -> Response:
    thread = _get(request, "thread", request.path_params["thread_id"])
    body = await _body(request, RUN_FIELDS)
    params = _run_params(request, body)
    extra = v.typed(body, "additional_messages", list) or []
    messages = []
    for i, item in enumerate(extra):
        if not isinstance(item, dict):
            raise bad_request(f"Invalid 'additional_messages[{i}]': expected an object.", param=f"additional_messages[{i}]", code="invalid_type")
        messages.append(_new_message(request, thread["id"], item, f"additional_messages[{i}]"))
    run = _build_run(request, thread["id"], params)
    state = _state(request)
    state.runs.check_can_start_run(thread["id"])
    for message in messages:
        state.store.insert("message", message, parent=thread["id"])
    state.vector_stores.attach_to_thread(thread, messages)
    return _start(request, run, stream=bool(body.get("stream")))


async def create_thread_and_run(request: Request) -> Response:
    body = await _body(request, RUN_FIELDS - {"additional_instructions", "additional_messages"} | {"thread", "tool_resources"})
    params = _run_params(request, body)
    thread_body = v.typed(body, "thread", dict) or {}
    thread, messages = _new_thread(request, thread_body, "thread.")
    if "tool_resources" in body and "tool_resources" not in thread_body:
        thread["tool_resources"] = v.tool_resources(body) or {}
        _check_files_exist(request, thread["tool_resources"])
    run = _build_run(request, thread["id"], params)
    _save_thread(request, thread, messages)
    return _start(request, run, stream=bool(body.get("stream")), created_thread=thread)


def _start(request: Request, run: dict[str, Any], *, stream: bool, created_thread: dict[str, Any] | None = None) -> Response:
    runs = _state(request).runs
    if not stream:
        runs.start(run)
        return JSONResponse(run)
    queue = runs.bus.subscribe(run["id"])
    if created_thread is not None:
        queue.put_nowait(sse("thread.created", created_thread))
    runs.start(run)
    return _sse_response(request, run["id"], queue)


def _sse_response(request: Request, run_id: str, queue: asyncio.Queue[str | None]) -> StreamingResponse:
    bus = _state(request).runs.bus

    async def body() -> AsyncIterator[str]:
        try:
            while True:
                chunk = await queue.get()
                if chunk is None:
                    break
                batch = [chunk]
                while not queue.empty() and len(batch) < 256:
                    more = queue.get_nowait()
                    if more is None:
                        yield "".join(batch)
                        yield DONE
                        return
                    batch.append(more)
                yield "".join(batch)
            yield DONE
        finally:
            bus.unsubscribe(run_id, queue)

    return StreamingResponse(body(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def _run_of(request: Request) -> dict[str, Any]:
    thread_id = request.path_params["thread_id"]
    _get(request, "thread", thread_id)
    return _get(request, "run", request.path_params["run_id"], thread_id)


async def list_runs(request: Request) -> Response:
    thread = _get(request, "thread", request.path_params["thread_id"])
    return _page(request, "run", thread["id"])


async def get_run(request: Request) -> Response:
    return JSONResponse(_run_of(request))


async def update_run(request: Request) -> Response:
    run = _run_of(request)
    body = await _body(request, {"metadata"})
    if "metadata" in body:
        run["metadata"] = v.metadata(body) or {}
    return JSONResponse(_state(request).store.put(run))


async def cancel_run(request: Request) -> Response:
    run = _run_of(request)
    return JSONResponse(_state(request).runs.cancel(run))


async def submit_tool_outputs(request: Request) -> Response:
    run = _run_of(request)
    body = await _body(request, {"tool_outputs", "stream"})
    outputs = v.typed(body, "tool_outputs", list)
    if outputs is None:
        raise bad_request("Missing required parameter: 'tool_outputs'.", param="tool_outputs", code="missing_required_parameter")
    runs = _state(request).runs
    if not v.typed(body, "stream", bool):
        return JSONResponse(runs.submit_tool_outputs(run, outputs))
    queue = runs.bus.subscribe(run["id"])
    try:
        runs.submit_tool_outputs(run, outputs)
    except APIError:
        runs.bus.unsubscribe(run["id"], queue)
        raise
    return _sse_response(request, run["id"], queue)


async def list_steps(request: Request) -> Response:
    run = _run_of(request)
    full = include_search_content(request.query_params)
    return _page(request, "step", run["id"], view=None if full else without_content)


async def get_step(request: Request) -> Response:
    run = _run_of(request)
    step = _get(request, "step", request.path_params["step_id"], run["id"])
    return JSONResponse(step if include_search_content(request.query_params) else without_content(step))


# ---- files ---------------------------------------------------------------------------------------


async def upload_file(request: Request) -> Response:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise bad_request("Uploads must be multipart/form-data with 'file' and 'purpose' fields.")
    try:
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
        info = await save_upload(_state(request).store, upload, purpose)
    finally:
        await form.close()
    return JSONResponse(info)


async def list_files(request: Request) -> Response:
    purpose = request.query_params.get("purpose")
    return _page(request, "file", None, where=("purpose", purpose) if purpose else None)


async def get_file(request: Request) -> Response:
    return JSONResponse(_get(request, "file", request.path_params["file_id"]))


async def file_content(request: Request) -> Response:
    info = _get(request, "file", request.path_params["file_id"])
    path = _state(request).store.file_path(info["id"])
    if not path.exists():
        raise APIError(404, f"The content of file '{info['id']}' is missing on the server.")
    return FileResponse(path, media_type="application/octet-stream", filename=info["filename"])


async def remove_file(request: Request) -> Response:
    info = _get(request, "file", request.path_params["file_id"])
    await _state(request).vector_stores.forget_file(info["id"])
    delete_file(_state(request).store, info["id"])
    return JSONResponse({"id": info["id"], "object": "file", "deleted": True})


# ---- app -----------------------------------------------------------------------------------------

ROUTES = [
    Route("/assistants", create_assistant, methods=["POST"]),
    Route("/assistants", list_assistants, methods=["GET"]),
    Route("/assistants/{assistant_id}", get_assistant, methods=["GET"]),
    Route("/assistants/{assistant_id}", update_assistant, methods=["POST"]),
    Route("/assistants/{assistant_id}", delete_assistant, methods=["DELETE"]),
    Route("/threads", create_thread, methods=["POST"]),
    Route("/threads/runs", create_thread_and_run, methods=["POST"]),
    Route("/threads/{thread_id}", get_thread, methods=["GET"]),
    Route("/threads/{thread_id}", update_thread, methods=["POST"]),
    Route("/threads/{thread_id}", delete_thread, methods=["DELETE"]),
    Route("/threads/{thread_id}/messages", create_message, methods=["POST"]),
    Route("/threads/{thread_id}/messages", list_messages, methods=["GET"]),
    Route("/threads/{thread_id}/messages/{message_id}", get_message, methods=["GET"]),
    Route("/threads/{thread_id}/messages/{message_id}", update_message, methods=["POST"]),
    Route("/threads/{thread_id}/messages/{message_id}", delete_message, methods=["DELETE"]),
    Route("/threads/{thread_id}/runs", create_run, methods=["POST"]),
    Route("/threads/{thread_id}/runs", list_runs, methods=["GET"]),
    Route("/threads/{thread_id}/runs/{run_id}", get_run, methods=["GET"]),
    Route("/threads/{thread_id}/runs/{run_id}", update_run, methods=["POST"]),
    Route("/threads/{thread_id}/runs/{run_id}/cancel", cancel_run, methods=["POST"]),
    Route("/threads/{thread_id}/runs/{run_id}/submit_tool_outputs", submit_tool_outputs, methods=["POST"]),
    Route("/threads/{thread_id}/runs/{run_id}/steps", list_steps, methods=["GET"]),
    Route("/threads/{thread_id}/runs/{run_id}/steps/{step_id}", get_step, methods=["GET"]),
    Route("/files", upload_file, methods=["POST"]),
    Route("/files", list_files, methods=["GET"]),
    Route("/files/{file_id}", get_file, methods=["GET"]),
    Route("/files/{file_id}", remove_file, methods=["DELETE"]),
    Route("/files/{file_id}/content", file_content, methods=["GET"]),
    *VECTOR_STORE_ROUTES,
]


def _error_response(exc: APIError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, APIError)
    return _error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"Unknown request URL: {request.method} {request.url.path}."
        return _error_response(APIError(404, message, code="unknown_url"))
    if exc.status_code == 405:
        return _error_response(APIError(405, f"Method {request.method} is not allowed on {request.url.path}.", code="method_not_allowed"))
    return _error_response(APIError(exc.status_code, str(exc.detail)))


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _error_response(APIError(500, "The server had an error while processing your request.", type="server_error", code="server_error"))


class ApiPrefix:
    """Serve /v1/... and Azure-style /openai/...?api-version=...; check the server key when one is set."""

    def __init__(self, app: ASGIApp, api_key: str | None, state: ServerState) -> None:
        self.app = app
        self.api_key = api_key
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        error: APIError | None = None
        if path.startswith("/v1/") or path == "/v1":
            inner = path[3:] or "/"
        elif path.startswith("/openai/"):
            inner = path[7:]
            if b"api-version=" not in scope.get("query_string", b""):
                error = bad_request("Missing required query parameter: 'api-version'.", param="api-version", code="missing_required_parameter")
        else:
            error = APIError(404, f"Unknown request URL: {scope['method']} {path}. The API lives under /v1.", code="unknown_url")
        if error is None and self.api_key and not self._authorized(scope):
            error = APIError(401, "Incorrect API key provided. Send it as 'Authorization: Bearer <key>'.", code="invalid_api_key")
        if error is not None:
            await _error_response(error)(scope, receive, send)
            return
        scope = dict(scope, path=inner, raw_path=inner.encode())
        await self.app(scope, receive, send)

    def _authorized(self, scope: Scope) -> bool:
        headers = dict(scope["headers"])
        bearer = headers.get(b"authorization", b"").decode("latin-1")
        offered = bearer[7:] if bearer.lower().startswith("bearer ") else headers.get(b"api-key", b"").decode("latin-1")
        return hmac.compare_digest(offered.encode(), self.api_key.encode()) if offered else False


def build_app(config: ServerConfig) -> ApiPrefix:
    state = ServerState(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state.runs.recover()
        state.runs.start_expiry()
        await state.vector_stores.start()
        try:
            yield
        finally:
            await state.runs.shutdown()
            await state.vector_stores.close()
            await state.sandbox.close()
            state.store.close()
            state.data_lock.close()

    app = Starlette(
        routes=ROUTES,
        lifespan=lifespan,
        exception_handlers={APIError: _api_error, HTTPException: _http_error, Exception: _unexpected_error},
    )
    app.router.redirect_slashes = False  # a redirect would drop the /v1 prefix; an unknown URL is a 404
    app.state.server = state
    return ApiPrefix(app, config.api_key, state)
