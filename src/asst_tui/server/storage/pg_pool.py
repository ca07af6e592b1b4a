"""The server's connections to PostgreSQL: one psycopg async pool, opened in the server's event loop on first use.

The store is built before the event loop runs (the server checks the database and migrates it while it
starts, synchronously), so the pool itself opens at the first call, inside the loop that serves.
Connections are in autocommit; a call that needs several statements at once takes a transaction.
A statement waits at most LOCK_TIMEOUT for a lock another session holds (a migration, a backup, an
administrator's LOCK TABLE), then fails as busy (a 503 the client may retry), as SQLite's busy timeout.
The pool checks a connection before lending it (one empty query), so a database that restarted, or a
connection an administrator terminated, costs a reconnect rather than a failed request. A connection
that breaks during a call fails that call with a storage error (`pg_errors.py`) and is dropped.

SQLite's calls run inline, so a task cancelled meanwhile (a run being cancelled, the server stopping)
never cuts one off half-way. Here a call awaits the network: `uninterrupted` lets it finish first, then
lets the cancellation through, so a write is never left sent-but-unknown and a run's own clean-up
never races its last write.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

import psycopg
from psycopg_pool import AsyncConnectionPool

from .pg_errors import translated

MIN_CONNECTIONS = 1
MAX_CONNECTIONS = 10  # per server process; PostgreSQL's default max_connections is 100
CONNECT_TIMEOUT_S = 5
LOCK_TIMEOUT = "2s"
WAIT_TIMEOUT_S = 10.0  # the longest a call waits for a free connection before it fails as busy

P = ParamSpec("P")
T = TypeVar("T")


def uninterrupted(method: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """The coroutine method, run to its end even when its caller is cancelled meanwhile; the cancellation follows."""

    @functools.wraps(method)
    async def call(*args: P.args, **kwargs: P.kwargs) -> T:
        task = asyncio.ensure_future(method(*args, **kwargs))
        cancelled = False
        while not task.done():
            try:
                await asyncio.wait([task])
            except asyncio.CancelledError:
                cancelled = True
        if cancelled:
            if not task.cancelled():
                task.exception()  # seen: a cancelled caller has no use for the call's failure
            raise asyncio.CancelledError
        return task.result()

    return call


class PgPool:
    """One server's pool; `connection()` lends a connection, `close()` ends them all (idempotent)."""

    def __init__(self, dsn: str, *, min_size: int = MIN_CONNECTIONS, max_size: int = MAX_CONNECTIONS) -> None:
        self._dsn = dsn
        self._sizes = (min_size, max_size)
        self._pool: AsyncConnectionPool[psycopg.AsyncConnection[tuple[Any, ...]]] | None = None
        self._opening = asyncio.Lock()
        self._closed = False

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection[tuple[Any, ...]]]:
        """A connection for one call; psycopg's failures inside come out as storage errors."""
        with translated():
            pool = self._pool or await self._open()
            async with pool.connection(timeout=WAIT_TIMEOUT_S) as conn:
                yield conn

    async def _open(self) -> AsyncConnectionPool[psycopg.AsyncConnection[tuple[Any, ...]]]:
        async with self._opening:
            if self._closed:
                raise RuntimeError("the PostgreSQL store is closed")
            if self._pool is None:
                pool: AsyncConnectionPool[psycopg.AsyncConnection[tuple[Any, ...]]] = AsyncConnectionPool(
                    self._dsn,
                    min_size=self._sizes[0],
                    max_size=self._sizes[1],
                    kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S},
                    check=AsyncConnectionPool.check_connection,
                    configure=_configure,
                    open=False,
                    name="asst-tui",
                )
                await pool.open(wait=True, timeout=WAIT_TIMEOUT_S)
                self._pool = pool
            return self._pool

    async def close(self) -> None:
        async with self._opening:
            self._closed = True
            if self._pool is not None:
                await self._pool.close()
                self._pool = None


async def _configure(conn: psycopg.AsyncConnection[tuple[Any, ...]]) -> None:
    """Settings of every new connection of the pool."""
    await conn.execute("SELECT set_config('lock_timeout', %s, false)", (LOCK_TIMEOUT,))
