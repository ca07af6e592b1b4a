"""The API's mount: /v1/... and Azure-style /openai/...?api-version=..., and the server key check when one is set."""

from __future__ import annotations

import hmac

from starlette.types import ASGIApp, Receive, Scope, Send

from ..core.errors import APIError, bad_request
from .error_responses import error_response


class ApiPrefix:
    """Serve /v1/... and Azure-style /openai/...?api-version=...; check the server key when one is set."""

    def __init__(self, app: ASGIApp, api_key: str | None) -> None:
        self.app = app
        self.api_key = api_key

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
            await error_response(error)(scope, receive, send)
            return
        scope = dict(scope, path=inner, raw_path=inner.encode())
        await self.app(scope, receive, send)

    def _authorized(self, scope: Scope) -> bool:
        headers = dict(scope["headers"])
        bearer = headers.get(b"authorization", b"").decode("latin-1")
        offered = bearer[7:] if bearer.lower().startswith("bearer ") else headers.get(b"api-key", b"").decode("latin-1")
        return hmac.compare_digest(offered.encode(), self.api_key.encode()) if offered else False
