"""Startup work done after the first frame: start the embedded server, connect, pick assistant and thread.

Everything heavy (the openai SDK) is imported here, inside the startup worker; the server runs in a
process of its own.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import paths
from ..config import Profile
from ..registry import AssistantEntry, Registry, ThreadEntry

if TYPE_CHECKING:
    from ..client.backend import Backend

DEMO_ASSISTANT_NAME = "Demo assistant"
DEMO_DELAY_MS = 15

GET_CURRENT_TEMPERATURE = {
    "type": "function",
    "function": {
        "name": "get_current_temperature",
        "description": "Get the current temperature for a location.",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "City and country, e.g. Paris, France"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "Temperature unit"},
            },
            "required": ["location", "unit"],
        },
    },
}

DEMO_ASSISTANT = {
    "name": DEMO_ASSISTANT_NAME,
    "model": "demo",
    "instructions": "You are the offline demo assistant of asst-tui.",
    "tools": [{"type": "code_interpreter"}, {"type": "file_search"}, GET_CURRENT_TEMPERATURE],
}


@dataclass
class Connection:
    """A live backend for the session, and the embedded server behind it if we started one."""

    backend: Backend
    profile: Profile
    server: Any = None
    engine_label: str = ""  # the embedded server's engine and upstream, e.g. "demo engine"
    notice: str | None = None  # why the configured engine could not be used

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
        server = await asyncio.to_thread(_spawn, config)
        base_url, label = server.base_url, config.engine_label
        unreachable_hint = f"The embedded server stopped (its log: {server.log_path}). Restart asst-tui to start it again."
    try:
        backend = await asyncio.to_thread(_backend_for, profile, base_url, unreachable_hint)
    except BaseException:
        if server is not None:
            await asyncio.to_thread(server.stop)
        raise
    return Connection(backend, profile, server, label, notice)


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


async def choose_assistant(
    backend: Backend, registry: Registry, profile: Profile, requested: str | None
) -> tuple[dict[str, Any] | None, bool]:
    """The assistant to chat with, and whether it was just created (the demo assistant, on a first run)."""
    from ..client.errors import BackendError

    identity = profile.identity
    wanted = requested or profile.default_assistant
    if wanted:
        assistant = await backend.retrieve_assistant(wanted)
        remember_assistant(registry, identity, assistant)
        return assistant, False
    for entry in registry.assistants(identity):
        try:
            assistant = await backend.retrieve_assistant(entry.id)
        except BackendError as error:
            if error.kind != "not_found":
                raise
            registry.remove_assistant(identity, entry.id)
            continue
        return assistant, False
    listed = await backend.list_assistants()
    if listed:
        remember_assistant(registry, identity, listed[0])
        return listed[0], False
    if profile.kind != "local":
        return None, False
    assistant = await backend.create_assistant(**DEMO_ASSISTANT)
    remember_assistant(registry, identity, assistant)
    return assistant, True


def remember_assistant(registry: Registry, identity: str, assistant: dict[str, Any]) -> None:
    registry.record_assistant(
        identity,
        AssistantEntry(assistant["id"], name=assistant.get("name") or "", created_at=int(assistant.get("created_at") or 0)),
    )


async def new_thread(backend: Backend, registry: Registry, identity: str, assistant_id: str | None) -> str:
    """Create a thread on the server and record it in the registry at once."""
    thread = await backend.create_thread()
    registry.record_thread(identity, ThreadEntry(thread["id"], assistant_id=assistant_id))
    return thread["id"]


def first_thread(registry: Registry, identity: str, requested: str | None) -> str | None:
    """The thread to open at startup: the requested one (adopted), else the most recent usable one."""
    if requested:
        registry.adopt_thread(identity, requested)
        return requested
    usable = [entry for entry in registry.threads(identity) if not entry.stale]
    return usable[0].id if usable else None
