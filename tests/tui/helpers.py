"""Driving the real app under Pilot: build it, wait for it, send messages."""

from __future__ import annotations

import asyncio
from argparse import Namespace
from collections.abc import Callable
from pathlib import Path

import openai

from asst_tui.config import load_config
from asst_tui.tui.app import AsstApp

SIZE = (120, 36)


def write_config(home: Path, text: str) -> Path:
    path = home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def make_app(**options: str | None) -> AsstApp:
    config, problems = load_config()
    defaults = {"profile": None, "base_url": None, "assistant": None, "thread": None, "theme": None}
    return AsstApp(config, problems, Namespace(**{**defaults, **options}))


async def wait_for(pilot, condition: Callable[[], object], timeout: float = 15.0, what: str = "condition") -> None:
    """Let the app run until `condition()` is true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


async def ready(pilot) -> AsstApp:
    """Wait until the app is connected, has a thread open and no run going."""
    app = pilot.app
    await wait_for(pilot, lambda: app.ready and app.flow is None, what="startup")
    return app


async def send(pilot, text: str) -> None:
    app = pilot.app
    app.prompt.focus()
    app.prompt.text = text
    await pilot.press("enter")


async def run_done(pilot, status: str = "completed") -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.flow is None and app.status_line.status == status, what=f"run {status}")
    await pilot.pause(0.1)


async def tool_prompt(pilot) -> None:
    """Wait until the function-call prompt is open and its first output field has the focus."""
    from textual.widgets import TextArea

    from asst_tui.tui.screens.tool_outputs import ToolOutputsScreen

    app = pilot.app
    def open_and_focused() -> bool:
        return isinstance(app.screen, ToolOutputsScreen) and isinstance(app.focused, TextArea)

    await wait_for(pilot, open_and_focused, what="tool prompt")


def notes(app: AsstApp) -> list[str]:
    """What asst-tui itself said in the chat pane (errors, hints, the welcome)."""
    return [entry.source for entry in app.chat.entries if entry.role == "note"]


def notifications(app: AsstApp) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


def assistant_texts(app: AsstApp) -> list[str]:
    return [entry.source for entry in app.chat.entries if entry.role == "assistant"]


def sdk_client(app: AsstApp) -> openai.AsyncOpenAI:
    """Another client of the app's embedded server, as a script using the openai SDK would be."""
    return openai.AsyncOpenAI(base_url=app.connection.server.base_url, api_key="test", max_retries=0)
