"""The whole HTTP API as one ASGI app: every resource's routes, the error handlers, the /v1 prefix and key check,
and the guards around them (Host and Origin, body type and size)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from starlette.applications import Starlette
from starlette.types import ASGIApp

from .assistants import ASSISTANT_ROUTES
from .auth import ServerKeys
from .body_guard import BodyGuard
from .browser_guard import BrowserGuard
from .common import Services
from .error_responses import EXCEPTION_HANDLERS, KeepConnectionAfterErrors
from .files import FILE_ROUTES
from .prefix import ApiPrefix
from .runs import RUN_ROUTES
from .threads import THREAD_ROUTES
from .vector_stores import VECTOR_STORE_ROUTES

# Runs first: POST /threads/runs (create a thread and run it) must not match POST /threads/{thread_id}.
ROUTES = [*ASSISTANT_ROUTES, *RUN_ROUTES, *THREAD_ROUTES, *FILE_ROUTES, *VECTOR_STORE_ROUTES]


def http_app(services: Services, keys: ServerKeys, lifespan: Callable[[Starlette], AbstractAsyncContextManager[Any]]) -> ASGIApp:
    """The API over `services`, under /v1 (and Azure's /openai), open to `keys`, with `lifespan` around the server's life."""
    app = Starlette(routes=ROUTES, lifespan=lifespan, exception_handlers=EXCEPTION_HANDLERS)
    app.router.redirect_slashes = False  # a redirect would drop the /v1 prefix; an unknown URL is a 404
    app.state.server = services
    config = services.config
    inner = BodyGuard(app, config.max_body_bytes, config.max_upload_bytes)
    guarded = BrowserGuard(
        ApiPrefix(inner, keys),
        bind_host=config.host,
        loopback=config.is_loopback,
        allowed_hosts=config.allowed_hosts,
        cors_origins=config.cors_origins,
    )
    return KeepConnectionAfterErrors(guarded)
