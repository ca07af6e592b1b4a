"""Fixtures: one real embedded server for the module's tests, and a fresh Backend per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from asst_tui.client.backend import Backend
from asst_tui.server import EmbeddedServer, ServerConfig, start_server

API_KEY = "sk-client-tests-0123456789-secret"
MODEL = "demo-model"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_current_temperature",
        "description": "The temperature at a location.",
        "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]},
    },
}


def _start(data_dir: Path, **overrides: Any) -> EmbeddedServer:
    settings: dict[str, Any] = {"data_dir": data_dir, "port": 0, "demo_delay_ms": 0, "api_key": API_KEY}
    settings.update(overrides)
    return start_server(ServerConfig(**settings))


@pytest.fixture(scope="session")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    """The shared server: no delay per word, a key required. Tests make their own threads."""
    server = _start(tmp_path_factory.mktemp("client-server"))
    yield server
    server.stop()


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., EmbeddedServer]]:
    """Private servers with other settings (a delay per word...); stopped when the test ends."""
    started: list[EmbeddedServer] = []

    def make(**overrides: Any) -> EmbeddedServer:
        server = _start(tmp_path / f"server-{len(started)}", **overrides)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
async def backend(embedded: EmbeddedServer) -> AsyncIterator[Backend]:
    client = Backend.connect(base_url=embedded.base_url, api_key=API_KEY, kind="local", label="test")
    yield client
    await client.close()


@pytest.fixture
async def assistant(backend: Backend) -> dict[str, Any]:
    """An assistant with the code interpreter and the weather function."""
    return await backend.create_assistant(
        model=MODEL, name="Client tests", tools=[{"type": "code_interpreter"}, WEATHER_TOOL]
    )
