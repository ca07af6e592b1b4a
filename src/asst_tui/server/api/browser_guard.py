"""No web page drives the server: the Host header must name the server itself, and browser (Origin) requests
need an origin the server was told to allow; those get CORS answers, preflight included.

DNS rebinding points a name the attacker controls at 127.0.0.1, so that the user's browser sends the
page's requests to the loopback server as same-origin ones: they arrive with `Host: attacker.example`.
A server on loopback therefore answers only Host values that are its own address (127.0.0.1, ::1 or
localhost with its port) or a name given with `--allowed-host`. Bound beyond loopback, where a server
key is always required (a page can't send it), the Host check applies once `--allowed-host` names the
names clients use, e.g. the public name a reverse proxy passes on.

Browsers send `Origin` with every cross-origin request and every POST; programs (the SDK, curl, the
TUI) send none. A request with an Origin is refused (403) unless `--cors-origin` lists that origin.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..config import allowed_host, cors_origin, split_host
from ..core.errors import APIError
from .error_responses import error_response

LOOPBACK_NAMES = {"127.0.0.1", "::1", "localhost"}
CORS_METHODS = "GET, POST, DELETE, OPTIONS"
CORS_DEFAULT_HEADERS = "authorization, api-key, content-type, openai-beta"
PREFLIGHT_MAX_AGE_S = 600


class BrowserGuard:
    """Check Host and Origin before anything else; answer preflights; add CORS headers for allowed origins."""

    def __init__(self, app: ASGIApp, *, bind_host: str, loopback: bool, allowed_hosts: Iterable[str], cors_origins: Iterable[str]) -> None:
        self.app = app
        self.own_names = LOOPBACK_NAMES | {bind_host.strip("[]").lower()}
        self.allowed = {parse_host(allowed_host(name)) for name in allowed_hosts}
        self.check_host = loopback or bool(self.allowed)
        self.origins = {cors_origin(origin) for origin in cors_origins}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        error = self._host_error(scope, headers.get(b"host"))
        origin = headers.get(b"origin", b"").decode("latin-1")
        if error is None and origin and origin.lower() not in self.origins:
            error = APIError(
                403,
                f"Requests from web pages are refused, and this one comes from {origin!r}. "
                "To let a web app at that origin use the server, start it with --cors-origin ORIGIN.",
                code="origin_not_allowed",
            )
        if error is not None:
            await error_response(error)(scope, receive, send)
            return
        if not origin:
            await self.app(scope, receive, send)
        elif scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            await _preflight(origin, headers)(scope, receive, send)
        else:
            await self.app(scope, receive, _with_cors(send, origin))

    def _host_error(self, scope: Scope, raw: bytes | None) -> APIError | None:
        if raw is None or not self.check_host:
            return None  # HTTP/1.0 may omit Host; a browser never does
        host = raw.decode("latin-1")
        name, port = parse_host(host)
        server = scope.get("server")
        own_port = server[1] if server else None
        if name in self.own_names and (own_port is None or (port or 80) == own_port):
            return None
        if (name, port) in self.allowed or (name, None) in self.allowed:
            return None
        return APIError(
            400,
            f"The Host header {host!r} does not name this server, so the request was refused (it may come from a web "
            "page using DNS rebinding). Use the server's own address, or start the server with --allowed-host NAME for a name it should answer.",
            code="invalid_host",
        )


def parse_host(value: str) -> tuple[str, int | None]:
    """A Host header as (lower-case name, port or None)."""
    name, port = split_host(value)
    return name, int(port) if port and port.isdigit() else None


def _preflight(origin: str, headers: dict[bytes, bytes]) -> Response:
    """The answer to an allowed origin's preflight: the methods, the headers it asked for, cached for a while."""
    asked = headers.get(b"access-control-request-headers", b"").decode("latin-1").strip()
    return Response(
        status_code=204,
        headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": CORS_METHODS,
            "Access-Control-Allow-Headers": asked or CORS_DEFAULT_HEADERS,
            "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_S),
            "Vary": "Origin",
        },
    )


def _with_cors(send: Send, origin: str) -> Send:
    async def cors_send(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            headers["Access-Control-Allow-Origin"] = origin
            headers.add_vary_header("Origin")
        await send(message)

    return cors_send
