"""Fixtures for Pilot tests: a private ASST_TUI_HOME with the demo engine at full speed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import helpers
from .helpers import write_config
from .shared_servers import SharedServers


@pytest.fixture(scope="session", autouse=True)
def shared_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedServers]:
    """The embedded servers make_app() shares between tests, stopped once the session ends."""
    servers = SharedServers(tmp_path_factory.mktemp("shared-servers"))
    helpers.SHARED = servers
    yield servers
    helpers.SHARED = None
    servers.stop()


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
    write_config(tmp_path, "[profiles.local]\nkind = \"local\"\ndemo_delay_ms = 0\n")
    return tmp_path
