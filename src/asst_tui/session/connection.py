"""Start a backend for a profile: spawn the embedded server when the profile needs one, and build the client.

The openai SDK is imported only when `connect` runs (the TUI does that after its first frame); the
server runs in a process of its own.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import paths
from ..config import Profile

if TYPE_CHECKING:
    from ..client.backend import Backend

DEMO_DELAY_MS = 15  # the demo engine's pace per word when the profile does not set one

Connect = Callable[[Profile], Awaitable["Connection"]]
"""How a front end gets its backend for a profile: `connect` below, or (in tests) a shared server's."""


@dataclass
class Connection:
    """A live backend for the session, and the embedded server behind it if we started one."""

    backend: Backend
    profile: Profile
    server: Any = None
    engine_label: str = ""  # the embedded server's engine and upstream, e.g. "demo engine"
    notice: str | None = None  # why the configured engine could not be used
    sandbox_label: str = ""  # the embedded server's code interpreter sandbox: "isolated code interpreter (...)"

    async def close(self) -> None:
        await self.backend.close()
        if self.server is not None:
            await asyncio.to_thread(self.server.stop)


def effective_profile(profile: Profile, base_url: str | None) -> Profile:
    """The profile with a command-line base URL applied (which also gives it its own registry identity)."""
    return dataclasses.replace(profile, base_url=base_url) if base_url else profile


def uses_embedded_server(profile: Profile) -> bool:
    return profile.kind == "local" and not profile.base_url


def server_config(profile: Profile, environ: Mapping[str, str]) -> tuple[Any, str | None]:
    """The embedded server's settings, and a notice when the profile's engine cannot run (demo is used)."""
    from ..server import ServerConfig, local_engine

    delay = DEMO_DELAY_MS if profile.demo_delay_ms is None else profile.demo_delay_ms
    notice = None
    try:
        fields = local_engine(profile.engine, profile.upstream_base_url, profile.upstream_api_key_env, profile.models, environ)
    except ValueError as error:
        fields = {"engine": "demo"}
        notice = (
            f"The chat engine cannot start: {error}. The offline demo engine answers instead; "
            "fix the local profile in config.toml (or the environment) and restart asst-tui."
        )
    return ServerConfig(data_dir=paths.server_data_dir(), port=0, demo_delay_ms=delay, **fields), notice


async def connect(profile: Profile) -> Connection:
    """Start the embedded server when the profile needs one and build the backend (raises BackendError)."""
    server, label, notice, unreachable_hint = None, "", None, None
    base_url = profile.base_url
    if uses_embedded_server(profile):
        config, notice = server_config(profile, os.environ)
        running = await asyncio.to_thread(_running_server, config.data_dir)
        if running:  # another asst-tui (the TUI, or serve on the same data dir) has it: use that server
            base_url, label, notice = running, "the running asst-tui server", None
            unreachable_hint = "The asst-tui that ran the embedded server has stopped it; try again."
        else:
            server = await asyncio.to_thread(_spawn, config)
            base_url, label = server.base_url, config.engine_label
            unreachable_hint = f"The embedded server stopped (its log: {server.log_path}). Restart asst-tui to start it again."
    try:
        backend = await asyncio.to_thread(_backend_for, profile, base_url, unreachable_hint)
    except BaseException:
        if server is not None:
            await asyncio.to_thread(server.stop)
        raise
    sandbox = getattr(server, "sandbox_label", "") if server is not None else ""
    return Connection(backend, profile, server, label, notice, sandbox)


def _running_server(data_dir: Any) -> str | None:
    from ..server import running_server

    return running_server(data_dir)


def _spawn(config: Any) -> Any:
    """The embedded server in a child process of its own, so it never competes with the UI for the GIL."""
    from ..client.errors import BackendError
    from ..server import ServerStartError, spawn_server

    try:
        return spawn_server(config)
    except ServerStartError as error:
        raise BackendError(
            f"Could not start the embedded server: {error}", "Check the data dir, then try again.", kind="server"
        ) from None


def _backend_for(profile: Profile, base_url: str | None, unreachable_hint: str | None) -> Backend:
    from ..client.profiles import backend_for_profile

    return backend_for_profile(profile, base_url_override=base_url, unreachable_hint=unreachable_hint)
