"""The composition root: one server's parts (storage, sandbox, vector stores, runs) built, wired, started and stopped."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.types import ASGIApp

from .api.auth import ServerKeys
from .api.http_app import http_app
from .config import ServerConfig
from .lock import lock_data_dir
from .runs.engines import make_engine
from .runs.coordination import Coordination, LocalCoordination
from .runs.manager import RunManager
from .storage.interface import Storage
from .storage.postgres import open_postgres
from .storage.sqlite import open_sqlite
from .start_error import ServerStartError
from .tools.file_expiry import FileExpiry
from .tools.ingest import Ingester
from .tools.sandbox import Sandbox
from .tools.sandbox_modes import SandboxUnavailable, choose


class ServerState:
    """Everything a request handler needs: the keys, storage, the run manager, settings."""

    def __init__(self, config: ServerConfig) -> None:
        try:  # before the data dir is locked: a server that can't run code safely must not hold it
            isolation = choose(config.sandbox, loopback=config.is_loopback, allow_unisolated=config.allow_unisolated_code)
        except SandboxUnavailable as exc:
            raise ServerStartError(str(exc)) from None
        self.keys = ServerKeys(config.api_key, config.keys_file)  # first: a bad keys file stops the start before anything is opened
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.config = config
        self.data_lock = lock_data_dir(config.data_dir)
        try:
            self.storage = open_storage(config)
        except BaseException:
            self.data_lock.close()
            raise
        self.objects = self.storage.objects
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
        self.ingester = Ingester(self.storage.chunks, self.files)
        self.file_expiry = FileExpiry(self.objects, self.files, self.ingester)
        self.runs = RunManager(self.objects, self.files, make_engine(config), self.sandbox, self.ingester, config, coordination(config))


def open_storage(config: ServerConfig) -> Storage:
    """PostgreSQL when the config names a database, else SQLite in the data dir; file bytes in `config.files_path`."""
    if config.database is not None:
        return open_postgres(config.database, config.files_path)
    return open_sqlite(config.data_dir, config.files_path)


def coordination(config: ServerConfig) -> Coordination:
    """How this process agrees on runs with the others on its storage: none can share SQLite's data dir."""
    if config.database is None:
        return LocalCoordination()
    from .storage.pg_coordination import PgCoordination  # psycopg is an optional dependency

    return PgCoordination(config.database)


def build_app(state: ServerState) -> ASGIApp:
    """The server's ASGI app; its lifespan recovers and starts the runs and ingest, and closes everything at the end."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await state.runs.recover()
        state.runs.start_expiry()
        await state.ingester.recover(state.objects)
        await state.file_expiry.start()
        try:
            yield
        finally:
            await state.file_expiry.close()
            await state.runs.shutdown()
            await state.ingester.shutdown()
            await state.sandbox.close()
            await state.runs.close()
            await state.storage.close()
            state.data_lock.close()

    return http_app(state, state.keys, lifespan)
