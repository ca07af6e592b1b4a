"""Model engines: `demo` (offline, deterministic)."""

from __future__ import annotations

from .base import Engine

ENGINES = ("demo",)


def make_engine(name: str) -> Engine:
    if name == "demo":
        from .demo import DemoEngine

        return DemoEngine()
    raise ValueError(f"unknown engine {name!r} (available: {', '.join(ENGINES)})")
