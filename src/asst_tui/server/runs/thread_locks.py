"""Per-thread locks in one server process: a check of a thread's runs and the change it allows happen together.

On SQLite a store call never suspends, so "is a run active? no: start one" could not interleave with
another request. On PostgreSQL every call awaits the network, so two requests could both see a free
thread and both start a run: the handlers hold the thread's lock from the check to the change.
(Several processes on one database need a lock in the database too; this one is for one process.)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class ThreadLocks:
    """An asyncio lock per thread id, kept only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, thread_id: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(thread_id, (asyncio.Lock(), 0))
        self._locks[thread_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[thread_id]
            if users == 1:
                del self._locks[thread_id]
            else:
                self._locks[thread_id] = (lock, users - 1)
