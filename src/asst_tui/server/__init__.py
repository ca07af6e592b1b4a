"""The embedded Assistants v2 server.

`spawn_server(ServerConfig(...))` runs it in a child process (the TUI, the commands), `start_server(...)`
in a background thread (tests); both return a handle with `base_url` and `stop()`. `asst-tui serve`
runs it in the foreground. Importing this package is cheap: uvicorn, Starlette and the app load in the
child, or here only when `start_server` or `EmbeddedServer` is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import ServerConfig, local_engine
from .lock import running_server
from .spawn import ChildServer, spawn_server
from .start_error import ServerStartError

if TYPE_CHECKING:
    from .embed import EmbeddedServer, start_server

__all__ = ["ChildServer", "EmbeddedServer", "ServerConfig", "ServerStartError", "local_engine", "running_server", "spawn_server",
           "start_server"]

_IN_THREAD = {"EmbeddedServer", "start_server"}


def __getattr__(name: str) -> Any:
    if name in _IN_THREAD:
        from . import embed

        return getattr(embed, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
