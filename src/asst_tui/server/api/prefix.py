"""The API's mount: /v1/... and Azure-style /openai/...?api-version=..., and the key check that picks the request's project."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from ..core.errors import APIError, bad_request
from .auth import KeysUnavailable, ServerKeys
from .error_responses import error_response


class ApiPrefix:
    """Serve /v1/... and Azure-style /openai/...?api-version=...; check the key when keys are set.

    The project the key opens goes to the routes as `request.state.project` (see `common.project`).
    """

    def __init__(self, app: ASGIApp, keys: ServerKeys) -> None:
        self.app = app
        self.keys = keys

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
        project = None
        if error is None:
            try:
                project = self.keys.project_for(_offered_key(scope))
            except KeysUnavailable:
                error = APIError(503, "The server can't read its keys file, so it accepts no key for now. Its administrator must fix the file (the server log says what is wrong).", type="server_error")
            else:
                if project is None:
                    error = APIError(401, "Incorrect API key provided. Send it as 'Authorization: Bearer <key>'.", code="invalid_api_key")
        if error is not None:
            await error_response(error)(scope, receive, send)
            return
        scope = dict(scope, path=inner, raw_path=inner.encode(), state={**scope.get("state", {}), "project": project})
        await self.app(scope, receive, send)


def _offered_key(scope: Scope) -> str:
    """The key a request sends: 'Authorization: Bearer KEY', else Azure's 'api-key: KEY'."""
    headers = dict(scope["headers"])
    bearer = headers.get(b"authorization", b"").decode("latin-1")
    return bearer[7:].strip() if bearer.lower().startswith("bearer ") else headers.get(b"api-key", b"").decode("latin-1").strip()
