"""Helpers of the fault tests: the server in a child process (as the TUI runs it), its memory high-water mark."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from asst_tui.server import ChildServer, ServerConfig, spawn_server


@pytest.fixture
def child_server() -> Iterator[Callable[..., ChildServer]]:
    """spawn_server(ServerConfig(data_dir=..., port=0, demo_delay_ms=0, **overrides)), as the TUI starts it; stopped at teardown."""
    started: list[ChildServer] = []

    def start(data_dir: Path, **overrides: Any) -> ChildServer:
        server = spawn_server(ServerConfig(data_dir=data_dir, **{"port": 0, "demo_delay_ms": 0, **overrides}))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def peak_rss_mb(pid: int) -> float:
    """The process's memory high-water mark (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmHWM for process {pid}")


def figure(text: str) -> None:
    """A measured figure the README quotes; shown with `pytest -s`."""
    print(f"\nfigure: {text}")
