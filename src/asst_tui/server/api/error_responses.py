"""Every failure answered in OpenAI's error shape: API errors, storage failures, unknown URLs and methods,
unexpected exceptions; and no failure closes the client's kept-alive connection once its answer is sent."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..core.errors import APIError
from ..storage.errors import StorageBusy, StorageError, StorageFull

log = logging.getLogger("asst_tui.server")
RETRY_BUSY_AFTER_S = 1


def error_response(exc: APIError, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers=headers)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, APIError)
    return error_response(exc)


async def _storage_error(request: Request, exc: Exception) -> Response:
    """507 when the disk is full, 503 (with Retry-After when it is only locked) when the storage fails."""
    assert isinstance(exc, StorageError)
    log.error("storage failure on %s %s: %s", request.method, request.url.path, exc.__cause__ or exc)
    if isinstance(exc, StorageFull):
        return error_response(APIError(507, exc.message, type="server_error", code="storage_full"))
    if isinstance(exc, StorageBusy):
        return error_response(APIError(503, exc.message, type="server_error", code="storage_busy"), {"Retry-After": str(RETRY_BUSY_AFTER_S)})
    return error_response(APIError(503, exc.message, type="server_error", code="storage_error"))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"Unknown request URL: {request.method} {request.url.path}."
        return error_response(APIError(404, message, code="unknown_url"))
    if exc.status_code == 405:
        return error_response(APIError(405, f"Method {request.method} is not allowed on {request.url.path}.", code="method_not_allowed"))
    return error_response(APIError(exc.status_code, str(exc.detail)))


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(APIError(500, "The server had an error while processing your request.", type="server_error", code="server_error"))


EXCEPTION_HANDLERS = {APIError: _api_error, StorageError: _storage_error, HTTPException: _http_error, Exception: _unexpected_error}


class KeepConnectionAfterErrors:
    """Starlette answers an unexpected exception with a 500, then raises it again, so that uvicorn closes
    the connection and the client's next request on it is reset. Once the answer is complete (and logged
    by `_unexpected_error`), the exception ends here; a half-sent answer still ends the connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        answered = False

        async def tracking_send(message: Message) -> None:
            nonlocal answered
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                answered = True

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            if not answered:
                raise
