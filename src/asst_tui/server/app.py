"""The composition root: one server's parts (storage, sandbox, vector stores, runs) built, wired, started and stopped."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.types import ASGIApp

from .api.http_app import http_app
from .config import ServerConfig
from .lock import lock_data_dir
from .runs.engines import make_engine
from .runs.manager import RunManager
from .storage.sqlite import open_sqlite
from .start_error import ServerStartError
from .tools.sandbox import Sandbox
from .tools.sandbox_modes import SandboxUnavailable, choose
from .tools.vector_stores import VectorStores


class ServerState:
    """Everything a request handler needs: storage, the run manager, settings."""

    def __init__(self, config: ServerConfig) -> None:
        try:  # before the data dir is locked: a server that can't run code safely must not hold it
            isolation = choose(config.sandbox, loopback=config.is_loopback, allow_unisolated=config.allow_unisolated_code)
        except SandboxUnavailable as exc:
            raise ServerStartError(str(exc)) from None
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.config = config
        self.data_lock = lock_data_dir(config.data_dir)
        self.storage = open_sqlite(config.data_dir)
        self.store = self.storage.objects
        self.files = self.storage.files
        self.sandbox = Sandbox(
            config.data_dir / "sandbox",
            timeout_s=config.sandbox_timeout_s,
            memory_mb=config.sandbox_memory_mb,
            disk_mb=config.sandbox_disk_mb,
            max_log_chars=config.sandbox_max_log_chars,
            isolation=isolation,
        )
        self.sandbox.reap_leftovers()  # workers a server that died left running: the data dir is ours now
        self.vector_stores = VectorStores(self.store, self.storage.chunks, self.files)
        self.runs = RunManager(self.store, self.files, make_engine(config), self.sandbox, self.vector_stores, config)


def build_app(state: ServerState) -> ASGIApp:
    """The server's ASGI app; its lifespan recovers and starts the runs and ingest, and closes everything at the end."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await state.runs.recover()
        state.runs.start_expiry()
        await state.vector_stores.start()
        try:
            yield
        finally:
            await state.runs.shutdown()
            await state.vector_stores.close()
            await state.sandbox.close()
            await state.storage.close()
            state.data_lock.close()

    return http_app(state, state.config.api_key, lifespan)
