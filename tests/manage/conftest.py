"""Fixtures for assistant management, overrides, the run inspector, handlers and the non-interactive commands."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.screen import Screen

from asst_tui.client.backend import Backend
from asst_tui.registry import Registry
from asst_tui.server import EmbeddedServer, ServerConfig, start_server

from ..tui.conftest import home, no_openai_key, shared_servers  # noqa: F401 - the same private home and shared servers
from ..tui.helpers import screen_text, wait_for, write_config  # noqa: F401 - re-exported for the test modules

IDENTITY = "test@embedded"


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
