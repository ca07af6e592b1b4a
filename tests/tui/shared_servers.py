"""Embedded servers shared by the full-app tests, so each test does not start a child server of its own.

`make_app()` hands the app `SharedServers.connect` as its backend: for a local profile on the demo
engine it connects to a child server started once per distinct server setting (the demo engine's pace)
for the whole test session; any other profile connects as the app itself would. Each test gets an
assistant of its own on the shared server, recorded in its private registry, so what one test does to
its assistant (tools, files, a rename) never reaches another. A test that needs the app to start its
own server (a first run, a server that stops) asks for `make_app(fresh_server=True)`.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import openai

from asst_tui.client.profiles import backend_for_profile
from asst_tui.config import Profile
from asst_tui.registry import AssistantEntry, Registry
from asst_tui.server import ChildServer, ServerConfig, spawn_server
from asst_tui.session.choose import DEMO_ASSISTANT
from asst_tui.session.connection import Connection, connect, server_config, uses_embedded_server


class SharedServers:
    """Child servers (demo engine) keyed by their settings, started at first use and stopped by `stop`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.servers: dict[str, tuple[ServerConfig, ChildServer]] = {}

    def server_for(self, profile: Profile) -> tuple[ServerConfig, ChildServer, str | None] | None:
        """The shared server this profile's embedded server would be, and the engine notice; None when not shareable."""
        if not uses_embedded_server(profile):
            return None
        config, notice = server_config(profile, os.environ)
        if config.engine != "demo":
            return None
        key = json.dumps({**json.loads(config.to_json()), "data_dir": ""}, sort_keys=True)
        if key not in self.servers:
            config = dataclasses.replace(config, data_dir=self.root / f"server-{len(self.servers)}")
            self.servers[key] = (config, spawn_server(config))
        config, server = self.servers[key]
        return config, server, notice

    def give_assistant(self, profile: Profile, registry: Registry) -> None:
        """A demo assistant of this test's own, recorded as the one it used last (unless the registry has one)."""
        shared = self.server_for(profile)
        if shared is None or registry.assistants(profile.identity):
            return
        client = openai.OpenAI(base_url=shared[1].base_url, api_key="test", max_retries=0)
        try:
            made = client.beta.assistants.create(**DEMO_ASSISTANT)
        finally:
            client.close()
        registry.record_assistant(profile.identity, AssistantEntry(made.id, name=made.name or "", created_at=made.created_at))

    async def connect(self, profile: Profile) -> Connection:
        """The app's backend: the shared server for a local demo profile, else what the app would start itself."""
        shared = self.server_for(profile)
        if shared is None:
            return await connect(profile)
        config, server, notice = shared
        hint = f"The embedded server stopped (its log: {server.log_path}). Restart asst-tui to start it again."
        backend = backend_for_profile(profile, base_url_override=server.base_url, unreachable_hint=hint)
        return Connection(backend, profile, None, config.engine_label, notice,  # not ours: closing leaves it running
                          server.sandbox_label)

    def stop(self) -> None:
        for _, server in self.servers.values():
            server.stop()
        self.servers.clear()
