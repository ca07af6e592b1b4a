"""Fixtures for assistant management, overrides, the run inspector, handlers and the non-interactive commands."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.screen import Screen

from asst_tui.client.backend import Backend
from asst_tui.registry import Registry
from asst_tui.server import EmbeddedServer, ServerConfig, start_server

IDENTITY = "test@embedded"


@pytest.fixture(autouse=True)
def no_openai_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's OPENAI_API_KEY would make the local profile pick the chat engine (and reach OpenAI)."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Everything asst-tui writes goes under tmp_path; the demo engine runs at full speed."""
    monkeypatch.setenv("ASST_TUI_HOME", str(tmp_path))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    write_config(tmp_path, '[profiles.local]\nkind = "local"\ndemo_delay_ms = 0\n')
    return tmp_path


def write_config(home: Path, text: str) -> Path:
    path = home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    """One embedded server (demo engine, no delay) shared by the screen tests; each test makes its own objects."""
    started = start_server(ServerConfig(data_dir=tmp_path_factory.mktemp("manage-server"), port=0, demo_delay_ms=0))
    yield started
    started.stop()


@pytest.fixture
async def backend(server: EmbeddedServer) -> AsyncIterator[Backend]:
    client = Backend.connect(base_url=server.base_url, kind="local", label="test")
    yield client
    await client.close()


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    book = Registry(tmp_path / "registry.toml")
    book.load()
    return book


class Host(App[None]):
    """Pushes one screen at mount and records what it dismisses with."""

    def __init__(self, make_screen: Callable[[], Screen]) -> None:
        super().__init__()
        self.make_screen = make_screen
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.make_screen(), self.results.append)


async def wait_for(pilot, condition: Callable[[], object], timeout: float = 10.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


def screen_text(app: App) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())
