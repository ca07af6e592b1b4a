"""Run coordination between the server processes on one PostgreSQL database (the protocol of runs/coordination.py).

- Liveness: each process takes a key from a sequence and holds the session advisory lock (LIVE_LOCKS, key)
  on a connection of its own for as long as it lives. PostgreSQL drops the lock when that connection ends,
  SIGKILL included, so a process is alive exactly while `pg_locks` shows its lock granted.
- Claims: `run_claims` says which process drives which run; a claim whose process holds no lock is an orphan.
- The thread lock: a transaction advisory lock (THREAD_LOCKS, hashtext(thread id)), held on a pooled
  connection for the guard's body (a hash collision only makes two threads wait for each other).
- Cancel: NOTIFY on CANCEL_CHANNEL with the run id; every process LISTENs on its liveness connection.
- Waits: `run_waits` lists the runs that wait for tool outputs, and until when.

Guards take connections from one pool and the other statements from a second one: a guard's body runs those
statements while it holds its connection, and they never wait for a guard, so the pools can't deadlock.
The tables are made by the store's migrations (pg_schema.py), which run before the server starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from ..core.run_ref import RunRef
from .pg_errors import translated

log = logging.getLogger("asst_tui.server")

LIVE_LOCKS = 0x61730001  # advisory lock classes (the first key); the second is a process key or a thread's hash
THREAD_LOCKS = 0x61730002
CANCEL_CHANNEL = "asst_tui_run_cancel"
GUARD_POOLS = (2, 8)  # (connections kept open, most), per process
STATEMENT_POOLS = (2, 4)
RECONNECT_SECONDS = 0.5

LIVE = """
SELECT l.objid::bigint FROM pg_locks l
WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %(live)s AND l.objsubid = 2
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""


class PgCoordination:
    """One process's part in the coordination; `start` joins, `stop` leaves."""

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._life: psycopg.AsyncConnection[Any] | None = None
        self._guards: AsyncConnectionPool[Any] | None = None
        self._statements: AsyncConnectionPool[Any] | None = None
        self._listener: asyncio.Task[None] | None = None
        self.process: int | None = None  # this process's key, once started

    async def start(self, on_cancel: Callable[[str], None]) -> None:
        with translated():
            async with await psycopg.AsyncConnection.connect(self._dsn, autocommit=True) as conn:
                row = await (await conn.execute("SELECT nextval('process_keys')")).fetchone()
            assert row is not None
            self.process = row[0]
            self._life = await self._live()
            self._guards = AsyncConnectionPool(self._dsn, min_size=GUARD_POOLS[0], max_size=GUARD_POOLS[1], open=False, name="asst-tui-guards")
            self._statements = AsyncConnectionPool(
                self._dsn, min_size=STATEMENT_POOLS[0], max_size=STATEMENT_POOLS[1], kwargs={"autocommit": True}, open=False, name="asst-tui-coordination"
            )
            await self._guards.open(wait=True)
            await self._statements.open(wait=True)
        self._listener = asyncio.get_running_loop().create_task(self._listen(on_cancel))

    async def _live(self) -> psycopg.AsyncConnection[Any]:
        """A new liveness connection: this process's lock held, cancel requests listened to."""
        conn = await psycopg.AsyncConnection.connect(self._dsn, autocommit=True)
        await conn.execute("SELECT pg_advisory_lock(%s, %s)", (LIVE_LOCKS, self.process))
        await conn.execute(f"LISTEN {CANCEL_CHANNEL}")
        return conn

    async def _listen(self, on_cancel: Callable[[str], None]) -> None:
        """Hear cancel requests; when the liveness connection is lost (a database restart), make a new one."""
        while True:
            try:
                assert self._life is not None
                async for notify in self._life.notifies():
                    on_cancel(notify.payload)
            except psycopg.Error as exc:  # meanwhile this process looks dead to the others, who fail its runs
                log.error("lost the coordination connection to PostgreSQL (%s); reconnecting", exc)
            await self._life.close()
            while True:
                await asyncio.sleep(RECONNECT_SECONDS)
                try:
                    self._life = await self._live()
                    break
                except psycopg.Error as exc:
                    log.error("can't reconnect the coordination connection to PostgreSQL yet: %s", exc)

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
        for pool in (self._guards, self._statements):
            if pool is not None:
                await pool.close()
        if self._life is not None:
            await self._life.close()

    @contextlib.asynccontextmanager
    async def thread_guard(self, thread_id: str) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as held:
            with translated():
                assert self._guards is not None, "start() first"
                conn = await held.enter_async_context(self._guards.connection())
                await held.enter_async_context(conn.transaction())
                await conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (THREAD_LOCKS, thread_id))
            yield

    async def _run(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        assert self._statements is not None, "start() first"
        with translated():
            async with self._statements.connection() as conn:
                cursor = await conn.execute(sql, params)
                return await cursor.fetchall() if cursor.description else []

    async def claim(self, ref: RunRef) -> None:
        await self._run(
            "INSERT INTO run_claims VALUES (%(run)s, %(thread)s, %(project)s, %(process)s)"
            " ON CONFLICT (run_id) DO UPDATE SET process = EXCLUDED.process",
            {"run": ref.run_id, "thread": ref.thread_id, "project": ref.project, "process": self.process},
        )

    async def release(self, run_id: str) -> None:
        await self._run("DELETE FROM run_claims WHERE run_id = %(run)s", {"run": run_id})

    async def driven(self, run_ids: Iterable[str]) -> set[str]:
        ids = list(run_ids)
        if not ids:
            return set()
        rows = await self._run(f"SELECT run_id FROM run_claims WHERE run_id = ANY(%(runs)s) AND process IN ({LIVE})", {"runs": ids, "live": LIVE_LOCKS})
        return {row[0] for row in rows}

    async def orphaned_runs(self) -> list[RunRef]:
        rows = await self._run(f"SELECT run_id, thread_id, project FROM run_claims WHERE process NOT IN ({LIVE})", {"live": LIVE_LOCKS})
        return [RunRef(*row) for row in rows]

    async def request_cancel(self, run_id: str) -> None:
        await self._run("SELECT pg_notify(%(channel)s, %(run)s)", {"channel": CANCEL_CHANNEL, "run": run_id})

    async def wait(self, ref: RunRef, expires_at: int) -> None:
        await self._run(
            "INSERT INTO run_waits VALUES (%(run)s, %(thread)s, %(project)s, %(expires)s)"
            " ON CONFLICT (run_id) DO UPDATE SET expires_at = EXCLUDED.expires_at",
            {"run": ref.run_id, "thread": ref.thread_id, "project": ref.project, "expires": expires_at},
        )

    async def unwait(self, run_id: str) -> bool:
        return bool(await self._run("DELETE FROM run_waits WHERE run_id = %(run)s RETURNING run_id", {"run": run_id}))

    async def due(self, now: float) -> list[RunRef]:
        rows = await self._run("SELECT run_id, thread_id, project FROM run_waits WHERE expires_at <= %(now)s", {"now": int(now)})
        return [RunRef(*row) for row in rows]
