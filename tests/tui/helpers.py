"""Driving the real app under Pilot: build it, wait for it, send messages."""

from __future__ import annotations

import asyncio
import html
import re
from argparse import Namespace
from collections.abc import Callable
from pathlib import Path

import openai
from rich.cells import cell_len
from rich.segment import Segment
from textual.app import App
from textual.geometry import Region

from asst_tui.config import ConfigError, load_config
from asst_tui.registry import Registry
from asst_tui.session.connection import effective_profile
from asst_tui.tui.app import AsstApp
from asst_tui.tui.textual_compat import notifications as shown_notifications

from .shared_servers import SharedServers

SIZE = (120, 36)
SHARED: SharedServers | None = None  # set for the test session by the `shared_servers` fixture (conftest.py)


def write_config(home: Path, text: str) -> Path:
    path = home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def make_app(*, fresh_server: bool = False, **options: str | None) -> AsstApp:
    """The app as `asst-tui` builds it, on the shared server (see shared_servers.py) unless `fresh_server`."""
    config, problems = load_config()
    defaults = {"profile": None, "base_url": None, "assistant": None, "thread": None, "theme": None}
    options = Namespace(**{**defaults, **options})
    if fresh_server or SHARED is None:
        return AsstApp(config, problems, options)
    try:
        profile = effective_profile(config.profile(options.profile), options.base_url)
    except ConfigError:  # an unknown profile: the app says so, falls back to 'local' and starts its own server
        return AsstApp(config, problems, options)
    registry = Registry()
    registry.load()
    SHARED.give_assistant(profile, registry)
    return AsstApp(config, problems, options, connect=SHARED.connect)


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


def notifications(app: App) -> list[str]:
    return [str(notification.message) for notification in shown_notifications(app)]


_SVG_TEXT = re.compile(r'<text [^>]*?x="([\d.]+)"[^>]*?textLength="([\d.]+)"[^>]*?-line-(\d+)\)">(.*?)</text>', re.DOTALL)


def screen_segments(app: App) -> list[Segment]:
    """The styled segments the widgets on the screen render (Widget.render_lines, public API)."""
    return [
        segment
        for widget in app.screen.query("*")
        if widget.region
        for strip in widget.render_lines(Region(0, 0, *widget.outer_size))
        for segment in strip
    ]


def screen_text(app: App) -> str:
    """What the screen shows, one line per row, read from the app's own SVG screenshot (public API)."""
    rows: dict[int, dict[int, str]] = {}
    for x, length, row, escaped in _SVG_TEXT.findall(app.export_screenshot()):
        text = html.unescape(escaped).replace("\xa0", " ").rstrip("\n")
        if not text:
            continue
        column = round(float(x) / (float(length) / len(text)))
        cells = rows.setdefault(int(row), {})
        for char in text:
            cells[column] = char
            column += cell_len(char)
    lines = []
    for row in range(max(rows, default=-1) + 1):
        cells = rows.get(row, {})
        line, column = "", 0
        for at in sorted(cells):
            line += " " * max(0, at - column) + cells[at]
            column = at + cell_len(cells[at])
        lines.append(line.rstrip())
    return "\n".join(lines)


def assistant_texts(app: AsstApp) -> list[str]:
    return [entry.source for entry in app.chat.entries if entry.role == "assistant"]


def sdk_client(app: AsstApp) -> openai.AsyncOpenAI:
    """Another client of the app's embedded server, as a script using the openai SDK would be."""
    return openai.AsyncOpenAI(base_url=app.connection.backend.base_url, api_key="test", max_retries=0)
