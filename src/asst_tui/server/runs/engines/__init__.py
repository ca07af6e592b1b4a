"""Model engines: `demo` (offline, deterministic) and `chat` (any Chat Completions upstream)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Engine

if TYPE_CHECKING:
    from ...config import ServerConfig

ENGINES = ("demo", "chat")


def make_engine(config: ServerConfig) -> Engine:
    if config.engine == "demo":
        from .demo import DemoEngine

        return DemoEngine()
    if config.engine == "chat":
        from .chat import ChatEngine

        return ChatEngine(config)
    raise ValueError(f"unknown engine {config.engine!r} (available: {', '.join(ENGINES)})")
