"""Fixtures: a real embedded server (demo engine, paced so a run can be watched while it goes), a Backend per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from asst_tui.client.backend import Backend
from asst_tui.server import EmbeddedServer, ServerConfig, start_server
from asst_tui.session.choose import DEMO_ASSISTANT


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    started = start_server(ServerConfig(data_dir=tmp_path_factory.mktemp("session-server"), port=0, demo_delay_ms=2))
    yield started
    started.stop()


@pytest.fixture
async def backend(server: EmbeddedServer) -> AsyncIterator[Backend]:
    client = Backend.connect(base_url=server.base_url, kind="local", label="test")
    yield client
    await client.close()


@pytest.fixture
async def assistant(backend: Backend) -> dict:
    return await backend.create_assistant(**DEMO_ASSISTANT)
